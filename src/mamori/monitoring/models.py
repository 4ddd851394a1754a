"""Log sources with their retention, file imports (staged: whole or nothing), alerts with their explanation and
status workflow, and per-rule exclusions with a reason and an expiry.

Events themselves are not in the database: they are Parquet files under the data directory, partitioned by
source and day and queried with DuckDB (`mamori.engines.logs.store`). The database holds what people act on.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import MamoriModel
from mamori.engines.logs.routing import InvalidSender, Network, network_text, parse_senders
from mamori.monitoring.choices import LIVE_KINDS, AlertKind, AlertStatus, ImportState, Level, SourceKind

DEFAULT_RETENTION_DAYS = 1826  # 5 years: the guideline's expectation for access logs of medical information systems


def sender_networks(text: str) -> list[Network]:
    """The networks a source's `senders` text names (validated on save; [] for text that does not parse)."""
    try:
        return parse_senders(text)
    except InvalidSender:
        return []


def validate_senders(text: str) -> None:
    try:
        parse_senders(text)
    except InvalidSender as exc:
        if exc.suggestion is None:
            raise ValidationError(_("%(entry)s is not an IP address or network (write 192.168.10.1 or "
                                    "10.20.0.0/24)."), params={"entry": exc.entry}, code="sender") from exc
        raise ValidationError(_("%(entry)s is not a network address: did you mean %(network)s?"),
                              params={"entry": exc.entry, "network": str(exc.suggestion)}, code="sender") from exc


def short_path(source: str) -> str:
    """A rule file below its rules folder (`windows/mamori_log_cleared.yml`), not the server's full path."""
    text = source.replace("\\", "/")
    return text.rsplit("/rules/", 1)[-1] if "/rules/" in text else text.rsplit("/", 2)[-1]

