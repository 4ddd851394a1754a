"""One JVN iPedia entry as a plain record, read from an RSS `item` (mod_sec 2.0 or 3.0) or a VULDEF `Vulinfo`.

Problems are noted (with line and "JVNDB id/element" as field) rather than raised, so that a bad file is
refused with everything wrong in it; the caller raises when any was noted.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.cpe import Cpe, parse_cpe
from mamori.engines.vulns.errors import CpeError
from mamori.engines.vulns.jvn_versions import parse_jvn_version_text
from mamori.engines.vulns.jvn_xml import Problems, XmlElement
from mamori.engines.vulns.records import CvssScore
from mamori.engines.vulns.versions import VersionRange

__all__ = ["JST", "EntryReader", "JvnCpe", "JvnEntry", "marker_of", "text_of"]

JST = timezone(timedelta(hours=9), "JST")
RSS = "{http://purl.org/rss/1.0/}"
VULDEF = "{http://jvn.jp/vuldef/}"
SEC_NAMESPACES = ("http://jvn.jp/rss/mod_sec/", "http://jvn.jp/rss/mod_sec/3.0/")
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
# Element tags of an RSS item, as the field names used in messages.
_RSS_FIELDS = {RSS + "title": "title", RSS + "link": "link", RSS + "description": "description",
               _DC + "date": "dc:date", _DCTERMS + "issued": "dcterms:issued",
               _DCTERMS + "modified": "dcterms:modified",
               **{f"{{{ns}}}{name}": f"sec:{name}" for ns in SEC_NAMESPACES
                  for name in ("identifier", "references", "cpe", "cvss")}}
_JVNDB_ID = re.compile(r"JVNDB-[0-9]{4}-[0-9]{6,}")  # [0-9]: \d would also take non-ASCII digits
_CVE_ID = re.compile(r"CVE-[0-9]{4}-[0-9]{4,}")
_MARKER = re.compile(r"\*\*\s*(削除|未確定|サポート外)\s*\*\*")


class JvnCpe(msgspec.Struct, frozen=True, gc=False):
    """A product an entry names: JVN's CPE 2.2 URI (version ANY) with the feed's display names.

    `version_text` is one `VersionNumber` of the detail feed as written ("" in RSS); `versions` the ranges
    read from it, `()` when unknown (a hit then needs confirmation).
    """

    cpe: Cpe
    vendor_name: str
    product_name: str
    version_text: str = ""
    versions: tuple[VersionRange, ...] = ()


class JvnEntry(msgspec.Struct, frozen=True, gc=False):
    """One JVNDB entry: its Japanese title and description, the CVEs and JVN advisories it links, its products."""

    jvndb_id: str
    title: str
    url: str
    cve_ids: tuple[str, ...]
    jvnvu_ids: tuple[str, ...]  # every JVN advisory id: JVNVU#… (international) and JVN#… (domestic)
    advisories: tuple[tuple[str, str, str], ...]  # (source, id, url): ICS-CERT ADVISORY, vendor pages, 関連文書 …
    cpes: tuple[JvnCpe, ...]
    cvss: tuple[CvssScore, ...]
    cwes: tuple[str, ...]
    description: str
    published: datetime | None
    last_modified: datetime
    solution: str = ""
    date_public: datetime | None = None  # DatePublic of the detail feed: when the vulnerability was made public


def text_of(element: Element | None) -> str:
    """An element's text, stripped, line ends as `\\n` (JVN writes `&#13;`)."""
    if element is None:
        return ""
    text = "".join(element.itertext()) if len(element) else (element.text or "")
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def marker_of(*texts: str) -> str:
    """The invalidation marker (削除, 未確定 or サポート外) of the first text that has one, or ""."""
    for text in texts:
        if "*" in text or "＊" in text:
            found = _MARKER.search(unicodedata.normalize("NFKC", text))
            if found:
                return found.group(1)
    return ""


