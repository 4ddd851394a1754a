"""A facility with an EHR server, a backup host and a job, for the backup tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from mamori.backups.choices import BackupTool, RunTrigger, SnapshotState
from mamori.backups.models import BackupCopy, BackupJob, RestoreDrill, SnapshotVerdict, VerificationRun
from mamori.ledger.models import Asset, NetworkSegment
from mamori.tenancy.models import Facility
from tests import factories


@dataclass
class Site:
    facility: Facility
    ehr: NetworkSegment
    backup_segment: NetworkSegment
    server: Asset
    host: Asset
    job: BackupJob


def site(**job_fields: object) -> Site:
    facility = factories.facility()
    ehr = factories.segment(facility, "ehr")
    other = factories.segment(facility, "office")
    server = factories.asset(facility, name="電子カルテDBサーバ", segment=ehr, ad_domain="HOSP.LOCAL")
    host = factories.asset(facility, name="バックアップサーバ", segment=other, hostname="bk01")
    fields = {"code": "BK-1", "name": "電子カルテDB", "system": server, "backup_host": host,
              "tool": BackupTool.OTHER, "schedule": "毎日 02:00", "rpo_hours": 24, "generations_required": 3,
              "last_integrity_check": timezone.now() - dt.timedelta(days=1), "integrity_ok": True,
              **job_fields}
    job = BackupJob.objects.create(facility=facility, **fields)
    return Site(facility, ehr, other, server, host, job)


def healthy(job: BackupJob, *, now: dt.datetime | None = None) -> VerificationRun:
    """Give the job everything a good backup needs: 3 clean snapshots, an offline copy, a drill."""
    now = now or timezone.now()
    BackupCopy.objects.create(job=job, kind="offline", medium="LTO-8", last_verified=now - dt.timedelta(days=3))
    RestoreDrill.objects.create(job=job, performed_at=now - dt.timedelta(days=30), performed_by="test",
                                restored_what="DB", restored_to="検証機", files_restored=5, hashes_matched=5)
    return recorded_run(job, [SnapshotState.CLEAN] * 3, now=now)


def recorded_run(job: BackupJob, states: list[str], *, now: dt.datetime | None = None,
                 hours_apart: int = 24) -> VerificationRun:
    """A finished verification whose snapshots (oldest first, the newest `now - 1 h`) have these states."""
    now = now or timezone.now()
    newest = now - dt.timedelta(hours=1)
    times = [newest - dt.timedelta(hours=hours_apart * (len(states) - 1 - i)) for i in range(len(states))]
    clean = [(f"snap{i:04d}", t) for i, (s, t) in enumerate(zip(states, times, strict=True)) if s == "clean"]
    last = clean[-1] if clean else None
    run = VerificationRun.objects.create(
        job=job, started=now, finished=now, trigger=RunTrigger.MANUAL, started_by="test", tool=job.tool,
        snapshots=len(states), newest_state=states[-1] if states else "", newest_time=times[-1] if times else None,
        last_clean_id=last[0] if last else "", last_clean_short_id=last[0] if last else "",
        last_clean_time=last[1] if last else None)
    SnapshotVerdict.objects.bulk_create(
        SnapshotVerdict(run=run, snapshot_id=f"snap{i:04d}", short_id=f"snap{i:04d}", time=t, state=s)
        for i, (s, t) in enumerate(zip(states, times, strict=True)))
    return run
