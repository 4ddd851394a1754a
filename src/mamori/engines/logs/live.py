"""Detection beside parsing, for the live syslog receiver: each parsing process also tags the events with the
network map, matches them against the compiled Sigma rules and reduces them to what the receiving process needs.

Parsing and matching are most of the cost of a message; done in the parsing processes (`SyslogReceiver` with
`parse_workers` and an `analyser`), they use every core, and the receiving process keeps only what must be
central: the correlation windows and folded hits (`Detector.take`), the health streams (each chunk's own
`HealthTracker`, continued by `HealthTracker.merge`), the source's first/last event and the vendor-window
candidates. A chunk's result (:class:`ChunkAnalysis`) is small: the detections with their events (few), a
tracker bounded by the chunk's streams and hosts (not one entry per event), the candidates.

The analyser is built in each parsing process by a picklable factory (:func:`analyser_factory`): the compiled
rules come from the rule cache the receiving process has already written, so a worker starts in well under a
second.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mamori.engines.logs.health import HealthTracker
from mamori.engines.logs.sigma import Detection, RuleSet, load_or_compile, match
from mamori.engines.logs.vendor_windows import is_candidate
from mamori.engines.logs.zones import NetworkMap

__all__ = ["ChunkAnalysis", "LiveAnalyser", "analyser_factory", "build_analyser"]


@dataclass
class ChunkAnalysis:
    """What one parsed chunk gave: detections (events included), the chunk's health tracker, vendor-window
    candidates, and the chunk's event count and first/last event time."""

    detections: list[Detection] = field(default_factory=list)
    health: HealthTracker = field(default_factory=HealthTracker)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    count: int = 0
    first: dt.datetime | None = None
    last: dt.datetime | None = None


class LiveAnalyser:
    """Runs in a parsing process: `prepare` each event before it is stored (network tags), then `analyse` the
    chunk."""

    def __init__(self, ruleset: RuleSet, network: NetworkMap | None = None, *, max_candidates: int = 10_000) -> None:
        self.ruleset = ruleset
        self.network = network
        self.max_candidates = max_candidates

    def prepare(self, event: dict[str, Any]) -> None:
        if self.network is not None:
            self.network.annotate(event)

    def analyse(self, events: Sequence[dict[str, Any]]) -> ChunkAnalysis:
        out = ChunkAnalysis(detections=list(match(self.ruleset, events)), count=len(events))
        first = last = None
        add = out.health.add
        for event in events:
            add(event)
            moment = event.get("TimeCreated")
            if isinstance(moment, dt.datetime):
                if first is None or moment < first:
                    first = moment
                if last is None or moment > last:
                    last = moment
            if is_candidate(event) and len(out.candidates) < self.max_candidates:
                out.candidates.append(event)
        out.first, out.last = first, last
        return out


def build_analyser(rule_paths: Sequence[str], cache: str, statuses: Sequence[str] | None,
                   network: NetworkMap | None) -> LiveAnalyser:
    """The analyser of one parsing process: the rules from `cache` (compiled there by the receiving process;
    compiled again only if the cache is missing or stale)."""
    ruleset, _from_cache = load_or_compile([Path(p) for p in rule_paths], Path(cache), statuses=statuses)
    return LiveAnalyser(ruleset, network)


def analyser_factory(rule_paths: Sequence[Path], cache: Path, *, statuses: Sequence[str] | None = None,
                     network: NetworkMap | None = None) -> Callable[[], LiveAnalyser]:
    """A picklable zero-argument callable that builds the analyser inside a parsing process."""
    return functools.partial(build_analyser, [str(p) for p in rule_paths], str(cache),
                             list(statuses) if statuses is not None else None, network)
