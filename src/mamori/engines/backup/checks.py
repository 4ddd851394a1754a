"""The checks of one backup job, each with its reason: would this backup get the hospital through ransomware?

What the real cases lacked (半田病院, 大阪急性期, 岡山: backups on the production network, encrypted with it;
宇陀: a tape never inserted) and what checklist item 3-② and the 3-2-1-1-0 rule ask for: a recent good
backup within the RPO, enough generations, an offline or write-once copy that was verified recently, a
passing integrity check, the backup host outside the production segment and AD domain, a restore drill within
the year, a newest snapshot that is not encrypted, and a repository the newest verification could read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mamori.engines.backup.verdict import SnapshotState

__all__ = ["CHECK_TEXTS", "CopyFacts", "CopyKind", "JobCheck", "JobFacts", "Limits", "Severity", "check_job"]


class CopyKind(StrEnum):
    ONLINE = "online"  # on the network, writable by the backup host (what ransomware reaches)
    OFFLINE = "offline"  # disconnected media: tape out of the drive, a disk in a safe
    IMMUTABLE = "immutable"  # write-once: object lock, WORM tape, append-only repository
    OFFSITE = "offsite"  # another building or a service provider


SAFE_KINDS = frozenset({CopyKind.OFFLINE, CopyKind.IMMUTABLE})


class Severity(StrEnum):
    CRITICAL = "critical"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class CopyFacts:
    kind: CopyKind
    medium: str
    last_verified: dt.datetime | None


@dataclass(frozen=True, slots=True)
class JobFacts:
    """What is known of one backup job (from the ledger, its repository and its records)."""

    name: str
    rpo: dt.timedelta
    generations_required: int
    copies: Sequence[CopyFacts] = ()
    last_good_backup: dt.datetime | None = None  # the newest snapshot that is not suspected
    generations: int = 0  # snapshots held
    last_integrity_check: dt.datetime | None = None
    integrity_ok: bool | None = None
    last_drill: dt.datetime | None = None
    newest_state: SnapshotState | None = None
    backup_host: str = ""
    backup_host_segment: str = ""
    production_segments: Collection[str] = ()
    backup_host_domain: str = ""
    production_domains: Collection[str] = ()
    repository_error: str = ""  # the newest verification could not read the repository (its error code)


@dataclass(frozen=True, slots=True)
class Limits:
    copy_verified_days: int = 90  # an offline copy nobody looked at for a quarter may be a tape never inserted
    integrity_days: int = 7
    drill_days: int = 365  # checklist 3-②: a known restore procedure, exercised yearly


@dataclass(frozen=True, slots=True)
class JobCheck:
    code: str
    severity: Severity
    args: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def text(self) -> str:
        return CHECK_TEXTS[self.code].format(**dict(self.args))


CHECK_TEXTS: dict[str, str] = {
    "no_backup": "no good backup is known",
    "rpo_exceeded": "the last good backup is {age} old, beyond the RPO of {rpo}",
    "generations_short": "{held} generations are held; {required} are required",
    "no_safe_copy": "no offline or write-once copy: ransomware that reaches the backup host reaches every copy",
    "safe_copy_unverified": "the {kind} copy on {medium} was {when}",
    "integrity_failed": "the repository's integrity check failed",
    "integrity_overdue": "the repository's integrity check was {when}",
    "same_segment": "the backup host {host} is in the production segment {segment}",
    "same_domain": "the backup host {host} is joined to the production AD domain {domain}",
    "drill_overdue": "the last restore drill was {when}",
    "repository_unreadable": "the newest verification could not read the repository ({error})",
    "snapshot_encrypted": "the newest snapshot holds encrypted files: restore from the last clean one",
    "snapshot_suspicious": "the newest snapshot is suspicious: look at it before retention prunes older ones",
}


def _age(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours / 24:.0f} days" if hours >= 48 else f"{hours:.0f} hours"


def _when(moment: dt.datetime | None, now: dt.datetime) -> str:
    return "never" if moment is None else f"{_age(now - moment)} ago"


def _copy_checks(job: JobFacts, now: dt.datetime, limits: Limits) -> list[JobCheck]:
    safe = [c for c in job.copies if c.kind in SAFE_KINDS]
    if not safe:
        return [JobCheck("no_safe_copy", Severity.CRITICAL)]
    newest = max(safe, key=lambda c: c.last_verified or dt.datetime.min.replace(tzinfo=dt.UTC))
    stale = newest.last_verified is None or now - newest.last_verified > dt.timedelta(days=limits.copy_verified_days)
    if stale:
        return [JobCheck("safe_copy_unverified", Severity.WARNING,
                         (("kind", str(newest.kind)), ("medium", newest.medium or "?"),
                          ("when", "never verified" if newest.last_verified is None
                           else f"last verified {_when(newest.last_verified, now)}")))]
    return []


def _placement_checks(job: JobFacts) -> list[JobCheck]:
    found = []
    if job.backup_host_segment and job.backup_host_segment in set(job.production_segments):
        found.append(JobCheck("same_segment", Severity.CRITICAL, (("host", job.backup_host or "?"),
                                                                  ("segment", job.backup_host_segment))))
    if job.backup_host_domain and job.backup_host_domain.lower() in {d.lower() for d in job.production_domains}:
        found.append(JobCheck("same_domain", Severity.CRITICAL, (("host", job.backup_host or "?"),
                                                                 ("domain", job.backup_host_domain))))
    return found


def check_job(job: JobFacts, now: dt.datetime, limits: Limits | None = None) -> list[JobCheck]:
    """Every check the job fails, critical ones first."""
    limits = limits or Limits()
    found: list[JobCheck] = []
    if job.repository_error:
        found.append(JobCheck("repository_unreadable", Severity.CRITICAL, (("error", job.repository_error),)))
    if job.newest_state == SnapshotState.ENCRYPTED:
        found.append(JobCheck("snapshot_encrypted", Severity.CRITICAL))
    elif job.newest_state == SnapshotState.SUSPICIOUS:
        found.append(JobCheck("snapshot_suspicious", Severity.WARNING))
    if job.last_good_backup is None:
        found.append(JobCheck("no_backup", Severity.CRITICAL))
    elif now - job.last_good_backup > job.rpo:
        found.append(JobCheck("rpo_exceeded", Severity.CRITICAL, (("age", _age(now - job.last_good_backup)),
                                                                  ("rpo", _age(job.rpo)))))
    if job.generations < job.generations_required:
        found.append(JobCheck("generations_short", Severity.WARNING, (("held", str(job.generations)),
                                                                      ("required", str(job.generations_required)))))
    found += _copy_checks(job, now, limits)
    if job.integrity_ok is False:
        found.append(JobCheck("integrity_failed", Severity.CRITICAL))
    elif job.last_integrity_check is None or now - job.last_integrity_check > dt.timedelta(days=limits.integrity_days):
        found.append(JobCheck("integrity_overdue", Severity.WARNING,
                              (("when", _when(job.last_integrity_check, now)),)))
    found += _placement_checks(job)
    if job.last_drill is None or now - job.last_drill > dt.timedelta(days=limits.drill_days):
        found.append(JobCheck("drill_overdue", Severity.WARNING, (("when", _when(job.last_drill, now)),)))
    return sorted(found, key=lambda c: c.severity != Severity.CRITICAL)
