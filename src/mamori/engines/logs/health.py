"""Log health as detections: silent sources, EventRecordID gaps, cleared logs, clock drift, short retention and
audit-policy gaps — the things that make every other detection blind (anchored in Hayabusa `log-metrics` and
Chainsaw `analyse gaps`).

Feed events one at a time to `HealthTracker.add` (flat events as the readers make them: `Channel`, `EventID`,
`Computer`, `EventRecordID`, `TimeCreated`, `Provider_Name`, `CommandLine`, `_received`, `_source`, `_kind`, `_host`,
`_time_from_header`); memory stays bounded whatever the volume: per stream (source, host, channel) a few counters,
an hourly histogram capped at `max_hours` buckets, the last `max_intervals` inter-arrival gaps and the EventRecordIDs
as merged runs (one entry per gap, not per record); per host the last `max_offsets` clock offsets.

`findings(now=..., policy=...)` then returns `HealthFinding`s with a stable `code`, a severity, machine-readable
`params` (the UI translates) and ready-made `message_en` / `message_ja` for the offline CLI. `profiles()` returns
one `SourceProfile` per stream (first/last time, count, events per hour, median interval, record-id range).

Choices made (and why):

- A stream is (`_source`, host, `Channel`): record ids are per channel and per machine, and two exports of the same
  log (two files) overlap, so they are kept apart. Clear events are matched by (host, cleared channel): a 104 in
  System.evtx explains a gap in Application.evtx of the same machine.
- Clearing a log does not restart the record numbers on current Windows (the 1102 in the T1070.001 sample has id
  109054); a restart (the file was deleted or re-created) is recognised when a record has a lower id than every
  record of the stream but a time later than the highest-numbered one: a new *epoch* starts, and one without a
  clear event near it is reported as `record_reset`.
- Clock offset = event time − `_received`. Delivery delay only ever makes it more negative, so the estimate is the
  90th percentile of the recent offsets (a backlog flush does not look like drift); the median is reported too.
"""

from __future__ import annotations

import datetime as dt
import heapq
import statistics
from bisect import bisect_right
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mamori.engines.logs.hits import jsonable

__all__ = ["MESSAGES", "TITLES", "HealthFinding", "HealthPolicy", "HealthTracker", "SourceProfile", "message"]

UTC = dt.UTC
CLEAR_EVENTS = {("Security", 1102), ("System", 104)}
POWERSHELL_CHANNELS = frozenset({"Microsoft-Windows-PowerShell/Operational", "PowerShellCore/Operational"})
WINDOWS_KINDS = frozenset({"evtx", "winjson"})
SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
NEWEST_KEPT = 64
LIST_SHOWN = 5
_EPOCH = dt.datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    """Thresholds of the health checks. `retention_days` keys: "host/channel", host, source or channel name (the
    first found wins); `stored_since` (same keys) is the oldest time kept in Mamori's own store, when it is older
    than the events fed to the tracker; `silent_after` (same keys) overrides the silence threshold of a stream."""

    silent_factor: float = 3.0
    min_interval: dt.timedelta = dt.timedelta(minutes=15)
    sparse_interval: dt.timedelta = dt.timedelta(hours=24)
    min_events_for_interval: int = 10
    silent_after: Mapping[str, dt.timedelta] = field(default_factory=dict)
    check_silence: bool = True
    drift_threshold: dt.timedelta = dt.timedelta(minutes=5)
    tz_offset: dt.timedelta = dt.timedelta(hours=9)
    tz_tolerance: dt.timedelta = dt.timedelta(minutes=10)
    min_offsets: int = 5
    retention_days: Mapping[str, int] = field(default_factory=dict)
    default_retention_days: int = 1826
    retention_critical_days: int = 7
    stored_since: Mapping[str, dt.datetime] = field(default_factory=dict)
    gap_min_size: int = 1
    max_gap_findings: int = 20
    clear_window: dt.timedelta = dt.timedelta(minutes=10)
    min_security_events: int = 100
    min_process_events: int = 20
    cmdline_missing_ratio: float = 0.95
    min_powershell_events: int = 20
    expect_powershell: bool = True


