"""Filters shared by the ledger's list pages and API endpoints."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from mamori.ledger.choices import AssetCategory, MfaStatus, PatientSafetyImpact
from mamori.ledger.models import Asset, RemoteAccessPath, Vendor


class AssetFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    category = django_filters.ChoiceFilter(choices=AssetCategory.choices, label=_("Category"))
    segment = django_filters.CharFilter(field_name="segment__code", label=_("Network segment"))
    vendor = django_filters.CharFilter(field_name="vendor__code", label=_("Vendor"))
    internet_exposed = django_filters.BooleanFilter(label=_("Internet exposed"))
    patient_safety_impact = django_filters.ChoiceFilter(choices=PatientSafetyImpact.choices,
                                                        label=_("Patient-safety impact"))
    mfa = django_filters.ChoiceFilter(choices=MfaStatus.choices, label=_("Two-factor authentication"))
    in_use = django_filters.BooleanFilter(label=_("In use"))

    class Meta:
        model = Asset
        fields = ("q", "category", "segment", "vendor", "internet_exposed", "patient_safety_impact", "mfa", "in_use")

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
    vendor = django_filters.CharFilter(field_name="vendor__code", label=_("Vendor"))
    source_ip_restricted = django_filters.BooleanFilter(label=_("Source IP restricted"))
    mfa = django_filters.BooleanFilter(label=_("Two-factor authentication"))
    appliance_missing = django_filters.BooleanFilter(field_name="appliance", lookup_expr="isnull",
                                                     label=_("Appliance not in the ledger"))

    class Meta:
        model = RemoteAccessPath
        fields = ("vendor", "source_ip_restricted", "mfa", "appliance_missing")
