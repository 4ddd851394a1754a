"""NVD JSON feeds to plain records: CVE API 2.0 (responses and year/modified files), a bare 2.0 `cve`
object (as fkie-cad stores one per file) and the legacy 1.1 feed (`CVE_Items`, `cpe_match`, `children`).

Files may be plain, .gz, .xz or a one-file .zip. Decoding is typed (msgspec), so a year file of
200 MB takes well under a second and never builds the fields Mamori does not keep. All or nothing:
a corrupt or truncated file, a wrong type, a bad CPE or date anywhere raises FeedError naming the
file and the place (line for broken JSON, the JSON path for a bad value); no record of it is returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, TypeVar

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns import nvd_schema as schema
from mamori.engines.vulns.converter import RecordConverter, english
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedfiles import MAX_FEED_BYTES, read_feed_bytes
from mamori.engines.vulns.feedproblems import decode_error
from mamori.engines.vulns.nvd_legacy import convert_item11
from mamori.engines.vulns.records import (
    CisaKev,
    ConfigNode,
    Configuration,
    CveRecord,
    CvssScore,
    Reference,
    Weakness,
)

__all__ = ["NvdFeed", "parse_nvd_json", "read_nvd_file"]

FeedShape = Literal["api-2.0", "feed-1.1", "record-2.0"]
_MAX_PROBLEMS = 20
_Item = TypeVar("_Item", schema.Item20, schema.Cve11Item)


@dataclass(frozen=True, slots=True)
class NvdFeed:
    """The records of one NVD file, with its shape and the feed's own timestamp when it has one."""

    filename: str
    shape: FeedShape
    timestamp: datetime | None
    records: tuple[CveRecord, ...]


def _scores(metrics: schema.Metrics20) -> tuple[CvssScore, ...]:
    found = []
    for group in (metrics.cvss_v40, metrics.cvss_v31, metrics.cvss_v30, metrics.cvss_v2):
        for m in group:
            data = m.cvss_data
            found.append(CvssScore(data.version, m.source, m.type, data.vector_string, data.base_score,
                                   data.base_severity or m.base_severity))
    return tuple(found)


def _configurations20(cve: schema.Cve20, where: str, conv: RecordConverter) -> tuple[Configuration, ...]:
    configurations = []
    for c_index, config in enumerate(cve.configurations):
        c_where = f"{where}.configurations[{c_index}]"
        nodes = []
        for n_index, node in enumerate(config.nodes):
            n_where = f"{c_where}.nodes[{n_index}]"
            entries = []
            for m_index, m in enumerate(node.cpe_match):
                entry = conv.match(m.criteria, m.vulnerable, (
                    m.version_start_including, m.version_start_excluding, m.version_end_including,
                    m.version_end_excluding), m.match_criteria_id, f"{n_where}.cpeMatch[{m_index}].criteria")
                if entry is not None:
                    entries.append(entry)
            nodes.append(ConfigNode(conv.operator(node.operator, f"{n_where}.operator"), node.negate, tuple(entries)))
        operator = conv.operator(config.operator or "OR", f"{c_where}.operator")
        configurations.append(Configuration(operator, config.negate, tuple(nodes)))
    return tuple(configurations)


def convert_cve20(cve: schema.Cve20, where: str, conv: RecordConverter) -> CveRecord:
    """One API 2.0 `cve` object as a record (problems go to `conv`)."""
    kev = None
    if cve.cisa_exploit_add:
        kev = CisaKev(cve.cisa_exploit_add, cve.cisa_action_due, cve.cisa_required_action,
                      cve.cisa_vulnerability_name)
    return CveRecord(
        cve_id=conv.cve_id(cve.id, f"{where}.id"),
        published=conv.time(cve.published, f"{where}.published"),
        last_modified=conv.time(cve.last_modified, f"{where}.lastModified"),
        status=cve.vuln_status,
        description=english(cve.descriptions),
        cvss=_scores(cve.metrics),
        weaknesses=tuple(Weakness(d.value, w.source, w.type) for w in cve.weaknesses for d in w.description),
        references=tuple(Reference(r.url, r.source, tuple(r.tags)) for r in cve.references),
        configurations=_configurations20(cve, where, conv),
        kev=kev,
    )


def _decode_error(exc: msgspec.DecodeError, data: bytes | bytearray, filename: str) -> FeedError:
    return decode_error(exc, data, filename, None)


def _convert_all(items: list[_Item], prefix: str, conv: RecordConverter,
                 convert: Callable[[_Item, str, RecordConverter], CveRecord]) -> list[CveRecord]:
    """Convert every decoded item, letting go of each one as soon as it is converted (half the peak memory)."""
    records: list[CveRecord] = []
    items.reverse()
    index = 0
    while items:
        records.append(convert(items.pop(), f"{prefix}[{index}]", conv))
        index += 1
    return records


def _convert_item20(item: schema.Item20, where: str, conv: RecordConverter) -> CveRecord:
    return convert_cve20(item.cve, f"{where}.cve", conv)


def _feed_time(value: str | None, conv: RecordConverter, where: str) -> datetime | None:
    return conv.time(value, where) if value else None


def _decode(data: bytes | bytearray, filename: str) -> tuple[schema.Envelope, schema.Cve20 | None]:
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    try:
        envelope = msgspec.json.decode(data, type=schema.Envelope)
        bare = msgspec.json.decode(data, type=schema.Cve20) if envelope.id is not None else None
    except msgspec.DecodeError as exc:
        raise _decode_error(exc, data, filename) from exc
    return envelope, bare


def parse_nvd_json(data: bytes | bytearray, filename: str) -> NvdFeed:
    """Decode one NVD JSON document (already decompressed) into records, all or nothing."""
    return _convert(*_decode(data, filename), filename)


def _convert(envelope: schema.Envelope, bare: schema.Cve20 | None, filename: str) -> NvdFeed:
    conv = RecordConverter(filename)
    shape: FeedShape
    if envelope.vulnerabilities is not None:
        shape, timestamp = "api-2.0", _feed_time(envelope.timestamp, conv, "timestamp")
        records = _convert_all(envelope.vulnerabilities, "vulnerabilities", conv, _convert_item20)
    elif envelope.cve_items is not None:
        shape, timestamp = "feed-1.1", _feed_time(envelope.feed_timestamp, conv, "CVE_data_timestamp")
        records = _convert_all(envelope.cve_items, "CVE_Items", conv, convert_item11)
    elif bare is not None:
        shape, timestamp, records = "record-2.0", None, [convert_cve20(bare, "$", conv)]
    else:
        raise FeedError("not an NVD feed: no 'vulnerabilities', 'CVE_Items' or CVE 'id' at the top",
                        InputLocation(filename), code="feed_not_nvd")
    if conv.problems:
        first = conv.problems[0]
        more = f" (and {len(conv.problems) - 1} more problems)" if len(conv.problems) > 1 else ""
        raise FeedError(first.reason + more, first.location, tuple(conv.problems[:_MAX_PROBLEMS]), code=first.code,
                        params={**first.params, "more": len(conv.problems) - 1})
    return NvdFeed(filename, shape, timestamp, tuple(records))


def read_nvd_file(path: str | Path, max_bytes: int = MAX_FEED_BYTES) -> NvdFeed:
    """Read and decode one NVD file (.json, .json.gz, .json.xz or .zip), all or nothing."""
    path = Path(path)
    data = read_feed_bytes(path, max_bytes)
    decoded = _decode(data, path.name)
    del data  # the raw JSON (up to 200 MB a year) is not needed for the conversion
    return _convert(*decoded, path.name)
