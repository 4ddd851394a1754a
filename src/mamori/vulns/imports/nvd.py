"""Storing NVD records (API 2.0 / 1.1 feeds) in the catalogue: new, changed (newer lastModified), unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mamori.engines.vulns import CveRecord
from mamori.vulns.imports.bulk import held, pack, raw_upsert
from mamori.vulns.imports.result import StoreResult
from mamori.vulns.models import Vulnerability

MAX_REFERENCES = 20
# Reference tags worth keeping first: what a hospital acts on.
_USEFUL_TAGS = ("Vendor Advisory", "Patch", "Mitigation", "US Government Resource", "Third Party Advisory")
NVD_FIELDS = ("published", "last_modified", "nvd_status", "description", "cvss", "cvss_max", "cwes", "references",
              "configurations", "products", "in_nvd", "changed_at")


_TAG_RANK = {tag: n for n, tag in enumerate(_USEFUL_TAGS)}


def _rank(tags: tuple[str, ...]) -> int:
    return min((_TAG_RANK[t] for t in tags if t in _TAG_RANK), default=len(_USEFUL_TAGS))


def _references(record: CveRecord) -> list[dict[str, Any]]:
    ranked = sorted(record.references, key=lambda r: _rank(r.tags)) if len(record.references) > 1 else record.references
    return [{"url": r.url, "tags": list(r.tags)} for r in ranked[:MAX_REFERENCES]]


def _cvss(record: CveRecord) -> list[dict[str, Any]]:
    return [{"source": s.source, "type": s.type, "version": s.version, "score": s.base_score, "vector": s.vector,
             "severity": s.severity} for s in record.cvss]


_COLUMNS = ("cve_id", "first_seen", *NVD_FIELDS)


def _row(record: CveRecord, first_seen: dt.datetime, now: dt.datetime) -> tuple[object, ...]:
    """The values of _COLUMNS for one record."""
    return (record.cve_id, first_seen, record.published, record.last_modified, record.status[:32],
            record.description, _cvss(record), max((s.base_score for s in record.cvss), default=None),
            list(record.cwes), _references(record),
            pack(record.configurations) if record.configurations else None, products_text(record), True, now)


def products_text(record: CveRecord) -> str:
    """The (vendor, product) pairs of the record's configurations, one "vendor<TAB>product" per line."""
    named: dict[tuple[str, str], None] = {}
    for configuration in record.configurations:
        for node in configuration.nodes:
            for match in node.cpe_match:
                named[match.cpe.vendor, match.cpe.product] = None
    return "\n".join(f"{vendor}\t{product}" for vendor, product in named)


def store_nvd(records: Sequence[CveRecord], now: dt.datetime) -> StoreResult:
    """Write the records that are new or newer than what is held; older or equal ones are left alone."""
    known: dict[str, tuple[dt.datetime | None, dt.datetime, bool]] = held(
        Vulnerability, "cve_id", [r.cve_id for r in records], "last_modified", "first_seen", "in_nvd")
    result = StoreResult(records=len(records))
    rows = []
    seen: set[str] = set()
    for record in records:
        if record.cve_id in seen:
            continue
        seen.add(record.cve_id)
        previous = known.get(record.cve_id)
        if previous is None:
            result.add_new(record.cve_id)
            rows.append(_row(record, now, now))
            continue
        last_modified, first_seen, in_nvd = previous
        if in_nvd and last_modified is not None and record.last_modified <= last_modified:
            if record.last_modified < last_modified:
                result.stale += 1
            else:
                result.unchanged += 1
            continue
        result.add_changed(record.cve_id)
        rows.append(_row(record, first_seen, now))
    raw_upsert(Vulnerability, "cve_id", _COLUMNS, rows, NVD_FIELDS)
    return result
