"""The fixed vocabularies of log monitoring (source kinds and levels shared with mamori.engines.logs)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SourceKind(models.TextChoices):
    EVTX = "evtx", _("Windows event log files (EVTX)")
    WINJSON = "winjson", _("Windows events as JSON (winlogbeat / NXLog)")
    SYSLOG = "syslog", _("Syslog (UDP / TCP / TLS)")
    FORTIGATE = "fortigate", _("FortiGate logs")
    JSONL = "jsonl", _("JSON lines")
    CSV = "csv", _("CSV")


#: The kinds of source the syslog listener receives into (the others are imported as files).
LIVE_KINDS = (SourceKind.SYSLOG, SourceKind.FORTIGATE)


class Level(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")
    INFORMATIONAL = "informational", _("Informational")


LEVEL_ORDER = ("informational", "low", "medium", "high", "critical")


def raised(level: str) -> str:
    """One level up (critical stays critical)."""
    index = LEVEL_ORDER.index(level) if level in LEVEL_ORDER else 0
    return LEVEL_ORDER[min(index + 1, len(LEVEL_ORDER) - 1)]


class AlertKind(models.TextChoices):
    RULE = "rule", _("Sigma rule")
    CORRELATION = "correlation", _("Correlation rule")
    HEALTH = "health", _("Log health")
    VENDOR_WINDOW = "vendor_window", _("Remote access outside approved hours")


class AlertStatus(models.TextChoices):
    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    FALSE_POSITIVE = "false_positive", _("False positive")
    RESOLVED = "resolved", _("Resolved")
    ESCALATED = "escalated", _("Escalated to incident")


OPEN_STATUSES = (AlertStatus.NEW, AlertStatus.INVESTIGATING)


class ImportState(models.TextChoices):
    IMPORTED = "imported", _("Imported whole")
    RECOVERED = "recovered", _("Imported what parses (parts skipped)")
    REJECTED = "rejected", _("Rejected (nothing imported)")
