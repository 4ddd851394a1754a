"""What the database knows of a job, as the engine's JobFacts, and the checks it fails (each with its reason)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from mamori.backups.choices import SnapshotState
from mamori.backups.models import BackupJob, RestoreDrill, VerificationRun
from mamori.engines.backup.checks import CopyFacts, CopyKind, JobCheck, JobFacts, Limits, check_job
from mamori.engines.backup.verdict import SnapshotState as EngineState

__all__ = ["JobStatus", "job_facts", "job_status", "latest_run", "limits"]


def latest_run(job: BackupJob) -> VerificationRun | None:
    """The newest verification that finished without an error (a failed run says nothing of the snapshots)."""
    return job.runs.filter(finished__isnull=False, error_code="").order_by("-started").first()


def _last_good(run: VerificationRun | None) -> dt.datetime | None:
    """The newest snapshot not suspected: Suspicious ones need a look first, Encrypted ones are not backups."""
    if run is None:
        return None
    return run.verdicts.filter(state=SnapshotState.CLEAN).order_by("-time").values_list("time", flat=True).first()


def job_facts(job: BackupJob, run: VerificationRun | None = None, last_drill: RestoreDrill | None = None
              ) -> JobFacts:
    run = run if run is not None else latest_run(job)
    newest = job.runs.filter(finished__isnull=False).order_by("-started").only("error_code").first()
    if last_drill is None:  # the newest successful one: a failed drill after it does not undo it
        last_drill = next((d for d in job.drills.order_by("-performed_at")[:50] if d.ok), None)
    system, host = job.system, job.backup_host
    return JobFacts(
        name=job.name, rpo=job.rpo, generations_required=job.generations_required,
        copies=[CopyFacts(CopyKind(c.kind), c.medium, c.last_verified) for c in job.copies.all()],
        last_good_backup=_last_good(run),
        generations=run.verdicts.exclude(state=SnapshotState.ENCRYPTED).count() if run else 0,
        last_integrity_check=job.last_integrity_check, integrity_ok=job.integrity_ok,
        last_drill=last_drill.performed_at if last_drill is not None and last_drill.ok else None,
        newest_state=EngineState(run.newest_state) if run and run.newest_state else None,
        backup_host=(host.hostname or host.name) if host else "",
        backup_host_segment=host.segment.code if host and host.segment else "",
        production_segments=[system.segment.code] if system.segment else [],
        backup_host_domain=host.ad_domain if host else "",
        production_domains=[system.ad_domain] if system.ad_domain else [],
        repository_error=newest.error_code if newest is not None else "",
    )


@dataclass(frozen=True)
class JobStatus:
    job: BackupJob
    run: VerificationRun | None
    facts: JobFacts
    checks: list[JobCheck]

    @property
    def critical(self) -> list[JobCheck]:
        return [c for c in self.checks if c.severity == "critical"]

    @property
    def warnings(self) -> list[JobCheck]:
        return [c for c in self.checks if c.severity != "critical"]

    @property
    def healthy(self) -> bool:
        return not self.checks


def limits() -> Limits:
    """The check limits of this installation (MAMORI_BACKUP_COPY_DAYS, _INTEGRITY_DAYS, _DRILL_DAYS)."""
    from django.conf import settings

    return Limits(copy_verified_days=settings.MAMORI_BACKUP_COPY_DAYS,
                  integrity_days=settings.MAMORI_BACKUP_INTEGRITY_DAYS, drill_days=settings.MAMORI_BACKUP_DRILL_DAYS)


def job_status(job: BackupJob, now: dt.datetime | None = None, limits_: Limits | None = None) -> JobStatus:
    run = latest_run(job)
    facts = job_facts(job, run)
    return JobStatus(job, run, facts, check_job(facts, now or timezone.now(), limits_ or limits()))
