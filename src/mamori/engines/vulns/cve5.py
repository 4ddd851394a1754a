"""CVE JSON 5 records (CVE Services, cisagov/vulnrichment) to plain records, with CISA's ADP additions.

    (record,) = read_cve5_file("CVE-2023-43208.json").records
    record.ssvc              # SsvcDecision(exploitation="active", automatable="yes", technical_impact="total", …)
    record.kev_date_added    # 2024-05-20, from the CISA-ADP container's "kev" entry

A file holds one record or a JSON list of records (a bundle). Kept: the CNA's title, English
description and `affected[]` (versions whitespace-stripped, nothing else changed); CVSS v4.0/3.1/3.0/2.0
from every container, each with the container's short name as source ("Primary" for the CNA's own,
"Secondary" for an ADP's); CWE ids from every container; the SSVC decision and KEV date from the ADP
containers (CISA-ADP first). SSVC values are lower-cased, because real records have "Active" and
"None". REJECTED records are kept with their state (their description is the rejection reason), for
the caller to drop.

All or nothing: broken JSON (with its line), a wrong type (with its JSON path, and the record's line
in a bundle), a bad CVE id, date, CWE or SSVC value, or a CVE twice in one bundle raises FeedError.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import msgspec

from mamori.engines.vulns import cve5_schema as schema
from mamori.engines.vulns.feedfiles import read_feed_bytes
from mamori.engines.vulns.feedproblems import (
    CVE_ID,
    FeedProblems,
    json_syntax_error,
    raw_offsets,
    split_validation_error,
)
from mamori.engines.vulns.records import CvssScore

__all__ = [
    "AffectedProduct",
    "AffectedVersion",
    "Cve5File",
    "Cve5Record",
    "SsvcDecision",
    "looks_like_cve5",
    "parse_cve5",
    "read_cve5_file",
]

_STATES = ("PUBLISHED", "REJECTED")
_CWE = re.compile(r"CWE-[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SSVC_VALUES = {"exploitation": ("none", "poc", "active"), "automatable": ("no", "yes"),
                "technical impact": ("partial", "total")}
_CVSS_VERSIONS = ("4.0", "3.1", "3.0", "2.0")
_DATA_TYPE = re.compile(rb'"dataType"\s*:\s*"CVE_RECORD"')


class SsvcDecision(msgspec.Struct, frozen=True, gc=False):
    """CISA's SSVC decision points for one CVE, lower-cased."""

    exploitation: str  # "none" | "poc" | "active"
    automatable: str  # "no" | "yes"
    technical_impact: str  # "partial" | "total"
    version: str = ""
    timestamp: datetime | None = None
    role: str = ""


class AffectedVersion(msgspec.Struct, frozen=True, gc=False):
    """One `versions[]` entry as the CNA wrote it, surrounding whitespace removed (" v7.2.8.810" is real)."""

    status: str
    version: str
    less_than: str = ""
    less_than_or_equal: str = ""
    version_type: str = ""


class AffectedProduct(msgspec.Struct, frozen=True, gc=False):
    """One CNA `affected[]` entry (`product` falls back to `packageName` when the CNA gives only that)."""

    vendor: str
    product: str
    versions: tuple[AffectedVersion, ...]
    default_status: str = ""
    cpes: tuple[str, ...] = ()


class Cve5Record(msgspec.Struct, frozen=True, gc=False):
    """One CVE as CVE JSON 5 describes it; `state` is "PUBLISHED" or "REJECTED"."""

    cve_id: str
    state: str
    published: datetime | None
    updated: datetime | None
    title: str
    description: str  # English
    affected: tuple[AffectedProduct, ...]  # CNA container
    cvss: tuple[CvssScore, ...]
    cwes: tuple[str, ...]
    ssvc: SsvcDecision | None
    kev_date_added: date | None  # from the ADP "kev" entry


class Cve5File(msgspec.Struct, frozen=True):
    """The records of one file: one record, or every record of a bundle in file order."""

    filename: str
    records: tuple[Cve5Record, ...]


def _english(texts: Sequence[schema.LangValue]) -> str:
    # CNAs write "en", "en-US" or "en-GB".
    return next((t.value.strip() for t in texts if t.lang.lower().split("-")[0] == "en"), "")


