"""A host's stored events, read from the Parquet event store with DuckDB (only this facility's sources)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from mamori.monitoring.models import LogSource

DETAIL_FIELDS = ("CommandLine", "ServiceName", "ImagePath", "TargetUserName", "LogonType", "ProcessName",
                 "NewProcessName", "logdesc", "msg", "Message", "ScriptBlockText")


def details(fields: Any) -> str:
    """A short line of the fields that say what happened (command line, service, logon type, message)."""
    try:
        event = json.loads(fields) if isinstance(fields, str) else dict(fields or {})
    except (ValueError, TypeError):
        return ""
    parts = [f"{k}: {event[k]}" for k in DETAIL_FIELDS if event.get(k) not in (None, "", "-")]
    return " ¦ ".join(parts)[:300]


def host_events(sources: Sequence[LogSource], host: str, *, start: dt.datetime, end: dt.datetime,
                limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """Newest first; `host` matches the full name or its first label, case-insensitively."""
    from mamori.monitoring.ingest import event_store

    names = {s.store_name: s.name for s in sources}
    if not names:
        return []
    where = "source IN (" + ",".join("?" for _ in names) + ")"  # placeholders only: values are parameters
    sql = ("SELECT time, channel, event_id, record_id, action, \"user\", src_ip, source, fields FROM events WHERE "  # noqa: S608
           + where + " AND (lower(host) = lower(?) OR lower(host) LIKE lower(?)) "
           "AND time >= ? AND time < ? ORDER BY time DESC LIMIT ? OFFSET ?")
    params: list[Any] = [*names, host, f"{host}.%", start, end, limit, offset]
    rows = event_store().query(sql, params)
    for row in rows:
        row["details"] = details(row.pop("fields", None))
        row["source_name"] = names.get(str(row.get("source")), row.get("source"))
    return rows
