"""Feed imports, match runs, weekly reports and the scheduler's jobs."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.vulns.choices import FeedKind, RunTrigger


class FeedImport(models.Model):
    """One imported feed file: what it was, who brought it, and what it changed."""

    kind = models.CharField(_("feed"), max_length=8, choices=FeedKind.choices, db_index=True)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    feed_timestamp = models.DateTimeField(_("feed date"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported"), auto_now_add=True, db_index=True)
    imported_by = models.CharField(_("imported by"), max_length=150)
    records = models.PositiveIntegerField(_("records"), default=0)
    new = models.PositiveIntegerField(_("new"), default=0)
    changed = models.PositiveIntegerField(_("changed"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged"), default=0)
    stale = models.PositiveIntegerField(_("older than what is held"), default=0)
    dropped = models.PositiveIntegerField(_("dropped"), default=0)
    duration = models.FloatField(_("seconds"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ("-imported_at", "-id")
        verbose_name = _("feed import")
        verbose_name_plural = _("feed imports")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.filename}"


class MatchRun(models.Model):
    """One matching of the ledger against the catalogue, with what it found new and what disappeared."""

    trigger = models.CharField(_("trigger"), max_length=8, choices=RunTrigger.choices)
    started = models.DateTimeField(_("started"), db_index=True)
    finished = models.DateTimeField(_("finished"), null=True, blank=True)
    actor = models.CharField(_("run by"), max_length=150, blank=True)
    assets = models.PositiveIntegerField(_("assets matched"), default=0)
    reevaluated = models.PositiveIntegerField(_("assets re-evaluated"), default=0)
    changed_cves = models.PositiveIntegerField(_("CVEs changed since the last run"), default=0)
    records = models.PositiveIntegerField(_("records in the index"), default=0)
    findings = models.PositiveIntegerField(_("findings detected"), default=0)
    new = models.PositiveIntegerField(_("new findings"), default=0)
    gone = models.PositiveIntegerField(_("no longer detected"), default=0)
    origins = models.JSONField(_("new findings by reason"), default=dict, blank=True)
    skipped = models.JSONField(_("assets not matched"), default=list, blank=True)
    duration = models.FloatField(_("seconds"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        ordering = ("-started", "-id")
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")

    def __str__(self) -> str:
        return f"{self.get_trigger_display()} {self.started:%Y-%m-%d %H:%M}"


class WeeklyReport(models.Model):
    """This week in vulnerabilities for one facility: the content as data, rendered as page, Markdown, e-mail."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="vuln_reports",
                                 verbose_name=_("facility"))
    period_start = models.DateTimeField(_("from"))
    period_end = models.DateTimeField(_("until"), db_index=True)
    run = models.ForeignKey(MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports",
                            verbose_name=_("match run"))
    data = models.JSONField(_("content"), default=dict)
    sent_to = models.JSONField(_("sent to"), default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"

    class Meta:
        ordering = ("-period_end", "-id")
        verbose_name = _("weekly vulnerability report")
        verbose_name_plural = _("weekly vulnerability reports")

    def __str__(self) -> str:
        return f"{self.facility} {self.period_end:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("vulns:report_detail", kwargs={"pk": self.pk})


class ScheduledJob(models.Model):
    """A job of the in-process scheduler: when it runs next and how it went last time."""

    name = models.CharField(_("job"), max_length=64, unique=True)
    next_run = models.DateTimeField(_("next run"))
    last_started = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("scheduled job")
        verbose_name_plural = _("scheduled jobs")

    def __str__(self) -> str:
        return self.name


class AssetMatchState(models.Model):
    """What the last full match run read from one asset, as a digest: an asset whose digest is the same at the
    next run is re-evaluated only against the CVEs whose records or signals changed (vulns.match_state)."""

    asset = models.OneToOneField("ledger.Asset", on_delete=models.CASCADE, primary_key=True, related_name="+",
                                 verbose_name=_("asset"))
    state = models.CharField(_("state digest"), max_length=40)

    class Meta:
        verbose_name = _("asset match state")
        verbose_name_plural = _("asset match states")

    def __str__(self) -> str:
        return f"{self.asset_id} {self.state[:8]}"


class CveMatchState(models.Model):
    """What the last full match run knew of one CVE (record import stamps and every priority signal), as a
    digest: a CVE whose digest changed is re-evaluated on every asset at the next run."""

    cve_id = models.CharField(_("CVE"), max_length=32, primary_key=True)
    state = models.CharField(_("state digest"), max_length=40)

    class Meta:
        verbose_name = _("CVE match state")
        verbose_name_plural = _("CVE match states")

    def __str__(self) -> str:
        return f"{self.cve_id} {self.state[:8]}"
