"""The status of every job of a facility at once, the home page's backup to-dos and checklist 3-② evidence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts.policy import allows
from mamori.backups.facts import JobStatus, job_status, limits
from mamori.backups.models import BackupJob
from mamori.ledger.models import Asset
from mamori.web.todos import Todo

__all__ = ["Evidence", "backup_todos", "checklist_3_2", "statuses", "unprotected_systems"]

CHECKLIST_ITEM = "3-②"
# What a server's "data held" says when it holds what the hospital cannot work without (診療録, レセプト …).
ESSENTIAL_DATA = ("診療録", "カルテ", "レセプト", "会計", "オーダ", "医用画像", "画像", "検査結果", "処方")


def unprotected_systems(user: Any) -> QuerySet[Asset]:
    """Servers in use whose data held names medical records, レセプト, orders, images or results, and that no
    active backup job protects."""
    from django.db.models import Q

    wanted = Q()
    for word in ESSENTIAL_DATA:
        wanted |= Q(data_held__contains=word)
    protected = BackupJob.objects.filter(active=True).values("system_id")
    return (Asset.objects.restrict(user, "view").filter(wanted, category="server").exclude(in_use=False)
            .exclude(pk__in=protected).order_by("key"))


def statuses(jobs: QuerySet[BackupJob], now: dt.datetime | None = None) -> list[JobStatus]:
    now = now or timezone.now()
    jobs = jobs.filter(active=True).select_related("system__segment", "backup_host__segment").prefetch_related(
        "copies")
    return [job_status(job, now) for job in jobs]


def _failing(found: list[JobStatus], *codes: str) -> list[JobStatus]:
    return [s for s in found if any(c.code in codes for c in s.checks)]


def backup_todos(user: Any) -> list[Todo]:
    """The backup to-dos: what would not survive ransomware, with the rule that says so."""
    if not allows(user, BackupJob, "view"):
        return []
    jobs = BackupJob.objects.restrict(user, "view")
    link = reverse("backups:job_list")
    if not jobs.filter(active=True).exists():
        return [Todo("high", _("No backup job is registered"),
                     _("Register the backups of the EHR, ordering and レセプト systems: Mamori can only show that "
                       "they would survive ransomware when it knows them."), 1, link, (), CHECKLIST_ITEM)]
    found = statuses(jobs)
    limit = limits()
    rules = (
        ("critical", ("snapshot_encrypted",), _("Backups whose newest snapshot holds encrypted files"),
         _("Ransomware reached the backed-up data. Do not restore the newest snapshot: the job page names the last "
           "clean restore point; keep it from being pruned.")),
        ("critical", ("no_safe_copy",), _("Backups without an offline or write-once copy"),
         _("At 半田病院, 大阪急性期 and 岡山 the backups on the network were encrypted with everything else. Keep "
           "one copy offline or immutable.")),
        ("critical", ("rpo_exceeded", "no_backup", "integrity_failed", "repository_unreadable"),
         _("Backups that are too old, damaged or unreadable"),
         _("The last good backup is older than the RPO, none is known, the repository's own check failed, or "
           "Mamori could not read the repository.")),
        ("high", ("same_segment", "same_domain"), _("Backup hosts reachable from production"),
         _("A backup host in the production segment or AD domain falls with it: move it out, or keep an offline "
           "copy.")),
        ("high", ("snapshot_suspicious",), _("Suspicious backup snapshots to look at"),
         _("Something in the newest snapshot needs a person's look before retention prunes the older ones.")),
        ("medium", ("safe_copy_unverified", "integrity_overdue", "generations_short"),
         _("Backup copies and checks overdue"),
         _("An offline copy not verified within %(copy)d days, an integrity check older than %(integrity)d days "
           "or too few generations.") % {"copy": limit.copy_verified_days, "integrity": limit.integrity_days}),
        ("medium", ("drill_overdue",), _("Restore drills overdue"),
         _("No successful restore drill within %(days)d days: a procedure nobody has run is not known to "
           "work.") % {"days": limit.drill_days}),
    )
    todos = []
    for severity, codes, title, reason in rules:
        hit = _failing(found, *codes)
        if hit:
            todos.append(Todo(severity, title, reason, len(hit), link, tuple(s.job for s in hit[:5]), CHECKLIST_ITEM))
    bare = unprotected_systems(user)
    count = bare.count()
    if count:
        todos.append(Todo("medium", _("Servers holding patient data without a backup job"),
                          _("The ledger says these servers hold medical records, レセプト, orders, images or results, "
                            "and no backup job protects them: register their backups, or note in the ledger why "
                            "none is needed (e.g. a replica)."), count, link, tuple(bare[:5]), CHECKLIST_ITEM))
    return todos


@dataclass
class Evidence:
    """A suggested answer to a checklist item, never a verdict: the answer, the reasons, where to look."""

    item: str
    answer: str | None  # "yes" | "no" | None (no data)
    reasons: list[str] = field(default_factory=list)
    link: str = ""


def checklist_3_2(jobs: QuerySet[BackupJob], now: dt.datetime | None = None,
                  found: list[JobStatus] | None = None) -> Evidence:
    """Checklist 3-② (バックアップの実施と復旧手順の確認): several generations, an offline or write-once copy,
    a restore procedure that has been exercised. はい only when every active job shows all three. `found`: the
    jobs' statuses when the caller already has them."""
    link = reverse("backups:job_list")
    found = statuses(jobs, now) if found is None else found
    if not found:
        return Evidence(CHECKLIST_ITEM, None, [_("No backup job is registered: register the jobs of the EHR, "
                                                 "ordering and レセプト systems to answer from evidence.")], link)
    reasons = []
    for status in found:
        codes = {c.code for c in status.checks}
        gaps = []
        if codes & {"no_safe_copy", "safe_copy_unverified"}:
            gaps.append(_("no verified offline or write-once copy"))
        if codes & {"generations_short", "no_backup"}:
            gaps.append(_("too few generations"))
        if "drill_overdue" in codes or not (status.job.restore_procedure or status.job.restore_procedure_file):
            gaps.append(_("no restore procedure exercised within the year"))
        if "snapshot_encrypted" in codes:
            gaps.append(_("the newest snapshot holds encrypted files"))
        if gaps:
            reasons.append(_("%(job)s: %(gaps)s") % {"job": status.job.name, "gaps": "、".join(gaps)})
    if reasons:
        return Evidence(CHECKLIST_ITEM, "no", reasons, link)
    return Evidence(CHECKLIST_ITEM, "yes", [_("%(n)d jobs: generations kept, an offline or write-once copy verified, "
                                              "a restore drill within the year.") % {"n": len(found)}], link)
