"""This week in vulnerabilities, per facility: new findings (new CVE, changed record, new or changed asset),
overdue findings, KEV additions that hit the ledger, acceptances about to expire, and the top of the list.

The report is stored as data and rendered on the page, as Markdown and as an e-mail, in the reader's
language (Japanese by default).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from mamori.accounts.choices import Role
from mamori.accounts.models import User
from mamori.audit.recording import record
from mamori.tenancy.models import Facility
from mamori.vulns.choices import OPEN_STATUSES, FindingOrigin, FindingStatus
from mamori.vulns.models import Finding, JvnCve, KevEntry, MatchRun, WeeklyReport

TOP = 10
LISTED = 50  # findings listed per section (the counts are complete)
ACCEPTANCE_WARNING = dt.timedelta(days=30)
NEW_GROUPS = {
    "new_cve": (FindingOrigin.NEW_CVE,),
    "record_changed": (FindingOrigin.RECORD_CHANGED,),
    "asset": (FindingOrigin.NEW_ASSET, FindingOrigin.ASSET_CHANGED, FindingOrigin.REAPPEARED),
    "first_run": (FindingOrigin.FIRST_RUN,),
}


def _titles(cve_ids: list[str]) -> dict[str, str]:
    return dict(JvnCve.objects.filter(cve_id__in=cve_ids).values_list("cve_id", "entry__title"))


def _rows(findings: QuerySet[Finding]) -> list[dict[str, Any]]:
    listed = list(findings.select_related("asset", "vulnerability", "detail")[:LISTED])
    titles = _titles([f.vulnerability.cve_id for f in listed])
    return [{"id": f.pk, "cve": f.vulnerability.cve_id, "title_ja": titles.get(f.vulnerability.cve_id, ""),
             "asset": f.asset.key, "asset_name": f.asset.name, "priority": f.priority, "tier": f.tier,
             "status": f.status, "due": f.due_date.isoformat(), "origin": f.origin,
             "reason": f.priority_reasons[0] if f.priority_reasons else None} for f in listed]


def _section(findings: QuerySet[Finding]) -> dict[str, Any]:
    return {"count": findings.count(), "items": _rows(findings)}


def _kev_hits(facility_findings: QuerySet[Finding], start: dt.datetime) -> list[dict[str, Any]]:
    """KEV entries imported since `start` that hit an open finding, with the assets (one query for all)."""
    added = {k.cve_id: k for k in KevEntry.objects.filter(first_seen__gte=start)}
    assets: dict[str, list[str]] = {}
    for cve_id, key in facility_findings.filter(vulnerability__cve_id__in=list(added), status__in=OPEN_STATUSES) \
            .order_by("vulnerability__cve_id", "asset__key").values_list("vulnerability__cve_id", "asset__key"):
        assets.setdefault(cve_id, []).append(key)
    return [{"cve": cve_id, "name": added[cve_id].name, "date_added": added[cve_id].date_added.isoformat(),
             "ransomware": added[cve_id].ransomware, "assets": keys[:LISTED], "count": len(keys)}
            for cve_id, keys in sorted(assets.items(), key=lambda item: added[item[0]].date_added, reverse=True)]


def report_data(facility: Facility, start: dt.datetime, end: dt.datetime, today: dt.date) -> dict[str, Any]:
    findings = Finding.objects.filter(asset__facility=facility)
    open_ = findings.filter(status__in=OPEN_STATUSES, detected=True)
    fresh = findings.filter(first_seen__gte=start, first_seen__lte=end)
    data: dict[str, Any] = {
        "facility": facility.name, "start": start.isoformat(), "end": end.isoformat(),
        "summary": {"open": open_.count(), "critical": open_.filter(priority="critical").count(),
                    "high": open_.filter(priority="high").count(),
                    "overdue": open_.filter(due_date__lt=today).count(),
                    "to_confirm": open_.exclude(tier="exact").count(),
                    "assets": open_.values("asset").distinct().count()},
        "new": {name: _section(fresh.filter(origin__in=origins)) for name, origins in NEW_GROUPS.items()},
        "overdue": _section(open_.filter(due_date__lt=today).order_by("due_date")),
        "kev": _kev_hits(findings, start),
        "expiring": _section(findings.filter(status=FindingStatus.ACCEPTED,
                                             risk_accepted_until__lte=today + ACCEPTANCE_WARNING)),
        "top": _rows(open_.order_by("-priority_score", "due_date")[:TOP]),
    }
    return data


def build_report(facility: Facility, run: MatchRun | None = None, end: dt.datetime | None = None) -> WeeklyReport:
    """The report since the facility's previous one (or the last 7 days), stored and audited."""
    end = end or timezone.now()
    previous = WeeklyReport.objects.filter(facility=facility, period_end__lt=end).order_by("-period_end").first()
    start = previous.period_end if previous else end - dt.timedelta(days=7)
    report = WeeklyReport.objects.create(facility=facility, period_start=start, period_end=end, run=run,
                                         data=report_data(facility, start, end, timezone.localdate(end)))
    record("vulns_weekly_report", instance=report, changes={"summary": report.data["summary"]})
    return report


def render_markdown(report: WeeklyReport, language: str = "ja") -> str:
    with translation.override(language):
        return render_to_string("vulns/report.md", {"report": report, "data": report.data,
                                                    "base_url": settings.MAMORI_BASE_URL})


def recipients(facility: Facility) -> list[str]:
    """Security managers of the facility (and administrators of every facility) with an e-mail address."""
    users = User.objects.filter(is_active=True, role__in=(Role.SECURITY_MANAGER, Role.ADMIN)).exclude(email="")
    return sorted({u.email for u in users if u.role == Role.ADMIN or u.facility_id == facility.pk})


def send_report(report: WeeklyReport) -> list[str]:
    """E-mail the Japanese digest; returns the addresses (the file back end keeps them in the data directory)."""
    to = recipients(report.facility)
    if not to:
        return []
    with translation.override("ja"):
        subject = render_to_string("vulns/report_subject.txt", {"report": report, "data": report.data}).strip()
    send_mail(subject, render_markdown(report, "ja"), settings.DEFAULT_FROM_EMAIL, to)
    report.sent_to = to
    report.save(update_fields=["sent_to"])
    return to
