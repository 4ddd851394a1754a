"""Forms of the vulnerability pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mamori.accounts.models import User
from mamori.vulns.choices import FindingStatus
from mamori.vulns.workflow import APPROVER_ROLES, Change


class FindingStatusForm(forms.Form):
    """One status change with what each status needs (the workflow says which are required)."""

    status = forms.ChoiceField(label=_("New status"), choices=FindingStatus.choices)
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=4000)
    approver = forms.ModelChoiceField(label=_("Approved by (risk acceptance)"), required=False,
                                      queryset=User.objects.none())
    accepted_until = forms.DateField(label=_("Accepted until"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    checked_on = forms.DateField(label=_("Post-patch check done on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    check_note = forms.CharField(label=_("Post-patch check result (the device works after the update)"),
                                 required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    credentials_rotated_on = forms.DateField(label=_("Credentials changed on"), required=False,
                                             widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, facility_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        approvers = User.objects.filter(is_active=True, role__in=APPROVER_ROLES)
        if facility_id is not None:
            approvers = approvers.filter(facility_id__in=(facility_id,)) | approvers.filter(facility__isnull=True)
        self.fields["approver"].queryset = approvers.order_by("username")  # type: ignore[attr-defined]

    def change(self) -> Change:
        data = self.cleaned_data
        return Change(status=data["status"], reason=data.get("reason") or "", approver=data.get("approver"),
                      accepted_until=data.get("accepted_until"), checked_on=data.get("checked_on"),
                      check_note=data.get("check_note") or "",
                      credentials_rotated_on=data.get("credentials_rotated_on"))


class FeedUploadForm(forms.Form):
    file = forms.FileField(label=_("Feed file"))
