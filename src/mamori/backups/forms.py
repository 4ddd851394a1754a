"""Forms for jobs, copies and recorded drills (related choices narrowed to what the user may see)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mamori.backups.models import BackupCopy, BackupJob, RestoreDrill
from mamori.ledger.forms import ScopedModelForm

__all__ = ["BackupCopyForm", "BackupJobForm", "RestoreDrillForm"]

MAX_PROCEDURE_BYTES = 20 * 1024 * 1024
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class BackupJobForm(ScopedModelForm):
    class Meta:
        model = BackupJob
        fields = ("facility", "code", "name", "system", "backup_host", "tool", "repository", "password_file",
                  "password_env", "production_root", "schedule", "rpo_hours", "generations_required", "rto_hours",
                  "restore_procedure", "restore_procedure_file", "restore_procedure_reviewed", "last_integrity_check",
                  "integrity_ok", "active", "notes")
        widgets = {"restore_procedure_reviewed": forms.DateInput(attrs={"type": "date"}),
                   "last_integrity_check": DATETIME, "notes": forms.Textarea(attrs={"rows": 3})}

    def clean_restore_procedure_file(self) -> Any:
        upload = self.cleaned_data.get("restore_procedure_file")
        if upload and getattr(upload, "size", 0) > MAX_PROCEDURE_BYTES:
            raise ValidationError(_("The document is larger than 20 MB."))
        return upload

    def clean_password_file(self) -> str:
        value = str(self.cleaned_data.get("password_file") or "").strip()
        if value and not value.startswith(("/", "~")) and ":" not in value[:3]:
            raise ValidationError(_("Give the full path of the password file, not the password."))
        return value


class BackupCopyForm(ScopedModelForm):
    class Meta:
        model = BackupCopy
        fields = ("kind", "medium", "location", "last_verified", "notes")
        widgets = {"last_verified": DATETIME, "notes": forms.Textarea(attrs={"rows": 2})}


class RestoreDrillForm(ScopedModelForm):
    class Meta:
        model = RestoreDrill
        fields = ("performed_at", "snapshot_id", "restored_what", "restored_to", "files_restored", "hashes_matched",
                  "hashes_mismatched", "application_check", "application_ok", "measured_rto_minutes", "notes")
        widgets = {"performed_at": DATETIME, "application_check": forms.Textarea(attrs={"rows": 2}),
                   "notes": forms.Textarea(attrs={"rows": 2})}
