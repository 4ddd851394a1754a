"""A fiscal year's checklist as one facility (or one vendor) fills it in: answers, dates, evidence, suggestions.

The items themselves are data (mamori/checklist_data, read by mamori.engines.checklist.loader): a response
names its fiscal year and form, an answer names its item number.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import MamoriModel
from mamori.checklist.choices import AnswerChoice, FormKind


def fiscal_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """令和N年度 = 1 April `year` to 31 March `year + 1`."""
    return dt.date(year, 4, 1), dt.date(year + 1, 3, 31)


class ChecklistResponse(MamoriModel):
    """One form of one fiscal year, filled in by the facility (or, for 事業者確認用, by one vendor)."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="checklists",
                                 verbose_name=_("facility"))
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    form = models.CharField(_("form"), max_length=16, choices=FormKind.choices)
    vendor = models.ForeignKey("ledger.Vendor", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="checklists", verbose_name=_("vendor"),
                               help_text=_("For 事業者確認用: the vendor asked to fill it in."))
    sent_on = models.DateField(_("sent to the vendor"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"
    vendor_path: ClassVar[str] = "vendor"

    class Meta:
        ordering = ("-fiscal_year", "form", "vendor__name")
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        constraints = (
            models.UniqueConstraint(fields=("facility", "fiscal_year", "form"), condition=models.Q(vendor=None),
                                    name="checklist_one_per_year_form"),
            models.UniqueConstraint(fields=("facility", "fiscal_year", "form", "vendor"),
                                    condition=models.Q(vendor__isnull=False), name="checklist_one_per_vendor"),
        )

    def __str__(self) -> str:
        who = f" {self.vendor}" if self.vendor_id else ""
        return f"令和{self.fiscal_year - 2018}年度 {self.get_form_display()}{who}"

    def get_absolute_url(self) -> str:
        return reverse("checklist:response_detail", kwargs={"pk": self.pk})


class ItemAnswer(MamoriModel):
    """The answer to one item: はい/いいえ with the 1回目 and 2回目 dates, a 目標日 for いいえ, notes, who answered."""

    response = models.ForeignKey(ChecklistResponse, on_delete=models.CASCADE, related_name="answers",
                                 verbose_name=_("checklist"))
    item_number = models.CharField(_("item"), max_length=16)
    first_answer = models.CharField(_("1st check"), max_length=4, choices=AnswerChoice.choices, blank=True)
    first_date = models.DateField(_("1st check date"), null=True, blank=True)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    second_answer = models.CharField(_("2nd check"), max_length=4, choices=AnswerChoice.choices, blank=True)
    second_date = models.DateField(_("2nd check date"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))
    # The suggestion from live data as last computed, kept to show when (and from what) it changed.
    suggestion = models.CharField(_("suggested answer"), max_length=8, blank=True)
    suggestion_reasons = models.JSONField(_("suggestion reasons"), default=list, blank=True)
    suggestion_digest = models.CharField(_("evidence digest"), max_length=64, blank=True)
    suggestion_changed = models.DateTimeField(_("suggestion changed"), null=True, blank=True)
    previous_suggestion = models.CharField(_("previous suggestion"), max_length=8, blank=True)
    previous_reasons = models.JSONField(_("previous reasons"), default=list, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "response__facility"
    vendor_path: ClassVar[str] = "response__vendor"
    audit_ignore: ClassVar[frozenset[str]] = frozenset({"updated", "suggestion_digest"})

    class Meta:
        ordering = ("response", "id")
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        constraints = (models.UniqueConstraint(fields=("response", "item_number"), name="checklist_answer_once"),)

    def __str__(self) -> str:
        return f"{self.response} {self.item_number}"

    def get_absolute_url(self) -> str:
        return f"{self.response.get_absolute_url()}#item-{self.item_number}"

    @property
    def current(self) -> str:
        """The answer that stands: the 2nd check when made, else the 1st."""
        return self.second_answer or self.first_answer


def evidence_path(instance: EvidenceFile, filename: str) -> str:
    return f"checklist/{instance.answer.response.facility_id}/{instance.sha256[:2]}/{instance.sha256}"


class EvidenceFile(MamoriModel):
    """A file behind an answer (the ledger export, the 連絡体制図, a vendor letter), kept with its SHA-256."""

    answer = models.ForeignKey(ItemAnswer, on_delete=models.CASCADE, related_name="evidence",
                               verbose_name=_("answer"))
    file = models.FileField(_("file"), upload_to=evidence_path)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    effective_on = models.DateField(_("effective from"), null=True, blank=True)
    expires_on = models.DateField(_("expires"), null=True, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name=_("uploaded by"))

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "answer__response__facility"
    vendor_path: ClassVar[str] = "answer__response__vendor"

    class Meta:
        ordering = ("answer", "-created")
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.filename

    def get_absolute_url(self) -> str:
        return self.answer.get_absolute_url()

    def valid_on(self, day: dt.date) -> bool:
        return (self.effective_on is None or self.effective_on <= day) and (
            self.expires_on is None or day <= self.expires_on)
