"""Findings: one asset × one vulnerability, kept across match runs with its evidence and its workflow."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import MamoriModel
from mamori.vulns.choices import (
    OPEN_STATUSES,
    FindingOrigin,
    FindingStatus,
    MatchTier,
    Priority,
)
from mamori.vulns.models.catalogue import Vulnerability
from mamori.vulns.models.runs import MatchRun

# What the matcher keeps up to date on every run: not worth an audit entry (the run itself is one).
MATCHER_FIELDS = frozenset({
    "updated", "tier", "source", "detail", "reason_code", "detected", "last_seen", "last_run",
    "detected_fingerprint", "priority", "priority_score", "due_date", "origin",
})


class FindingDetail(models.Model):
    """The evidence and the priority reasons of findings, stored once for every finding that shares them.

    A fleet of identical PCs gives the same evidence for the same CVE on every PC: one row here, not one per
    PC, so a ledger with hundreds of thousands of findings stays small and fast to write.
    """

    digest = models.CharField(_("digest"), max_length=40, unique=True)
    evidence = models.JSONField(_("evidence"), default=list)
    priority_reasons = models.JSONField(_("priority reasons"), default=list)

    class Meta:
        verbose_name = _("finding detail")
        verbose_name_plural = _("finding details")

    def __str__(self) -> str:
        return self.digest


class Finding(MamoriModel):
    """A vulnerability that affects (or may affect: 要確認) one asset, and what is being done about it.

    The status belongs to the pair (asset, CVE): a false positive stays one when the asset's version
    changes, and a finding that is no longer detected keeps its history.
    """

    # Few indexes on purpose: a first match of a full NVD writes millions of rows, each one per index.
    asset = models.ForeignKey("ledger.Asset", on_delete=models.CASCADE, related_name="findings",
                              verbose_name=_("asset"), db_index=False)  # the unique (asset, vulnerability) serves
    vulnerability = models.ForeignKey(Vulnerability, on_delete=models.CASCADE, related_name="findings",
                                      verbose_name=_("vulnerability"))
    tier = models.CharField(_("match"), max_length=8, choices=MatchTier.choices)
    source = models.CharField(_("matched through"), max_length=8)
    reason_code = models.CharField(_("deciding reason"), max_length=32, blank=True)
    detail = models.ForeignKey(FindingDetail, on_delete=models.PROTECT, related_name="findings",
                               verbose_name=_("evidence and reasons"))
    detected = models.BooleanField(_("detected in the last run"), default=True)
    first_seen = models.DateTimeField(_("first detected"))
    # For a finding detected now, the newest run saw it; otherwise the last run that did (not rewritten by every
    # run: a ledger has millions of findings and most of them do not change from one week to the next).
    last_seen = models.DateTimeField(_("last detected"))
    last_run = models.ForeignKey(MatchRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                 verbose_name=_("last match run"), db_index=False)
    origin = models.CharField(_("why it appeared"), max_length=16, choices=FindingOrigin.choices,
                              default=FindingOrigin.FIRST_RUN)
    detected_fingerprint = models.CharField(_("asset state when detected"), max_length=64)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices)
    priority_score = models.BigIntegerField(_("priority score"))
    due_date = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=16, choices=FindingStatus.choices,
                              default=FindingStatus.OPEN)
    status_reason = models.TextField(_("reason"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.CharField(_("status changed by"), max_length=150, blank=True)
    risk_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+", verbose_name=_("risk approved by"),
                                         db_index=False)
    risk_accepted_until = models.DateField(_("risk accepted until"), null=True, blank=True)
    post_patch_checked_on = models.DateField(_("post-patch check"), null=True, blank=True)
    post_patch_checked_by = models.CharField(_("post-patch check by"), max_length=150, blank=True)
    post_patch_note = models.TextField(_("post-patch check result"), blank=True)
    patched_fingerprint = models.CharField(_("asset state when patched"), max_length=64, blank=True)
    credentials_rotated_on = models.DateField(_("credentials changed on"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "asset__facility"
    vendor_path: ClassVar[str] = "asset__vendor"
    audit_ignore: ClassVar[frozenset[str]] = MATCHER_FIELDS

    class Meta:
        ordering = ("-priority_score", "due_date", "id")
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = (models.UniqueConstraint(fields=("asset", "vulnerability"), name="finding_unique"),)
        indexes = (models.Index(fields=("status", "-priority_score")),)

    def __str__(self) -> str:
        return f"{self.vulnerability_id and self.vulnerability.cve_id} @ {self.asset_id and self.asset.key}"

    def get_absolute_url(self) -> str:
        return reverse("vulns:finding_detail", kwargs={"pk": self.pk})

    @property
    def evidence(self) -> list[dict[str, object]]:
        return self.detail.evidence  # type: ignore[no-any-return]

    @property
    def priority_reasons(self) -> list[dict[str, object]]:
        return self.detail.priority_reasons  # type: ignore[no-any-return]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
