"""A host's stored events, read from the Parquet event store with DuckDB (only this facility's sources)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from mamori.monitoring.models import Alert, LogSource

DETAIL_FIELDS = ("CommandLine", "ServiceName", "ImagePath", "TargetUserName", "LogonType", "ProcessName",
                 "NewProcessName", "logdesc", "msg", "Message", "ScriptBlockText")


def _event(fields: Any) -> dict[str, Any]:
    try:
        return json.loads(fields) if isinstance(fields, str) else dict(fields or {})
    except (ValueError, TypeError):
        return {}


def details(fields: Any) -> str:
    """A short line of the fields that say what happened (command line, service, logon type, message)."""
    event = fields if isinstance(fields, dict) else _event(fields)
    parts = [f"{k}: {event[k]}" for k in DETAIL_FIELDS if event.get(k) not in (None, "", "-")]
    return " ¦ ".join(parts)[:300]


def _moment(value: Any) -> str | None:
    """A time as UTC ISO text (from a datetime or ISO text), to compare a stored row with an alert's sample."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).isoformat()


def _keys(record_id: Any, moment: Any, source: Any, offset: Any) -> list[tuple[Any, ...]]:
    """How one event is recognised: its EventRecordID at its time, or its file and place in it; an event with
    neither (live syslog) by its sender and time (FortiGate and RFC 5424 times have sub-second precision)."""
    keys: list[tuple[Any, ...]] = []
    when = _moment(moment)
    if isinstance(record_id, int) and when is not None:
        keys.append(("record", record_id, when))
    if source and isinstance(offset, int):
        keys.append(("place", str(source), offset))
    if not keys and source and when is not None:
        keys.append(("moment", str(source), when))
    return keys


def mark_detections(rows: Sequence[dict[str, Any]], alerts: Iterable[Alert]) -> int:
    """Set `row["alerts"]` to the alerts that hold the row's event among their sample events (what the alert
    page shows as its evidence); returns the number of rows marked. Each alert keeps up to 20 samples, so a burst
    of thousands marks its first and latest events, not all."""
    index: dict[tuple[Any, ...], list[Alert]] = {}
    for alert in alerts:
        for sample in alert.samples or ():
            if isinstance(sample, dict):
                for key in _keys(sample.get("EventRecordID"), sample.get("TimeCreated"), sample.get("_source"),
                                 sample.get("_offset")):
                    found = index.setdefault(key, [])
                    if alert not in found:
                        found.append(alert)
    marked = 0
    for row in rows:
        hits: list[Alert] = []
        for key in _keys(row.get("record_id"), row.get("time"), row.get("_source"), row.get("offset")):
            hits += [a for a in index.get(key, ()) if a not in hits]
        row["alerts"] = hits
        marked += bool(hits)
    return marked


def host_events(sources: Sequence[LogSource], host: str, *, start: dt.datetime, end: dt.datetime,
                limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """Newest first; `host` matches the full name or its first label, case-insensitively."""
    from mamori.monitoring.ingest import event_store

    names = {s.store_name: s.name for s in sources}
    if not names:
        return []
    where = "source IN (" + ",".join("?" for _ in names) + ")"  # placeholders only: values are parameters
    sql = ("SELECT time, channel, event_id, record_id, action, \"user\", src_ip, source, \"offset\", fields "
           "FROM events WHERE " + where + " AND (lower(host) = lower(?) OR lower(host) LIKE lower(?)) "
           "AND time >= ? AND time < ? ORDER BY time DESC LIMIT ? OFFSET ?")
    params: list[Any] = [*names, host, f"{host}.%", start, end, limit, offset]
    rows = event_store().query(sql, params)
    for row in rows:
        event = _event(row.pop("fields", None))
        row["details"] = details(event)
        row["_source"] = event.get("_source")
        row["source_name"] = names.get(str(row.get("source")), row.get("source"))
    return rows
