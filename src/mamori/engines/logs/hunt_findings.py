"""What `mamori hunt` adds to the plain rule matches: correlation alerts (Sigma v2) and log-health findings, both as
timeline rows like any detection.

- Correlation: a file's detections of the rules some correlation references are kept, stripped to the fields the
  correlations read (:func:`correlation_fields`, :func:`slim`), and correlated over all files at the end — the
  signs of one attack sit in several files of one host (Security, System, Defender). A correlation alert is one row:
  the rule of the correlation (title, id, level, author, ATT&CK), the time of its first contributing event, its
  group and its count.
- Health: a finding is a row whose rule is the finding's title (`health.TITLES`, author Mamori), level from its
  severity, title and details in the user's language.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mamori.engines.logs.health import TITLES, HealthFinding
from mamori.engines.logs.hits import SEVERITY_LEVELS, from_correlation
from mamori.engines.logs.sigma import Detection
from mamori.engines.logs.timeline import TimelineRow

__all__ = ["correlate", "correlation_fields", "correlation_rows", "health_rows", "slim"]

#: Fields every correlation occurrence needs: its time, where it came from, the host it is about.
_ALWAYS = ("TimeCreated", "_received", "_source", "_offset", "EventRecordID", "Computer", "_host", "devname",
           "Channel", "EventID")

def correlation_fields(correlations: Any) -> frozenset[str]:
    """Lower-cased names of every field a `CorrelationSet` reads from an occurrence (group-by fields, their
    aliases' per-rule fields, value_count fields) plus :data:`_ALWAYS`."""
    names = {n.lower() for n in _ALWAYS}
    for rule in correlations.rules:
        names.update(f.lower() for f in rule.group_by)
        if rule.value_field:
            names.add(rule.value_field.lower())
        for per_rule in rule.aliases.values():
            names.update(str(f).lower() for f in per_rule.values())
    return frozenset(names)


def slim(detection: Detection, fields: frozenset[str]) -> Detection:
    """The detection with only the event fields in `fields` (lower-cased names): what a correlator keeps of each
    occurrence for as long as the hunt runs, and what a worker process sends back."""
    event = {k: v for k, v in detection.event.items() if k.lower() in fields}
    return dataclasses.replace(detection, event=event, matched=())


def correlate(correlations: Any, detections: Iterable[Detection]) -> list[TimelineRow]:
    """Run a `CorrelationSet` over detections from any number of files (`Correlator.run`: sorted by time, then
    file and place) and return one row per alert, by first time. An alert not grouped by host gets the host of the
    detection that made it fire (a spray grouped by source address still names the DC it hit)."""
    from mamori.engines.logs.sigma.correlation import Correlator

    hosts: dict[int, str] = {}

    def fired(alert: Any, d: Detection) -> None:
        hosts.setdefault(id(alert), str(d.event.get("Computer") or d.event.get("_host") or ""))

    return correlation_rows(Correlator(correlations).run(detections, on_fire=fired), hosts)


def correlation_rows(alerts: Iterable[Any], hosts: dict[int, str] | None = None) -> list[TimelineRow]:
    """One timeline row per correlation alert (`sigma.correlation.CorrelationAlert`); `hosts`: the host to show,
    by `id(alert)`, where the alert's group names none."""
    rows: list[TimelineRow] = []
    for alert in alerts:
        hit = from_correlation(alert)
        if not hit.host and hosts:
            hit.host = hosts.get(id(alert), "")
        refs = alert.sample_refs
        sources = dict.fromkeys(str(r.source) for r in refs if r.source)
        details = " ¦ ".join([*(f"{k}: {v}" for k, v in hit.matched), f"count: {hit.count}"])
        rows.append(TimelineRow(
            time=alert.first, host=sys.intern(hit.host), channel="", event_id=None,
            record_id=refs[0].record_id if refs else None, level=sys.intern(hit.level), rule=hit.title,
            rule_id=hit.rule_id, author=hit.author, attack=alert.attack, details=details[:500],
            source=", ".join(sources)[:200]))
    return rows


def _moment(params: dict[str, Any]) -> dt.datetime | None:
    for name in ("after", "oldest", "last", "newest"):
        value = params.get(name)
        if isinstance(value, dt.datetime):
            return value
    return None


def health_rows(findings: Iterable[HealthFinding], *, lang: str = "ja") -> list[TimelineRow]:
    """One timeline row per health finding; `lang` picks the message ("ja" or "en")."""
    index = 1 if lang == "ja" else 0
    return [TimelineRow(
        time=_moment(f.params), host=f.host, channel=f.channel, event_id=None, record_id=None,
        level=SEVERITY_LEVELS.get(f.severity, "informational"),
        rule=TITLES[f.code][index] if f.code in TITLES else f.code,
        rule_id=f"mamori-health-{f.code}", author="Mamori", attack=(),
        details=(f.message_ja if lang == "ja" else f.message_en)[:500], source=Path(f.source).name if f.source else "")
        for f in findings]
