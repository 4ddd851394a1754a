"""The answer to one item and an evidence upload, validated against the item and the fiscal year."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.checklist.choices import AnswerChoice
from mamori.checklist.models import ChecklistResponse, ItemAnswer, fiscal_year_bounds
from mamori.engines.checklist.model import ItemDefinition

__all__ = ["MAX_EVIDENCE_BYTES", "AnswerForm", "EvidenceForm"]

MAX_EVIDENCE_BYTES = 50 * 1024 * 1024
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AnswerForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ItemAnswer
        fields = ("first_answer", "first_date", "target_date", "second_answer", "second_date", "notes")
        widgets = {"first_date": DATE, "target_date": DATE, "second_date": DATE,
                   "notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, response: ChecklistResponse, item: ItemDefinition, limit: dt.date,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.response, self.item, self.limit = response, item, limit
        for name in ("first_answer", "second_answer"):
            self.fields[name].choices = [("", _("(not answered)")), *AnswerChoice.choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = fiscal_year_bounds(self.response.fiscal_year)[0]
        for answer, day in (("first_answer", "first_date"), ("second_answer", "second_date")):
            if data.get(answer) and not data.get(day):
                self.add_error(day, _("Give the date of the check."))
            if data.get(day) and not data.get(answer):
                self.add_error(answer, _("Give the answer of this check."))
        if data.get("second_answer") and not data.get("first_answer"):
            self.add_error("second_answer", _("The 2nd check comes after the 1st."))
        first, second = data.get("first_date"), data.get("second_date")
        if first and second and second < first:
            self.add_error("second_date", _("The 2nd check cannot be before the 1st."))
        standing = data.get("second_answer") or data.get("first_answer")
        target = data.get("target_date")
        if standing == "no" and not target:
            self.add_error("target_date", _("An いいえ needs a target date."))
        if target and not (start <= target <= self.limit):
            self.add_error("target_date", _("The target date must be between %(start)s and %(end)s.") % {
                "start": start.isoformat(), "end": self.limit.isoformat()})
        for day in ("first_date", "second_date"):
            value = data.get(day)
            if value and value > dt.date.today() + dt.timedelta(days=1):
                self.add_error(day, _("A check cannot be dated in the future."))
        return data


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    effective_on = forms.DateField(label=_("Effective from"), required=False, widget=DATE,
                                   help_text=_("e.g. the date the 連絡体制図 was last reviewed"))
    expires_on = forms.DateField(label=_("Expires"), required=False, widget=DATE)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_EVIDENCE_BYTES:
            raise forms.ValidationError(_("%(name)s is larger than 50 MB.") % {"name": upload.name})
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("effective_on") and data.get("expires_on") and data["expires_on"] < data["effective_on"]:
            self.add_error("expires_on", _("It cannot expire before it takes effect."))
        return data
