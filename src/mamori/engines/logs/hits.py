"""What the engines found, in one shape the application records as alerts: a Sigma detection, a correlation
alert, a log-health finding or a remote access outside its approved hours.

No Django here: the application (`mamori.monitoring.alerts.record_hits`) turns hits into alert rows, and
`mamori hunt` prints them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SEVERITY_LEVELS", "Hit", "event_ref", "from_correlation", "from_detection", "jsonable"]

#: A finding's severity (log health, vendor windows: high / medium / low / info) → the level of its hit or row.
SEVERITY_LEVELS = {"high": "high", "medium": "medium", "low": "low", "info": "informational"}
SAMPLE_FIELDS = ("TimeCreated", "Channel", "EventID", "EventRecordID", "Computer", "_source", "_offset", "_user",
                 "_src_ip", "_action")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def jsonable(value: Any) -> Any:
    """Plain JSON data from nested dicts, lists and tuples of datetimes, timedeltas, sets and scalars."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return _plain(value)


def event_ref(event: Mapping[str, Any]) -> dict[str, Any]:
    """Where an event is (time, channel, id, record, file and position) and who/where from, for the alert page."""
    return {k: _plain(event.get(k)) for k in SAMPLE_FIELDS if event.get(k) is not None}


@dataclass
class Hit:
    kind: str  # AlertKind value
    rule_id: str
    title: str
    level: str
    time: dt.datetime | None
    host: str = ""
    author: str = ""
    status: str = ""
    description: str = ""
    rule_source: str = ""
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    matched: tuple[tuple[str, Any], ...] = ()
    group: Mapping[str, Any] = field(default_factory=dict)
    samples: tuple[Mapping[str, Any], ...] = ()
    count: int = 1
    last_time: dt.datetime | None = None
    event: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def dedupe_key(self) -> str:
        """Same rule, same host, same group (correlation group-by values) = the same alert while it is open."""
        text = json.dumps([self.kind, self.rule_id, self.host.lower(),
                           sorted((str(k), str(v)) for k, v in self.group.items())], ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()


def from_detection(d: Any) -> Hit:
    """A `mamori.engines.logs.sigma.Detection` as a hit."""
    event = d.event
    time = event.get("TimeCreated")
    return Hit(kind="rule", rule_id=d.rule_id, title=d.title, level=(d.level or "informational").lower(),
               time=time if isinstance(time, dt.datetime) else None,
               host=str(event.get("Computer") or event.get("_host") or ""), author=d.author or "",
               status=d.status or "", rule_source=d.rule_source, tags=tuple(d.tags),
               references=tuple(d.references), falsepositives=tuple(d.falsepositives),
               matched=tuple((str(k), _plain(v)) for k, v in d.matched), samples=(event_ref(event),), event=event)


def from_correlation(alert: Any) -> Hit:
    """A `mamori.engines.logs.sigma.correlation.CorrelationAlert` as a hit: grouped by the correlation's group-by
    values, counted over its window, the contributing events' places as samples."""
    group = {str(k): _plain(v) for k, v in (alert.group or {}).items()}
    host = str(group.get("Computer") or group.get("devname") or group.get("_host") or "")
    samples = tuple({"TimeCreated": _plain(r.time), "EventRecordID": r.record_id, "_source": r.source,
                     "_offset": r.offset, "rule": r.rule_id} for r in alert.sample_refs)
    matched: tuple[tuple[str, Any], ...] = (("condition", alert.condition), *group.items())
    if alert.distinct:
        shown = ", ".join(str(v) for v in alert.values[:50])
        matched += (("distinct", f"{alert.distinct}: {shown}"[:500]),)
    return Hit(kind="correlation", rule_id=alert.rule_id, title=alert.title,
               level=(alert.level or "high").lower(), time=alert.first, last_time=alert.last, host=host,
               author=alert.author or "", status=alert.status or "", rule_source=alert.rule_source,
               tags=tuple(alert.tags), references=tuple(alert.references),
               falsepositives=tuple(alert.falsepositives), group=group, matched=matched, samples=samples,
               count=max(1, int(alert.count)))
