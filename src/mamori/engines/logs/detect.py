"""Run compiled Sigma rules and correlation rules over batches of events and gather the hits.

A plain rule's detections are folded as they come: one hit per (rule, host) with the count, first and last time
and up to `samples` example events, so a 3,561-event burst costs one hit, not 3,561 kept events. Correlation rules
(Sigma v2) see every base-rule detection; base rules marked `generate: false` give no hit of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mamori.engines.logs.hits import Hit, from_correlation, from_detection
from mamori.engines.logs.sigma import Detection, RuleSet, match

__all__ = ["Detector"]


class Detector:
    def __init__(self, ruleset: RuleSet, correlations: Any = None, *, samples: int = 20) -> None:
        self.ruleset = ruleset
        self.samples = samples
        self.correlator: Any = None
        self.suppressed: frozenset[str] = frozenset()
        if correlations is not None and getattr(correlations, "rules", None):
            from mamori.engines.logs.sigma.correlation import Correlator

            self.correlator = Correlator(correlations)
            self.suppressed = frozenset(correlations.suppressed_rule_ids)
        self._folded: dict[str, Hit] = {}
        self._firing: dict[int, Any] = {}  # correlation alerts by identity: updated in place until closed
        self._emitted: dict[int, int] = {}  # how much of each firing alert's count was already given out
        self._hosts: dict[int, str] = {}  # the host of the detection that made a correlation fire
        self.detections = 0

    def _fold(self, hit: Hit) -> None:
        key = hit.dedupe_key
        found = self._folded.get(key)
        if found is None:
            self._folded[key] = hit
            return
        found.count += hit.count
        moment = hit.last_time or hit.time
        if moment is not None:
            if found.time is None or moment < found.time:
                found.time = moment
            if found.last_time is None or moment > found.last_time:
                found.last_time = moment
        if len(found.samples) < self.samples:
            found.samples = (*found.samples, *hit.samples[: self.samples - len(found.samples)])

    def feed(self, events: Iterable[Mapping[str, Any]]) -> int:
        """Match a batch; returns the number of detections in it."""
        return self.take(match(self.ruleset, events))

    def take(self, detections: Iterable[Detection]) -> int:
        """Gather detections matched elsewhere (by the same rules, e.g. in the live receiver's parsing processes);
        returns how many there were."""
        n = 0
        for d in detections:
            n += 1
            if self.correlator is not None:
                for alert in self.correlator.feed(d):
                    self._firing[id(alert)] = alert
                    self._hosts.setdefault(id(alert), str(d.event.get("Computer") or d.event.get("_host") or ""))
            if d.rule_id in self.suppressed:
                continue
            hit = from_detection(d)
            hit.last_time = hit.time
            self._fold(hit)
        self.detections += n
        return n

    def drain(self) -> list[Hit]:
        """The hits gathered since the last drain: plain detections, and for each firing correlation alert what it
        grew by (an alert still open is given at once and its growth later, so a critical chain is not held back
        until its window closes; the counts add up to the alert's total)."""
        out = list(self._folded.values())
        self._folded = {}
        for key, alert in list(self._firing.items()):
            given = self._emitted.get(key, 0)
            if alert.count > given or given == 0:
                hit = from_correlation(alert)
                hit.host = hit.host or self._hosts.get(key, "")
                hit.count = max(1, alert.count - given)
                if given:
                    hit.samples = ()
                out.append(hit)
                self._emitted[key] = max(alert.count, 1)
            if alert.closed:
                del self._firing[key]
                self._emitted.pop(key, None)
                self._hosts.pop(key, None)
        return out

    def expire(self, now: Any) -> None:
        """Live mode: close correlation windows idle for a timespan before `now`, forget closed alerts."""
        if self.correlator is not None:
            for alert in self.correlator.expire(now):
                self._firing[id(alert)] = alert
            self.correlator.alerts.clear()

    def finish(self) -> list[Hit]:
        """Every remaining hit, correlation windows closed."""
        if self.correlator is not None:
            for alert in self.correlator.finish():
                self._firing[id(alert)] = alert
            for alert in self._firing.values():
                alert.closed = True
        return self.drain()