@dataclass(frozen=True, slots=True)
class HealthFinding:
    """One health problem. `params` holds numbers, datetimes (aware UTC) and short texts; `evidence` the record-id
    ranges and times that show it; `message_en`/`message_ja` are built from `params`."""

    code: str
    severity: str
    source: str
    host: str
    channel: str
    params: dict[str, Any]
    message_en: str
    message_ja: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The finding as JSON-ready data: datetimes as ISO 8601 text, durations as seconds, tuples as lists."""
        return {name: jsonable(getattr(self, name)) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class SourceProfile:
    """What one stream (source, host, channel) looked like: `per_hour` maps the start of each UTC hour (the newest
    `max_hours` hours seen) to its event count."""

    source: str
    host: str
    channel: str
    first: dt.datetime | None
    last: dt.datetime | None
    count: int
    per_hour: dict[dt.datetime, int]
    median_interval: dt.timedelta | None
    first_record_id: int | None
    last_record_id: int | None


JST = dt.timezone(dt.timedelta(hours=9), "JST")

#: code → (English, Japanese) title of a finding, for the offline CLI (the application has the same English texts in
#: its translation catalogue, `mamori.monitoring.health.TITLES`).
TITLES: dict[str, tuple[str, str]] = {
    "silent_source": ("Log source silent", "ログソースが沈黙"),
    "record_gap": ("Event records missing without a log-clear event", "ログ消去イベントなしにイベントレコードが欠落"),
    "record_gaps_many": ("Many gaps in event record numbers", "イベントレコード番号の欠番が多数"),
    "record_reset": ("Event record numbers restarted", "イベントレコード番号の振り直し"),
    "log_cleared": ("Event log cleared", "イベントログの消去"),
    "clock_drift": ("Clock drift", "時刻のずれ"),
    "clock_tz_offset": ("Event times off by the time zone (JST sent as UTC)",
                        "イベント時刻がタイムゾーン分ずれている（JST を UTC として送信）"),
    "future_events": ("Events dated in the future", "未来の日時のイベント"),
    "retention_short": ("Log history shorter than the retention policy", "ログの保存期間が方針より短い"),
    "no_process_audit": ("Process creation is not audited (no 4688)", "プロセス作成が監査されていない（4688 なし）"),
    "no_process_cmdline": ("Process creation events without command lines", "コマンドラインのないプロセス作成イベント"),
    "no_ps_scriptblock": ("No PowerShell script block logging (4104)", "PowerShell スクリプトブロックログ（4104）なし"),
    "time_from_header": ("Events without a readable time", "時刻が読めないイベント"),
}

#: code → (English, Japanese) sentence; placeholders are the finding's params, formatted by `_format`.
MESSAGES: dict[str, tuple[str, str]] = {
    "silent_source": ("No events from {host} {channel} ({source}) for {silent_for} (last {last}; usual interval "
                      "{usual_interval}): the source, its agent or the log itself may have stopped.",
                      "{host} の {channel}（{source}）から {silent_for} イベントが届いていません"
                      "（最終 {last}、通常の間隔 {usual_interval}）。"
                      "送信元・エージェント・ログ自体が停止している可能性があります。"),
    "record_gap": ("{missing} record(s) missing from {host} {channel} ({source}): EventRecordID {first_missing}–"
                   "{last_missing} between {after} and {before}, with no log-clear event (1102/104): selective "
                   "deletion or tampering is possible.",
                   "{host} の {channel}（{source}）で EventRecordID {first_missing}～{last_missing} の {missing} 件が"
                   "欠けています（{after} ～ {before}）。ログ消去イベント（1102/104）がなく、選択的な削除・改ざんの"
                   "可能性があります。"),
    "record_gaps_many": ("{gaps} gaps ({missing} records missing) in the EventRecordIDs of {host} {channel} "
                         "({source}, {records} records): a filtered export, or heavy deletion.",
                         "{host} の {channel}（{source}、{records} 件）の EventRecordID に {gaps} か所の欠番（計 "
                         "{missing} 件）があります。フィルタして保存したファイルか、大量の削除が考えられます。"),
    "record_reset": ("EventRecordIDs of {host} {channel} ({source}) restarted at {first_id} ({first_time}) after "
                     "{last_id} ({last_time}) with no log-clear event: the log file was deleted or re-created.",
                     "{host} の {channel}（{source}）の EventRecordID が {last_id}（{last_time}）の後 {first_id}"
                     "（{first_time}）から振り直されています。ログ消去イベントがなく、ログファイルの削除・再作成が"
                     "疑われます。"),
    "log_cleared": ("{count} log clear event(s) on {host} by {user} ({first} – {last}), logs: {channels}.",
                    "{host} で {user} によりログが消去されました（{count} 件、{first} ～ {last}、対象: {channels}）。"),
    "clock_drift": ("The clock of {host} is off by {offset} (event time minus receive time; median {median}, "
                    "{samples} events): correlations and timelines will be wrong.",
                    "{host} の時計が {offset} ずれています（イベント時刻－受信時刻、中央値 {median}、{samples} 件）。"
                    "相関分析やタイムラインが狂います。"),
    "clock_tz_offset": ("The event times of {host} are {offset} off (median {median}, {samples} events): local "
                        "time (JST) is being sent as UTC, or the other way round — fix the time zone setting.",
                        "{host} のイベント時刻が {offset} ずれています（中央値 {median}、{samples} 件）。日本時間"
                        "（JST）を UTC として送っている（または逆）典型的な設定誤りです。タイムゾーン設定を直して"
                        "ください。"),
    "future_events": ("{count} event(s) of {host} are dated in the future (newest {newest}, {ahead} ahead).",
                      "{host} のイベント {count} 件の時刻が未来になっています（最新 {newest}、{ahead} 先）。"),
    "retention_short": ("{host} {channel} ({source}) only covers {covered_days} days ({oldest} – {newest}); "
                        "{required_days} are required, and older records were lost ({reason}). Enlarge the log "
                        "or forward it.",
                        "{host} の {channel}（{source}）は {covered_days} 日分（{oldest} ～ {newest}）しか"
                        "残っていません。必要な保存期間は {required_days} 日で、"
                        "それ以前の記録は失われています（{reason}）。"
                        "ログの最大サイズを増やすか、転送して保存してください。"),
    "no_process_audit": ("{host} logs {security_events} Security events but no process creation (4688): enable "
                         "'Audit Process Creation'.",
                         "{host} は Security ログを {security_events} 件記録していますが、プロセス作成（4688）が"
                         "ありません。「プロセス作成の監査」を有効にしてください。"),
    "no_process_cmdline": ("{without_cmdline} of {processes} process creation events (4688) on {host} have no "
                           "command line: enable 'Include command line in process creation events'.",
                           "{host} のプロセス作成イベント（4688）{processes} 件中 {without_cmdline} 件に"
                           "コマンドラインがありません。「プロセス作成イベントにコマンドラインを含める」を有効にしてください。"),
    "no_ps_scriptblock": ("No PowerShell script block logging (4104) from {host} ({reason}): enable "
                          "'Turn on PowerShell Script Block Logging' and collect the PowerShell Operational log.",
                          "{host} から PowerShell スクリプトブロックのログ（4104）がありません（{reason}）。"
                          "「PowerShell スクリプト ブロックのログ記録を有効にする」を設定し、PowerShell Operational "
                          "ログを収集してください。"),
    "time_from_header": ("{count} event(s) of {host} {channel} ({source}) had no readable TimeCreated: their time "
                         "comes from the record header.",
                         "{host} の {channel}（{source}）の {count} 件は TimeCreated が読めず、レコードヘッダの時刻を"
                         "使っています。"),
}

_REASONS_JA = {"overwritten": "上書き", "cleared": "消去", "no_4104": "4104 なし",
               "channel_missing": "PowerShell ログ未収集"}


def _duration(value: dt.timedelta, ja: bool) -> str:
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = (("日", "d"), ("時間", "h"), ("分", "min"), ("秒", "s"))
    parts = [f"{n}{ja_u}" if ja else f"{n} {en_u}"
             for n, (ja_u, en_u) in zip((days, hours, minutes, secs), units, strict=True) if n]
    if days or hours:
        parts = parts[:2]
    return sign + ("" if ja else " ").join(parts or (["0秒"] if ja else ["0 s"]))


def _format(value: Any, ja: bool) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(JST).strftime("%Y-%m-%d %H:%M JST") if ja else value.astimezone(
            UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.timedelta):
        return _duration(value, ja)
    if isinstance(value, list | tuple):
        shown = [str(v) for v in value[:LIST_SHOWN]]
        if len(value) > LIST_SHOWN:
            shown.append(f"ほか {len(value) - LIST_SHOWN} 件" if ja else f"and {len(value) - LIST_SHOWN} more")
        return "、".join(shown) if ja else ", ".join(shown)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if value is None or value == "":
        return "?"
    if ja and isinstance(value, str):
        return _REASONS_JA.get(value, value)
    return str(value)


def message(code: str, params: Mapping[str, Any], *, source: str = "", host: str = "",
            channel: str = "") -> tuple[str, str]:
    """The English and Japanese sentences of a finding (`code` unknown: the code and params as text)."""
    en, ja = MESSAGES.get(code, (code + " {params}", code + " {params}"))
    context = {"source": source, "host": host, "channel": channel, **params}
    values_en = {k: _format(v, False) for k, v in context.items()}
    values_ja = {k: _format(v, True) for k, v in context.items()}
    values_en.setdefault("params", str(dict(params)))
    values_ja.setdefault("params", str(dict(params)))
    return en.format_map(_Missing(values_en)), ja.format_map(_Missing(values_ja))


class _Missing(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "?"


def _finding(code: str, severity: str, key: tuple[str, str, str], params: dict[str, Any],
             evidence: dict[str, Any] | None = None) -> HealthFinding:
    en, ja = message(code, params, source=key[0], host=key[1], channel=key[2])
    return HealthFinding(code, severity, key[0], key[1], key[2], params, en, ja, evidence or {})


@dataclass(slots=True)
class _Run:
    lo: int
    hi: int
    t_lo: dt.datetime | None
    t_hi: dt.datetime | None


class _Runs:
    """EventRecordIDs of one epoch as sorted, disjoint, merged runs; at most `limit` runs are kept."""

    __slots__ = ("dropped", "limit", "runs", "start", "starts")

    def __init__(self, start: dt.datetime | None, limit: int) -> None:
        self.start = start
        self.limit = limit
        self.runs: list[_Run] = []
        self.starts: list[int] = []
        self.dropped = 0

    def add(self, rid: int, moment: dt.datetime | None) -> None:
        runs, index = self.runs, bisect_right(self.starts, rid) - 1
        left = runs[index] if index >= 0 else None
        if left is not None and left.hi >= rid:
            return
        right = runs[index + 1] if index + 1 < len(runs) else None
        if left is not None and left.hi == rid - 1:
            left.hi, left.t_hi = rid, moment
            if right is not None and right.lo == rid + 1:
                left.hi, left.t_hi = right.hi, right.t_hi
                del runs[index + 1], self.starts[index + 1]
        elif right is not None and right.lo == rid + 1:
            right.lo, right.t_lo = rid, moment
            self.starts[index + 1] = rid
        elif len(runs) >= self.limit:
            self.dropped += 1
        else:
            runs.insert(index + 1, _Run(rid, rid, moment, moment))
            self.starts.insert(index + 1, rid)

    def add_range(self, lo: int, hi: int, t_lo: dt.datetime | None, t_hi: dt.datetime | None) -> None:
        """Every id from `lo` to `hi` (a run of another tracker): as `add` of each, in one step."""
        self.add(lo, t_lo)
        if hi <= lo:
            return
        runs, index = self.runs, bisect_right(self.starts, lo) - 1
        if index < 0 or runs[index].hi < lo:
            return  # `lo` was dropped (too many runs)
        run = runs[index]
        if run.hi >= hi:
            return
        run.hi, run.t_hi = hi, t_hi
        end = index + 1
        while end < len(runs) and runs[end].lo <= hi + 1:
            if runs[end].hi > run.hi:
                run.hi, run.t_hi = runs[end].hi, runs[end].t_hi
            end += 1
        del runs[index + 1:end], self.starts[index + 1:end]

    def highest(self) -> _Run | None:
        return self.runs[-1] if self.runs else None


@dataclass(slots=True)
class _Stream:
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    count: int = 0
    hours: dict[int, int] = field(default_factory=dict)
    arrived: dt.datetime | None = None
    first_arrived: dt.datetime | None = None  # the first arrival this tracker saw (a later `merge` continues it)
    intervals: deque[float] = field(default_factory=deque)
    epochs: list[_Runs] = field(default_factory=list)
    from_header: int = 0
    oldest_is_clear: bool = False


@dataclass(slots=True)
class _Host:
    offsets: deque[float] = field(default_factory=deque)
    windows_events: int = 0
    security: int = 0
    processes: int = 0
    processes_without_cmdline: int = 0
    powershell: int = 0
    scriptblocks: int = 0
    newest: list[dt.datetime] = field(default_factory=list)  # min-heap of the newest event times


@dataclass(slots=True)
class _Clear:
    host: str
    channel: str
    moment: dt.datetime | None
    record_id: int | None
    user: str
    source: str
    event_id: int
    gaps: list[tuple[int, int]] = field(default_factory=list)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class HealthTracker:
    """Collects what the health checks need from a stream of events; see the module docstring."""

    def __init__(self, *, max_hours: int = 24 * 45, max_intervals: int = 512, max_offsets: int = 1024,
                 max_runs: int = 10_000, max_epochs: int = 64, max_clears: int = 10_000) -> None:
        self.max_hours, self.max_intervals, self.max_offsets = max_hours, max_intervals, max_offsets
        self.max_runs, self.max_epochs, self.max_clears = max_runs, max_epochs, max_clears
        self._streams: dict[tuple[str, str, str], _Stream] = {}
        self._hosts: dict[str, _Host] = {}
        self._clears: list[_Clear] = []
        self._clears_by_log: dict[tuple[str, str], list[int]] = {}  # (host, channel) → indexes, by `findings`
        self.clears_dropped = 0
        self.events = 0

    def add(self, event: Mapping[str, Any], *, source: str | None = None) -> None:
        """Account for one event (any reader's flat event; fields that are missing are simply not checked).
        `source`: the stream's source instead of the event's `_source` (e.g. a file's full path)."""
        command = event.get("CommandLine")
        self._add(_text(event.get("_source")) if source is None else source,
                  _text(event.get("Computer") or event.get("_host")), _text(event.get("Channel")),
                  event.get("EventID"), event.get("EventRecordID"), event.get("TimeCreated"), event.get("_received"),
                  event.get("_kind"), isinstance(command, str) and bool(command.strip()),
                  bool(event.get("_time_from_header")), event)

    def add_head(self, source: str, host: str, channel: str, event_id: int, record_id: int | None,
                 moment: dt.datetime | None, *, command_line: bool = False, kind: str = "evtx") -> None:
        """Account for a Windows record known only by its System fields — one a fast reader counted without
        decoding it (`mamori hunt`). `command_line`: whether its EventData holds a non-empty CommandLine."""
        self._add(source, host, channel, event_id, record_id, moment, None, kind, command_line, False, None)

    def _add(self, source: str, host: str, channel: str, event_id: Any, record_id: Any, moment: Any,
             received: Any, kind: Any, command_line: bool, from_header: bool,
             clear: Mapping[str, Any] | None) -> None:
        self.events += 1
        key = (source, host, channel)
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _Stream(intervals=deque(maxlen=self.max_intervals))
        moment = moment if isinstance(moment, dt.datetime) and moment.tzinfo is not None else None
        received = received if isinstance(received, dt.datetime) and received.tzinfo is not None else None
        is_clear = (channel, event_id) in CLEAR_EVENTS
        self._count(stream, moment, received, is_clear)
        if from_header:
            stream.from_header += 1
        if isinstance(record_id, int) and not isinstance(record_id, bool):
            self._record(stream, record_id, moment)
        self._host(host, kind, channel, event_id, moment, received, command_line)
        if is_clear:
            self._clear(host, channel, clear or {"EventID": event_id}, moment,
                        record_id if isinstance(record_id, int) else None, key[0])

    def merge(self, other: HealthTracker) -> None:
        """Take in what another tracker saw: one file scanned in another process (`mamori hunt`: each file its own
        streams), or the next chunk of a live stream parsed in another process (the same streams, continued:
        `other` holds the later events). Counts, hours and hosts' counters add up, record-id runs are joined, the
        gap between this tracker's last arrival and `other`'s first counts as an interval, and the clear events
        of both explain gaps in either. Chunks merged out of order (two parsing processes finishing in the other
        order) give the same counts, record gaps and clears; only the interval estimate blurs."""
        for key, theirs in other._streams.items():
            mine = self._streams.get(key)
            if mine is None:
                self._streams[key] = theirs
            else:
                self._continue(mine, theirs)
        for host, state in other._hosts.items():
            found = self._hosts.get(host)
            if found is None:
                self._hosts[host] = state
                continue
            found.offsets.extend(state.offsets)
            for name in ("windows_events", "security", "processes", "processes_without_cmdline", "powershell",
                         "scriptblocks"):
                setattr(found, name, getattr(found, name) + getattr(state, name))
            found.newest = heapq.nlargest(NEWEST_KEPT, [*found.newest, *state.newest])
            heapq.heapify(found.newest)
        room = max(0, self.max_clears - len(self._clears))
        self._clears += other._clears[:room]
        self.clears_dropped += other.clears_dropped + max(0, len(other._clears) - room)
        self.events += other.events

    def _continue(self, mine: _Stream, theirs: _Stream) -> None:
        mine.count += theirs.count
        mine.from_header += theirs.from_header
        if theirs.first is not None and (mine.first is None or theirs.first < mine.first):
            mine.first, mine.oldest_is_clear = theirs.first, theirs.oldest_is_clear
        if theirs.last is not None and (mine.last is None or theirs.last > mine.last):
            mine.last = theirs.last
        for hour, n in theirs.hours.items():
            mine.hours[hour] = mine.hours.get(hour, 0) + n
        while len(mine.hours) > self.max_hours:
            del mine.hours[min(mine.hours)]
        if mine.arrived is not None and theirs.first_arrived is not None and theirs.first_arrived > mine.arrived:
            gap = (theirs.first_arrived - mine.arrived).total_seconds()
            if gap >= 1:
                mine.intervals.append(gap)
        mine.intervals.extend(theirs.intervals)
        if theirs.arrived is not None and (mine.arrived is None or theirs.arrived > mine.arrived):
            mine.arrived = theirs.arrived
        if mine.first_arrived is None:
            mine.first_arrived = theirs.first_arrived
        for epoch in theirs.epochs:
            for run in epoch.runs:
                self._record(mine, run.lo, run.t_lo, run.hi, run.t_hi)

    def _count(self, stream: _Stream, moment: dt.datetime | None, received: dt.datetime | None,
               is_clear: bool) -> None:
        stream.count += 1
        if moment is not None:
            if stream.first is None or moment < stream.first:
                stream.first, stream.oldest_is_clear = moment, is_clear
            if stream.last is None or moment > stream.last:
                stream.last = moment
            hour = int(moment.timestamp()) // 3600
            stream.hours[hour] = stream.hours.get(hour, 0) + 1
            if len(stream.hours) > self.max_hours:
                del stream.hours[min(stream.hours)]
        arrival = received or moment
        if arrival is not None:
            if stream.arrived is not None and arrival > stream.arrived:
                gap = (arrival - stream.arrived).total_seconds()
                if gap >= 1:  # a burst in the same second says nothing about the usual interval
                    stream.intervals.append(gap)
            if stream.arrived is None or arrival > stream.arrived:
                stream.arrived = arrival
            if stream.first_arrived is None:
                stream.first_arrived = arrival

    def _record(self, stream: _Stream, record_id: int, moment: dt.datetime | None, hi: int | None = None,
                t_hi: dt.datetime | None = None) -> None:
        """Record id `record_id` seen at `moment` (with `hi`: every id up to `hi`, the last at `t_hi`)."""
        epochs = stream.epochs
        if not epochs:
            epochs.append(_Runs(None, self.max_runs))
        epoch = epochs[-1]
        if moment is not None:
            for candidate in reversed(epochs):
                if candidate.start is None or moment >= candidate.start:
                    epoch = candidate
                    break
        top = epoch.highest()
        if (epoch is epochs[-1] and top is not None and record_id < epoch.runs[0].lo and moment is not None
                and top.t_hi is not None and moment > top.t_hi + dt.timedelta(minutes=1)
                and len(epochs) < self.max_epochs):
            epoch = _Runs(moment, self.max_runs)
            epochs.append(epoch)
        if hi is None:
            epoch.add(record_id, moment)
        else:
            epoch.add_range(record_id, hi, moment, t_hi)

    def _host(self, host: str, kind: Any, channel: str, event_id: Any, moment: dt.datetime | None,
              received: dt.datetime | None, command_line: bool) -> None:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(offsets=deque(maxlen=self.max_offsets))
        if moment is not None and received is not None:
            state.offsets.append((moment - received).total_seconds())
        if moment is not None:
            if len(state.newest) < NEWEST_KEPT:
                heapq.heappush(state.newest, moment)
            elif moment > state.newest[0]:
                heapq.heapreplace(state.newest, moment)
        if kind in WINDOWS_KINDS or (kind is None and event_id is not None):
            state.windows_events += 1
        if channel == "Security":
            state.security += 1
            if event_id == 4688:
                state.processes += 1
                if not command_line:
                    state.processes_without_cmdline += 1
        elif channel in POWERSHELL_CHANNELS:
            state.powershell += 1
            if event_id == 4104:
                state.scriptblocks += 1

    def _clear(self, host: str, channel: str, event: Mapping[str, Any], moment: dt.datetime | None,
               record_id: int | None, source: str) -> None:
        if len(self._clears) >= self.max_clears:
            self.clears_dropped += 1
            return
        cleared = channel if channel == "Security" else _text(
            event.get("UserData_Channel") or event.get("EventData_Channel") or event.get("Channel_")) or "?"
        user = _text(event.get("SubjectUserName") or event.get("_user"))
        domain = _text(event.get("SubjectDomainName"))
        self._clears.append(_Clear(host, cleared, moment, record_id, f"{domain}\\{user}" if domain and user else user,
                                   source, int(event.get("EventID") or 0)))

    # -- results -------------------------------------------------------------------------------------------------

    def profiles(self) -> list[SourceProfile]:
        """One profile per stream, sorted by source, host and channel."""
        out: list[SourceProfile] = []
        for (source, host, channel), stream in sorted(self._streams.items()):
            ids = [run for epoch in stream.epochs for run in epoch.runs]
            median = statistics.median(stream.intervals) if stream.intervals else None
            out.append(SourceProfile(
                source, host, channel, stream.first, stream.last, stream.count,
                {dt.datetime.fromtimestamp(h * 3600, UTC): n for h, n in sorted(stream.hours.items())},
                None if median is None else dt.timedelta(seconds=median),
                min((r.lo for r in ids), default=None), max((r.hi for r in ids), default=None)))
        return out

    def findings(self, *, now: dt.datetime, policy: HealthPolicy | None = None) -> list[HealthFinding]:
        """Every health finding at `now` (aware), most severe first, then by host, channel and code."""
        policy = policy or HealthPolicy()
        found: list[HealthFinding] = []
        self._clears_by_log = {}
        for index, clear in enumerate(self._clears):
            clear.gaps.clear()  # findings() may be called again as more events arrive
            self._clears_by_log.setdefault((clear.host, clear.channel), []).append(index)
        explained = self._explain_and_gaps(policy, found)
        found += self._cleared(policy, explained)
        for key, stream in self._streams.items():
            if policy.check_silence:
                found += _silence(key, stream, now, policy)
            found += _retention(key, stream, policy)
            if stream.from_header:
                found.append(_finding("time_from_header", "low", key, {"count": stream.from_header}))
        for host, state in self._hosts.items():
            found += _clock(host, state, now, policy)
            found += _audit(host, state, policy)
        found.sort(key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.host, f.channel, f.code, f.source))
        return found

    def _explain_and_gaps(self, policy: HealthPolicy, found: list[HealthFinding]) -> set[int]:
        """Add record_gap / record_reset / record_gaps_many findings; return the indexes of clears that explain one."""
        explained: set[int] = set()
        for key, stream in self._streams.items():
            gaps: list[tuple[int, int, dt.datetime | None, dt.datetime | None]] = []
            for previous, epoch in zip([None, *stream.epochs], stream.epochs, strict=False):
                if previous is not None and previous.runs and epoch.runs:
                    clear = self._clear_near(key, previous.runs[-1].t_hi, epoch.runs[0].t_lo, None, policy)
                    if clear is None:
                        found.append(_finding("record_reset", "high", key, {
                            "last_id": previous.runs[-1].hi, "last_time": previous.runs[-1].t_hi,
                            "first_id": epoch.runs[0].lo, "first_time": epoch.runs[0].t_lo}))
                    else:
                        explained.add(clear)
                for a, b in zip(epoch.runs, epoch.runs[1:], strict=False):
                    if b.lo - a.hi - 1 < policy.gap_min_size:
                        continue
                    clear = self._clear_near(key, a.t_hi, b.t_lo, b.lo, policy)
                    if clear is None:
                        gaps.append((a.hi + 1, b.lo - 1, a.t_hi, b.t_lo))
                    else:
                        explained.add(clear)
                        self._clears[clear].gaps.append((a.hi + 1, b.lo - 1))
            dropped = sum(epoch.dropped for epoch in stream.epochs)
            if len(gaps) > policy.max_gap_findings or dropped:
                missing = sum(hi - lo + 1 for lo, hi, _, _ in gaps)
                biggest = sorted(gaps, key=lambda g: g[0] - g[1])[:5]
                found.append(_finding("record_gaps_many", "medium", key, {
                    "gaps": len(gaps), "missing": missing, "records": stream.count, "untracked": dropped},
                    {"largest": [(lo, hi) for lo, hi, _, _ in biggest]}))
                continue
            for lo, hi, after, before in gaps:
                found.append(_finding("record_gap", "high", key, {
                    "first_missing": lo, "last_missing": hi, "missing": hi - lo + 1, "after": after,
                    "before": before}, {"record_ids": (lo, hi), "between": (after, before)}))
        return explained

    def _clear_near(self, key: tuple[str, str, str], after: dt.datetime | None, before: dt.datetime | None,
                    next_id: int | None, policy: HealthPolicy) -> int | None:
        """The index of a clear of this host and channel that falls in (or next to) the gap, else None."""
        _, host, channel = key
        for index in self._clears_by_log.get((host, channel), ()):
            clear = self._clears[index]
            if next_id is not None and clear.record_id == next_id and channel == "Security":
                return index
            if clear.moment is None or after is None or before is None:
                continue
            if after - policy.clear_window <= clear.moment <= before + policy.clear_window:
                return index
        return None

    def _cleared(self, policy: HealthPolicy, explained: set[int]) -> list[HealthFinding]:
        """One log_cleared finding per host and account per burst of clears (90 × 104 in 81 s is one finding)."""
        every = self._clears
        order = sorted(range(len(every)), key=lambda i: (every[i].host, every[i].user, every[i].moment or _EPOCH))
        groups: list[list[int]] = []
        for index in order:
            clear, last = self._clears[index], self._clears[groups[-1][-1]] if groups else None
            if (last is not None and last.host == clear.host and last.user == clear.user
                    and clear.moment is not None and last.moment is not None
                    and clear.moment - last.moment <= policy.clear_window):
                groups[-1].append(index)
            else:
                groups.append([index])
        out: list[HealthFinding] = []
        for group in groups:
            clears = [self._clears[i] for i in group]
            times = [c.moment for c in clears if c.moment is not None]
            channels = sorted({c.channel for c in clears})
            gaps = [gap for c in clears for gap in c.gaps]
            first = clears[0]
            out.append(_finding("log_cleared", "high", (first.source, first.host, ", ".join(channels[:3])), {
                "count": len(clears), "channels": channels, "user": first.user, "first": min(times, default=None),
                "last": max(times, default=None), "missing": sum(hi - lo + 1 for lo, hi in gaps),
                "explains_gap": any(i in explained for i in group)},
                {"record_ids": [c.record_id for c in clears[:50]], "event_ids": sorted({c.event_id for c in clears}),
                 "gaps": gaps[:50], "sources": sorted({c.source for c in clears})}))
        return out


def _lookup(mapping: Mapping[str, Any], key: tuple[str, str, str]) -> Any:
    source, host, channel = key
    for name in (f"{host}/{channel}", host, source, channel):
        if name and name in mapping:
            return mapping[name]
    return None


def _silence(key: tuple[str, str, str], stream: _Stream, now: dt.datetime,
             policy: HealthPolicy) -> list[HealthFinding]:
    if stream.arrived is None:
        return []
    median = statistics.median(stream.intervals) if len(stream.intervals) >= policy.min_events_for_interval else None
    usual = dt.timedelta(seconds=median) if median is not None else policy.sparse_interval
    usual = max(usual, policy.min_interval)
    threshold = _lookup(policy.silent_after, key) or usual * policy.silent_factor
    quiet = now - stream.arrived
    if quiet <= threshold:
        return []
    return [_finding("silent_source", "high" if quiet > dt.timedelta(days=1) else "medium", key, {
        "last": stream.arrived, "silent_for": quiet, "usual_interval": usual, "threshold": threshold,
        "count": stream.count, "interval_known": median is not None})]


def _retention(key: tuple[str, str, str], stream: _Stream, policy: HealthPolicy) -> list[HealthFinding]:
    required_days = _lookup(policy.retention_days, key)
    required_days = policy.default_retention_days if required_days is None else int(required_days)
    if required_days <= 0 or stream.first is None or stream.last is None:
        return []
    stored = _lookup(policy.stored_since, key)
    oldest = min(stream.first, stored) if isinstance(stored, dt.datetime) else stream.first
    covered = stream.last - oldest
    if covered >= dt.timedelta(days=required_days):
        return []
    first_id = stream.epochs[0].runs[0].lo if stream.epochs and stream.epochs[0].runs else None
    if stream.oldest_is_clear and oldest == stream.first:
        reason = "cleared"
    elif first_id is not None and first_id > 1 and oldest == stream.first:
        reason = "overwritten"
    else:
        return []  # the source may simply be younger than the policy: nothing says history was lost
    severity = "high" if covered < dt.timedelta(days=policy.retention_critical_days) else "medium"
    return [_finding("retention_short", severity, key, {
        "covered_days": round(covered.total_seconds() / 86400, 2), "required_days": required_days,
        "oldest": oldest, "newest": stream.last, "reason": reason, "lost_records": (first_id or 1) - 1})]


def _clock(host: str, state: _Host, now: dt.datetime, policy: HealthPolicy) -> list[HealthFinding]:
    out: list[HealthFinding] = []
    key = ("", host, "")
    if len(state.offsets) >= policy.min_offsets:
        ordered = sorted(state.offsets)
        estimate = ordered[min(len(ordered) - 1, int(len(ordered) * 0.9))]
        params = {"offset": dt.timedelta(seconds=estimate),
                  "median": dt.timedelta(seconds=statistics.median(ordered)), "samples": len(ordered)}
        tz, tolerance = policy.tz_offset.total_seconds(), policy.tz_tolerance.total_seconds()
        if abs(abs(estimate) - tz) <= tolerance:
            out.append(_finding("clock_tz_offset", "medium", key, params))
        elif abs(estimate) > policy.drift_threshold.total_seconds():
            out.append(_finding("clock_drift", "medium", key, params))
    future = [t for t in state.newest if t > now + policy.drift_threshold]
    if future:
        out.append(_finding("future_events", "medium", key, {
            "count": len(future), "count_capped": len(future) == NEWEST_KEPT, "newest": max(future),
            "ahead": max(future) - now}))
    return out


def _audit(host: str, state: _Host, policy: HealthPolicy) -> list[HealthFinding]:
    out: list[HealthFinding] = []
    if state.security >= policy.min_security_events and state.processes == 0:
        out.append(_finding("no_process_audit", "medium", ("", host, "Security"), {"security_events": state.security}))
    if (state.processes >= policy.min_process_events
            and state.processes_without_cmdline >= policy.cmdline_missing_ratio * state.processes):
        out.append(_finding("no_process_cmdline", "medium", ("", host, "Security"), {
            "processes": state.processes, "without_cmdline": state.processes_without_cmdline}))
    if state.powershell >= policy.min_powershell_events and state.scriptblocks == 0:
        out.append(_finding("no_ps_scriptblock", "medium", ("", host, "Microsoft-Windows-PowerShell/Operational"),
                            {"powershell_events": state.powershell, "reason": "no_4104"}))
    elif (policy.expect_powershell and state.powershell == 0
          and state.windows_events >= policy.min_security_events):
        out.append(_finding("no_ps_scriptblock", "low", ("", host, "Microsoft-Windows-PowerShell/Operational"),
                            {"powershell_events": 0, "windows_events": state.windows_events,
                             "reason": "channel_missing"}))
    return out
