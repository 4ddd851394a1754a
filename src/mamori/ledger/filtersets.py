"""Filters shared by the ledger's list pages and API endpoints."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.ledger.choices import AssetCategory, MfaStatus, PatientSafetyImpact
from mamori.ledger.models import Asset, NetworkSegment, RemoteAccessPath, Vendor


class YesNoFilter(django_filters.ChoiceFilter):
    """A yes/no filter whose empty choice means "all" (not "unknown"); `true`/`false` in URLs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("choices", (("true", _("yes")), ("false", _("no"))))
        kwargs.setdefault("empty_label", _("All"))
        super().__init__(*args, **kwargs)

    def filter(self, qs: Any, value: Any) -> Any:
        if value not in ("true", "false"):
            return qs
        return super().filter(qs, value == "true")


def yes_no(label: Any, field_name: str | None = None, lookup_expr: str = "exact",
           method: str | None = None) -> django_filters.Filter:
    return YesNoFilter(field_name=field_name, lookup_expr=lookup_expr, label=label, method=method)


def _segments(request: Any) -> QuerySet[NetworkSegment]:
    return NetworkSegment.objects.restrict(getattr(request, "user", None), "view")


def _vendors(request: Any) -> QuerySet[Vendor]:
    return Vendor.objects.restrict(getattr(request, "user", None), "view")


class AssetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    category = django_filters.ChoiceFilter(choices=AssetCategory.choices, label=_("Category"))
    segment = django_filters.ModelChoiceFilter(queryset=_segments, to_field_name="code",  # type: ignore[arg-type]
                                               label=_("Network segment"))
    vendor = django_filters.ModelChoiceFilter(queryset=_vendors, to_field_name="code",  # type: ignore[arg-type]
                                              label=_("Vendor"))
    internet_exposed = yes_no(_("Internet exposed"))
    patient_safety_impact = django_filters.ChoiceFilter(choices=PatientSafetyImpact.choices,
                                                        label=_("Patient-safety impact"))
    mfa = django_filters.ChoiceFilter(choices=MfaStatus.choices, label=_("Two-factor authentication"))
    in_use = yes_no(_("In use"))
    av_installed = yes_no(_("Antivirus installed"))
    support_ended = yes_no(_("Past end of support"), method="filter_support_ended")
    incomplete = yes_no(_("Missing ledger fields"), method="filter_incomplete")

    class Meta:
        model = Asset
        fields = ("q", "category", "segment", "vendor", "internet_exposed", "patient_safety_impact", "mfa", "in_use",
                  "av_installed")

    def filter_support_ended(self, queryset: QuerySet[Asset], name: str, value: Any) -> QuerySet[Asset]:
        ended = Q(end_of_support__lt=timezone.localdate())
        return queryset.filter(ended) if value == "true" else queryset.exclude(ended)

    def filter_incomplete(self, queryset: QuerySet[Asset], name: str, value: Any) -> QuerySet[Asset]:
        return queryset.filter(completeness__lt=100) if value == "true" else queryset.filter(completeness=100)

    def search(self, queryset: QuerySet[Asset], name: str, value: Any) -> QuerySet[Asset]:
        value = str(value).strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(key__icontains=value) | Q(name__icontains=value) | Q(hostname__icontains=value)
            | Q(ip_address__startswith=value) | Q(model_name__icontains=value)
            | Q(manufacturer__icontains=value) | Q(location__icontains=value)
        )


class VendorFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Vendor
        fields = ("q",)


class RemoteAccessPathFilterSet(django_filters.FilterSet):
    vendor = django_filters.ModelChoiceFilter(queryset=_vendors, to_field_name="code",  # type: ignore[arg-type]
                                              label=_("Vendor"))
    source_ip_restricted = yes_no(_("Source IP restricted"))
    mfa = yes_no(_("Two-factor authentication"))
    appliance_missing = yes_no(_("Appliance not in the ledger"), "appliance", "isnull")

    class Meta:
        model = RemoteAccessPath
        fields = ("vendor", "source_ip_restricted", "mfa", "appliance_missing")
