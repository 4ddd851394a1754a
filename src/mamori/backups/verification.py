"""Verifying a job's repository and running a sample restore drill, with the results stored and audited.

The repository password is read by the backup tool itself from the job's password file or environment
variable; it never passes through the database, the audit trail or a log line.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.audit.context import current_actor
from mamori.audit.recording import record
from mamori.backups.choices import RESTORABLE_TOOLS, BackupTool, RunTrigger
from mamori.backups.models import BackupJob, RestoreDrill, SnapshotVerdict, VerificationRun
from mamori.engines.backup.verify import DEFAULT_SAMPLE, BackupRepository, VerifyReport, verify_repository
from mamori.engines.errors import InputError

__all__ = ["NotReadable", "daily_run", "open_repository", "run_drill_for_job", "verify_job"]

log = logging.getLogger(__name__)


class NotReadable(ValueError):
    """The job's tool is not one Mamori reads (recorded by hand), or the job lacks what reading needs."""


def open_repository(job: BackupJob) -> BackupRepository:
    if job.tool == BackupTool.MANIFEST:
        from mamori.engines.backup.manifest import ManifestFolder

        return ManifestFolder(Path(job.repository))
    if job.tool not in (BackupTool.RESTIC, BackupTool.BORG):
        raise NotReadable("the job's tool is recorded by hand: Mamori cannot read its repository")
    secret: dict[str, Any] = {"password_file": Path(job.password_file)} if job.password_file else \
        {"password_env": job.password_env or None}
    if job.tool == BackupTool.RESTIC:
        from mamori.engines.backup.restic import ResticRepository

        return ResticRepository(job.repository, cache_dir=Path(settings.DATA_DIR) / "cache" / "restic", **secret)
    from mamori.engines.backup.borg import BorgRepository

    return BorgRepository(job.repository, **secret)


def _reasons(snapshot_report: Any) -> list[dict[str, Any]]:
    return [{"code": r.code, "state": str(r.state), "count": r.count, "examples": list(r.examples),
             "args": dict(r.args), "text": r.text} for r in snapshot_report.verdict.reasons]


@transaction.atomic
def _store(run: VerificationRun, report: VerifyReport) -> None:
    job = run.job
    last = report.last_clean
    newest = report.newest
    run.finished = timezone.now()
    run.snapshots = len(report.snapshots)
    run.sample_size = report.sample_size
    run.detection = report.detection(0.01)
    run.newest_state = str(newest.verdict.state) if newest else ""
    run.newest_time = newest.snapshot.time if newest else None
    run.last_clean_id, run.last_clean_short_id = (last.id, last.short_id) if last else ("", "")
    run.last_clean_time = last.time if last else None
    run.seconds = report.seconds
    if report.check is not None:
        run.integrity_ok = report.check.ok
        run.integrity_messages = list(report.check.messages[:50])
        job.last_integrity_check, job.integrity_ok = report.check.checked_at, report.check.ok
        job.save(update_fields=["last_integrity_check", "integrity_ok", "updated"])
    run.save()
    SnapshotVerdict.objects.bulk_create(SnapshotVerdict(
        run=run, snapshot_id=s.snapshot.id, short_id=s.snapshot.short_id, time=s.snapshot.time,
        state=str(s.verdict.state), files=s.files, sampled=s.verdict.sampled, added=len(s.diff.added),
        modified=len(s.diff.modified), removed=len(s.diff.removed), reasons=_reasons(s)) for s in report.snapshots)
    record("backup_verified", instance=job, changes={
        "run": run.pk, "snapshots": run.snapshots, "newest_state": run.newest_state,
        "last_clean": run.last_clean_short_id, "integrity_ok": run.integrity_ok})


