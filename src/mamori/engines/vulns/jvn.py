"""JVN iPedia feeds to plain entries: the RSS 1.0/RDF feeds (`jvndb_YYYY.rdf`, `jvndb.rdf`, `jvndb_new.rdf`)
and MyJVN getVulnOverviewList (mod_sec 2.0 and 3.0), the VULDEF 3.2 detail feed (`jvndb_detail_YYYY.rdf`)
and MyJVN getVulnDetailInfo, and `checksum.txt`.

    feed = read_jvn_file("jvndb_2019.rdf")        # plain, .gz, .xz or .zip
    entry = feed.entries[0]                       # JVNDB-2019-013490: CVE-2019-19781, JVNVU#92281641

JVN gives CPE 2.2 URIs without versions; only the detail feed says which versions, in Japanese free text
(`parse_jvn_version_text` reads it where that is safe). Entries marked `** 削除 **`, `** 未確定 **` or
`** サポート外 **` are left out and listed in `dropped`. All or nothing: hostile, malformed or truncated
XML, a missing identifier or title, a bad date, CPE name or CVE id, or a MyJVN error answer raises
FeedError with the file, line and field (JVNDB id and element); no entry of that file is returned.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedfiles import MAX_FEED_BYTES, read_feed_bytes
from mamori.engines.vulns.jvn_checksum import JvnChecksum, parse_jvn_checksums, verify_jvn_checksum
from mamori.engines.vulns.jvn_entries import JST, RSS, SEC_NAMESPACES, VULDEF, EntryReader, JvnCpe, JvnEntry, text_of
from mamori.engines.vulns.jvn_versions import parse_jvn_version_text
from mamori.engines.vulns.jvn_xml import Problems, XmlElement, XmlStream

__all__ = [
    "JST",
    "JvnChecksum",
    "JvnCpe",
    "JvnEntry",
    "JvnFeed",
    "looks_like_jvn",
    "parse_jvn_checksums",
    "parse_jvn_version_text",
    "parse_jvn_xml",
    "read_jvn_file",
    "verify_jvn_checksum",
]

_RDF_ROOT = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}RDF"
_VULDEF_ROOT = VULDEF + "VULDEF-Document"
_ITEM, _CHANNEL, _VULINFO = RSS + "item", RSS + "channel", VULDEF + "Vulinfo"
_STATUS = "{http://jvndb.jvn.jp/myjvn/Status}Status"
_WANTED = frozenset({_ITEM, _CHANNEL, _VULINFO, _STATUS})
_ROOTS = frozenset({_RDF_ROOT, _VULDEF_ROOT})
_CHANNEL_DATES = ("{http://purl.org/dc/terms/}modified", "{http://purl.org/dc/elements/1.1/}date")
_SNIFF = (*(ns.encode() for ns in SEC_NAMESPACES), VULDEF[1:-1].encode())


class JvnFeed(msgspec.Struct, frozen=True):
    """The entries of one JVN file and those it marks withdrawn, unconfirmed or unsupported.

    `timestamp` is the RSS channel's `dcterms:modified` (None in the detail feed); `total_results` is a
    MyJVN answer's `totalRes` (all matching entries, of which this page holds `entries`), else None.
    """

    filename: str
    kind: Literal["rss", "detail"]
    entries: tuple[JvnEntry, ...]
    dropped: tuple[tuple[str, str], ...]  # (JVNDB id, marker: 削除 / 未確定 / サポート外)
    timestamp: datetime | None = None
    total_results: int | None = None


class _FeedReader:
    """Reads one document: entries through EntryReader, plus the RSS channel and the MyJVN status."""

    def __init__(self, filename: str) -> None:
        self.problems = Problems(filename)
        self.entries = EntryReader(self.problems)
        self.timestamp: datetime | None = None
        self.total_results: int | None = None

    def channel(self, found: XmlElement) -> None:
        for tag in _CHANNEL_DATES:
            element = found.element.find(tag)
            text = text_of(element)
            if element is not None and text:
                name = "dcterms:modified" if tag == _CHANNEL_DATES[0] else "dc:date"
                self.timestamp = self.entries.time(text, found.line_of(element), f"channel/{name}")
                return

    def status(self, found: XmlElement) -> None:
        """MyJVN's `status:Status`: raises FeedError `feed_myjvn_error` when the API answered with an error."""
        attributes = found.element.attrib
        code = attributes.get("retCd", "0").strip() or "0"
        if code != "0":
            error, message = attributes.get("errCd", ""), attributes.get("errMsg", "")
            raise FeedError(f"the MyJVN API answered with an error (retCd {code}, errCd {error or '-'}): "
                            f"{message or 'no message'}", InputLocation(self.problems.filename, found.line,
                                                                        "status:Status@retCd"),
                            code="feed_myjvn_error", params={"retCd": code, "errCd": error, "errMsg": message})
        total = attributes.get("totalRes", "").strip()
        if total.isdigit():
            self.total_results = int(total)


def parse_jvn_xml(data: bytes | bytearray, filename: str) -> JvnFeed:
    """Read one JVN XML document (already decompressed): RSS, detail feed or MyJVN answer, all or nothing."""
    reader = _FeedReader(filename)
    stream = XmlStream(data, filename, _WANTED, _ROOTS)
    entries: list[JvnEntry] = []
    for found in stream:
        tag = found.element.tag
        if tag == _ITEM:
            entry = reader.entries.rss_item(found)
        elif tag == _VULINFO:
            entry = reader.entries.vulinfo(found)
        else:
            if tag == _CHANNEL:
                reader.channel(found)
            else:
                reader.status(found)
            continue
        if entry is not None and not reader.problems.count:
            entries.append(entry)
    reader.problems.raise_if_any()
    kind: Literal["rss", "detail"] = "detail" if stream.root_tag == _VULDEF_ROOT else "rss"
    return JvnFeed(filename, kind, tuple(entries), tuple(reader.entries.dropped), reader.timestamp,
                   reader.total_results)


def read_jvn_file(path: str | Path, max_bytes: int = MAX_FEED_BYTES) -> JvnFeed:
    """Read one JVN file (.rdf/.xml, .gz, .xz or a one-file .zip), all or nothing."""
    path = Path(path)
    return parse_jvn_xml(read_feed_bytes(path, max_bytes), path.name)


def looks_like_jvn(head: bytes) -> bool:
    """True when the first bytes of a (decompressed) file look like a JVN RSS or VULDEF document.

    Cheap: looks for an XML start and the mod_sec or VULDEF namespace in the first 4 KB. MyJVN's product
    and vendor lists are not JVN vulnerability feeds and give False.
    """
    sample = head[:4096]
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
        sample = sample.decode("utf-16", errors="ignore").encode("utf-8")
    if not sample.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return False
    return any(namespace in sample for namespace in _SNIFF)
