"""Suggested answers from the data Mamori holds, each with its reasons and a link: never a silent verdict.

A rule gets the facility and returns a Suggestion: "yes", "no", or None when no data answers the item (then
the reason says which data would). The digest is of the evidence itself, so a suggestion is shown as changed
only when what it rests on changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from mamori.ledger.choices import MfaStatus
from mamori.ledger.models import MFA_REFERENCE_DATE, Asset, RemoteAccessPath, Vendor
from mamori.ledger.services import AV_DEFINITIONS_MAX_AGE, AV_PROTECTED
from mamori.tenancy.models import Facility

__all__ = ["RULES", "Suggestion", "suggest"]

EXAMPLES = 5
CONFIRMATION_VALID = dt.timedelta(days=365)


@dataclass
class Suggestion:
    answer: str | None  # "yes" | "no" | None: no data
    reasons: list[str] = field(default_factory=list)
    link: str = ""
    facts: list[Any] = field(default_factory=list)  # what the digest is made of (ids, dates, counts)

    @property
    def digest(self) -> str:
        payload = json.dumps([self.answer, self.facts], default=str, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def _names(rows: Any) -> str:
    shown = [str(r) for r in rows[:EXAMPLES]]
    more = len(rows) - len(shown) if isinstance(rows, list) else rows.count() - len(shown)
    return "、".join(shown) + (_(" and %(n)d more") % {"n": more} if more > 0 else "")


def ledger_complete(facility: Facility, today: dt.date) -> Suggestion:
    assets = Asset.objects.filter(facility=facility).exclude(in_use=False)
    link = reverse("ledger:asset_list")
    if not assets.exists():
        return Suggestion(None, [_("The ledger is empty: import the server, PC and network-device ledger.")], link)
    missing = assets.filter(Q(location="") | Q(in_use__isnull=True)).order_by("key")
    incomplete = assets.filter(completeness__lt=100).order_by("key")
    facts = [assets.count(), list(missing.values_list("pk", flat=True)),
             list(incomplete.values_list("pk", flat=True)[:1000])]
    if missing.exists():
        return Suggestion("no", [_("%(n)d devices lack 所在 or 使用可否: %(names)s") % {
            "n": missing.count(), "names": _names(missing)}], f"{link}?incomplete=true", facts)
    reasons = [_("%(n)d devices in the ledger, each with 所在 and 使用可否.") % {"n": assets.count()}]
    if incomplete.exists():
        reasons.append(_("%(n)d entries still miss other expected fields (OS, IP address, antivirus state …).") % {
            "n": incomplete.count()})
    return Suggestion("yes", reasons, link, facts)


def remote_paths_confirmed(facility: Facility, today: dt.date) -> Suggestion:
    paths = RemoteAccessPath.objects.filter(facility=facility).select_related("vendor").order_by("code")
    link = reverse("ledger:remotepath_list")
    if not paths.exists():
        return Suggestion(None, [_("No remote-maintenance path is registered: ask each vendor which devices they "
                                   "maintain remotely and register the paths (or record that there are none).")],
                          link)
    stale = [p for p in paths if p.confirmed_with_vendor is None
             or today - p.confirmed_with_vendor > CONFIRMATION_VALID]
    facts = [[p.pk, p.confirmed_with_vendor] for p in paths]
    if stale:
        return Suggestion("no", [_("%(n)d paths not confirmed with their vendor within a year: %(names)s") % {
            "n": len(stale), "names": _names([f"{p.name}（{p.vendor}）" for p in stale])}], link, facts)
    return Suggestion("yes", [_("All %(n)d remote-maintenance paths were confirmed with their vendors within a "
                                "year.") % {"n": len(paths)}], link, facts)


def mds_sds_received(facility: Facility, today: dt.date) -> Suggestion:
    vendors = Vendor.objects.filter(facility=facility, assets__isnull=False).distinct().order_by("name")
    link = reverse("ledger:vendor_list")
    if not vendors.exists():
        return Suggestion(None, [_("No vendor supplies a device in the ledger yet.")], link)
    without = vendors.filter(disclosures__isnull=True)
    facts = [list(vendors.values_list("pk", flat=True)), list(without.values_list("pk", flat=True))]
    if without.exists():
        return Suggestion("no", [_("%(n)d vendors have not provided an MDS/SDS: %(names)s") % {
            "n": without.count(), "names": _names(without)}], link, facts)
    return Suggestion("yes", [_("Every vendor of a device in the ledger (%(n)d) has provided an MDS/SDS.") % {
        "n": vendors.count()}], link, facts)


def patch_state(facility: Facility, today: dt.date) -> Suggestion:
    from mamori.vulns.choices import OPEN_STATUSES
    from mamori.vulns.models import Finding, KevEntry

    open_findings = Finding.objects.filter(asset__facility=facility, status__in=OPEN_STATUSES, detected=True)
    kev = open_findings.filter(vulnerability__cve_id__in=KevEntry.objects.values("cve_id"))
    overdue = open_findings.filter(priority__in=("critical", "high"), due_date__lt=today)
    no_av = Asset.objects.filter(facility=facility, category__in=AV_PROTECTED, in_use=True, av_installed=False)
    stale_av = Asset.objects.filter(facility=facility, category__in=AV_PROTECTED, in_use=True, av_installed=True,
                                    av_definitions_date__lt=today - AV_DEFINITIONS_MAX_AGE)
    facts = [kev.count(), overdue.count(), sorted(no_av.values_list("pk", flat=True)),
             sorted(stale_av.values_list("pk", flat=True))]
    reasons = []
    if kev.exists():
        reasons.append(_("%(n)d open findings of known exploited vulnerabilities (CISA KEV).") % {"n": kev.count()})
    if overdue.exists():
        reasons.append(_("%(n)d critical or high findings past their due date.") % {"n": overdue.count()})
    if no_av.exists():
        reasons.append(_("%(n)d servers and PCs in use without antivirus: %(names)s") % {
            "n": no_av.count(), "names": _names(no_av.order_by("key"))})
    if stale_av.exists():
        reasons.append(_("%(n)d servers and PCs with antivirus definitions older than 7 days.") % {
            "n": stale_av.count()})
    link = reverse("vulns:finding_list") + "?status=active"
    if reasons:
        return Suggestion("no", reasons, link, facts)
    return Suggestion("yes", [_("No open KEV finding, no overdue critical or high finding, antivirus current.")],
                      link, facts)


def two_factor(facility: Facility, today: dt.date) -> Suggestion:
    systems = Asset.objects.filter(facility=facility, in_use=True, category__in=AV_PROTECTED)
    link = reverse("ledger:asset_list") + "?mfa=no"
    if not systems.exists():
        return Suggestion(None, [_("No server or PC in the ledger.")], link)
    late = systems.filter(mfa=MfaStatus.NO).filter(
        Q(renewal_year__isnull=True) | Q(renewal_year__gt=MFA_REFERENCE_DATE.year)).order_by("key")
    facts = [sorted(late.values_list("pk", flat=True))]
    if late.exists():
        return Suggestion("no", [_("%(n)d servers and PCs have no two-factor authentication and no renewal before "
                                   "%(date)s: %(names)s") % {"n": late.count(), "date": MFA_REFERENCE_DATE.isoformat(),
                                                             "names": _names(late)}], link, facts)
    reasons = [_("Every server and PC has two-factor authentication, or is renewed by %(date)s.") % {
        "date": MFA_REFERENCE_DATE.isoformat()}]
    return Suggestion("yes", reasons, link, facts)


def source_ip_restricted(facility: Facility, today: dt.date) -> Suggestion:
    paths = RemoteAccessPath.objects.filter(facility=facility).order_by("code")
    link = reverse("ledger:remotepath_list") + "?source_ip_restricted=false"
    if not paths.exists():
        return Suggestion(None, [_("No remote-maintenance path is registered.")], link)
    open_paths = paths.filter(source_ip_restricted=False)
    facts = [sorted(paths.values_list("pk", flat=True)), sorted(open_paths.values_list("pk", flat=True))]
    if open_paths.exists():
        return Suggestion("no", [_("%(n)d remote-maintenance paths accept any source address: %(names)s") % {
            "n": open_paths.count(), "names": _names(open_paths)}], link, facts)
    return Suggestion("yes", [_("All %(n)d remote-maintenance paths restrict their source addresses.") % {
        "n": paths.count()}], link, facts)


def backups(facility: Facility, today: dt.date) -> Suggestion:
    from mamori.backups.models import BackupJob
    from mamori.backups.status import checklist_3_2

    evidence = checklist_3_2(BackupJob.objects.filter(facility=facility))
    facts = [evidence.answer, evidence.reasons]
    return Suggestion(evidence.answer, list(evidence.reasons), evidence.link, facts)


def contact_chart(facility: Facility, today: dt.date) -> Suggestion:
    from mamori.checklist.models import EvidenceFile

    files = EvidenceFile.objects.filter(answer__response__facility=facility, answer__item_number="3-①",
                                        answer__response__vendor__isnull=True).order_by("-effective_on", "-created")
    current = [f for f in files if f.valid_on(today) and f.effective_on is not None
               and today - f.effective_on <= CONFIRMATION_VALID]
    facts = [[f.sha256, f.effective_on] for f in files[:20]]
    if current:
        return Suggestion("yes", [_("連絡体制図 %(file)s, reviewed %(date)s.") % {
            "file": current[0].filename, "date": current[0].effective_on}], "", facts)
    if files.exists():
        return Suggestion("no", [_("The 連絡体制図 on file was not reviewed within 12 months: give the review date "
                                   "of a current one.")], "", facts)
    return Suggestion(None, [_("Attach the 連絡体制図 (organisation, vendors, MHLW, police) to this item with the "
                               "date it was last reviewed.")], "", facts)


def _no_source(what: str) -> Callable[[Facility, dt.date], Suggestion]:
    def rule(facility: Facility, today: dt.date) -> Suggestion:
        return Suggestion(None, [what])
    return rule


RULES: dict[str, Callable[[Facility, dt.date], Suggestion]] = {
    "ledger_complete": ledger_complete,
    "remote_paths_confirmed": remote_paths_confirmed,
    "mds_sds_received": mds_sds_received,
    "patch_state": patch_state,
    "two_factor": two_factor,
    "source_ip_restricted": source_ip_restricted,
    "backups": backups,
    "contact_chart": contact_chart,
    "password_policy": _no_source(gettext_noop(
        "Mamori holds no password policy yet: attach the exported domain password policy (length, lockout) and each "
        "appliance's setting as evidence.")),
    "password_reuse": _no_source(gettext_noop(
        "Mamori holds no password audit yet: attach the result of a password-reuse check (e.g. identical hashes "
        "across servers and appliances) as evidence.")),
}


def suggest(rule: str, facility: Facility, today: dt.date | None = None) -> Suggestion | None:
    """The suggestion of one rule (None when the item has no rule)."""
    found = RULES.get(rule)
    if found is None:
        return None
    suggestion = found(facility, today or timezone.localdate())
    if rule.startswith("password_"):
        suggestion.reasons = [_(r) for r in suggestion.reasons]
    return suggestion
