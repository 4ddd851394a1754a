"""Storing KEV, EPSS and CVE JSON 5 (SSVC) data in the catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from mamori.engines.vulns.cve5 import Cve5Record
from mamori.engines.vulns.epss import EpssFile
from mamori.engines.vulns.kev import KevCatalog
from mamori.engines.vulns.records import CvssScore
from mamori.vulns.imports.bulk import held, raw_upsert, upsert
from mamori.vulns.imports.result import StoreResult
from mamori.vulns.models import CveEnrichment, EpssScore, KevEntry, Vulnerability


def cvss_rows(scores: Sequence[CvssScore]) -> list[dict[str, Any]]:
    return [{"source": s.source, "type": s.type, "version": s.version, "score": s.base_score, "vector": s.vector,
             "severity": s.severity} for s in scores]


def ensure_known(descriptions: Mapping[str, str], now: dt.datetime) -> int:
    """Catalogue rows for CVEs only another source names yet (findings point at them); returns how many."""
    missing = set(descriptions) - set(held(Vulnerability, "cve_id", list(descriptions), "id"))
    Vulnerability.objects.bulk_create(
        (Vulnerability(cve_id=cve_id, description=descriptions[cve_id], first_seen=now, changed_at=now)
         for cve_id in sorted(missing)), batch_size=500, ignore_conflicts=True)
    return len(missing)


_KEV_FIELDS = ("vendor_project", "product", "name", "date_added", "short_description", "required_action",
               "due_date", "ransomware", "notes", "cwes", "catalog_version")


def store_kev(catalog: KevCatalog, now: dt.datetime) -> StoreResult:
    """Upsert every entry; an entry not seen before counts as new (a KEV addition), a different one as changed."""
    result = StoreResult(records=len(catalog.entries))
    compared = ("cve_id", *(f for f in _KEV_FIELDS if f != "catalog_version"))
    known = {row[0]: row for row in KevEntry.objects.values_list(*compared, "first_seen")}
    rows = []
    for e in catalog.entries:
        row = KevEntry(cve_id=e.cve_id, vendor_project=e.vendor_project[:200], product=e.product[:200],
                       name=e.name[:300], date_added=e.date_added, short_description=e.short_description,
                       required_action=e.required_action, due_date=e.due_date, ransomware=e.ransomware == "Known",
                       notes=e.notes, cwes=list(e.cwes), catalog_version=catalog.catalog_version[:32],
                       first_seen=now)
        previous = known.get(e.cve_id)
        if previous is None:
            result.add_new(e.cve_id)
        else:
            row.first_seen = previous[-1]
            if tuple(getattr(row, f) for f in compared) != previous[:-1]:
                result.add_changed(e.cve_id)
            else:
                result.unchanged += 1
        rows.append(row)
    upsert(KevEntry, rows, "cve_id", _KEV_FIELDS)
    ensure_known({e.cve_id: e.short_description for e in catalog.entries}, now)
    result.notes["catalog_version"] = catalog.catalog_version
    return result


def store_epss(scores: EpssFile, now: dt.datetime) -> StoreResult:
    """Replace the scores with the file's, unless a newer day's file was imported already."""
    result = StoreResult(records=len(scores.scores))
    newest = EpssScore.objects.order_by("-score_date").values_list("score_date", flat=True).first()
    if newest is not None and scores.score_date is not None and scores.score_date < newest:
        result.stale = len(scores.scores)
        result.notes["held_date"] = newest.isoformat()
        return result
    known = dict(EpssScore.objects.values_list("cve_id", "epss"))
    for s in scores.scores:
        previous = known.get(s.cve_id)
        if previous is None:
            result.new += 1
        elif previous != s.epss:
            result.changed += 1
        else:
            result.unchanged += 1
    raw_upsert(EpssScore, "cve_id", ("cve_id", "epss", "percentile", "score_date"),
               ((s.cve_id, s.epss, s.percentile, scores.score_date) for s in scores.scores),
               ("epss", "percentile", "score_date"))
    result.notes["score_date"] = scores.score_date.isoformat() if scores.score_date else None
    result.notes["model_version"] = scores.model_version
    return result


_CVE5_FIELDS = ("title", "description", "state", "updated", "ssvc_exploitation", "ssvc_automatable",
                "ssvc_technical_impact", "ssvc_timestamp", "cvss", "cwes", "affected")


def _affected(record: Cve5Record) -> list[dict[str, Any]]:
    return [{"vendor": a.vendor, "product": a.product, "default_status": a.default_status,
             "versions": [{"status": v.status, "version": v.version, "less_than": v.less_than,
                           "less_than_or_equal": v.less_than_or_equal, "type": v.version_type} for v in a.versions]}
            for a in record.affected]


def store_cve5(records: Sequence[Cve5Record], now: dt.datetime) -> StoreResult:
    """Upsert the enrichment of each published record; REJECTED records are dropped (and counted)."""
    result = StoreResult(records=len(records))
    live = [r for r in records if r.state.upper() != "REJECTED"]
    result.dropped = len(records) - len(live)
    known = held(CveEnrichment, "cve_id", [r.cve_id for r in live], "updated")
    rows = []
    for r in live:
        ssvc = r.ssvc
        rows.append(CveEnrichment(
            cve_id=r.cve_id, title=r.title[:500], description=r.description, state=r.state[:16], updated=r.updated,
            ssvc_exploitation=ssvc.exploitation if ssvc else "", ssvc_automatable=ssvc.automatable if ssvc else "",
            ssvc_technical_impact=ssvc.technical_impact if ssvc else "",
            ssvc_timestamp=ssvc.timestamp if ssvc else None, cvss=cvss_rows(r.cvss), cwes=list(r.cwes),
            affected=_affected(r)))
        if r.cve_id not in known:
            result.add_new(r.cve_id)
        elif known[r.cve_id] != r.updated:
            result.add_changed(r.cve_id)
        else:
            result.unchanged += 1
    upsert(CveEnrichment, rows, "cve_id", _CVE5_FIELDS)
    ensure_known({r.cve_id: r.description for r in live}, now)
    return result
