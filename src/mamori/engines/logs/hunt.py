"""`mamori hunt`: scan a folder of EVTX and Windows-event JSON files with Mamori's rules and any given Sigma rules,
with no server and no database (an incident responder's laptop): detections by level, a timeline, the logon
summary and metrics per file."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mamori.engines.errors import InputError
from mamori.engines.logs.evtx_reader import read_evtx
from mamori.engines.logs.json_reader import read_json_events
from mamori.engines.logs.logons import LogonSummary, summarise_logons
from mamori.engines.logs.sigma import RuleSet, compile_rules, match
from mamori.engines.logs.timeline import TimelineRow

__all__ = ["BUILTIN_RULES", "FileMetrics", "HuntResult", "hunt", "input_files"]

BUILTIN_RULES = Path(__file__).with_name("rules")
SUFFIXES = {".evtx": "evtx", ".json": "json", ".jsonl": "json", ".ndjson": "json"}
LEVELS = ("critical", "high", "medium", "low", "informational")


@dataclass
class FileMetrics:
    path: str
    events: int = 0
    first: Any = None
    last: Any = None
    event_ids: Counter[int] = field(default_factory=Counter)
    skipped: int = 0
    error: str = ""


@dataclass
class HuntResult:
    rules: RuleSet
    rows: list[TimelineRow] = field(default_factory=list)
    by_level: Counter[str] = field(default_factory=Counter)
    files: list[FileMetrics] = field(default_factory=list)
    logons: LogonSummary = field(default_factory=LogonSummary)
    events: int = 0


def input_files(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        candidates = sorted(path.rglob("*")) if path.is_dir() else [path]
        found += [p for p in candidates if p.is_file() and p.suffix.lower() in SUFFIXES]
    return found


def _details(matched: Iterable[tuple[str, Any]], event: dict[str, Any]) -> str:
    pairs = list(matched)[:6] or [(k, event[k]) for k in ("CommandLine", "ServiceName", "TargetUserName")
                                  if event.get(k)]
    return " ¦ ".join(f"{k}: {v}" for k, v in pairs)[:500]


def hunt(paths: Sequence[Path], *, rules: Sequence[Path] = (), recover: bool = False,
         include_experimental: bool = False) -> HuntResult:
    """Read every file (a broken one is reported and left out whole, unless `recover`), match, summarise."""
    ruleset = compile_rules([BUILTIN_RULES, *rules], include_experimental=include_experimental)
    result = HuntResult(ruleset)
    for path in input_files(paths):
        metrics = FileMetrics(str(path))
        result.files.append(metrics)
        try:
            if SUFFIXES[path.suffix.lower()] == "evtx":
                read = read_evtx(path, recover=recover)
                events, metrics.skipped = read.events, len(read.skipped)
            else:
                events = read_json_events(path)
        except InputError as exc:
            metrics.error = str(exc)
            continue
        metrics.events = len(events)
        times = [e["TimeCreated"] for e in events if e.get("TimeCreated") is not None]
        metrics.first, metrics.last = (min(times), max(times)) if times else (None, None)
        metrics.event_ids.update(e["EventID"] for e in events if isinstance(e.get("EventID"), int))
        result.events += len(events)
        summary = summarise_logons(events)
        result.logons.success.update(summary.success)
        result.logons.failure.update(summary.failure)
        for d in match(ruleset, events):
            event = dict(d.event)
            level = (d.level or "informational").lower()
            result.by_level[level] += 1
            result.rows.append(TimelineRow(
                time=event.get("TimeCreated"), host=str(event.get("Computer") or ""),
                channel=str(event.get("Channel") or ""), event_id=event.get("EventID"),
                record_id=event.get("EventRecordID"), level=level, rule=d.title, rule_id=d.rule_id,
                author=d.author or "", attack=tuple(t for t in d.tags if t.startswith("attack.")),
                details=_details(d.matched, event), source=path.name))
    result.rows.sort(key=lambda r: (r.time is None, r.time or 0, r.host))
    return result