class LogSource(MamoriModel):
    """Where events come from: a server's exported EVTX, a syslog sender, a FortiGate, a JSON/CSV export."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="log_sources",
                                 verbose_name=_("facility"))
    code = models.SlugField(_("code"), max_length=32,
                            help_text=_("Short name used for the storage folder, e.g. dc01-security."))
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    asset = models.ForeignKey("ledger.Asset", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="log_sources", verbose_name=_("ledger asset"))
    retention_days = models.PositiveIntegerField(
        _("retention (days)"), default=DEFAULT_RETENTION_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
        help_text=_("How long events are kept. Default 1,826 days (5 years)."))
    silent_after_minutes = models.PositiveIntegerField(
        _("silent after (minutes)"), null=True, blank=True,
        help_text=_("Raise a log-health alert when no event arrives for this long; empty: 3 × the usual interval."))
    senders = models.TextField(
        _("syslog senders"), blank=True, validators=[validate_senders],
        help_text=_("IP addresses or networks (CIDR) of the devices whose syslog belongs to this source, one per "
                    "line, e.g. 192.168.10.1 or 10.20.0.0/24. The listener stores their messages here; messages "
                    "from other senders go to the source it was started with."))
    active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)
    first_event = models.DateTimeField(_("first event"), null=True, blank=True, editable=False)
    last_event = models.DateTimeField(_("last event"), null=True, blank=True, editable=False)
    events = models.PositiveBigIntegerField(_("events stored"), default=0, editable=False)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"
    audit_ignore: ClassVar[frozenset[str]] = frozenset({"updated", "first_event", "last_event", "events"})

    class Meta:
        ordering = ("facility", "code")
        verbose_name = _("log source")
        verbose_name_plural = _("log sources")
        constraints = (models.UniqueConstraint(fields=("facility", "code"), name="log_source_code_unique"),)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("monitoring:source_detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        """A sender network belongs to one source of the facility: the same network on two sources is refused (a
        network inside another is fine: the narrower one wins)."""
        super().clean()
        mine = set(sender_networks(self.senders))
        if mine and self.kind not in LIVE_KINDS:
            raise ValidationError({"senders": _("Only syslog and FortiGate sources receive from senders; leave "
                                                "this empty for a source whose logs are imported as files.")})
        if not mine or not self.facility_id:
            return
        others = LogSource.objects.filter(facility_id=self.facility_id).exclude(pk=self.pk).exclude(senders="")
        for other in others:
            shared = mine & set(sender_networks(other.senders))
            if shared:
                raise ValidationError({"senders": _("%(network)s is already a sender of the log source "
                                                    "%(source)s.") % {"network": str(min(shared)),
                                                                       "source": other.code}})

    @property
    def sender_list(self) -> list[str]:
        """The sender networks as text, for pages (`192.168.10.1`, `10.20.0.0/24`)."""
        return [network_text(n) for n in sender_networks(self.senders)]

    @property
    def store_name(self) -> str:
        """The partition name in the event store: facility and code, so two facilities never share a folder."""
        return f"f{self.facility_id}-{self.code}"


class LogImport(MamoriModel):
    """One file brought in: imported whole, rejected whole, or (asked for) imported with every skipped part listed."""

    source = models.ForeignKey(LogSource, on_delete=models.CASCADE, related_name="imports", verbose_name=_("source"))
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    recover = models.BooleanField(_("recover what parses"), default=False)
    state = models.CharField(_("result"), max_length=16, choices=ImportState.choices)
    events = models.PositiveIntegerField(_("events imported"), default=0)
    skipped = models.JSONField(_("skipped parts"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    detections = models.PositiveIntegerField(_("detections"), default=0)
    imported_by = models.CharField(_("imported by"), max_length=150, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "source__facility"

    class Meta:
        ordering = ("-created",)
        verbose_name = _("log import")
        verbose_name_plural = _("log imports")


class Alert(MamoriModel):
    """A detection people act on: one per rule, host and group while it is open (repeats raise the count)."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="alerts",
                                 verbose_name=_("facility"))
    kind = models.CharField(_("kind"), max_length=16, choices=AlertKind.choices)
    dedupe_key = models.CharField(_("de-duplication key"), max_length=64, db_index=True, editable=False)
    rule_id = models.CharField(_("rule id"), max_length=100, db_index=True)
    rule_title = models.CharField(_("rule"), max_length=300)
    rule_author = models.CharField(_("rule author"), max_length=300, blank=True)
    rule_status = models.CharField(_("rule status"), max_length=20, blank=True)
    rule_source = models.CharField(_("rule file"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    rule_level = models.CharField(_("rule level"), max_length=16, choices=Level.choices)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    level_reason = models.CharField(_("why the level was raised"), max_length=300, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    falsepositives = models.JSONField(_("known false positives"), default=list, blank=True)
    host = models.CharField(_("host"), max_length=255, blank=True, db_index=True)
    source = models.ForeignKey(LogSource, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts",
                               verbose_name=_("source"))
    first_seen = models.DateTimeField(_("first seen"), db_index=True)
    last_seen = models.DateTimeField(_("last seen"))
    count = models.PositiveIntegerField(_("events"), default=1)
    matched = models.JSONField(_("matched fields"), default=list, blank=True)
    group = models.JSONField(_("group"), default=dict, blank=True)
    samples = models.JSONField(_("sample events"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AlertStatus.choices, default=AlertStatus.NEW,
                              db_index=True)
    assignee = models.CharField(_("assignee"), max_length=150, blank=True)
    note = models.TextField(_("note"), blank=True)
    handled_by = models.CharField(_("handled by"), max_length=150, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"
    audit_ignore: ClassVar[frozenset[str]] = frozenset({"updated", "last_seen", "count", "samples"})

    class Meta:
        ordering = ("-last_seen",)
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.rule_title} ({self.host or '-'})"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:alert_detail", kwargs={"pk": self.pk})

    @property
    def rule_file(self) -> str:
        """The rule file below its rules folder (`windows/mamori_log_cleared.yml`), not the server's full path."""
        return short_path(self.rule_source)

    @property
    def display_title(self) -> str:
        """The rule's title; Mamori's log-health findings in the user's language."""
        from mamori.monitoring.health import title_for

        return title_for(self.rule_id, self.rule_title)

    @property
    def display_description(self) -> str:
        from mamori.monitoring.health import message_for

        return message_for(self.description) if self.kind == AlertKind.HEALTH else self.description

    @property
    def attack(self) -> list[str]:
        return [str(t) for t in self.tags if str(t).startswith("attack.")]


class RuleExclusion(MamoriModel):
    """Silence one rule (optionally for one host, or when one field has one value) for a stated reason, until a date."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="rule_exclusions",
                                 verbose_name=_("facility"))
    rule_id = models.CharField(_("rule id"), max_length=100, db_index=True)
    rule_title = models.CharField(_("rule"), max_length=300, blank=True)
    host = models.CharField(_("host"), max_length=255, blank=True, help_text=_("Empty: every host."))
    field = models.CharField(_("field"), max_length=100, blank=True,
                             help_text=_("Optional: only events whose field has the value below, e.g. ServiceName."))
    value = models.CharField(_("value"), max_length=500, blank=True)
    reason = models.TextField(_("reason"), help_text=_("Why these detections are expected here (kept for the audit)."))
    expires = models.DateField(_("expires"), help_text=_("Exclusions end: review them again by this date."))
    created_by = models.CharField(_("created by"), max_length=150, blank=True)
    suppressed = models.PositiveIntegerField(_("detections suppressed"), default=0, editable=False)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"
    audit_ignore: ClassVar[frozenset[str]] = frozenset({"updated", "suppressed"})

    class Meta:
        ordering = ("expires",)
        verbose_name = _("rule exclusion")
        verbose_name_plural = _("rule exclusions")

    def __str__(self) -> str:
        return f"{self.rule_title or self.rule_id} / {self.host or '*'}"

    def get_absolute_url(self) -> str:
        return reverse("monitoring:exclusion_list")

    def in_force(self, today: dt.date | None = None) -> bool:
        return self.expires >= (today or timezone.localdate())
