"""The fixed vocabularies of backup assurance (values shared with mamori.engines.backup)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupTool(models.TextChoices):
    RESTIC = "restic", "restic"
    BORG = "borg", "Borg"
    MANIFEST = "manifest", _("Manifest files (CSV)")
    OTHER = "other", _("Other tool (recorded by hand)")


READABLE_TOOLS = frozenset({BackupTool.RESTIC, BackupTool.BORG, BackupTool.MANIFEST})
RESTORABLE_TOOLS = frozenset({BackupTool.RESTIC, BackupTool.BORG})


class CopyKind(models.TextChoices):  # the values of mamori.engines.backup.checks.CopyKind
    ONLINE = "online", _("Online")  # on the network, writable by the backup host: what ransomware reaches
    OFFLINE = "offline", _("Offline")  # a disconnected medium: tape out of the drive, a disk in a safe
    IMMUTABLE = "immutable", _("Write-once")  # object lock, WORM tape, append-only repository
    OFFSITE = "offsite", _("Off-site")


class SnapshotState(models.TextChoices):  # the values of mamori.engines.backup.verdict.SnapshotState
    CLEAN = "clean", _("Clean")
    SUSPICIOUS = "suspicious", _("Suspicious")
    ENCRYPTED = "encrypted", _("Encrypted")


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("Started by a user")
    SCHEDULED = "scheduled", _("Scheduled")
    CLI = "cli", _("Command line")
    DEMO = "demo", _("Demo data")
