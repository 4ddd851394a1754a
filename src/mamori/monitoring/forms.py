"""Forms: a log source, a file upload, an alert's status, a rule exclusion (reason and expiry required)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.ledger.forms import ScopedModelForm
from mamori.monitoring.choices import AlertStatus
from mamori.monitoring.models import Alert, LogSource, RuleExclusion

__all__ = ["AlertStatusForm", "LogSourceForm", "RuleExclusionForm", "UploadForm"]

MAX_EXCLUSION_DAYS = 366


class LogSourceForm(ScopedModelForm):
    class Meta:
        model = LogSource
        fields = ("facility", "code", "name", "kind", "asset", "senders", "retention_days", "silent_after_minutes",
                  "active", "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 2}), "senders": forms.Textarea(attrs={"rows": 3})}


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Log file"),
                           help_text=_("EVTX, winlogbeat/NXLog JSON, syslog text, FortiGate log, JSON lines or CSV "
                                       "(UTF-8 or Shift_JIS)."))
    recover = forms.BooleanField(label=_("Recover what parses"), required=False,
                                 help_text=_("Import the readable parts of a damaged file and list every part "
                                             "skipped. Off: a file with an error is rejected whole."))


class AlertStatusForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Alert
        fields = ("status", "assignee", "note")
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.status != AlertStatus.ESCALATED:  # an alert is escalated by taking it into an incident
            status: Any = self.fields["status"]
            status.choices = [c for c in AlertStatus.choices if c[0] != AlertStatus.ESCALATED]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == AlertStatus.FALSE_POSITIVE and not str(data.get("note") or "").strip():
            raise ValidationError({"note": _("Say why this is a false positive.")})
        return data


class RuleExclusionForm(ScopedModelForm):
    class Meta:
        model = RuleExclusion
        fields = ("facility", "rule_id", "rule_title", "host", "field", "value", "reason", "expires")
        widgets = {"expires": forms.DateInput(attrs={"type": "date"}), "reason": forms.Textarea(attrs={"rows": 3}),
                   "rule_title": forms.HiddenInput()}

    def __init__(self, *args: Any, acting_user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, acting_user=acting_user, **kwargs)
        self.acting_user = acting_user

    def save(self, commit: bool = True) -> Any:
        if self.instance.pk is None and self.acting_user is not None:
            self.instance.created_by = self.acting_user.get_username()
        return super().save(commit)

    def clean_expires(self) -> dt.date:
        expires: dt.date = self.cleaned_data["expires"]
        today = timezone.localdate()
        if expires < today:
            raise ValidationError(_("The expiry is in the past."))
        if expires > today + dt.timedelta(days=MAX_EXCLUSION_DAYS):
            raise ValidationError(_("An exclusion lasts one year at most: review it again then."))
        return expires

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data.get("reason") or "").strip()
        if len(reason) < 5:
            raise ValidationError(_("Give the reason (who asked, why these detections are expected)."))
        return reason

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("field")) != bool(data.get("value")):
            raise ValidationError(_("Give both the field and its value, or neither."))
        return data
