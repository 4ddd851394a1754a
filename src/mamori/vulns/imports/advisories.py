"""Storing JVN iPedia entries and CSAF advisories in the catalogue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from mamori.engines.vulns.csaf import CsafAdvisory as ParsedAdvisory
from mamori.engines.vulns.jvn import JvnEntry as ParsedJvnEntry
from mamori.engines.vulns.versions import VersionRange
from mamori.vulns.imports.bulk import held, pack, upsert
from mamori.vulns.imports.result import StoreResult
from mamori.vulns.imports.sources import cvss_rows, ensure_known
from mamori.vulns.models import CsafAdvisory, CsafCve, JvnCve, JvnEntry

_JVN_FIELDS = ("title", "url", "cve_ids", "jvnvu_ids", "advisories", "cpes", "cvss", "cwes", "description",
               "published", "last_modified")


def range_row(r: VersionRange) -> dict[str, str | None]:
    return {"start_including": r.start_including, "start_excluding": r.start_excluding,
            "end_including": r.end_including, "end_excluding": r.end_excluding}


def _jvn_row(e: ParsedJvnEntry, first_seen: dt.datetime) -> JvnEntry:
    cpes: list[dict[str, Any]] = [
        {"cpe": c.cpe.to_fs(), "vendor": c.vendor_name, "product": c.product_name, "version_text": c.version_text,
         "ranges": [range_row(r) for r in c.versions]} for c in e.cpes]
    return JvnEntry(jvndb_id=e.jvndb_id, title=e.title[:500], url=e.url[:300], cve_ids=list(e.cve_ids),
                    jvnvu_ids=list(e.jvnvu_ids), advisories=[list(a) for a in e.advisories], cpes=cpes,
                    cvss=cvss_rows(e.cvss), cwes=list(e.cwes), description=e.description, published=e.published,
                    last_modified=e.last_modified, first_seen=first_seen)


def store_jvn(entries: Sequence[ParsedJvnEntry], dropped: int, now: dt.datetime) -> StoreResult:
    """Upsert entries newer than what is held, with their CVE links; the CVEs become known to the catalogue."""
    result = StoreResult(records=len(entries), dropped=dropped)
    known: dict[str, tuple[dt.datetime, dt.datetime]] = held(
        JvnEntry, "jvndb_id", [e.jvndb_id for e in entries], "last_modified", "first_seen")
    rows = []
    for e in entries:
        previous = known.get(e.jvndb_id)
        if previous is None:
            result.add_new(e.jvndb_id)
        elif e.last_modified > previous[0]:
            result.add_changed(e.jvndb_id)
        else:
            if e.last_modified < previous[0]:
                result.stale += 1
            else:
                result.unchanged += 1
            continue
        rows.append(_jvn_row(e, previous[1] if previous else now))
    upsert(JvnEntry, rows, "jvndb_id", _JVN_FIELDS)
    ids = dict(JvnEntry.objects.filter(jvndb_id__in=[r.jvndb_id for r in rows]).values_list("jvndb_id", "pk"))
    JvnCve.objects.filter(entry_id__in=ids.values()).delete()
    JvnCve.objects.bulk_create(JvnCve(entry_id=ids[r.jvndb_id], cve_id=cve) for r in rows for cve in r.cve_ids)
    ensure_known({cve: "" for r in rows for cve in r.cve_ids}, now)
    return result


def _remediation(advisory: ParsedAdvisory, cve_id: str) -> str:
    for v in advisory.vulnerabilities:
        if v.cve_id == cve_id:
            return "\n".join(f"[{r.category}] {r.details}" for r in v.remediations)[:4000]
    return ""


def store_csaf(advisory: ParsedAdvisory, filename: str, sha256: str, now: dt.datetime) -> StoreResult:
    """One advisory: new, a newer release (changed) or one already held (unchanged / stale)."""
    result = StoreResult(records=1)
    previous = CsafAdvisory.objects.filter(tracking_id=advisory.tracking_id).first()
    if previous is not None and advisory.current_release_date <= previous.current_release:
        if advisory.current_release_date < previous.current_release:
            result.stale = 1
        else:
            result.unchanged = 1
        return result
    cves = list(dict.fromkeys(v.cve_id for v in advisory.vulnerabilities if v.cve_id))
    values = {"title": advisory.title[:500], "publisher": advisory.publisher[:200],
              "initial_release": advisory.initial_release_date, "current_release": advisory.current_release_date,
              "version": advisory.version[:32], "filename": filename[:255], "sha256": sha256,
              "product_count": len(advisory.products), "cve_ids": cves, "parsed": pack(advisory)}
    row, created = CsafAdvisory.objects.update_or_create(tracking_id=advisory.tracking_id, defaults=values,
                                                         create_defaults={**values, "first_seen": now})
    (result.add_new if created else result.add_changed)(advisory.tracking_id)
    row.cve_links.all().delete()
    scores = {v.cve_id: cvss_rows(v.scores) for v in advisory.vulnerabilities if v.cve_id}
    CsafCve.objects.bulk_create(CsafCve(advisory=row, cve_id=cve, cvss=scores.get(cve, []),
                                        remediation=_remediation(advisory, cve)) for cve in cves)
    ensure_known({v.cve_id: v.title or advisory.title for v in advisory.vulnerabilities if v.cve_id}, now)
    result.notes["cves"] = cves
    return result
