"""The priority of findings: every signal the catalogue holds for a CVE, with the asset's situation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mamori.engines.vulns.priority import CvssInput, Priority, Signals, assess
from mamori.vulns.imports.bulk import chunks
from mamori.vulns.models import CsafCve, CveEnrichment, EpssScore, JvnCve, KevEntry, Vulnerability


@dataclass(slots=True)
class CveSignals:
    """What the catalogue says of one CVE, from every source, as plain values."""

    kev: tuple[bool, dt.date] | None = None  # (known ransomware use, date added)
    epss: tuple[float, float | None] | None = None  # (score, percentile)
    ssvc: tuple[str, str] | None = None  # (exploitation, automatable)
    cvss: list[CvssInput] = field(default_factory=list)


def _scores(rows: Sequence[dict[str, Any]], fallback_source: str) -> list[CvssInput]:
    return [CvssInput(str(r.get("source") or fallback_source), str(r.get("version", "")), float(r["score"]))
            for r in rows if r.get("score") is not None]


def cve_signals(cve_ids: Sequence[str]) -> dict[str, CveSignals]:
    """Per CVE id: KEV, EPSS, SSVC and the CVSS scores of NVD, the CNA, CISA-ADP, JVN and CSAF publishers."""
    found: dict[str, CveSignals] = defaultdict(CveSignals)
    for part in chunks(list(cve_ids)):
        for cve_id, ransomware, added in KevEntry.objects.filter(cve_id__in=part).values_list(
                "cve_id", "ransomware", "date_added"):
            found[cve_id].kev = (ransomware, added)
        for cve_id, epss, percentile in EpssScore.objects.filter(cve_id__in=part).values_list(
                "cve_id", "epss", "percentile"):
            found[cve_id].epss = (epss, percentile)
        for cve_id, exploitation, automatable, cvss in CveEnrichment.objects.filter(cve_id__in=part).values_list(
                "cve_id", "ssvc_exploitation", "ssvc_automatable", "cvss"):
            found[cve_id].ssvc = (exploitation, automatable)
            found[cve_id].cvss += _scores(cvss, "CVE")
        for cve_id, cvss in Vulnerability.objects.filter(cve_id__in=part).values_list("cve_id", "cvss"):
            found[cve_id].cvss += _scores(cvss, "NVD")
        for cve_id, cvss in JvnCve.objects.filter(cve_id__in=part).values_list("cve_id", "entry__cvss"):
            found[cve_id].cvss += _scores(cvss or [], "JVN")
        for cve_id, cvss, publisher in CsafCve.objects.filter(cve_id__in=part).values_list(
                "cve_id", "cvss", "advisory__publisher"):
            found[cve_id].cvss += _scores(cvss, publisher)
    return found


def load_signals(book: dict[str, CveSignals], cve_ids: Iterable[str]) -> None:
    """Add to `book` the signals of the CVEs it does not hold yet (an empty CveSignals when none is known)."""
    missing = sorted({c for c in cve_ids if c not in book})
    if missing:
        found = cve_signals(missing)
        for cve_id in missing:
            book[cve_id] = found.get(cve_id) or CveSignals()


def prioritise(signals: CveSignals | None, *, internet_exposed: bool, remote_access: bool, patient_safety: str,
               confirmed: bool, in_use: bool | None) -> Priority:
    s = signals or CveSignals()
    return assess(Signals(
        kev=s.kev is not None, kev_ransomware=bool(s.kev and s.kev[0]), kev_date_added=s.kev[1] if s.kev else None,
        ssvc_exploitation=s.ssvc[0] if s.ssvc else "", ssvc_automatable=s.ssvc[1] if s.ssvc else "",
        epss=s.epss[0] if s.epss else None, epss_percentile=s.epss[1] if s.epss else None,
        cvss=tuple(s.cvss), internet_exposed=internet_exposed, remote_access=remote_access,
        patient_safety=patient_safety, confirmed=confirmed, in_use=in_use))


def reason_rows(priority: Priority) -> list[dict[str, Any]]:
    """The reasons as stored: code and named values (shown in the user's language by the templates)."""
    return [{"code": r.code, "args": {k: plain(v) for k, v in r.args}} for r in priority.reasons]


def plain(value: object) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)