class _Links:
    """The identifiers and links of one entry, each kept once in the order first given."""

    def __init__(self) -> None:
        self.cves: dict[str, None] = {}
        self.jvn: dict[str, None] = {}
        self.advisories: dict[tuple[str, str, str], None] = {}
        self.cwes: dict[str, None] = {}


class EntryReader:
    """Turns RSS items and VULDEF Vulinfo elements of one file into entries, noting problems in `problems`."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.filename = problems.filename
        self.dropped: list[tuple[str, str]] = []
        self.position = 0
        self._cpes: dict[str, Cpe] = {}

    def time(self, text: str, line: int, where: str) -> datetime | None:
        """A JVN date (`2023-06-08T16:22+09:00`, seconds optional; JST when no offset), None when empty or bad."""
        if not text:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            self.problems.note(f"not a date and time: {text!r}", line, where, "feed_date_invalid", value=text)
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=JST)

    def _identifier(self, text: str, line: int) -> str | None:
        label = f"item[{self.position}]"
        if not text:
            self.problems.note("the entry has no identifier (JVNDB-YYYY-NNNNNN)", line, label, "feed_field_missing",
                              element="identifier")
            return None
        if not _JVNDB_ID.fullmatch(text):
            self.problems.note(f"not a JVNDB id: {text!r}", line, label, "feed_field_invalid", value=text)
            return None
        return text

    def _cpe(self, text: str, line: int, where: str) -> Cpe | None:
        found = self._cpes.get(text)
        if found is None:
            try:
                found = parse_cpe(text, InputLocation(self.filename, line, where))
            except CpeError as exc:
                self.problems.add_error(exc)
                return None
            self._cpes[text] = found
        return found

    def _cve(self, links: _Links, value: str, line: int, where: str) -> None:
        cve = value.strip().upper()
        if _CVE_ID.fullmatch(cve):
            links.cves[cve] = None
        else:
            self.problems.note(f"not a CVE id: {value!r}", line, where, "feed_bad_cve_id", value=value)

    def _score(self, version: str, score: str, severity: str, vector: str, line: int,
               where: str) -> CvssScore | None:
        try:
            base = float(score)
        except ValueError:
            base = -1.0
        if not 0.0 <= base <= 10.0:
            code, reason = ("feed_field_invalid", f"CVSS score {score!r} is not a number from 0 to 10") if score else (
                "feed_field_missing", "the CVSS entry has no score")
            self.problems.note(reason, line, where, code, value=score)
            return None
        return CvssScore(sys.intern(version.strip()), "JVN", "Primary", vector.strip(), base,
                         sys.intern(severity.strip()))

    def _drop(self, jvndb_id: str, *texts: str) -> bool:
        marker = marker_of(*texts)
        if marker:
            self.dropped.append((jvndb_id, marker))
        return bool(marker)

    @staticmethod
    def _entry(jvndb_id: str, title: str, url: str, links: _Links, cpes: Iterable[JvnCpe], cvss: Iterable[CvssScore],
               description: str, dates: tuple[datetime | None, datetime, datetime | None],
               solution: str = "") -> JvnEntry:
        published, last_modified, date_public = dates
        return JvnEntry(jvndb_id, title, url, tuple(links.cves), tuple(links.jvn), tuple(links.advisories),
                        tuple(dict.fromkeys(cpes)), tuple(cvss), tuple(links.cwes), description, published,
                        last_modified, solution, date_public)

    def _required_title(self, title: str, line: int, jvndb_id: str, element: str) -> bool:
        if not title:
            self.problems.note("the entry has no title", line, f"{jvndb_id}/{element}", "feed_field_missing",
                              element=element)
        return bool(title)

    def _last_modified(self, candidates: tuple[datetime | None, ...], problems_before: int, line: int,
                       jvndb_id: str, element: str) -> datetime | None:
        """The first date given; a problem when none is (and none was bad, which is noted already)."""
        found = next((d for d in candidates if d is not None), None)
        if found is None and self.problems.count == problems_before:
            self.problems.note("the entry has no date of last modification", line, f"{jvndb_id}/{element}",
                              "feed_field_missing", element=element)
        return found

    def rss_item(self, found: XmlElement) -> JvnEntry | None:
        """An RSS `item` as an entry; None when dropped or when it has problems."""
        self.position += 1
        fields: dict[str, list[Element]] = {}
        for child in found.element:
            name = _RSS_FIELDS.get(child.tag)
            if name is not None:
                fields.setdefault(name, []).append(child)

        def first(name: str) -> tuple[str, int]:
            elements = fields.get(name)
            return (text_of(elements[0]), found.line_of(elements[0])) if elements else ("", found.line)

        identifier, id_line = first("sec:identifier")
        jvndb_id = self._identifier(identifier, id_line)
        if jvndb_id is None:
            return None
        title, title_line = first("title")
        description = first("description")[0]
        if not self._required_title(title, title_line, jvndb_id, "title") or self._drop(jvndb_id, title, description):
            return None
        links = _Links()
        for index, ref in enumerate(fields.get("sec:references", ()), 1):
            self._rss_reference(links, ref, found.line_of(ref), f"{jvndb_id}/sec:references[{index}]")
        cpes = [c for i, e in enumerate(fields.get("sec:cpe", ()), 1)
                if (c := self._rss_cpe(e, found.line_of(e), f"{jvndb_id}/sec:cpe[{i}]")) is not None]
        scores = [s for i, e in enumerate(fields.get("sec:cvss", ()), 1) if (s := self._score(
            e.get("version", ""), e.get("score", "").strip(), e.get("severity", ""), e.get("vector", ""),
            found.line_of(e), f"{jvndb_id}/sec:cvss[{i}]")) is not None]
        before = self.problems.count
        dates = {name: self.time(*first(name), f"{jvndb_id}/{name}")
                 for name in ("dcterms:issued", "dcterms:modified", "dc:date")}
        last_modified = self._last_modified((dates["dcterms:modified"], dates["dc:date"], dates["dcterms:issued"]),
                                            before, found.line, jvndb_id, "dcterms:modified")
        if last_modified is None:
            return None
        url = first("link")[0] or found.element.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about", "")
        return self._entry(jvndb_id, title, url, links, cpes, scores, description,
                           (dates["dcterms:issued"], last_modified, None))

    def _rss_reference(self, links: _Links, ref: Element, line: int, where: str) -> None:
        source, ref_id, url = ref.get("source", "").strip(), ref.get("id", "").strip(), text_of(ref)
        upper = source.upper()
        if upper in ("CVE", "NVD"):
            self._cve(links, ref_id, line, f"{where}@id")
        elif upper == "JVN":
            links.jvn[ref_id] = None
        elif not source and ref_id.upper().startswith("CWE-"):
            links.cwes["CWE-" + ref_id[4:]] = None
        else:
            links.advisories[(sys.intern(source), ref_id, url)] = None

    def _rss_cpe(self, element: Element, line: int, where: str) -> JvnCpe | None:
        text = text_of(element)
        cpe = self._cpe(text, line, where) if text else None
        if cpe is None:
            return None
        vendor, product = element.get("vendor", "").strip(), element.get("product", "").strip()
        return JvnCpe(cpe, sys.intern(vendor), sys.intern(product))

    def vulinfo(self, found: XmlElement) -> JvnEntry | None:
        """A VULDEF `Vulinfo` as an entry; None when dropped or when it has problems."""
        self.position += 1
        element = found.element
        id_element = element.find(VULDEF + "VulinfoID")
        jvndb_id = self._identifier(text_of(id_element), found.line_of(id_element) if id_element is not None
                                    else found.line)
        if jvndb_id is None:
            return None
        data = element.find(VULDEF + "VulinfoData")
        if data is None:
            data = Element(VULDEF + "VulinfoData")
        title_element = data.find(VULDEF + "Title")
        title = text_of(title_element)
        description = text_of(data.find(f"{VULDEF}VulinfoDescription/{VULDEF}Overview"))
        line = found.line_of(title_element) if title_element is not None else found.line
        if not self._required_title(title, line, jvndb_id, "VulinfoData/Title") or self._drop(
                jvndb_id, title, description):
            return None
        links = _Links()
        for index, item in enumerate(data.iterfind(f"{VULDEF}Related/{VULDEF}RelatedItem"), 1):
            self._related(links, item, found.line_of(item), f"{jvndb_id}/Related/RelatedItem[{index}]")
        cpes = [c for index, item in enumerate(data.iterfind(f"{VULDEF}Affected/{VULDEF}AffectedItem"), 1)
                for c in self._affected(item, found, f"{jvndb_id}/Affected/AffectedItem[{index}]")]
        scores = [s for index, cvss in enumerate(data.iterfind(f"{VULDEF}Impact/{VULDEF}Cvss"), 1)
                  if (s := self._detail_score(cvss, found, f"{jvndb_id}/Impact/Cvss[{index}]")) is not None]
        before = self.problems.count
        dates = {}
        for name in ("DateFirstPublished", "DateLastUpdated", "DatePublic"):
            date_element = data.find(VULDEF + name)
            dates[name] = self.time(text_of(date_element), found.line_of(date_element) if date_element is not None
                                    else found.line, f"{jvndb_id}/{name}")
        last_modified = self._last_modified((dates["DateLastUpdated"], dates["DateFirstPublished"]), before,
                                            found.line, jvndb_id, "DateLastUpdated")
        if last_modified is None:
            return None
        solution = "\n".join(t for d in data.iterfind(f"{VULDEF}Solution/{VULDEF}SolutionItem/{VULDEF}Description")
                             if (t := text_of(d)))
        url = f"https://jvndb.jvn.jp/ja/contents/{jvndb_id[6:10]}/{jvndb_id}.html"  # where JVN publishes it
        return self._entry(jvndb_id, title, url, links,
                           cpes, scores, description,
                           (dates["DateFirstPublished"], last_modified, dates["DatePublic"]), solution)

    def _related(self, links: _Links, item: Element, line: int, where: str) -> None:
        kind = item.get("type", "")
        name, ref_id = text_of(item.find(VULDEF + "Name")), text_of(item.find(VULDEF + "VulinfoID"))
        url = text_of(item.find(VULDEF + "URL"))
        if kind == "cwe" and ref_id.upper().startswith("CWE-"):
            links.cwes["CWE-" + ref_id[4:]] = None
        elif kind == "advisory" and _CVE_ID.fullmatch(ref_id.upper()):
            self._cve(links, ref_id, line, f"{where}/VulinfoID")
        elif kind == "advisory" and (name == "JVN" or ref_id.startswith(("JVN#", "JVNVU#", "JVNTA#"))):
            links.jvn[ref_id] = None
        else:
            links.advisories[(sys.intern(name), ref_id, url)] = None

    def _affected(self, item: Element, found: XmlElement, where: str) -> list[JvnCpe]:
        cpe_element = item.find(VULDEF + "Cpe")
        text = text_of(cpe_element)
        if cpe_element is None or not text:
            return []  # a product without a CPE name ("(複数の製品)") cannot be matched by CPE
        cpe = self._cpe(text, found.line_of(cpe_element), f"{where}/Cpe")
        if cpe is None:
            return []
        vendor = sys.intern(text_of(item.find(VULDEF + "Name")))
        product = sys.intern(text_of(item.find(VULDEF + "ProductName")))
        texts = [text_of(v) for v in item.iterfind(VULDEF + "VersionNumber")] or [""]
        return [JvnCpe(cpe, vendor, product, t, parse_jvn_version_text(t)) for t in dict.fromkeys(texts)]

    def _detail_score(self, cvss: Element, found: XmlElement, where: str) -> CvssScore | None:
        base, vector = text_of(cvss.find(VULDEF + "Base")), text_of(cvss.find(VULDEF + "Vector"))
        if not base and not vector:
            return None  # an empty placeholder
        return self._score(cvss.get("version", ""), base, text_of(cvss.find(VULDEF + "Severity")), vector,
                           found.line_of(cvss), where)
