"""The daily backup verification on the in-process scheduler: next time in JST, claimed once, runs the jobs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mamori.backups.models import VerificationRun
from mamori.demo.loader import load_demo
from mamori.vulns.models import ScheduledJob
from mamori.vulns.scheduler import JST, TASKS, WEEKLY_JOB, next_daily, run_due_jobs

pytestmark = pytest.mark.django_db


def test_the_next_daily_time_is_read_in_japan_time() -> None:
    before = dt.datetime(2026, 12, 1, 4, 59, tzinfo=JST)
    assert next_daily(before, "05:00") == dt.datetime(2026, 12, 1, 5, 0, tzinfo=JST)
    assert next_daily(dt.datetime(2026, 12, 1, 5, 0, tzinfo=JST), "05:00") == dt.datetime(2026, 12, 2, 5, 0, tzinfo=JST)
    utc = dt.datetime(2026, 11, 30, 21, 0, tzinfo=dt.UTC)  # 06:00 on 1 December in Japan
    assert next_daily(utc, "05:00") == dt.datetime(2026, 12, 2, 5, 0, tzinfo=JST)
    with pytest.raises(ValueError, match="04:00"):
        next_daily(utc, "dawn")


def test_the_daily_task_verifies_every_readable_job_when_due() -> None:
    assert "backups-daily" in {t.name for t in TASKS}
    load_demo(assets_target=300)
    demo_runs = VerificationRun.objects.count()
    now = timezone.now()
    run_due_jobs(now)  # first sight: both jobs get their next time, nothing runs
    assert VerificationRun.objects.count() == demo_runs
    ScheduledJob.objects.filter(name="backups-daily").update(next_run=now - dt.timedelta(minutes=1))
    ScheduledJob.objects.filter(name=WEEKLY_JOB).update(next_run=now + dt.timedelta(days=1))
    assert run_due_jobs(now)
    scheduled = VerificationRun.objects.filter(trigger="scheduled")
    assert scheduled.count() == 3 and not scheduled.exclude(error_code="").exists()
    job = ScheduledJob.objects.get(name="backups-daily")
    assert job.last_error == "" and job.next_run > now
    assert not run_due_jobs(now)  # not due again until tomorrow