class _Converter:
    """Turns one decoded record into a Cve5Record, noting problems at (line, JSON path)."""

    def __init__(self, problems: FeedProblems, line: int | None, where: str) -> None:
        self.problems = problems
        self.line = line
        self.where = where

    def problem(self, path: str, reason: str, code: str, value: object = None) -> None:
        self.problems.add(reason, code=code, line=self.line, field=self.where + path, params={"value": value})

    def time(self, value: str, path: str) -> datetime | None:
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problem(path, f"not a date and time: {value!r}", "feed_bad_date", value)
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)  # CVE Services writes UTC

    def content(self, raw: msgspec.Raw, kind: type[schema.SsvcContent] | type[schema.KevContent],
                path: str) -> schema.SsvcContent | schema.KevContent | None:
        try:
            return msgspec.json.decode(raw, type=kind)
        except msgspec.ValidationError as exc:
            reason, inner = split_validation_error(exc)
            self.problem(path + inner, reason, "feed_bad_value")
            return None

    def ssvc(self, raw: msgspec.Raw, path: str) -> SsvcDecision | None:
        content = self.content(raw, schema.SsvcContent, path)
        if not isinstance(content, schema.SsvcContent):
            return None
        options = {key.strip().lower(): value.strip().lower() for option in content.options
                   for key, value in option.items()}
        chosen = [options.get(point, "") for point in _SSVC_VALUES]
        good = True
        for (point, allowed), value in zip(_SSVC_VALUES.items(), chosen, strict=True):
            if value not in allowed:
                self.problem(f"{path}.options", f"SSVC {point} must be {' or '.join(allowed)}, not {value!r}",
                             "feed_bad_ssvc", value)
                good = False
        if not good:
            return None
        return SsvcDecision(chosen[0], chosen[1], chosen[2], content.version,
                            self.time(content.timestamp, f"{path}.timestamp"), content.role)

    def kev(self, raw: msgspec.Raw, path: str) -> date | None:
        content = self.content(raw, schema.KevContent, path)
        if not isinstance(content, schema.KevContent):
            return None
        try:
            if _DATE.fullmatch(content.date_added):
                return date.fromisoformat(content.date_added)
        except ValueError:
            pass
        self.problem(f"{path}.dateAdded", f"not a date (YYYY-MM-DD): {content.date_added!r}", "feed_bad_date",
                     content.date_added)
        return None


def _containers(record: schema.Record) -> Iterator[tuple[str, schema.Container]]:
    """(JSON path, container): the CNA's, then the ADPs' with CISA-ADP first."""
    yield ".containers.cna", record.containers.cna
    adps = sorted(enumerate(record.containers.adp), key=lambda a: a[1].provider_metadata.short_name != "CISA-ADP")
    for index, adp in adps:
        yield f".containers.adp[{index}]", adp


def _scores(record: schema.Record, conv: _Converter) -> tuple[CvssScore, ...]:
    found = []
    for path, container in _containers(record):
        kind = "Primary" if path.endswith(".cna") else "Secondary"
        for m_index, metric in enumerate(container.metrics):
            for default, cvss in zip(_CVSS_VERSIONS, (metric.cvss_v4_0, metric.cvss_v3_1, metric.cvss_v3_0,
                                                      metric.cvss_v2_0), strict=True):
                if cvss is None:
                    continue
                if not 0.0 <= cvss.base_score <= 10.0:
                    conv.problem(f"{path}.metrics[{m_index}]", f"CVSS base score must be 0 to 10, not "
                                 f"{cvss.base_score}", "feed_out_of_range", cvss.base_score)
                found.append(CvssScore(cvss.version or default, container.provider_metadata.short_name, kind,
                                       cvss.vector_string, cvss.base_score, cvss.base_severity.upper()))
    return tuple(found)


def _cwes(record: schema.Record, conv: _Converter) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for path, container in _containers(record):
        for p_index, problem_type in enumerate(container.problem_types):
            for d_index, description in enumerate(problem_type.descriptions):
                cwe = description.cwe_id.strip()
                if not cwe:
                    continue
                if _CWE.fullmatch(cwe):
                    found[cwe] = None
                else:
                    conv.problem(f"{path}.problemTypes[{p_index}].descriptions[{d_index}].cweId",
                                 f"not a CWE id (CWE-N): {cwe!r}", "feed_bad_cwe", cwe)
    return tuple(found)


def _adp_signals(record: schema.Record, conv: _Converter) -> tuple[SsvcDecision | None, date | None]:
    ssvc: SsvcDecision | None = None
    kev: date | None = None
    seen_ssvc = seen_kev = False
    for path, container in _containers(record):
        if path.endswith(".cna"):
            continue
        for m_index, metric in enumerate(container.metrics):
            other = metric.other
            where = f"{path}.metrics[{m_index}].other.content"
            if other is not None and other.type == "ssvc" and not seen_ssvc:
                seen_ssvc, ssvc = True, conv.ssvc(other.content, where)
            elif other is not None and other.type == "kev" and not seen_kev:
                seen_kev, kev = True, conv.kev(other.content, where)
    return ssvc, kev


