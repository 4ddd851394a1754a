"""CISA's Known Exploited Vulnerabilities catalogue (cisagov/kev-data), JSON or CSV, to plain entries.

    catalog = read_kev_file("known_exploited_vulnerabilities.json")   # or .csv, plain/.gz/.xz/.zip
    fortios = {e.cve_id: e for e in catalog.entries}["CVE-2022-42475"]   # date_added 2022-12-13, "Known"

JSON or CSV is told by the content. Fields are checked as CISA's schema requires them (the eight
required fields present and not empty, `cveID` matching `^CVE-[0-9]{4}-[0-9]{4,19}$`, dates as
YYYY-MM-DD, CWEs as CWE-N) and a cveID may appear only once. All or nothing: any bad entry raises
FeedError naming the file, the line (the CSV line, or the line of the JSON key) and the field.

The CSV must be UTF-8 (with or without a BOM), as CISA publishes it. A file re-saved by Excel on
Japanese Windows is CP932; it is refused with the byte offset instead of being decoded by guess,
because a wrong guess would import altered vendor and product names without a word.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedfiles import read_feed_bytes
from mamori.engines.vulns.feedproblems import (
    CVE_ID,
    FeedProblems,
    decode_utf8,
    json_syntax_error,
    raw_offsets,
    split_validation_error,
)

__all__ = ["KevCatalog", "KevEntry", "looks_like_kev", "parse_kev", "read_kev_file"]

_REQUIRED = ("cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded", "shortDescription",
             "requiredAction", "dueDate")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CWE = re.compile(r"CWE-[0-9]+")
_RANSOMWARE = {"known": "Known", "unknown": "Unknown", "": "Unknown"}
_FIRST_KEY = re.compile(r"\.(\w+)")
_CSV_ADVICE = ("; CISA publishes the KEV CSV as UTF-8: download it again, or save it from Excel as "
               "'CSV UTF-8' (a Japanese Excel saves CP932)")

# Where a field is: (line, field name as the message shows it), given the field's name in the schema.
_Place = Callable[[str], tuple[int | None, str]]


class KevEntry(msgspec.Struct, frozen=True):
    """One catalogue entry; text fields without surrounding whitespace (some real entries carry a stray space)."""

    cve_id: str
    vendor_project: str
    product: str
    name: str  # vulnerabilityName
    date_added: date
    short_description: str
    required_action: str
    due_date: date  # may be before date_added: emergency directives set earlier deadlines (CVE-2019-11510)
    ransomware: str  # "Known" | "Unknown" (knownRansomwareCampaignUse; absent → "Unknown")
    notes: str = ""
    cwes: tuple[str, ...] = ()


class KevCatalog(msgspec.Struct, frozen=True):
    """A whole catalogue. The CSV has no header fields: title and version are "" and date_released None."""

    filename: str
    title: str
    catalog_version: str
    date_released: datetime | None
    entries: tuple[KevEntry, ...]


class _RawEntry(msgspec.Struct, frozen=True, gc=False):
    """An entry as the JSON spells it (a CSV row is put in the same shape)."""

    cve_id: str = msgspec.field(name="cveID")
    vendor_project: str = msgspec.field(name="vendorProject")
    product: str = msgspec.field(name="product")
    name: str = msgspec.field(name="vulnerabilityName")
    date_added: str = msgspec.field(name="dateAdded")
    short_description: str = msgspec.field(name="shortDescription")
    required_action: str = msgspec.field(name="requiredAction")
    due_date: str = msgspec.field(name="dueDate")
    ransomware: str = msgspec.field(default="", name="knownRansomwareCampaignUse")
    notes: str = ""
    cwes: list[str] = msgspec.field(default_factory=list)


class _RawCatalog(msgspec.Struct, frozen=True, gc=False):
    catalog_version: str = msgspec.field(name="catalogVersion")
    date_released: str = msgspec.field(name="dateReleased")
    count: int
    vulnerabilities: list[msgspec.Raw]  # decoded one by one, to know each entry's line
    title: str = ""


def _date(value: str, name: str, place: _Place, problems: FeedProblems) -> date:
    text = value.strip()
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    if text:  # an empty one is already reported as missing
        line, where = place(name)
        problems.add(f"not a date (YYYY-MM-DD): {value!r}", code="feed_bad_date", line=line, field=where,
                     params={"value": value})
    return date.min


def _entry(raw: _RawEntry, place: _Place, problems: FeedProblems) -> KevEntry | None:
    """The checked entry, or None after noting its problems."""
    before = problems.count

    def problem(name: str, reason: str, code: str, value: str) -> None:
        line, where = place(name)
        problems.add(reason, code=code, line=line, field=where, params={"value": value})

    for name, value in zip(_REQUIRED, (raw.cve_id, raw.vendor_project, raw.product, raw.name, raw.date_added,
                                       raw.short_description, raw.required_action, raw.due_date), strict=True):
        if not value.strip():
            problem(name, "a required value is empty", "feed_missing_value", value)
    cve_id = raw.cve_id.strip()
    if cve_id and not CVE_ID.fullmatch(cve_id):
        problem("cveID", f"not a CVE id (CVE-YYYY-NNNN): {raw.cve_id!r}", "feed_bad_cve_id", raw.cve_id)
    added = _date(raw.date_added, "dateAdded", place, problems)
    due = _date(raw.due_date, "dueDate", place, problems)
    ransomware = _RANSOMWARE.get(raw.ransomware.strip().lower())
    if ransomware is None:
        problem("knownRansomwareCampaignUse", f"must be Known or Unknown, not {raw.ransomware!r}",
                "feed_bad_value", raw.ransomware)
    cwes = tuple(c.strip() for c in raw.cwes)
    for cwe in cwes:
        if not _CWE.fullmatch(cwe):
            problem("cwes", f"not a CWE id (CWE-N): {cwe!r}", "feed_bad_cwe", cwe)
    if problems.count > before or ransomware is None:
        return None
    return KevEntry(cve_id, raw.vendor_project.strip(), raw.product.strip(), raw.name.strip(), added,
                    raw.short_description.strip(), raw.required_action.strip(), due, ransomware,
                    raw.notes.strip(), cwes)


class _Entries:
    """The entries read so far, refusing a second entry for the same cveID."""

    def __init__(self, problems: FeedProblems) -> None:
        self.problems = problems
        self.entries: list[KevEntry] = []
        self._first: dict[str, int | None] = {}

    def add(self, entry: KevEntry | None, place: _Place) -> None:
        if entry is None:
            return
        line, where = place("cveID")
        if entry.cve_id in self._first:
            first = self._first[entry.cve_id]
            at = f" (first at line {first})" if first is not None else ""
            self.problems.add(f"{entry.cve_id} is listed twice{at}", code="feed_duplicate_id", line=line,
                              field=where, params={"value": entry.cve_id, "first_line": first})
            return
        self._first[entry.cve_id] = line
        self.entries.append(entry)


def _json_place(item: bytes, line: int, where: str) -> _Place:
    def place(name: str) -> tuple[int | None, str]:
        key = item.find(b'"' + name.encode() + b'"')
        return (line + item.count(b"\n", 0, key) if key >= 0 else line), f"{where}.{name}"
    return place


def _released(value: str, problems: FeedProblems) -> datetime | None:
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        problems.add(f"not a date and time: {value!r}", code="feed_bad_date", field="dateReleased",
                     params={"value": value})
        return None


def _parse_json(data: bytes | bytearray, filename: str) -> KevCatalog:
    try:
        doc = msgspec.json.decode(data, type=_RawCatalog)
    except msgspec.ValidationError as exc:
        reason, path = split_validation_error(exc)
        raise FeedError(reason, InputLocation(filename, None, "$" + path), code="feed_bad_value") from exc
    except msgspec.DecodeError as exc:
        raise json_syntax_error(exc, data, filename) from exc
    problems = FeedProblems(filename)
    released = _released(doc.date_released, problems)
    found = _Entries(problems)
    line, counted = 1, 0
    for index, (item, offset) in enumerate(zip(doc.vulnerabilities, raw_offsets(data, doc.vulnerabilities),
                                               strict=True)):
        line += data.count(b"\n", counted, offset)  # counted on from the entry before: linear, not quadratic
        counted = offset
        text = bytes(item)
        place = _json_place(text, line, f"vulnerabilities[{index}]")
        try:
            raw = msgspec.json.decode(text, type=_RawEntry)
        except msgspec.ValidationError as exc:
            reason, path = split_validation_error(exc)
            key = _FIRST_KEY.match(path)
            key_line, _ = place(key.group(1)) if key else place("")
            problems.add(reason, code="feed_bad_value", line=key_line, field=f"vulnerabilities[{index}]{path}")
            continue
        found.add(_entry(raw, place, problems), place)
    problems.raise_if_any()
    return KevCatalog(filename, doc.title, doc.catalog_version, released, tuple(found.entries))


def _csv_raw(row: list[str], columns: dict[str, int]) -> _RawEntry:
    def get(name: str) -> str:
        index = columns.get(name)
        return row[index] if index is not None else ""
    return _RawEntry(get("cveID"), get("vendorProject"), get("product"), get("vulnerabilityName"), get("dateAdded"),
                     get("shortDescription"), get("requiredAction"), get("dueDate"),
                     get("knownRansomwareCampaignUse"), get("notes"),
                     [c for c in get("cwes").split(",") if c.strip()])


def _parse_csv(data: bytes | bytearray, filename: str) -> KevCatalog:
    reader = csv.reader(io.StringIO(decode_utf8(data, filename, _CSV_ADVICE), newline=""), strict=True)
    header = [name.strip() for name in next(reader, [])]
    columns = {name: index for index, name in enumerate(header)}
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise FeedError(f"not a KEV CSV: the header has no {', '.join(missing)} column", InputLocation(filename, 1),
                        code="feed_missing_column", params={"columns": missing})
    problems = FeedProblems(filename)
    found = _Entries(problems)
    start = reader.line_num + 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # the rest of the file cannot be split reliably
            problems.add(f"broken CSV from this line on: {exc}", code="feed_malformed", line=start)
            break
        line, start = start, reader.line_num + 1
        if not row:
            continue
        if len(row) != len(header):
            problems.add(f"expected {len(header)} fields, found {len(row)}", code="feed_bad_row", line=line)
            continue
        place = _csv_place(line)
        found.add(_entry(_csv_raw(row, columns), place, problems), place)
    problems.raise_if_any()
    return KevCatalog(filename, "", "", None, tuple(found.entries))


def _csv_place(line: int) -> _Place:
    return lambda name: (line, name)


def _body(data: bytes | bytearray) -> bytes:
    """The first non-blank bytes, after any BOM."""
    return bytes(data[:4096]).removeprefix(b"\xef\xbb\xbf").lstrip()


def parse_kev(data: bytes | bytearray, filename: str) -> KevCatalog:
    """Decode a KEV catalogue (already decompressed), JSON or CSV by its content, all or nothing."""
    if _body(data).startswith(b"{"):
        return _parse_json(data[3:] if data[:3] == b"\xef\xbb\xbf" else data, filename)
    return _parse_csv(data, filename)


def read_kev_file(path: str | Path) -> KevCatalog:
    """Read and decode one KEV file (.json or .csv; plain, .gz, .xz or one-file .zip), all or nothing."""
    path = Path(path)
    return parse_kev(read_feed_bytes(path), path.name)


def looks_like_kev(head: bytes) -> bool:
    """Whether the first bytes of a (decompressed) file look like a KEV catalogue, JSON or CSV."""
    body = _body(head)
    if body.startswith(b"{"):
        return b'"catalogVersion"' in body or (b'"vulnerabilities"' in body and b'"cveID"' in body)
    return body.startswith((b"cveID,", b'"cveID",'))
