"""Forms: the case itself (affected assets by asset number or hostname), a timeline entry, a phase change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.incidents.choices import USER_ENTRY_KINDS, EntryKind, Phase
from mamori.incidents.models import Incident
from mamori.ledger.forms import ScopedModelForm
from mamori.ledger.models import Asset

__all__ = ["EntryForm", "IncidentForm", "PhaseForm"]

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
MAX_ASSET_LINES = 200


class IncidentForm(ScopedModelForm):
    """The case's facts. Assets are named one per line by asset number or hostname, as the ledger knows them."""

    asset_refs = forms.CharField(
        label=_("Affected assets"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: asset number or hostname from the ledger."))

    class Meta:
        model = Incident
        fields = ("facility", "title", "category", "severity", "care_impact", "detected_at", "lead", "summary")
        widgets = {"detected_at": DATETIME, "summary": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, acting_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, acting_user=acting_user, **kwargs)
        self.acting_user = acting_user
        detected: Any = self.fields["detected_at"]
        detected.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        if self.instance.pk is not None:
            del self.fields["facility"]  # a case stays with its facility
            self.initial.setdefault("asset_refs", "\n".join(a.key for a in self.instance.assets.all()))
        elif getattr(acting_user, "facility_id", None) is not None:
            self.fields["facility"].widget = forms.HiddenInput()

    def _facility(self) -> Any:
        if self.instance.pk is not None:
            return self.instance.facility
        return self.cleaned_data.get("facility")

    def clean_asset_refs(self) -> list[Asset]:
        lines = [line.strip() for line in str(self.cleaned_data.get("asset_refs") or "").splitlines() if line.strip()]
        if len(lines) > MAX_ASSET_LINES:
            raise ValidationError(_("At most %(n)d assets.") % {"n": MAX_ASSET_LINES})
        return lines  # type: ignore[return-value]  # resolved in clean(), once the facility is known

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        facility = self._facility()
        refs = data.get("asset_refs") or []
        if facility is None or not refs:
            data["asset_refs"] = []
            return data
        assets = Asset.objects.restrict(self.acting_user, "view").filter(facility=facility)
        found: dict[int, Asset] = {}
        unknown: list[str] = []
        for ref in refs:
            match = (assets.filter(key=ref).first() or assets.filter(hostname__iexact=ref).first()
                     or assets.filter(hostname__istartswith=f"{ref}.").first())
            if match is None:
                unknown.append(ref)
            else:
                found[match.pk] = match
        if unknown:
            self.add_error("asset_refs", _("Not in the ledger: %(refs)s") % {"refs": ", ".join(unknown[:10])})
        data["asset_refs"] = list(found.values())
        return data

    def clean_detected_at(self) -> Any:
        value = self.cleaned_data["detected_at"]
        if value > timezone.now() + dt.timedelta(minutes=5):
            raise ValidationError(_("The time is in the future."))
        return value


class EntryForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[(k.value, k.label) for k in USER_ENTRY_KINDS],
                             initial=EntryKind.ACTION)
    occurred_at = forms.DateTimeField(label=_("When"), widget=DATETIME,
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"])
    text = forms.CharField(label=_("What"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Who did or found what, e.g. \"Unplugged the EHR server's LAN cable\" or "
                                       "\"Reported to the prefecture by phone (担当: 山田)\"."))


class PhaseForm(forms.Form):
    phase = forms.ChoiceField(label=_("Move to phase"), choices=Phase.choices)
    note = forms.CharField(label=_("Why"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    lessons_learned = forms.CharField(
        label=_("Lessons learned"), required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed to close: what to change (patching, passwords, remote access, backups, training)."))
