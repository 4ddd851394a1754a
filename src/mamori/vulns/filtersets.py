"""Filters shared by the vulnerability pages and API endpoints."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.ledger.choices import AssetCategory
from mamori.ledger.filtersets import yes_no
from mamori.vulns.choices import OPEN_STATUSES, FindingStatus, MatchTier, Priority
from mamori.vulns.models import Finding, KevEntry

STATUS_CHOICES = (("active", _("Open or in progress")), *FindingStatus.choices)


class FindingFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("Status"),
                                         empty_label=_("All"))
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("Priority"))
    tier = django_filters.ChoiceFilter(choices=(("confirm", _("To confirm (要確認)")), *MatchTier.choices),
                                       method="filter_tier", label=_("Match"))
    category = django_filters.ChoiceFilter(field_name="asset__category", choices=AssetCategory.choices,
                                           label=_("Category"))
    kev = yes_no(_("In CISA KEV"), method="filter_kev")
    overdue = yes_no(_("Overdue"), method="filter_overdue")
    detected = yes_no(_("Detected in the last run"))

    class Meta:
        model = Finding
        fields = ("q", "status", "priority", "tier", "category", "kev", "overdue", "detected")

    def search(self, qs: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        value = value.strip()
        return qs.filter(Q(vulnerability__cve_id__icontains=value) | Q(asset__key__icontains=value)
                         | Q(asset__name__icontains=value)) if value else qs

    def filter_status(self, qs: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        if value == "active":
            return qs.filter(status__in=OPEN_STATUSES)
        return qs.filter(status=value) if value else qs

    def filter_tier(self, qs: QuerySet[Finding], name: str, value: str) -> QuerySet[Finding]:
        if value == "confirm":
            return qs.exclude(tier=MatchTier.EXACT)
        return qs.filter(tier=value) if value else qs

    def filter_kev(self, qs: QuerySet[Finding], name: str, value: bool) -> QuerySet[Finding]:
        kev = KevEntry.objects.values("cve_id")
        return qs.filter(vulnerability__cve_id__in=kev) if value else qs.exclude(vulnerability__cve_id__in=kev)

    def filter_overdue(self, qs: QuerySet[Finding], name: str, value: bool) -> QuerySet[Finding]:
        overdue = Q(status__in=OPEN_STATUSES, due_date__lt=timezone.localdate())
        return qs.filter(overdue) if value else qs.exclude(overdue)


def default_filters(data: Any) -> Any:
    """Without any filter the list shows what is to be done: open or in progress, detected now (a page number
    alone keeps those defaults)."""
    if any(key in FindingFilterSet.base_filters for key in data):
        return data
    return {"status": "active", "detected": "true", **dict(data.items())}