def _affected(container: schema.Container) -> tuple[AffectedProduct, ...]:
    return tuple(
        AffectedProduct(
            a.vendor.strip(), (a.product or a.package_name).strip(),
            tuple(AffectedVersion(v.status.strip(), v.version.strip(), v.less_than.strip(),
                                  v.less_than_or_equal.strip(), v.version_type.strip()) for v in a.versions),
            a.default_status.strip(), tuple(c.strip() for c in a.cpes))
        for a in container.affected)


def _convert(record: schema.Record, conv: _Converter) -> Cve5Record | None:
    before = conv.problems.count
    meta = record.cve_metadata
    if record.data_type != "CVE_RECORD":
        conv.problem(".dataType", f"not a CVE JSON 5 record: dataType is {record.data_type!r}, not 'CVE_RECORD'",
                     "feed_not_cve5", record.data_type)
    if not CVE_ID.fullmatch(meta.cve_id):
        conv.problem(".cveMetadata.cveId", f"not a CVE id (CVE-YYYY-NNNN): {meta.cve_id!r}", "feed_bad_cve_id",
                     meta.cve_id)
    if meta.state not in _STATES:
        conv.problem(".cveMetadata.state", f"state must be PUBLISHED or REJECTED, not {meta.state!r}",
                     "feed_bad_value", meta.state)
    cna = record.containers.cna
    ssvc, kev = _adp_signals(record, conv)
    converted = Cve5Record(
        cve_id=meta.cve_id,
        state=meta.state,
        published=conv.time(meta.date_published, ".cveMetadata.datePublished"),
        updated=conv.time(meta.date_updated, ".cveMetadata.dateUpdated"),
        title=cna.title.strip(),
        description=_english(cna.descriptions) or _english(cna.rejected_reasons),
        affected=_affected(cna),
        cvss=_scores(record, conv),
        cwes=_cwes(record, conv),
        ssvc=ssvc,
        kev_date_added=kev,
    )
    return converted if conv.problems.count == before else None


def _decoded(data: bytes | bytearray, filename: str,
             problems: FeedProblems) -> Iterator[tuple[schema.Record, int | None, str]]:
    """(record, line, JSON path) for each record that decodes; the others go to `problems`."""
    start = len(data) - len(data.lstrip())
    bundle = data[start:start + 1] == b"["
    try:
        items = msgspec.json.decode(data, type=list[msgspec.Raw] if bundle else msgspec.Raw)
    except msgspec.DecodeError as exc:
        raise json_syntax_error(exc, data, filename) from exc
    if not isinstance(items, list):
        items = [items]
    line, counted = 1, 0
    for index, (item, offset) in enumerate(zip(items, raw_offsets(data, items), strict=True)):
        line += data.count(b"\n", counted, offset)  # counted on from the record before: linear, not quadratic
        counted = offset
        where = f"$[{index}]" if bundle else "$"
        try:
            record = msgspec.json.decode(item, type=schema.Record)
        except msgspec.ValidationError as exc:
            reason, path = split_validation_error(exc)
            problems.add(reason, code="feed_bad_value", line=line if bundle else None, field=where + path)
            continue
        yield record, line if bundle else None, where


def parse_cve5(data: bytes | bytearray, filename: str) -> Cve5File:
    """Decode one CVE JSON 5 record or a JSON list of them (already decompressed), all or nothing."""
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    problems = FeedProblems(filename)
    records: list[Cve5Record] = []
    first: dict[str, str] = {}
    for raw, line, where in _decoded(data, filename, problems):
        record = _convert(raw, _Converter(problems, line, where))
        if record is None:
            continue
        if record.cve_id in first:
            problems.add(f"{record.cve_id} is in the file twice (first at {first[record.cve_id]})",
                         code="feed_duplicate_id", line=line, field=f"{where}.cveMetadata.cveId",
                         params={"value": record.cve_id, "first": first[record.cve_id]})
            continue
        first[record.cve_id] = where
        records.append(record)
    problems.raise_if_any()
    return Cve5File(filename, tuple(records))


def read_cve5_file(path: str | Path) -> Cve5File:
    """Read and decode one CVE JSON 5 file (.json; plain, .gz, .xz or one-file .zip), all or nothing."""
    path = Path(path)
    return parse_cve5(read_feed_bytes(path), path.name)


def looks_like_cve5(head: bytes) -> bool:
    """Whether the first bytes of a (decompressed) file look like a CVE JSON 5 record or bundle."""
    body = bytes(head[:8192]).removeprefix(b"\xef\xbb\xbf").lstrip()
    return body[:1] in (b"{", b"[") and (_DATA_TYPE.search(body) is not None or b'"cveMetadata"' in body)
