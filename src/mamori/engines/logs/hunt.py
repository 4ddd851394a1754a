"""`mamori hunt`: scan a folder of EVTX, Windows-event JSON and syslog/FortiGate files (and CSV exports named on the
command line) with Mamori's rules and any given Sigma rules, with no server and no database (an incident
responder's laptop): detections by level, correlation alerts (Sigma v2), log-health findings, a timeline, the
logon summary and metrics per file.

How a file is read (:func:`scan_file`): its events are **streamed** from the reader for its suffix
(:data:`READERS`) in chunks of :data:`CHUNK` events; each chunk updates the file's metrics and logon summary and is
matched, and only the detections are kept (as timeline rows). Memory therefore depends on the chunk and the number
of detections, not on the size of the file. What a file gave stays provisional until its last record is read: a
file that turns out broken (the reader raises `InputError`) is reported in `FileMetrics.error` and contributes
nothing — no row, no logon, no event count — unless the reader runs in recover mode.

Correlation and health need every file: a file's detections of the rules a correlation references are kept (slim,
see `hunt_findings`) and its `HealthTracker` (bounded) goes back with its scan; both are combined over all files
at the end, so a ransomware chain spread over a host's Security, System and Defender logs is one alert, and a
104 in System.evtx explains a gap in Application.evtx.

With `workers > 1` files are scanned in that many processes (one file per task) and merged in input order, so the
result, the row order and the `on_detection` calls are the same as with one process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing import get_all_start_methods, get_context
from pathlib import Path
from typing import Any, Protocol

from mamori.engines.errors import InputError
from mamori.engines.logs.evtx_reader import SkippedPart, decode_record, flat_values, iter_evtx, iter_records, peek
from mamori.engines.logs.health import CLEAR_EVENTS, HealthFinding, HealthPolicy, HealthTracker
from mamori.engines.logs.hunt_findings import correlate, correlation_fields, health_rows, slim
from mamori.engines.logs.json_reader import iter_json_events
from mamori.engines.logs.logons import LogonSummary, summarise_logons
from mamori.engines.logs.readers import iter_file
from mamori.engines.logs.sigma import Detection, RuleSet, compile_rules, load_or_compile, match
from mamori.engines.logs.timeline import TimelineRow

__all__ = ["BUILTIN_RULES", "CHUNK", "FOLDER_NAMES", "HUNT_HEALTH", "LEVELS", "LOGON_EVENTS", "READERS",
           "FileMetrics", "FileReader", "FileScan", "HuntResult", "default_rule_cache", "hunt", "input_files",
           "load_correlations", "load_rules", "scan_file"]

BUILTIN_RULES = Path(__file__).with_name("rules")
LEVELS = ("critical", "high", "medium", "low", "informational")
#: Events matched at a time; bounds the memory a file needs (plus its detections).
CHUNK = 2_000
#: Below this many input bytes one process is faster than starting workers.
_PARALLEL_MIN_BYTES = 4 << 20


class FileReader(Protocol):
    """Reads one file: yields its events (flat dicts, see `mamori.engines.logs`) and raises `InputError` where the
    file is bad (default mode). In recover mode it appends every part it skipped to `skipped` and goes on."""

    def __call__(self, path: Path, *, recover: bool, skipped: list[Any]) -> Iterable[dict[str, Any]]: ...


def _read_evtx(path: Path, *, recover: bool, skipped: list[Any]) -> Iterator[dict[str, Any]]:
    parts: list[SkippedPart] = []
    try:
        yield from iter_evtx(path, recover=recover, skipped=parts)
    finally:
        skipped.extend(parts)


def _read_json(path: Path, *, recover: bool, skipped: list[Any]) -> Iterator[dict[str, Any]]:
    return iter_json_events(path)


def _read_syslog(path: Path, *, recover: bool, skipped: list[Any]) -> Iterator[dict[str, Any]]:
    return iter_file(path, "syslog", recover=recover, skipped=skipped)


def _read_csv(path: Path, *, recover: bool, skipped: list[Any]) -> Iterator[dict[str, Any]]:
    return iter_file(path, "csv", recover=recover, skipped=skipped)


#: File suffix (lower case) → reader. Adding a format is one line here. Syslog text covers FortiGate key=value
#: lines (recognised line by line).
READERS: dict[str, FileReader] = {
    ".evtx": _read_evtx,
    ".json": _read_json,
    ".jsonl": _read_json,
    ".ndjson": _read_json,
    ".log": _read_syslog,
    ".syslog": _read_syslog,
    ".txt": _read_syslog,
    ".csv": _read_csv,
}
#: Suffixes taken from a folder: not `.txt` and `.csv`, which evidence folders hold for other things (notes, earlier
#: timelines); such a file is read when it is named on the command line.
FOLDER_SUFFIXES = frozenset(READERS) - {".txt", ".csv"}
#: File names without a log suffix read as syslog text (Linux /var/log, rotated copies `messages.1` included).
FOLDER_NAMES = frozenset({"messages", "secure", "syslog", "maillog", "cron"})
#: Health checks that mean something for files collected from a machine: no silence check (there is no "now" for
#: a copied file) and no retention check unless asked (`HealthPolicy.default_retention_days`).
HUNT_HEALTH = HealthPolicy(check_silence=False, default_retention_days=0)
#: Health findings that get no timeline row of their own: a log clear is already the row of its Sigma rule (1102,
#: 104; Mamori's and SigmaHQ's), with the same time, host and record. They stay in `HuntResult.health`.
_RULE_COVERED_HEALTH = frozenset({"log_cleared"})


_ROTATED = re.compile(r"(?P<base>[a-z]+)(?:[.-]\d+)?")


def _syslog_name(path: Path) -> bool:
    """`messages`, `secure.1`, `syslog-20261201` (logrotate's numbered and dated copies)."""
    found = _ROTATED.fullmatch(path.name.lower())
    return found is not None and found["base"] in FOLDER_NAMES


def _reader_of(path: Path) -> FileReader:
    """The reader for a file's suffix; a file without a known one is read as syslog text (only a file named on
    the command line or a syslog name gets here: its first line that is not syslog is reported)."""
    return READERS.get(path.suffix.lower(), _read_syslog)


@dataclass
class FileMetrics:
    """One input file: events read, first/last event time, count per EventID, per channel and per host
    (`Computer`, else the reader's `_host`), parts skipped (recover mode) and the error that kept it out (empty
    when it was read)."""

    path: str
    events: int = 0
    first: Any = None
    last: Any = None
    event_ids: Counter[int] = field(default_factory=Counter)
    streams: Counter[tuple[str, str]] = field(default_factory=Counter)  #: (channel, host) → events
    skipped: int = 0
    error: str = ""
    seconds: float = 0.0

    def _by(self, part: int) -> Counter[str]:
        out: Counter[str] = Counter()
        for key, n in self.streams.items():
            out[key[part]] += n
        return out

    @property
    def channels(self) -> Counter[str]:
        return self._by(0)

    @property
    def hosts(self) -> Counter[str]:
        return self._by(1)


@dataclass
class FileScan:
    """What one file gave: its metrics, timeline rows, logon summary and (when asked for) the detections."""

    metrics: FileMetrics
    rows: list[TimelineRow] = field(default_factory=list)
    by_level: Counter[str] = field(default_factory=Counter)
    logons: LogonSummary = field(default_factory=LogonSummary)
    detections: list[Detection] = field(default_factory=list)
    correlation_inputs: list[Detection] = field(default_factory=list)  #: slim, see `hunt_findings.slim`
    health: HealthTracker | None = None


@dataclass
class HuntResult:
    """The whole hunt: rules used, timeline rows (detections only, sorted by time), counts by level, per-file
    metrics in input order, the logon summary and the number of events read."""

    rules: RuleSet
    rows: list[TimelineRow] = field(default_factory=list)
    by_level: Counter[str] = field(default_factory=Counter)
    files: list[FileMetrics] = field(default_factory=list)
    logons: LogonSummary = field(default_factory=LogonSummary)
    events: int = 0
    rules_from_cache: bool = False
    rules_seconds: float = 0.0  #: compiling or loading the rules
    seconds: float = 0.0  #: reading and matching the files
    correlations: Any = None  #: the `CorrelationSet` run (None: none)
    correlation_alerts: int = 0
    health: list[HealthFinding] = field(default_factory=list)


def input_files(paths: Sequence[Path]) -> list[Path]:
    """The files to read: each given file, and every file under a given folder (sorted) whose suffix is in
    :data:`FOLDER_SUFFIXES` or whose name is a syslog file's (:data:`FOLDER_NAMES`). A given file without a known
    suffix is read as syslog text (its first line that is not says so)."""
    found: dict[Path, Path] = {}  # resolved → as given: a file named twice (or inside a folder given) is read once
    for path in paths:
        if path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and (p.suffix.lower() in FOLDER_SUFFIXES or _syslog_name(p)):
                    found.setdefault(p.resolve(), p)
        elif path.is_file():
            found.setdefault(path.resolve(), path)
    return list(found.values())


def _details(matched: Iterable[tuple[str, Any]], event: dict[str, Any] | Any) -> str:
    pairs = list(matched)[:6] or [(k, event[k]) for k in ("CommandLine", "ServiceName", "TargetUserName")
                                  if event.get(k)]
    return " ¦ ".join(f"{k}: {v}" for k, v in pairs)[:500]


_ATTACK: dict[tuple[str, ...], tuple[str, ...]] = {}


def _row(d: Detection, source: str) -> TimelineRow:
    """The timeline row of a detection. Texts repeated across rows (host, channel, level, ATT&CK tags) are shared, so
    a file with many detections costs little more than their details."""
    event = d.event
    attack = _ATTACK.get(d.tags)
    if attack is None:
        attack = _ATTACK.setdefault(d.tags, tuple(t for t in d.tags if t.startswith("attack.")))
    return TimelineRow(
        time=event.get("TimeCreated"), host=sys.intern(str(event.get("Computer") or "")),
        channel=sys.intern(str(event.get("Channel") or "")), event_id=event.get("EventID"),
        record_id=event.get("EventRecordID"), level=sys.intern((d.level or "informational").lower()), rule=d.title,
        rule_id=d.rule_id, author=d.author or "", attack=attack, details=_details(d.matched, event), source=source)


def _metrics(metrics: FileMetrics, chunk: list[dict[str, Any]]) -> None:
    metrics.events += len(chunk)
    ids, streams = metrics.event_ids, metrics.streams
    first, last = metrics.first, metrics.last
    for event in chunk:
        streams[(event.get("Channel") or "", str(event.get("Computer") or event.get("_host") or ""))] += 1
        moment = event.get("TimeCreated")
        if moment is not None:
            if first is None or moment < first:
                first = moment
            if last is None or moment > last:
                last = moment
        event_id = event.get("EventID")
        if event_id.__class__ is int:
            ids[event_id] += 1
    metrics.first, metrics.last = first, last


#: (Channel, EventID) the logon summary reads (see `logons.py`): such records are always decoded.
LOGON_EVENTS = frozenset({
    ("Security", 4624), ("Security", 4625), ("Security", 4778), ("Security", 4779),
    ("Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", 1149),
    ("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", 21),
    ("Microsoft-Windows-TerminalServices-LocalSessionManager/Operational", 25),
})
#: Records always decoded: the logon summary's, and the log-clear events (health reads who cleared which log).
_ALWAYS_DECODED = LOGON_EVENTS | CLEAR_EVENTS
_COMPUTER = re.compile(r'"Computer":"([^"\\]*)"')
_COMMAND_LINE = re.compile(r'"CommandLine":"[^"]')


def _evtx_events(path: Path, ruleset: RuleSet, metrics: FileMetrics, *, recover: bool, skipped: list[Any],
                 health: HealthTracker | None = None) -> Iterator[dict[str, Any]]:
    """The records of an EVTX file that a rule or the logon summary may need, decoded; the others are only counted.

    A record is left undecoded when its raw JSON text shows its Channel, EventID and time (`evtx_reader.peek`), the
    logon summary does not read it, and either no rule is indexed for its (Channel, EventID) or — its values being
    flat (`evtx_reader.flat_values`) — none of the literals the candidate rules require occurs in its lower-cased
    text (`CandidateGroup.may_match_raw`). Decoding (`json.loads` + `normalise`) is most of the cost of a record.
    With `health`, an undecoded record is accounted for from its System fields (`HealthTracker.add_head`; its
    Computer read off the text, else it is decoded).
    """
    source = path.name
    where = str(path)
    parts: list[SkippedPart] = []
    ids, streams = metrics.event_ids, metrics.streams
    group_of = ruleset.group
    try:
        for offset, item in iter_records(path, recover=recover, skipped=parts):
            data: str = item["data"]
            head = peek(data)
            if head is not None and (head.channel, head.event_id) not in _ALWAYS_DECODED:
                group = group_of(head.channel, head.event_id)
                if not group.entries or (not group.may_match_raw(data.lower()) and flat_values(data, head.data_at)):
                    computer = _COMPUTER.search(data, 0, head.data_at)
                    if computer is None:  # escaped or missing: let the decoder read it
                        yield decode_record(item, source, offset)
                        continue
                    if health is not None:
                        health.add_head(where, computer.group(1), head.channel, head.event_id,
                                        item.get("event_record_id"), head.time,
                                        command_line=_COMMAND_LINE.search(data, head.data_at) is not None)
                    metrics.events += 1
                    ids[head.event_id] += 1
                    streams[(head.channel, computer.group(1))] += 1
                    moment = head.time
                    if metrics.first is None or moment < metrics.first:
                        metrics.first = moment
                    if metrics.last is None or moment > metrics.last:
                        metrics.last = moment
                    continue
            yield decode_record(item, source, offset)
    finally:
        skipped.extend(parts)


def scan_file(path: Path, ruleset: RuleSet, *, recover: bool = False, keep_detections: bool = False,
              chunk: int = CHUNK, hidden_rules: frozenset[str] = frozenset(), correlate: frozenset[str] = frozenset(),
              keep_fields: frozenset[str] = frozenset(), health: bool = False) -> FileScan:
    """Read one file (streamed, `chunk` events at a time), match it and summarise it; never raises `InputError`:
    a bad file comes back with `metrics.error` set and nothing else (see the module docstring).

    `keep_detections`: also return the `Detection` s (for a consumer). A detection of a rule in `hidden_rules` gets
    no timeline row and no level count (a correlation input); it is kept only with `keep_detections`. A detection
    of a rule in `correlate` is also kept in `correlation_inputs`, with only the event fields named (lower case) in
    `keep_fields`. `health`: account for every event in `FileScan.health` (streams keyed by the file's path)."""
    started = time.perf_counter()
    metrics = FileMetrics(str(path))
    scan = FileScan(metrics, health=HealthTracker() if health else None)
    tracker = scan.health
    reader = _reader_of(path)
    skipped: list[Any] = []
    where = str(path)
    try:
        if reader is _read_evtx:
            events = _evtx_events(path, ruleset, metrics, recover=recover, skipped=skipped, health=tracker)
        else:
            events = iter(reader(path, recover=recover, skipped=skipped))
        source = path.name
        while batch := list(islice(events, chunk)):
            _metrics(metrics, batch)
            if tracker is not None:
                for event in batch:
                    tracker.add(event, source=where)
            summary = summarise_logons(batch)
            scan.logons.success.update(summary.success)
            scan.logons.failure.update(summary.failure)
            for d in match(ruleset, batch):
                if d.rule_id in correlate:
                    scan.correlation_inputs.append(slim(d, keep_fields))
                if d.rule_id in hidden_rules:
                    if keep_detections:
                        scan.detections.append(d)
                    continue
                row = _row(d, source)
                scan.rows.append(row)
                scan.by_level[row.level] += 1
                if keep_detections:
                    scan.detections.append(d)
    except InputError as exc:
        scan = FileScan(FileMetrics(str(path), error=str(exc)))
    scan.metrics.skipped = len(skipped)
    scan.metrics.seconds = time.perf_counter() - started
    return scan


def default_rule_cache(rule_paths: Sequence[Path]) -> Path:
    """Where the compiled rules of these rule folders are cached: `$XDG_CACHE_HOME/mamori` (else `~/.cache/mamori`),
    one file per set of rule paths (the file's own key, pySigma's version and every rule file's SHA-256, decides
    whether it is still valid)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mamori"
    name = hashlib.sha256("\0".join(str(p.resolve()) for p in rule_paths).encode()).hexdigest()[:16]
    return base / f"hunt-rules-{name}.pickle"


def load_rules(rules: Sequence[Path] = (), *, include_experimental: bool = False,
               rule_cache: Path | bool | None = None) -> tuple[RuleSet, bool]:
    """Mamori's rules plus `rules`, compiled; `(ruleset, from_cache)`.

    `rule_cache`: None = :func:`default_rule_cache`, a path = that cache file, False = compile without a cache. A
    cache that cannot be written (read-only home) is not an error: the rules are compiled and used.
    """
    paths = [BUILTIN_RULES, *rules]
    if rule_cache is False:
        return compile_rules(paths, include_experimental=include_experimental), False
    cache = default_rule_cache(paths) if rule_cache is None or rule_cache is True else Path(rule_cache)
    try:
        cache.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        return load_or_compile(paths, cache, include_experimental=include_experimental)
    except OSError:
        return compile_rules(paths, include_experimental=include_experimental), False


def load_correlations(rules: Sequence[Path] = (), *, include_experimental: bool = False) -> Any:
    """Mamori's correlation rules plus those in `rules` (Sigma v2), compiled (`sigma.correlation.CorrelationSet`)."""
    from mamori.engines.logs.sigma.correlation import compile_correlations

    return compile_correlations([BUILTIN_RULES, *rules], include_experimental=include_experimental)


@dataclass(frozen=True)
class _Options:
    """How every file of one hunt is scanned (the keyword arguments of `scan_file` but the chunk)."""

    recover: bool = False
    keep_detections: bool = False
    hidden_rules: frozenset[str] = frozenset()
    correlate: frozenset[str] = frozenset()
    keep_fields: frozenset[str] = frozenset()
    health: bool = False

    def scan(self, path: Path, ruleset: RuleSet) -> FileScan:
        return scan_file(path, ruleset, recover=self.recover, keep_detections=self.keep_detections,
                         hidden_rules=self.hidden_rules, correlate=self.correlate, keep_fields=self.keep_fields,
                         health=self.health)


_WORKER_RULES: RuleSet | None = None


def _init_worker(ruleset: RuleSet) -> None:
    global _WORKER_RULES
    _WORKER_RULES = ruleset


def _scan_in_worker(path: Path, options: _Options) -> FileScan:
    assert _WORKER_RULES is not None  # noqa: S101 - set by _init_worker
    return options.scan(path, _WORKER_RULES)


def _scans(files: list[Path], ruleset: RuleSet, options: _Options, workers: int) -> Iterator[FileScan]:
    """Every file's scan, in input order; in `workers` processes when that pays."""
    total = 0
    for path in files:
        with contextlib.suppress(OSError):
            total += path.stat().st_size
    workers = min(workers, len(files))
    if workers <= 1 or total < _PARALLEL_MIN_BYTES:
        for path in files:
            yield options.scan(path, ruleset)
        return
    # fork shares the compiled rules with the workers for free; elsewhere they are pickled to each worker once
    context = get_context("fork" if "fork" in get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_init_worker, initargs=(ruleset,)) as pool:
        futures = [pool.submit(_scan_in_worker, path, options) for path in files]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def hunt(paths: Sequence[Path], *, rules: Sequence[Path] = (), recover: bool = False,
         include_experimental: bool = False, workers: int = 1, rule_cache: Path | bool | None = None,
         ruleset: RuleSet | None = None, correlations: Any = None, health: HealthPolicy | bool | None = None,
         lang: str = "ja", on_detection: Callable[[Detection], None] | None = None,
         hidden_rules: Collection[str] = (), now: dt.datetime | None = None,
         on_file: Callable[[FileMetrics, int, int], None] | None = None) -> HuntResult:
    """Read every file (a broken one is reported and left out whole, unless `recover`), match, correlate, check
    the logs' health, summarise.

    `ruleset` (already compiled) replaces `rules`/`include_experimental`/`rule_cache`. `correlations`: a
    `CorrelationSet`; None = Mamori's and those in `rules` when the rules are loaded here (none when `ruleset` is
    given); False = none. Base rules marked `generate: false` are hidden from the timeline. `health`: the policy
    of the log-health checks (None/True = :data:`HUNT_HEALTH`, False = no checks); its findings are rows too,
    with their message in `lang`; `now` (default: the current time) is what "in the future" is measured against.

    `on_detection` is called for every detection of every file that was read, in input order (files) and event
    order (within a file), after the file was read to its end — so a consumer never sees a detection of a broken
    file; the detections of one file are held until then (memory grows with the detections of the largest file,
    not its size). `hidden_rules`: rule ids whose detections only go to `on_detection` and the correlations, not
    to the timeline or the counts by level. `on_file(metrics, done, total)` is called as each file is done (in
    input order), for a progress display.
    """
    started = time.perf_counter()
    from_cache = False
    if ruleset is None:
        ruleset, from_cache = load_rules(rules, include_experimental=include_experimental, rule_cache=rule_cache)
        if correlations is None:
            correlations = load_correlations(rules, include_experimental=include_experimental)
    if correlations is False or (correlations is not None and not correlations.rules):
        correlations = None
    policy = None if health is False else HUNT_HEALTH if health is None or health is True else health
    result = HuntResult(ruleset, rules_from_cache=from_cache, rules_seconds=time.perf_counter() - started,
                        correlations=correlations)
    started = time.perf_counter()
    hidden = frozenset(hidden_rules)
    correlate_ids: frozenset[str] = frozenset()
    keep_fields: frozenset[str] = frozenset()
    if correlations is not None:
        hidden |= correlations.suppressed_rule_ids
        correlate_ids = frozenset(ref for rule in correlations.rules for ref in rule.rules)
        keep_fields = correlation_fields(correlations)
    options = _Options(recover, on_detection is not None, hidden, correlate_ids, keep_fields, policy is not None)
    tracker = HealthTracker() if policy is not None else None
    inputs: list[Detection] = []
    files = input_files(paths)
    for scan in _scans(files, ruleset, options, max(1, workers)):
        result.files.append(scan.metrics)
        if on_file is not None:
            on_file(scan.metrics, len(result.files), len(files))
        result.events += scan.metrics.events
        result.rows += scan.rows
        result.by_level.update(scan.by_level)
        result.logons.success.update(scan.logons.success)
        result.logons.failure.update(scan.logons.failure)
        inputs += scan.correlation_inputs
        if tracker is not None and scan.health is not None:
            tracker.merge(scan.health)
        if on_detection is not None:
            for d in scan.detections:
                on_detection(d)
    extra: list[TimelineRow] = []
    if correlations is not None:
        found = correlate(correlations, inputs)
        result.correlation_alerts = len(found)
        extra += found
    if tracker is not None and policy is not None:
        result.health = tracker.findings(now=now or dt.datetime.now(dt.UTC), policy=policy)
        extra += health_rows([f for f in result.health if f.code not in _RULE_COVERED_HEALTH], lang=lang)
    for row in extra:
        result.rows.append(row)
        result.by_level[row.level] += 1
    result.rows.sort(key=lambda r: (r.time is None, r.time or 0, r.host))
    result.seconds = time.perf_counter() - started
    return result