def verify_job(job: BackupJob, *, trigger: str = RunTrigger.MANUAL, sample_size: int = DEFAULT_SAMPLE,
               integrity: bool = True, repository: BackupRepository | None = None) -> VerificationRun:
    """Judge every snapshot of the job's repository and store the verdicts; a repository that cannot be read
    gives a run with the error (code and message, secrets removed by the engine), never a half-stored one."""
    run = VerificationRun.objects.create(job=job, started=timezone.now(), trigger=trigger, tool=job.tool,
                                         started_by=current_actor().username)
    try:
        repo = repository or open_repository(job)
        with tempfile.TemporaryDirectory(prefix="mamori-verify-", dir=_scratch()) as scratch:
            report = verify_repository(repo, Path(scratch), sample_size=sample_size, integrity=integrity)
    except (InputError, NotReadable, ValueError) as exc:
        run.error_code = getattr(exc, "code", "") or "unreadable"
        run.error = str(exc)[:4000]
        run.finished = timezone.now()
        run.save()
        record("backup_verify_failed", instance=job, changes={"run": run.pk, "error_code": run.error_code})
        log.warning("backup verification of job %s failed: %s", job.pk, run.error_code)
        return run
    _store(run, report)
    return run


def _scratch() -> Path:
    folder = Path(settings.DATA_DIR) / "scratch"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_drill_for_job(job: BackupJob, *, files: int = 50, production_root: Path | None = None,
                      snapshot_id: str | None = None, repository: BackupRepository | None = None) -> RestoreDrill:
    """Mamori's own sample restore drill: restore `files` files of the last clean snapshot (or the one named),
    check their contents against their types and, where the job says where production is seen (or
    `production_root` is given), compare their hashes with it; record it."""
    from mamori.engines.backup.drill import run_drill

    if job.tool not in RESTORABLE_TOOLS:
        raise NotReadable("only restic and borg repositories can be restored by Mamori")
    repo = repository or open_repository(job)
    snapshots = repo.snapshots()
    wanted = snapshot_id or (_last_clean_id(job) or (snapshots[-1].id if snapshots else None))
    chosen = [s for s in snapshots if wanted in (s.id, s.short_id)]
    if not chosen:
        raise NotReadable(f"the repository holds no snapshot {wanted}")
    if production_root is None and job.production_root:
        production_root = Path(job.production_root)
    with tempfile.TemporaryDirectory(prefix="mamori-drill-", dir=_scratch()) as scratch:
        result = run_drill(repo, chosen[-1], Path(scratch), files=files, production_root=production_root)
    return RestoreDrill.objects.create(
        job=job, performed_at=timezone.now(), performed_by=current_actor().username, automated=True,
        snapshot_id=result.snapshot.short_id, snapshot_time=result.snapshot.time,
        restored_what=_("%(n)d files chosen at random") % {"n": result.restored},
        restored_to=_("Mamori's scratch folder (deleted after the comparison)"),
        files_restored=result.restored, bytes_restored=result.bytes, hashes_matched=len(result.matched),
        hashes_mismatched=len(result.mismatched),
        not_comparable=len(result.changed_since) + len(result.missing_in_production),
        broken_files=[{"path": c.path, "code": c.code} for c in result.broken[:100]]
        + [{"path": p, "code": "hash_differs"} for p in result.mismatched[:100]],
        restore_seconds=round(result.seconds, 3))


def _last_clean_id(job: BackupJob) -> str:
    from mamori.backups.facts import latest_run

    run = latest_run(job)
    return run.last_clean_id if run else ""


def daily_run(now: object = None) -> list[VerificationRun]:
    """The scheduler's daily verification of every active job Mamori can read (the same as `mamori backup run`)."""
    from mamori.audit.context import Actor, acting_as
    from mamori.backups.choices import READABLE_TOOLS

    runs = []
    with acting_as(Actor(user_id=None, username="mamori:scheduler", source="system")):
        for job in BackupJob.objects.filter(active=True, tool__in=list(READABLE_TOOLS)).order_by("facility", "code"):
            runs.append(verify_job(job, trigger=RunTrigger.SCHEDULED))
    return runs
