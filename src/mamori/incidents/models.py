"""Incident cases: what happened, how bad, which phase, which assets, which alerts, and a timeline that is only
ever added to (a correction is a new entry, so the record of who knew what when survives)."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import MamoriModel
from mamori.incidents.choices import OPEN_PHASES, CareImpact, Category, EntryKind, Phase


class Severity(models.TextChoices):
    CRITICAL = "critical", _("Critical")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


SEVERITY_ORDER = tuple(s.value for s in Severity)  # most severe first


class Incident(MamoriModel):
    """One incident case, opened from alerts or from a report (a phone call: "the EHR will not open")."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="incidents",
                                 verbose_name=_("facility"))
    number = models.CharField(_("case number"), max_length=20, editable=False)
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("kind of incident"), max_length=24, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, db_index=True)
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, default=Phase.DETECTION,
                             db_index=True, editable=False)
    care_impact = models.CharField(_("effect on patient care"), max_length=16, choices=CareImpact.choices,
                                   default=CareImpact.UNKNOWN)
    detected_at = models.DateTimeField(_("detected at"), help_text=_("When the first sign was seen or reported."))
    lead = models.CharField(_("incident lead"), max_length=150, blank=True)
    summary = models.TextField(_("summary"), blank=True,
                               help_text=_("What is known: what happened, where, what is affected."))
    lessons_learned = models.TextField(_("lessons learned"), blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    created_by = models.CharField(_("opened by"), max_length=150, blank=True, editable=False)
    assets = models.ManyToManyField("ledger.Asset", blank=True, related_name="incidents",
                                    verbose_name=_("affected assets"))

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"

    class Meta:
        ordering = ("-detected_at",)
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        constraints = (models.UniqueConstraint(fields=("facility", "number"), name="incident_number_unique"),)

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("incidents:incident_detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.phase in OPEN_PHASES


class IncidentAlert(MamoriModel):
    """An alert taken into a case; an alert belongs to one case at most."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alert_links",
                                 verbose_name=_("incident"))
    alert = models.OneToOneField("monitoring.Alert", on_delete=models.CASCADE, related_name="incident_link",
                                 verbose_name=_("alert"))
    added_by = models.CharField(_("added by"), max_length=150, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "incident__facility"

    class Meta:
        ordering = ("created",)
        verbose_name = _("alert in an incident")
        verbose_name_plural = _("alerts in incidents")

    def __str__(self) -> str:
        return f"{self.incident.number}: {self.alert}"


class TimelineEntry(MamoriModel):
    """What was found, done, decided or reported, and when; never changed once written."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="entries",
                                 verbose_name=_("incident"))
    occurred_at = models.DateTimeField(_("when"), db_index=True,
                                       help_text=_("When it happened (may be before it was written down)."))
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    text = models.TextField(_("what"), blank=True)
    phase = models.CharField(_("phase"), max_length=16, choices=Phase.choices, blank=True,
                             help_text=_("For a phase change: the phase entered."))
    recorded_by = models.CharField(_("recorded by"), max_length=150, blank=True)
    alert = models.ForeignKey("monitoring.Alert", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("alert"))

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "incident__facility"

    class Meta:
        ordering = ("occurred_at", "pk")
        verbose_name = _("timeline entry")
        verbose_name_plural = _("timeline entries")

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_kind_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("timeline entries are only added to: write a new entry instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("timeline entries are never deleted")
