"""The weekly run and the in-process scheduler that starts it on the embedded default.

The weekly run imports the feed files dropped into the inbox folder (`<data dir>/feeds/inbox`, e.g.
copied from a USB stick each Monday), re-matches the whole ledger, then writes and e-mails each
facility's report. `mamori serve` starts the scheduler thread; several server processes may run it,
because a job is claimed with one conditional UPDATE before it runs. In production the same run can
be started from cron with `mamori vulns weekly`.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import close_old_connections
from django.utils import timezone

from mamori.audit.context import Actor, acting_as
from mamori.tenancy.models import Facility
from mamori.vulns.choices import RunTrigger
from mamori.vulns.models import MatchRun, ScheduledJob, WeeklyReport

log = logging.getLogger(__name__)
JST = ZoneInfo("Asia/Tokyo")
WEEKLY_JOB = "vulns-weekly"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SYSTEM_ACTOR = Actor(user_id=None, username="mamori:scheduler", source="system")


def parse_schedule(text: str) -> tuple[int, dt.time]:
    """"mon 06:00" → (0, 06:00) in JST; raises ValueError with the accepted form."""
    try:
        day, clock = text.strip().lower().split()
        hour, minute = (int(p) for p in clock.split(":"))
        return _DAYS.index(day[:3]), dt.time(hour, minute)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"MAMORI_WEEKLY_RUN must look like 'mon 06:00', not {text!r}") from exc


def next_weekly(after: dt.datetime, schedule: str) -> dt.datetime:
    """The first scheduled time strictly after `after`."""
    weekday, at = parse_schedule(schedule)
    local = after.astimezone(JST)
    candidate = dt.datetime.combine(local.date(), at, tzinfo=JST) + dt.timedelta(days=(weekday - local.weekday()) % 7)
    if candidate <= local:
        candidate += dt.timedelta(days=7)
    return candidate


@dataclass
class WeeklyOutcome:
    imported: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    run: MatchRun | None = None
    reports: list[WeeklyReport] = field(default_factory=list)


def inbox() -> Path:
    return Path(settings.MAMORI_FEED_INBOX)


def import_inbox(outcome: WeeklyOutcome) -> None:
    """Import every file in the inbox; imported files move to `imported/`, refused ones to `rejected/`."""
    from mamori.vulns.imports import import_paths

    folder = inbox()
    if not folder.is_dir():
        return
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        result = import_paths([path], match=False)
        if result.rejected:
            target = folder.parent / "rejected"
            outcome.rejected += [f"{path.name}: {error}" for _, error in result.rejected]
        else:
            target = folder.parent / "imported"
            outcome.imported.append(path.name)
        target.mkdir(parents=True, exist_ok=True)
        path.replace(target / path.name)


def weekly_run(now: dt.datetime | None = None, *, send: bool = True) -> WeeklyOutcome:
    """Inbox → match → one report per facility (e-mailed when `send`)."""
    from mamori.vulns.matching import run_match
    from mamori.vulns.reports import build_report, send_report

    outcome = WeeklyOutcome()
    with acting_as(SYSTEM_ACTOR):
        import_inbox(outcome)
        outcome.run = run_match(RunTrigger.WEEKLY, SYSTEM_ACTOR.username)
        for facility in Facility.objects.order_by("code"):
            report = build_report(facility, outcome.run, now)
            if send:
                send_report(report)
            outcome.reports.append(report)
    return outcome


def next_daily(after: dt.datetime, clock: str) -> dt.datetime:
    """The first "HH:MM" (JST) strictly after `after`."""
    try:
        hour, minute = (int(p) for p in clock.strip().split(":"))
        at = dt.time(hour, minute)
    except ValueError as exc:
        raise ValueError(f"a daily time must look like '04:00', not {clock!r}") from exc
    local = after.astimezone(JST)
    candidate = dt.datetime.combine(local.date(), at, tzinfo=JST)
    return candidate if candidate > local else candidate + dt.timedelta(days=1)


Following = Callable[[dt.datetime, str], dt.datetime]


@dataclass(frozen=True)
class ScheduledTask:
    """A job another app runs on the same scheduler (e.g. the daily backup verification)."""

    name: str
    schedule: Callable[[], str]
    following: Following
    run: Callable[[dt.datetime], object]


TASKS: list[ScheduledTask] = []


def register(task: ScheduledTask) -> None:
    if all(t.name != task.name for t in TASKS):
        TASKS.append(task)


def claim(name: str, now: dt.datetime, schedule: str, following: Following = next_weekly) -> bool:
    """Take a due job (exactly one process wins) and set its next time; False when not due or taken."""
    job, _ = ScheduledJob.objects.get_or_create(name=name, defaults={"next_run": following(now, schedule)})
    return bool(ScheduledJob.objects.filter(pk=job.pk, next_run__lte=now).update(
        next_run=following(now, schedule), last_started=now))


def _run(name: str, task: Callable[[], object]) -> None:
    error = ""
    try:
        task()
    except Exception:  # the scheduler must survive a failed run; the error is kept on the job
        error = traceback.format_exc(limit=5)
        log.exception("scheduled job %s failed", name)
    ScheduledJob.objects.filter(name=name).update(last_finished=timezone.now(), last_error=error[:4000])


def run_due_jobs(now: dt.datetime | None = None) -> bool:
    """Run the weekly job and every registered task that is due; True when any ran."""
    now = now or timezone.now()
    ran = False
    if claim(WEEKLY_JOB, now, settings.MAMORI_WEEKLY_RUN):
        _run(WEEKLY_JOB, lambda: weekly_run(now))
        ran = True
    for task in TASKS:
        if claim(task.name, now, task.schedule(), task.following):
            _run(task.name, lambda t=task: t.run(now))  # type: ignore[misc]
            ran = True
    return ran


class Scheduler(threading.Thread):
    """Checks every `interval` seconds whether a job is due (a daemon thread: it ends with the server)."""

    def __init__(self, interval: float = 60.0) -> None:
        super().__init__(name="mamori-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                run_due_jobs()
            except Exception:  # a database hiccup must not end the thread
                log.exception("scheduler check failed")
            finally:
                close_old_connections()


def start_scheduler() -> Scheduler | None:
    """Start the scheduler unless MAMORI_SCHEDULER=0 (e.g. when cron runs `mamori vulns weekly`)."""
    if not settings.MAMORI_SCHEDULER:
        return None
    parse_schedule(settings.MAMORI_WEEKLY_RUN)
    scheduler = Scheduler()
    scheduler.start()
    return scheduler
