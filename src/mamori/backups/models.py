"""Backup jobs, their copies, verification runs with each snapshot's verdict, and restore drills.

A job never stores a repository password: only where it is (a file path or an environment variable name),
read at verification time by the backup tool itself.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import MamoriModel
from mamori.backups.choices import BackupTool, CopyKind, RunTrigger, SnapshotState


class BackupJob(MamoriModel):
    """One backup of one protected system: how, how often, how many generations, where its copies are."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="backup_jobs",
                                 verbose_name=_("facility"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    system = models.ForeignKey("ledger.Asset", on_delete=models.PROTECT, related_name="backup_jobs",
                               verbose_name=_("protected system"),
                               help_text=_("The ledger asset whose data this job backs up (EHR, ordering and "
                                           "レセプト systems first)."))
    backup_host = models.ForeignKey("ledger.Asset", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="backup_jobs_hosted", verbose_name=_("backup host"),
                                    help_text=_("The machine that runs the backup and holds the online copy: its "
                                                "segment and AD domain are compared with the protected system's."))
    tool = models.CharField(_("tool"), max_length=16, choices=BackupTool.choices)
    repository = models.CharField(_("repository"), max_length=500, blank=True,
                                  help_text=_("restic/borg: the repository path or URL; manifests: the folder "
                                              "holding one manifest file per backup."))
    password_file = models.CharField(_("password file"), max_length=500, blank=True,
                                     help_text=_("Path of a file holding the repository password (readable by "
                                                 "Mamori only). The password itself is never stored."))
    password_env = models.CharField(_("password environment variable"), max_length=100, blank=True,
                                    help_text=_("Or: the name of an environment variable holding the password."))
    production_root = models.CharField(
        _("production files seen at"), max_length=500, blank=True,
        help_text=_("restic/borg: where Mamori sees the backed-up files today (e.g. a read-only mount of the share), "
                    "so that a sample restore drill compares their SHA-256; empty: hashes are not compared."))
    schedule = models.CharField(_("schedule"), max_length=100, help_text=_("e.g. 毎日 02:00"))
    rpo_hours = models.PositiveIntegerField(_("RPO (hours)"), validators=[MinValueValidator(1)],
                                            help_text=_("The most data the hospital accepts to lose."))
    generations_required = models.PositiveSmallIntegerField(_("generations to keep"), default=7,
                                                            validators=[MinValueValidator(1)])
    restore_procedure = models.CharField(_("restore procedure"), max_length=300, blank=True,
                                         help_text=_("Title and place of the written restore procedure."))
    restore_procedure_file = models.FileField(_("restore procedure document"), upload_to="backups/procedures/",
                                              blank=True)
    restore_procedure_reviewed = models.DateField(_("restore procedure reviewed"), null=True, blank=True)
    rto_hours = models.PositiveIntegerField(_("RTO target (hours)"), null=True, blank=True)
    last_integrity_check = models.DateTimeField(_("last integrity check"), null=True, blank=True,
                                                help_text=_("Set by verification for restic/borg; record it by "
                                                            "hand for other tools."))
    integrity_ok = models.BooleanField(_("integrity check passed"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"

    class Meta:
        ordering = ("facility", "code")
        verbose_name = _("backup job")
        verbose_name_plural = _("backup jobs")
        constraints = (models.UniqueConstraint(fields=("facility", "code"), name="backup_job_code_unique"),)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("backups:job_detail", kwargs={"pk": self.pk})

    @property
    def rpo(self) -> dt.timedelta:
        return dt.timedelta(hours=self.rpo_hours)

    def clean(self) -> None:
        super().clean()
        if self.password_file and self.password_env:
            raise ValidationError({"password_env": _("Give the password file or the variable, not both.")})
        if self.tool in (BackupTool.RESTIC, BackupTool.BORG):
            if not self.repository:
                raise ValidationError({"repository": _("restic and borg jobs need the repository.")})
            if not (self.password_file or self.password_env):
                raise ValidationError({"password_file": _("Say where the repository password is: a file or an "
                                                          "environment variable.")})
        if self.tool == BackupTool.MANIFEST and not self.repository:
            raise ValidationError({"repository": _("Name the folder that holds the manifests.")})
        if self.system_id and self.facility_id and self.system.facility_id != self.facility_id:
            raise ValidationError({"system": _("The protected system must be in this facility's ledger.")})
        host = self.backup_host if self.backup_host_id else None
        if host is not None and self.facility_id and host.facility_id != self.facility_id:
            raise ValidationError({"backup_host": _("The backup host must be in this facility's ledger.")})


class BackupCopy(MamoriModel):
    """One copy of a job's backups: where it lives and when someone last verified it is there and readable."""

    job = models.ForeignKey(BackupJob, on_delete=models.CASCADE, related_name="copies", verbose_name=_("job"))
    kind = models.CharField(_("kind"), max_length=16, choices=CopyKind.choices,
                            help_text=_("Online: on the network, writable by the backup host. Offline: a "
                                        "disconnected medium (a tape out of the drive, a disk in a safe). Write-once: "
                                        "object lock, WORM tape, an append-only repository. Off-site: another "
                                        "building or a provider."))
    medium = models.CharField(_("medium"), max_length=100, help_text=_("e.g. NAS, LTO-8 tape, S3 object lock"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    last_verified = models.DateTimeField(_("last verified"), null=True, blank=True,
                                         help_text=_("When someone last confirmed the copy exists and reads back "
                                                     "(a tape actually in the rotation, a bucket's lock in force)."))
    notes = models.TextField(_("notes"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "job__facility"

    class Meta:
        ordering = ("job", "kind", "id")
        verbose_name = _("backup copy")
        verbose_name_plural = _("backup copies")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} / {self.medium}"

    def get_absolute_url(self) -> str:
        return self.job.get_absolute_url()


class VerificationRun(models.Model):
    """One verification of a job's repository: every snapshot judged, the integrity check, the restore point."""

    job = models.ForeignKey(BackupJob, on_delete=models.CASCADE, related_name="runs", verbose_name=_("job"))
    started = models.DateTimeField(_("started"))
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    trigger = models.CharField(_("trigger"), max_length=16, choices=RunTrigger.choices)
    started_by = models.CharField(_("started by"), max_length=150)
    tool = models.CharField(_("tool"), max_length=16, choices=BackupTool.choices)
    error_code = models.CharField(_("error code"), max_length=32, blank=True)
    error = models.TextField(_("error"), blank=True)
    snapshots = models.PositiveIntegerField(_("snapshots"), default=0)
    sample_size = models.PositiveIntegerField(_("files sampled per snapshot"), default=0)
    detection = models.FloatField(_("chance to see 1 in 100 files encrypted"), default=0)
    integrity_ok = models.BooleanField(_("integrity check passed"), null=True)
    integrity_messages = models.JSONField(_("integrity check output"), default=list, blank=True)
    newest_state = models.CharField(_("newest snapshot"), max_length=16, choices=SnapshotState.choices, blank=True)
    newest_time = models.DateTimeField(_("newest snapshot time"), null=True, blank=True)
    last_clean_id = models.CharField(_("last clean snapshot"), max_length=100, blank=True)
    last_clean_short_id = models.CharField(_("last clean snapshot (short)"), max_length=100, blank=True)
    last_clean_time = models.DateTimeField(_("last clean snapshot time"), null=True, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "job__facility"

    class Meta:
        ordering = ("-started", "-id")
        verbose_name = _("verification run")
        verbose_name_plural = _("verification runs")

    def __str__(self) -> str:
        return f"{self.job} {self.started:%Y-%m-%d %H:%M}"

    @property
    def failed(self) -> bool:
        return bool(self.error_code)


class SnapshotVerdict(models.Model):
    """One snapshot as a verification run judged it, with the reasons (code, count, examples) in engine words."""

    run = models.ForeignKey(VerificationRun, on_delete=models.CASCADE, related_name="verdicts",
                            verbose_name=_("run"))
    snapshot_id = models.CharField(_("snapshot id"), max_length=100)
    short_id = models.CharField(_("snapshot"), max_length=100)
    time = models.DateTimeField(_("time"))
    state = models.CharField(_("state"), max_length=16, choices=SnapshotState.choices)
    files = models.PositiveIntegerField(_("files"), default=0)
    sampled = models.PositiveIntegerField(_("sampled"), default=0)
    added = models.PositiveIntegerField(_("added"), default=0)
    modified = models.PositiveIntegerField(_("modified"), default=0)
    removed = models.PositiveIntegerField(_("removed"), default=0)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "run__job__facility"

    class Meta:
        ordering = ("run", "-time")
        verbose_name = _("snapshot verdict")
        verbose_name_plural = _("snapshot verdicts")

    def __str__(self) -> str:
        return f"{self.short_id} {self.state}"


class RestoreDrill(MamoriModel):
    """A restore drill: what was restored, where, how the hashes compared, whether the application worked, RTO."""

    job = models.ForeignKey(BackupJob, on_delete=models.CASCADE, related_name="drills", verbose_name=_("job"))
    performed_at = models.DateTimeField(_("performed"))
    performed_by = models.CharField(_("performed by"), max_length=150)
    automated = models.BooleanField(_("run by Mamori"), default=False)
    snapshot_id = models.CharField(_("snapshot restored"), max_length=100, blank=True)
    snapshot_time = models.DateTimeField(_("snapshot time"), null=True, blank=True)
    restored_what = models.CharField(_("what was restored"), max_length=300)
    restored_to = models.CharField(_("restored to"), max_length=300)
    files_restored = models.PositiveIntegerField(_("files restored"), default=0)
    bytes_restored = models.PositiveBigIntegerField(_("bytes restored"), default=0)
    hashes_matched = models.PositiveIntegerField(_("hashes matching production"), default=0)
    hashes_mismatched = models.PositiveIntegerField(_("hashes differing"), default=0)
    not_comparable = models.PositiveIntegerField(_("changed since or gone (not comparable)"), default=0)
    broken_files = models.JSONField(_("restored files not of their type"), default=list, blank=True)
    application_check = models.TextField(_("application check"), blank=True,
                                         help_text=_("How the restored system was shown to work (e.g. the EHR "
                                                     "opened a patient chart from the restored database)."))
    application_ok = models.BooleanField(_("application worked"), null=True, blank=True)
    measured_rto_minutes = models.PositiveIntegerField(_("measured restore time (minutes)"), null=True, blank=True)
    restore_seconds = models.FloatField(_("restore time of the sample (s)"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "job__facility"

    class Meta:
        ordering = ("-performed_at", "-id")
        verbose_name = _("restore drill")
        verbose_name_plural = _("restore drills")

    def __str__(self) -> str:
        return f"{self.job} {self.performed_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return self.job.get_absolute_url()

    @property
    def ok(self) -> bool:
        """Every comparable hash matched, nothing restored broken, and the application (when checked) worked."""
        return (self.hashes_mismatched == 0 and not self.broken_files and self.application_ok is not False
                and (self.files_restored > 0 or bool(self.application_ok)))


__all__ = ["BackupCopy", "BackupJob", "RestoreDrill", "SnapshotVerdict", "VerificationRun"]
