"""Closed vocabularies of vulnerability intelligence."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedKind(models.TextChoices):
    NVD = "nvd", _("NVD CVE (API 2.0 / 1.1 JSON)")
    JVN = "jvn", _("JVN iPedia")
    KEV = "kev", _("CISA KEV")
    EPSS = "epss", _("EPSS")
    CSAF = "csaf", _("CSAF advisory")
    CVE5 = "cve5", _("CVE JSON 5 (CISA ADP / SSVC)")


class MatchTier(models.TextChoices):
    """How sure a finding is. `possible` and `name` are shown as 要確認 (needs confirmation)."""

    EXACT = "exact", _("Confirmed match")
    POSSIBLE = "possible", _("Needs confirmation (version)")
    NAME = "name", _("Needs confirmation (product name)")


class FindingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    PATCHED = "patched", _("Patched")
    MITIGATED = "mitigated", _("Mitigated")
    ACCEPTED = "accepted", _("Risk accepted")
    FALSE_POSITIVE = "false_positive", _("False positive")


OPEN_STATUSES = (FindingStatus.OPEN, FindingStatus.IN_PROGRESS)


class Priority(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class FindingOrigin(models.TextChoices):
    """Why a finding appeared: the weekly report tells these apart."""

    FIRST_RUN = "first_run", _("First match")
    NEW_CVE = "new_cve", _("New vulnerability")
    RECORD_CHANGED = "record_changed", _("Vulnerability record changed")
    ASSET_CHANGED = "asset_changed", _("Asset changed")
    NEW_ASSET = "new_asset", _("New asset")
    REAPPEARED = "reappeared", _("Detected again")


class RunTrigger(models.TextChoices):
    MANUAL = "manual", _("By hand")
    IMPORT = "import", _("After a feed import")
    WEEKLY = "weekly", _("Weekly run")
    CLI = "cli", _("Command line")
