"""Forms of the ledger: asset and remote-maintenance path editing, limited to what the user may reach."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.ledger.choices import MfaStatus, UpdateResponsibility
from mamori.ledger.models import Asset, NetworkSegment, RemoteAccessPath, Vendor, VendorDisclosure
from mamori.tenancy.models import Department


class ScopedModelForm(forms.ModelForm):  # type: ignore[type-arg]
    """Related-object choices narrowed with the same restrict() as everything else."""

    def __init__(self, *args: Any, acting_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "restrict"):
                field.queryset = queryset.restrict(acting_user, "view")  # type: ignore[attr-defined]


class CpeListField(forms.CharField):
    """CPE 2.3 names, one per line."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(value)
        if isinstance(value, str) and value.startswith("["):
            return "\n".join(json.loads(value))
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        lines = [line.strip() for line in str(value or "").splitlines() if line.strip()]
        for line in lines:
            if not line.startswith("cpe:2.3:") or len(line.split(":")) < 13:
                raise forms.ValidationError(_("Not a CPE 2.3 name: {value}").format(value=line))
        return lines


class AddressListField(forms.CharField):
    """IP addresses, one per line."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        addresses = []
        for line in str(value or "").splitlines():
            if line.strip():
                try:
                    addresses.append(str(ipaddress.ip_address(line.strip())))
                except ValueError as exc:
                    raise forms.ValidationError(_("Not an IP address: {value}").format(value=line.strip())) from exc
        return addresses


class SoftwareListField(forms.CharField):
    """Installed software, one per line: `name | version | CPE` (version and CPE optional)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(" | ".join(p for p in (s.get("name", ""), s.get("version", ""), s.get("cpe", "")) if p)
                             for s in value)
        return value

    def to_python(self, value: Any) -> list[dict[str, str]]:  # type: ignore[override]
        items = []
        for line in str(value or "").splitlines():
            parts = [p.strip() for p in line.split("|")]
            if not parts[0]:
                continue
            name, version, cpe = [*parts, "", ""][:3]
            if cpe and not cpe.startswith("cpe:2.3:"):
                raise forms.ValidationError(_("Not a CPE 2.3 name: {value}").format(value=cpe))
            items.append({"name": name, "version": version, "cpe": cpe})
        return items


class AssetForm(ScopedModelForm):
    software = SoftwareListField(label=_("installed software"), required=False,
                                 help_text=_("One per line: name | version | CPE (optional)"))
    other_addresses = AddressListField(label=_("other IP addresses"), required=False)
    cpes = CpeListField(label=_("CPE names"), required=False,
                        help_text=_("One per line, e.g. cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*"))

    class Meta:
        model = Asset
        fields = ("facility", "key", "category", "name", "hostname", "ip_address", "mac_address", "other_addresses",
                  "segment", "ad_domain",
                  "location", "department", "owner", "in_use", "manufacturer", "model_name", "serial_number",
                  "os_name", "os_version", "cpes", "internet_exposed", "patient_safety_impact", "data_held",
                  "end_of_support", "av_installed", "av_definitions_date", "av_last_full_scan", "mfa",
                  "renewal_year", "vendor", "update_responsibility", "software", "notes")
        widgets = {
            "end_of_support": forms.DateInput(attrs={"type": "date"}),
            "av_definitions_date": forms.DateInput(attrs={"type": "date"}),
            "av_last_full_scan": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        suggestions = self.instance.suggested_cpes() if self.instance.pk else []
        if suggestions:
            self.fields["cpes"].help_text = _("Suggested from manufacturer, OS and version: {names}").format(
                names=" / ".join(suggestions))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        facility = data.get("facility")
        for name in ("segment", "department", "vendor"):
            related = data.get(name)
            if related is not None and facility is not None and related.facility_id != facility.pk:
                self.add_error(name, _("It belongs to another facility."))
        return data


class RemoteAccessPathForm(ScopedModelForm):
    class Meta:
        model = RemoteAccessPath
        fields = ("facility", "code", "name", "vendor", "appliance", "appliance_description", "targets", "method",
                  "source_ip_restricted", "allowed_sources", "mfa", "always_on", "approved_windows",
                  "last_log_review", "confirmed_with_vendor")
        widgets = {
            "last_log_review": forms.DateInput(attrs={"type": "date"}),
            "confirmed_with_vendor": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source_ip_restricted") and not str(data.get("allowed_sources", "")).strip():
            self.add_error("allowed_sources", _("Name the allowed source addresses."))
        return data


UNCHANGED = ""
TRI_STATE = ((UNCHANGED, _("(unchanged)")), ("true", _("yes")), ("false", _("no")))


class AssetBulkEditForm(forms.Form):
    """Fields to set on every selected asset; anything left blank stays as it is."""

    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    owner = forms.CharField(label=_("Owner"), required=False, max_length=100)
    in_use = forms.ChoiceField(label=_("In use"), choices=TRI_STATE, required=False)
    internet_exposed = forms.ChoiceField(label=_("Internet exposed"), choices=TRI_STATE, required=False)
    mfa = forms.ChoiceField(label=_("Two-factor authentication"), required=False,
                            choices=((UNCHANGED, _("(unchanged)")), *MfaStatus.choices))
    renewal_year = forms.IntegerField(label=_("System renewal year"), required=False, min_value=2000,
                                      max_value=2100)
    update_responsibility = forms.ChoiceField(label=_("Security-update responsibility"), required=False,
                                              choices=((UNCHANGED, _("(unchanged)")), *UpdateResponsibility.choices))
    segment = forms.ModelChoiceField(label=_("Network segment"), queryset=NetworkSegment.objects.none(),
                                     required=False)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.none(), required=False)

    def __init__(self, *args: Any, acting_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = NetworkSegment.objects.restrict(acting_user, "view")  # type: ignore[attr-defined]
        self.fields["department"].queryset = Department.objects.restrict(acting_user, "view")  # type: ignore[attr-defined]
        self.fields["vendor"].queryset = Vendor.objects.restrict(acting_user, "view")  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """Only the fields the user filled in, converted to model values."""
        result: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if value in (None, UNCHANGED):
                continue
            result[name] = {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value
        return result


class VendorDisclosureForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = VendorDisclosure
        fields = ("kind", "form_version", "subject", "received_on", "no_answers", "reviewed_on", "review_notes")
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"}),
                   "reviewed_on": forms.DateInput(attrs={"type": "date"}),
                   "review_notes": forms.Textarea(attrs={"rows": 3})}
