"""Bring events in: a file upload (staged — imported whole, rejected whole, or with every skipped part listed in
recover mode) and the live syslog pipeline. Both tag events from the ledger, store them as Parquet, run the rules
and record the alerts."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.detect import Detector
from mamori.engines.logs.health import HealthTracker
from mamori.engines.logs.hits import Hit
from mamori.engines.logs.live import ChunkAnalysis, LiveAnalyser, analyser_factory
from mamori.engines.logs.readers import iter_file
from mamori.engines.logs.receiver import SyslogReceiver
from mamori.engines.logs.routing import SenderRoutes, network_text
from mamori.engines.logs.store import EventStore, EventWriter
from mamori.engines.logs.zones import NetworkMap
from mamori.monitoring.alerts import Recorded, record_hits
from mamori.monitoring.choices import LIVE_KINDS, ImportState
from mamori.monitoring.health import tracker_hits
from mamori.monitoring.ledger_context import network_map
from mamori.monitoring.models import LogImport, LogSource, sender_networks
from mamori.monitoring.ruleset import current_rules, rule_paths
from mamori.monitoring.vendor_access import MAX_CANDIDATES, is_candidate, vendor_hits

log = logging.getLogger(__name__)
BATCH = 5000


def event_store() -> EventStore:
    return EventStore(Path(settings.MAMORI_LOG_STORE))


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class _Span:
    def __init__(self) -> None:
        self.first: dt.datetime | None = None
        self.last: dt.datetime | None = None
        self.count = 0

    def add(self, event: dict[str, Any]) -> None:
        moment = event.get("TimeCreated")
        moment = moment if isinstance(moment, dt.datetime) else None
        self.extend(1, moment, moment)

    def extend(self, count: int, first: dt.datetime | None, last: dt.datetime | None) -> None:
        """Count `count` events whose times span `first`…`last` (None: no time)."""
        self.count += count
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last


def _update_source(source: LogSource, span: _Span) -> None:
    LogSource.objects.filter(pk=source.pk).update(events=F("events") + span.count)
    if span.first is not None and (source.first_event is None or span.first < source.first_event):
        LogSource.objects.filter(pk=source.pk).update(first_event=span.first)
    if span.last is not None and (source.last_event is None or span.last > source.last_event):
        LogSource.objects.filter(pk=source.pk).update(last_event=span.last)
    source.refresh_from_db(fields=["events", "first_event", "last_event"])


def import_file(source: LogSource, path: Path, *, file_name: str, recover: bool = False,
                imported_by: str = "") -> LogImport:
    """Import one file into a source: stored and matched whole, or nothing stored and the error kept."""
    size = path.stat().st_size
    record = LogImport(source=source, file_name=file_name[:255], sha256=sha256_of(path), size=size,
                       recover=recover, imported_by=imported_by, state=ImportState.REJECTED)
    limit = settings.MAMORI_LOG_UPLOAD_MAX_MB * 1024 * 1024
    if size > limit:
        record.error = str(InputError(f"is {size:,} bytes, more than the {limit:,} allowed",
                                      InputLocation(file=file_name), code="too_large"))
        record.save()
        return record
    rules = current_rules()
    network = network_map(source.facility)
    detector = Detector(rules.ruleset, rules.correlations)
    skipped: list[tuple[str, str]] = []
    span = _Span()
    health = HealthTracker()
    remote: list[dict[str, Any]] = []

    def events() -> Iterator[dict[str, Any]]:
        batch: list[dict[str, Any]] = []
        for event in iter_file(path, source.kind, recover=recover, skipped=skipped):
            event["_source"] = file_name
            network.annotate(event)
            span.add(event)
            health.add(event)
            if is_candidate(event) and len(remote) < MAX_CANDIDATES:
                remote.append(event)
            batch.append(event)
            if len(batch) >= BATCH:
                detector.feed(batch)
                yield from batch
                batch = []
        detector.feed(batch)
        yield from batch

    try:
        event_store().import_batch(source.store_name, events())
    except InputError as exc:
        record.error = str(exc).replace(str(path), file_name)
        record.skipped = [list(s) for s in skipped[:1000]]
        record.save()
        log.info("log import rejected: source=%s file=%s code=%s", source.code, file_name, exc.code)
        return record
    hits = detector.finish() + tracker_hits(health, source, live=False) + vendor_hits(remote, source.facility)
    recorded = record_hits(source, hits, facility=source.facility, network=network)
    record.state = ImportState.RECOVERED if skipped else ImportState.IMPORTED
    record.events = span.count
    record.skipped = [list(s) for s in skipped[:1000]]
    record.detections = sum(h.count for h in hits)
    record.save()
    _update_source(source, span)
    log.info("log import: source=%s events=%d alerts_new=%d alerts_updated=%d", source.code, span.count,
             recorded.created, recorded.updated)
    return record


class LivePipeline:
    """Events from the syslog receiver, recorded as alerts; correlation windows stay open across flushes.

    Two ways in. Parsing in the event loop: `add` buffers each event, and every `BATCH` events or `interval`
    seconds `flush` stores, matches and records them. Parsing processes (`mamori logs listen --workers N`, the
    default): the receiver's `EventWriter` stores the events, each parsing process tags and matches them with
    `analyser()` (`mamori.engines.logs.live`), and `take` buffers each chunk's result for `flush`, which then
    only correlates, tracks health and records — so every core parses and matches.
    """

    HEALTH_EVERY = 600.0  # seconds between log-health checks of the live stream

    def __init__(self, source: LogSource, *, interval: float = 5.0, network: NetworkMap | None = None) -> None:
        self.source = source
        self.interval = interval
        self.network = network if network is not None else network_map(source.facility)
        rules = current_rules()
        self.detector = Detector(rules.ruleset, rules.correlations)
        self.store = event_store()
        self._buffer: list[dict[str, Any]] = []
        self._analyses: list[ChunkAnalysis] = []
        self._lock = threading.Lock()
        self._last = time.monotonic()
        self._health_checked = time.monotonic()
        self.health = HealthTracker()
        self.stored = 0  #: events stored by `flush` (parsing in the loop) or analysed (parsing processes)
        self.recorded = Recorded()

    def analyser(self) -> Callable[[], LiveAnalyser]:
        """The factory the receiver's parsing processes build their analyser with: the rules this pipeline runs
        (from the rule cache `current_rules` wrote) and the facility's network map."""
        return analyser_factory(rule_paths(), Path(settings.MAMORI_RULE_CACHE),
                                statuses=settings.MAMORI_SIGMA_STATUSES, network=self.network)

    def add(self, event: dict[str, Any]) -> None:
        """Take one received event (called on the receiver's event loop: only buffers, unless far behind)."""
        self.network.annotate(event)
        with self._lock:
            self._buffer.append(event)
            behind = len(self._buffer) >= 4 * BATCH
        if behind:
            self.flush()

    def take(self, analysis: ChunkAnalysis) -> None:
        """Take one chunk's analysis from a parsing process (on the event loop: only buffers)."""
        with self._lock:
            self._analyses.append(analysis)

    def due(self) -> bool:
        pending = len(self._buffer) + sum(a.count for a in self._analyses)
        return bool(pending) and (pending >= BATCH or time.monotonic() - self._last >= self.interval)

    def flush(self, *, final: bool = False) -> None:
        with self._lock:
            batch, self._buffer = self._buffer, []
            analyses, self._analyses = self._analyses, []
            self._last = time.monotonic()
        span = _Span()
        remote: list[dict[str, Any]] = []
        if batch:
            self.store.import_batch(self.source.store_name, batch)
            self.detector.feed(batch)
            for event in batch:
                span.add(event)
                self.health.add(event)
                if is_candidate(event):
                    remote.append(event)
            self.stored += len(batch)
        for analysis in analyses:
            self.detector.take(analysis.detections)
            self.health.merge(analysis.health)
            span.extend(analysis.count, analysis.first, analysis.last)
            remote += analysis.candidates
            self.stored += analysis.count
        if span.count:
            _update_source(self.source, span)
        if not final:
            self.detector.expire(timezone.now())
        hits: list[Hit] = self.detector.finish() if final else self.detector.drain()
        if remote:
            hits += vendor_hits(remote[:MAX_CANDIDATES], self.source.facility)
        if final or time.monotonic() - self._health_checked >= self.HEALTH_EVERY:
            self._health_checked = time.monotonic()
            hits += tracker_hits(self.health, self.source, live=True)
        if hits:
            found = record_hits(self.source, hits, facility=self.source.facility, network=self.network)
            self.recorded.created += found.created
            self.recorded.updated += found.updated


