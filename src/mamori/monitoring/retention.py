"""Retention: delete the day partitions of each source older than its policy (default 5 years)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator

from mamori.monitoring.models import DEFAULT_RETENTION_DAYS, LogSource

log = logging.getLogger(__name__)


def apply_retention(*, today: dt.date | None = None) -> Iterator[str]:
    """One line per source: the days deleted (a source's policy; partitions of unknown sources keep 5 years)."""
    from mamori.monitoring.ingest import event_store

    policy = {s.store_name: s.retention_days for s in LogSource.objects.all()}
    result = event_store().apply_retention(policy, default_days=DEFAULT_RETENTION_DAYS, today=today)
    days: dict[str, list[dt.date]] = defaultdict(list)
    for item in result.deleted:
        days[item.partition].append(item.day)
    for source, found in sorted(days.items()):
        yield f"{source}: deleted {len(found)} day(s), {min(found)} – {max(found)}"
    if not result.deleted:
        yield "nothing older than its retention"


def compact_yesterday(today: dt.date | None = None) -> int:
    """Merge yesterday's small part files of every source (the live receiver writes one every few seconds)."""
    from mamori.monitoring.ingest import event_store

    store = event_store()
    day = (today or dt.datetime.now(dt.UTC).date()) - dt.timedelta(days=1)
    return sum(store.compact(s.store_name, day) for s in LogSource.objects.all())


def daily_retention(_now: dt.datetime) -> list[str]:
    """The scheduler's daily run: apply every source's retention, compact yesterday, log what was done."""
    lines = list(apply_retention())
    lines.append(f"compacted {compact_yesterday()} part file(s) of yesterday")
    for line in lines:
        log.info("log retention: %s", line)
    return lines
