"""The vulnerability to-dos of the home page, from the findings and the state of the feeds."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts.choices import Role
from mamori.accounts.policy import allows
from mamori.vulns.choices import OPEN_STATUSES
from mamori.vulns.models import FeedImport, Finding, KevEntry, MatchRun, WeeklyReport
from mamori.web.todos import Todo

EXAMPLES = 5
FEEDS_STALE = dt.timedelta(days=14)


def _scope(user: Any) -> QuerySet[Finding]:
    """Executives see counts of their facility's findings (never the findings); others what they may view."""
    if getattr(user, "role", None) == Role.EXECUTIVE and user.is_active:
        qs = Finding.objects.all()
        return qs.filter(asset__facility_id=user.facility_id) if user.facility_id else qs
    return Finding.objects.restrict(user, "view")


def _todo(severity: str, title: str, reason: str, qs: QuerySet[Finding], link: str, examples: bool) -> Todo | None:
    count = qs.count()
    if not count:
        return None
    shown = tuple(qs.select_related("asset", "vulnerability")[:EXAMPLES]) if examples else ()
    return Todo(severity, title, reason, count, link if examples else "", shown, "2-⑥")


def _feeds_todo(user: Any) -> Todo | None:
    if not allows(user, FeedImport, "add"):
        return None
    last = FeedImport.objects.order_by("-imported_at").values_list("imported_at", flat=True).first()
    if last is not None and timezone.now() - last < FEEDS_STALE:
        return None
    title = _("No vulnerability feed imported yet") if last is None else \
        _("Vulnerability feeds older than two weeks")
    return Todo("medium", title, _("Bring the NVD modified file, the KEV catalogue and EPSS scores each week, or put "
                                   "them into the inbox folder the weekly run imports."), 1,
                reverse("vulns:feed_list"), (), "2-⑥")


def vuln_todos(user: Any) -> list[Todo]:
    """This week's vulnerability to-dos, each with the rule that raised it."""
    if not (allows(user, Finding, "view") or getattr(user, "role", None) == Role.EXECUTIVE):
        return []
    examples = getattr(user, "role", None) != Role.EXECUTIVE
    active = _scope(user).filter(status__in=OPEN_STATUSES, detected=True).order_by("-priority_score")
    today = timezone.localdate()
    base = reverse("vulns:finding_list")
    kev_ids = KevEntry.objects.values("cve_id")
    todos = [
        _todo("critical", _("Critical vulnerabilities on your devices"),
              _("Exploited in the wild (CISA KEV, SSVC) on internet-facing or remote-maintenance devices: the way "
                "into 半田病院 and 大阪急性期. Patch or isolate them this week."),
              active.filter(priority="critical"), f"{base}?status=active&priority=critical", examples),
        _todo("high", _("Known exploited vulnerabilities (CISA KEV) on your devices"),
              _("CISA has seen these exploited; each one found on a device is to be patched first."),
              active.filter(vulnerability__cve_id__in=kev_ids).exclude(priority="critical"),
              f"{base}?status=active&kev=true", examples),
        _todo("high", _("Vulnerability findings past their due date"),
              _("The due date follows the priority (critical 7 days, high 30, medium 90, low 180)."),
              active.filter(due_date__lt=today), f"{base}?status=active&overdue=true", examples),
        _todo("medium", _("Vulnerability matches to confirm (要確認)"),
              _("The data cannot settle these (version missing or not comparable, or a product-name match against "
                "an advisory): confirm the version with the vendor, or mark a false positive with the reason."),
              active.exclude(tier="exact").exclude(priority="critical"), f"{base}?status=active&tier=confirm",
              examples),
    ]
    todos.append(_feeds_todo(user))
    if allows(user, MatchRun, "add") and not MatchRun.objects.filter(finished__isnull=False).exists():
        todos.append(Todo("medium", _("The ledger has never been matched against vulnerabilities"),
                          _("Import the feeds, then match the ledger on the Feeds page."), 1,
                          reverse("vulns:feed_list"), (), "2-⑥"))
    return [t for t in todos if t is not None]


def latest_report(user: Any) -> WeeklyReport | None:
    if not allows(user, WeeklyReport, "view"):
        return None
    return WeeklyReport.objects.restrict(user, "view").order_by("-period_end").first()