def routed_sources(default: LogSource) -> list[LogSource]:
    """The sources `mamori logs listen --source DEFAULT` receives into: DEFAULT first, then every other active
    syslog or FortiGate source of its facility that names its senders."""
    others = (LogSource.objects.filter(facility_id=default.facility_id, active=True,
                                       kind__in=LIVE_KINDS)
              .exclude(pk=default.pk).exclude(senders="").order_by("code"))
    return [default, *others]


class LiveRoutes:
    """Live syslog into several sources of one facility, chosen by the sender's address.

    Each source's `senders` networks route its devices' messages to it (the narrowest network wins); messages from
    any other sender go to `default`, so nothing received is lost. Each source keeps its own `LivePipeline`
    (correlation windows, health tracker, alerts recorded against that source). The receiver routes with `routes`
    (keys are the sources' `store_name`) and hands each chunk's analysis to `take(key, analysis)`.
    """

    def __init__(self, default: LogSource, *, interval: float = 5.0) -> None:
        self.default = default
        self.interval = interval
        self.network = network_map(default.facility)  # one facility: one map for every source's pipeline
        self.pipelines: dict[str, LivePipeline] = {}
        self.sources: list[LogSource] = []
        self.routes = SenderRoutes({}, default=default.store_name)
        self._seen: list[tuple[int, str]] = []
        self.refresh()
        self.store = self.pipelines[default.store_name].store

    def refresh(self) -> bool:
        """Read the sources and their senders again (a source added, its senders edited, one made inactive); True
        when the routes changed. A source that drops out keeps its pipeline until the end, so nothing it holds is
        lost. Reads the database: call it off the event loop."""
        sources = routed_sources(self.default)
        seen = [(s.pk, s.senders) for s in sources]
        if seen == self._seen:
            return False
        for source in sources:
            if source.store_name not in self.pipelines:
                self.pipelines[source.store_name] = LivePipeline(source, interval=self.interval, network=self.network)
        self.sources, self._seen = sources, seen
        self.routes = SenderRoutes({s.store_name: sender_networks(s.senders) for s in sources},
                                   default=self.default.store_name)
        return True

    def reroute(self, receiver: SyslogReceiver, open_writer: Callable[[str], EventWriter]) -> list[str]:
        """After `refresh` said True: hand the receiver the new routes and a writer (from `open_writer`) for each
        source it has none for; the keys of those. On the event loop."""
        added = {key: open_writer(key) for key in self.pipelines if key not in receiver.writers}
        receiver.reroute(self.routes, added)
        return list(added)

    def analyser(self) -> Callable[[], LiveAnalyser]:
        """The parsing processes' analyser factory (one facility: the same rules and network map for all)."""
        return self.pipelines[self.default.store_name].analyser()

    def add(self, event: dict[str, Any]) -> None:
        """Take one event parsed in the event loop, routed by its sender (`_source`)."""
        key = self.routes(str(event.get("_source") or ""))
        self.pipelines[key or self.default.store_name].add(event)

    def take(self, key: str, analysis: ChunkAnalysis) -> None:
        """Take one chunk's analysis for the source stored under `key`."""
        self.pipelines[key].take(analysis)

    def due(self) -> bool:
        return any(p.due() for p in self.pipelines.values())

    def flush(self, *, final: bool = False) -> None:
        """Flush every pipeline that is due (all of them when `final`)."""
        for pipeline in self.pipelines.values():
            if final or pipeline.due():
                pipeline.flush(final=final)

    def table(self) -> list[tuple[str, str]]:
        """(sender network, source code) as routed, narrowest first, ending with the default for any other."""
        codes = {s.store_name: s.code for s in self.sources}
        return [(network_text(network), codes[key])
                for network, key in self.routes.networks()] + [("*", self.default.code)]

    @property
    def stored(self) -> int:
        return sum(p.stored for p in self.pipelines.values())

    @property
    def recorded(self) -> Recorded:
        total = Recorded()
        for pipeline in self.pipelines.values():
            total.created += pipeline.recorded.created
            total.updated += pipeline.recorded.updated
        return total
