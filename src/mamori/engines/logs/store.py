"""Events kept on disk as Parquet, one folder per source and day, and queried with DuckDB (no Django).

Layout: `root/source=<partition>/day=YYYY-MM-DD/part-<uuid>.parquet`, zstd-compressed. `<partition>` is the
source name when it holds only `[A-Za-z0-9._-]`, else those characters with a short hash of the real name added
(`partition_name`); `day` is the UTC date of `TimeCreated`, else of `_received`, else `unknown`.

Each row (`SCHEMA`) has typed columns for filtering — `time` (TimeCreated, else `_received`), `received`,
`source` (the real name), `kind`, `host`, `channel`, `event_id`, `record_id`, `provider`, `user`, `src_ip`,
`action`, `offset` — and `fields`, the whole event as JSON text, from which `event_from_row` rebuilds the event
exactly (datetimes included). The DuckDB view `events` adds `day`; `offset` and `user` are SQL keywords, so quote
them (`"offset"`) in hand-written SQL.

Writes never show a half file: a part file is written under a hidden `.tmp` name, fsynced and renamed.
`import_batch` is all-or-nothing (staged under `root/.staging/`); `writer` gives the live receiver batched,
durable appends. Queries read only the partitions they need (listed in Python, handed to DuckDB as a list of
paths, never spliced into SQL).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import duckdb
import msgspec
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from mamori.engines.errors import InputError, InputLocation

__all__ = [
    "BATCH_EVENTS",
    "DEFAULT_RETENTION_DAYS",
    "SCHEMA",
    "UNKNOWN_DAY",
    "Coverage",
    "DeletedPartition",
    "EventStore",
    "EventWriter",
    "ImportResult",
    "RetentionResult",
    "SourceStats",
    "day_dirs",
    "event_from_row",
    "event_json",
    "partition_name",
    "write_parquet",
]

#: Events held in memory before a part file is written (import and live writer).
BATCH_EVENTS = 50_000
#: Five years: how long a source's events are kept unless its policy says otherwise.
DEFAULT_RETENTION_DAYS = 1826
SCHEMA = pa.schema([
    ("time", pa.timestamp("us", tz="UTC")),
    ("received", pa.timestamp("us", tz="UTC")),
    ("source", pa.string()),
    ("kind", pa.string()),
    ("host", pa.string()),
    ("channel", pa.string()),
    ("event_id", pa.int32()),
    ("record_id", pa.int64()),
    ("provider", pa.string()),
    ("user", pa.string()),
    ("src_ip", pa.string()),
    ("action", pa.string()),
    ("offset", pa.int64()),
    ("fields", pa.string()),
])
#: Event key → text column.
_TEXT_COLUMNS = (("kind", "_kind"), ("host", "_host"), ("channel", "Channel"), ("provider", "Provider_Name"),
                 ("user", "_user"), ("src_ip", "_src_ip"), ("action", "_action"))
_INT_COLUMNS = (("event_id", "EventID", 2**31), ("record_id", "EventRecordID", 2**63), ("offset", "_offset", 2**63))
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
_DATETIMES = "@datetimes"  # key of `fields` naming the values that were datetimes
_DAY_SQL = "coalesce(strftime(time, '%Y-%m-%d'), 'unknown') AS day"
#: The `day=` folder of events without any time.
UNKNOWN_DAY = "unknown"


def partition_name(source: str) -> str:
    """The folder name of `source`: itself when it is made of `[A-Za-z0-9._-]` (and is not "." or ".."), else the
    safe characters (others as "_") plus "-" and 8 hex digits of its SHA-256, so two names never share a folder."""
    safe = _UNSAFE.sub("_", source)
    if safe == source and source.strip(".") and len(source) <= 100:
        return source
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:8]
    return f"{safe[:80].strip('.') or '_'}-{digest}"


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "backslashreplace")
    return str(value)


_ENCODER = msgspec.json.Encoder(enc_hook=_json_default)


def event_json(event: Mapping[str, Any]) -> str:
    """The event as JSON text for the `fields` column: datetimes as ISO 8601 (RFC 3339), their keys listed under
    `"@datetimes"` so `event_from_row` turns them back into datetimes; Japanese text kept as is (not escaped);
    bytes as base64, dates as ISO text, anything else JSON has no type for as its `str`."""
    stamps = [key for key, value in event.items() if isinstance(value, dt.datetime)]
    if stamps:
        event = {**event, _DATETIMES: stamps}
    try:
        return _ENCODER.encode(event).decode("utf-8")
    except (TypeError, OverflowError, ValueError):  # an int beyond 64 bits, a non-text key …
        plain = {key: value.isoformat() if isinstance(value, dt.datetime) else value for key, value in event.items()}
        return json.dumps(plain, ensure_ascii=False, default=_json_default)


def event_from_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The event a row was made from (a row of `timeline` or `query`, or anything with its `fields` text)."""
    event: dict[str, Any] = json.loads(row["fields"])
    for key in event.pop(_DATETIMES, ()):
        if isinstance(event.get(key), str):
            event[key] = dt.datetime.fromisoformat(event[key])
    return event


def _aware(value: Any) -> dt.datetime | None:
    if not isinstance(value, dt.datetime):
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _text(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else str(value)


def _integer(value: Any, bound: int) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return value if isinstance(value, int) and -bound <= value < bound else None


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def write_parquet(data: Any, target: Path) -> None:
    """Write a `pyarrow.Table` (or an iterable of record batches of `SCHEMA`) to `target` so that `target` is
    either absent or complete: written as a hidden `.tmp` file, fsynced, then renamed (and the folder fsynced)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    try:
        with temporary.open("wb") as handle:
            if isinstance(data, pa.Table):
                pq.write_table(data, handle, compression="zstd")
            else:
                with pq.ParquetWriter(handle, SCHEMA, compression="zstd") as parquet:
                    for batch in data:
                        parquet.write_batch(batch.cast(SCHEMA))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)


def day_dirs(folder: Path) -> list[tuple[dt.date | None, Path]]:
    """The `day=…` folders of a source folder with their date (None for `day=unknown`), oldest first; folders
    with any other name are left out."""
    if not folder.is_dir():
        return []
    found: list[tuple[dt.date | None, Path]] = []
    for path in folder.iterdir():
        if not path.is_dir() or not path.name.startswith("day="):
            continue
        text = path.name.removeprefix("day=")
        if text == UNKNOWN_DAY:
            found.append((None, path))
            continue
        try:
            found.append((dt.date.fromisoformat(text), path))
        except ValueError:
            continue
    return sorted(found, key=lambda item: (item[0] is None, item[0] or dt.date.min))


@dataclass(frozen=True, slots=True)
class DeletedPartition:
    """One day partition removed by retention: its source folder name, day, part files and bytes."""

    partition: str
    day: dt.date
    files: int
    bytes: int


@dataclass(frozen=True, slots=True)
class RetentionResult:
    """What `apply_retention` deleted, oldest first within each source."""

    deleted: tuple[DeletedPartition, ...]

    @property
    def files(self) -> int:
        """Part files deleted."""
        return sum(item.files for item in self.deleted)

    @property
    def bytes(self) -> int:
        """Bytes freed."""
        return sum(item.bytes for item in self.deleted)


def _remove_partition(partition: str, day: dt.date, path: Path) -> DeletedPartition:
    parts = list(path.glob("*.parquet"))
    size = sum(part.stat().st_size for part in parts)
    shutil.rmtree(path)
    return DeletedPartition(partition, day, len(parts), size)


class _Columns:
    """One day's rows, held as one Python list per column until they become an Arrow table."""

    def __init__(self) -> None:
        self.data: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}

    def append(self, event: Mapping[str, Any], source: str, moment: dt.datetime | None) -> None:
        data = self.data
        data["time"].append(moment)
        data["received"].append(_aware(event.get("_received")))
        data["source"].append(source)
        for column, key in _TEXT_COLUMNS:
            data[column].append(_text(event.get(key)))
        for column, key, bound in _INT_COLUMNS:
            data[column].append(_integer(event.get(key), bound))
        data["fields"].append(event_json(event))

    def __len__(self) -> int:
        return len(self.data["time"])

    def table(self) -> Any:
        """The rows as a `pyarrow.Table` of `SCHEMA`, sorted by time (so row-group statistics prune well)."""
        table = pa.Table.from_pydict(self.data, schema=SCHEMA)
        return table.sort_by([("time", "ascending")])


class PendingBatch:
    """Events of one source grouped by UTC day, in memory: rows added one by one (`add`) and whole tables built
    elsewhere, e.g. in a parsing process (`extend` with what that process's `tables()` returned)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.days: dict[str, _Columns] = {}
        self.built: dict[str, list[Any]] = {}
        self.size = 0

    def add(self, event: Mapping[str, Any]) -> None:
        """Add one event (its day: `TimeCreated`, else `_received`, else unknown)."""
        moment = _aware(event.get("TimeCreated")) or _aware(event.get("_received"))
        if moment is None:
            day = UNKNOWN_DAY
        else:
            if moment.tzinfo is not dt.UTC:
                moment = moment.astimezone(dt.UTC)
            day = moment.date().isoformat()
        columns = self.days.get(day)
        if columns is None:
            columns = self.days[day] = _Columns()
        columns.append(event, self.source, moment)
        self.size += 1

    def tables(self) -> dict[str, Any]:
        """The rows added so far as one `pyarrow.Table` of `SCHEMA` per day (picklable, for another process)."""
        return {day: columns.table() for day, columns in self.days.items()}

    def extend(self, tables: Mapping[str, Any]) -> None:
        """Add tables of `SCHEMA` rows by day (as `tables()` gives them)."""
        for day, table in tables.items():
            if table.num_rows:
                self.built.setdefault(day, []).append(table)
                self.size += table.num_rows

    def write(self, folder: Path) -> list[Path]:
        """Write one part file per day under `folder/source=…/day=…/`; the files written."""
        written: list[Path] = []
        for day in sorted(set(self.days) | set(self.built)):
            parts = self.built.get(day, [])
            if day in self.days:
                parts = [*parts, self.days[day].table()]
            table = parts[0] if len(parts) == 1 else pa.concat_tables(parts).sort_by([("time", "ascending")])
            name = f"part-{uuid.uuid4().hex}.parquet"
            target = folder / f"source={partition_name(self.source)}" / f"day={day}" / name
            write_parquet(table, target)
            written.append(target)
        return written


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What `import_batch` stored: the number of events, the part files and the days they fell on."""

    source: str
    events: int
    files: tuple[Path, ...]
    days: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SourceStats:
    """One source in the store: event count, first/last event time, distinct hosts (any case), and events per UTC
    hour over the 48 hours before `now` (`recent`: 48 `(hour start, count)` pairs, oldest first, zeros included)."""

    source: str
    events: int
    first: dt.datetime | None
    last: dt.datetime | None
    hosts: int
    recent: tuple[tuple[dt.datetime, int], ...]


@dataclass(frozen=True, slots=True)
class Coverage:
    """How much of a source's retention window the store holds.

    `required_from` = today − retention days; `complete` is True when the oldest day kept is on or before it
    (else the store only holds events since `oldest`). `missing_days` counts days without a partition between
    the later of `oldest` and `required_from`, and `today`.
    """

    source: str
    retention_days: int
    required_from: dt.date
    oldest: dt.date | None
    newest: dt.date | None
    days: int
    missing_days: int
    complete: bool


class EventWriter:
    """Live, batched appends to one source of an `EventStore` (use as a context manager; leaving it flushes).

    `add` buffers an event; a part file is written when `max_events` are buffered or the oldest buffered event
    waited `max_seconds` (checked by `add` and by `flush_if_due`, which a timer should call). Each flush writes
    complete, fsynced files, so what was flushed survives a crash and what was not is at most one batch.
    """

    def __init__(self, store: EventStore, source: str, *, max_events: int = BATCH_EVENTS, max_seconds: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.source = source
        self.max_events = max_events
        self.max_seconds = max_seconds
        self.written = 0
        self.files = 0
        self._clock = clock
        self._batch = PendingBatch(source)
        self._since: float | None = None

    @property
    def pending(self) -> int:
        """Events added and not yet written."""
        return self._batch.size

    @property
    def due(self) -> bool:
        """True when the buffered events should be written: `max_events` buffered, or the oldest waited
        `max_seconds`."""
        return self._since is not None and (self._batch.size >= self.max_events
                                            or self._clock() - self._since >= self.max_seconds)

    def append(self, event: Mapping[str, Any]) -> None:
        """Buffer one event and never write (for a caller that writes elsewhere with `take` and `write`)."""
        if self._since is None:
            self._since = self._clock()
        self._batch.add(event)

    def extend(self, tables: Mapping[str, Any]) -> None:
        """Buffer rows already built as tables by day (`PendingBatch.tables` of another process); never writes."""
        if self._since is None:
            self._since = self._clock()
        self._batch.extend(tables)

    def add(self, event: Mapping[str, Any]) -> None:
        """Buffer one event, writing the batch when it is `due`."""
        self.append(event)
        if self.due:
            self.flush()

    def flush_if_due(self) -> int:
        """Flush when `due`; the number of events written."""
        return self.flush() if self.due else 0

    def take(self) -> PendingBatch | None:
        """Detach the buffered events (for `write` in another thread); None when nothing is buffered."""
        if not self._batch.size:
            return None
        batch, self._batch, self._since = self._batch, PendingBatch(self.source), None
        return batch

    def write(self, batch: PendingBatch) -> int:
        """Write a batch from `take` as part files; the number of events written."""
        files = batch.write(self.store.root)
        self.written += batch.size
        self.files += len(files)
        return batch.size

    def flush(self) -> int:
        """Write the buffered events now; the number written."""
        batch = self.take()
        return 0 if batch is None else self.write(batch)

    def __enter__(self) -> EventWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.flush()


def _result_rows(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [column[0] for column in cursor.description or ()]
    return [{name: _utc(value) if isinstance(value, dt.datetime) and value.tzinfo else value
             for name, value in zip(names, row, strict=True)} for row in cursor.fetchall()]


class EventStore:
    """A folder of events (see the module docstring). Several writers may add to it at once; readers only ever
    see complete part files."""

    def __init__(self, root: Path, *, batch_events: int = BATCH_EVENTS) -> None:
        self.root = Path(root)
        self.batch_events = batch_events

    # -- writing ------------------------------------------------------------------------------------------------

    def import_batch(self, source: str, events: Iterable[Mapping[str, Any]]) -> ImportResult:
        """Store every event of `events` under `source`, or none of them.

        Events are written in batches of `batch_events` into `root/.staging/<uuid>/` and moved into place only
        once the iterable is exhausted without error; on any exception (a reader's `InputError`, a full disk …)
        the staging folder is removed, the store is left as it was and the exception propagates. An item that is
        not a mapping raises `InputError` naming its position.
        """
        staging = self.root / ".staging" / uuid.uuid4().hex
        staged: list[Path] = []
        days: set[str] = set()
        count = 0
        try:
            batch = PendingBatch(source)
            for event in events:
                count += 1
                if not isinstance(event, Mapping):
                    raise InputError(f"is a {type(event).__name__}, not an event",
                                     InputLocation(file=source, line=count, field="event"))
                batch.add(event)
                if batch.size >= self.batch_events:
                    days.update(batch.days)
                    staged += batch.write(staging)
                    batch = PendingBatch(source)
            days.update(batch.days)
            staged += batch.write(staging)
            placed = self._place(staging, staged)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            _remove_empty(self.root / ".staging")
        return ImportResult(source, count, tuple(placed), tuple(sorted(days)))

    def _place(self, staging: Path, staged: list[Path]) -> list[Path]:
        placed: list[Path] = []
        try:
            for path in staged:
                target = self.root / path.relative_to(staging)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
                placed.append(target)
        except BaseException:
            for target in placed:
                target.unlink(missing_ok=True)
            raise
        return placed

    def writer(self, source: str, *, max_events: int = BATCH_EVENTS, max_seconds: float = 5.0) -> EventWriter:
        """A live writer for `source` (see `EventWriter`)."""
        return EventWriter(self, source, max_events=max_events, max_seconds=max_seconds)

    # -- files --------------------------------------------------------------------------------------------------

    def partitions(self) -> list[Path]:
        """The `source=…` folders of the store, by name."""
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.iterdir() if p.is_dir() and p.name.startswith("source="))

    def files(self, source: str | None = None, *, start: dt.datetime | None = None,
              end: dt.datetime | None = None) -> list[Path]:
        """The part files of `source` (all sources when None) on the days that may hold `start` ≤ time < `end`."""
        folders = ([self.root / f"source={partition_name(source)}"] if source is not None else self.partitions())
        start, end = _aware(start), _aware(end)
        first = start.astimezone(dt.UTC).date() if start else None
        last = end.astimezone(dt.UTC).date() if end else None
        found: list[Path] = []
        for folder in folders:
            for day, path in day_dirs(folder):
                if (first or last) and day is None:
                    continue
                if day is not None and ((first and day < first) or (last and day > last)):
                    continue
                found += sorted(path.glob("*.parquet"))
        return found

    def _connect(self, files: list[Path]) -> duckdb.DuckDBPyConnection:
        """An in-memory DuckDB connection (UTC) with the view `events` over `files` (empty when there are none)."""
        connection = duckdb.connect()
        connection.execute("SET TimeZone = 'UTC'")
        if files:
            relation = connection.read_parquet([str(path) for path in files], union_by_name=True)
        else:
            relation = connection.from_arrow(SCHEMA.empty_table())
        relation.project(f"*, {_DAY_SQL}").create_view("events")
        return connection

    # -- queries ------------------------------------------------------------------------------------------------

    def query(self, sql: str, params: list[Any] | None = None, *, source: str | None = None,
              start: dt.datetime | None = None, end: dt.datetime | None = None) -> list[dict[str, Any]]:
        """Rows of `sql` (which reads the view `events`) with `?` parameters `params`, as dicts.

        `source`, `start`, `end` only narrow the files the view reads (the SQL must still filter on them).
        """
        connection = self._connect(self.files(source, start=start, end=end))
        try:
            return _result_rows(connection.execute(sql, params or []))
        finally:
            connection.close()

    def count(self, source: str | None = None) -> int:
        """The number of events stored (of `source` only, when given)."""
        if source is None:
            rows = self.query("SELECT count(*) AS n FROM events")
        else:
            rows = self.query("SELECT count(*) AS n FROM events WHERE source = ?", [source], source=source)
        return int(rows[0]["n"])

    def timeline(self, *, host: str | None = None, source: str | None = None, start: dt.datetime | None = None,
                 end: dt.datetime | None = None, limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
        """Rows in time order (then source and offset; events without a time last), filtered by `host` (any case),
        `source` and `start` ≤ time < `end` (a naive datetime is UTC); page `limit`/`offset`. Each row has every
        `SCHEMA` column and `day`; `event_from_row(row)` gives the event."""
        start, end = _aware(start), _aware(end)
        where: list[str] = []
        params: list[Any] = []
        for clause, value in (("lower(host) = lower(?)", host), ("source = ?", source), ("time >= ?", start),
                              ("time < ?", end)):
            if value is not None:
                where.append(clause)
                params.append(value)
        # only fixed clauses above are joined; every value is a parameter
        sql = "SELECT * FROM events" + (" WHERE " + " AND ".join(where) if where else "")  # noqa: S608
        sql += ' ORDER BY time NULLS LAST, source, "offset" NULLS LAST, record_id LIMIT ? OFFSET ?'
        return self.query(sql, [*params, limit, offset], source=source, start=start, end=end)

    def hourly(self, source: str, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, int]]:
        """Events of `source` per UTC hour from the hour holding `start` up to `end` (exclusive), zeros included
        (naive datetimes are UTC)."""
        start, end = _aware(start) or start, _aware(end) or end
        first = start.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        rows = self.query("SELECT date_trunc('hour', time) AS hour, count(*) AS n FROM events "
                          "WHERE source = ? AND time >= ? AND time < ? GROUP BY 1", [source, first, end],
                          source=source, start=first, end=end)
        found = {row["hour"].astimezone(dt.UTC): int(row["n"]) for row in rows}
        hours: list[tuple[dt.datetime, int]] = []
        moment = first
        while moment < end:
            hours.append((moment, found.get(moment, 0)))
            moment += dt.timedelta(hours=1)
        return hours

    def source_stats(self, *, now: dt.datetime | None = None) -> list[SourceStats]:
        """Every source with its counts (see `SourceStats`), by name."""
        rows = self.query("SELECT source, count(*) AS n, min(time) AS first, max(time) AS last, "
                          "count(DISTINCT lower(host)) AS hosts FROM events GROUP BY source ORDER BY source")
        end = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
        end += dt.timedelta(hours=1)
        start = end - dt.timedelta(hours=48)
        stats: list[SourceStats] = []
        for row in rows:
            recent = tuple(self.hourly(row["source"], start, end))
            stats.append(SourceStats(row["source"], int(row["n"]), _utc(row["first"]), _utc(row["last"]),
                                     int(row["hosts"]), recent))
        return stats

    # -- retention and upkeep -----------------------------------------------------------------------------------

    def apply_retention(self, policy: Mapping[str, int], *, default_days: int = DEFAULT_RETENTION_DAYS,
                        today: dt.date | None = None) -> RetentionResult:
        """Delete whole day partitions older than their source's retention (`policy[source]` days, else
        `default_days`): a day is deleted when it is before today − days. `day=unknown` is never deleted. Returns
        what was deleted."""
        today = today or dt.datetime.now(dt.UTC).date()
        days_of = {partition_name(name): days for name, days in policy.items()}
        deleted: list[DeletedPartition] = []
        for folder in self.partitions():
            name = folder.name.removeprefix("source=")
            cutoff = today - dt.timedelta(days=days_of.get(name, default_days))
            for day, path in day_dirs(folder):
                if day is not None and day < cutoff:
                    deleted.append(_remove_partition(name, day, path))
        return RetentionResult(tuple(deleted))

    def coverage(self, source: str, retention_days: int = DEFAULT_RETENTION_DAYS,
                 today: dt.date | None = None) -> Coverage:
        """Whether the store holds `source`'s whole retention window, or only since its oldest day (`Coverage`)."""
        today = today or dt.datetime.now(dt.UTC).date()
        required = today - dt.timedelta(days=retention_days)
        present = sorted({day for day, path in day_dirs(self.root / f"source={partition_name(source)}")
                          if day is not None and any(path.glob("*.parquet"))})
        oldest, newest = (present[0], present[-1]) if present else (None, None)
        missing = 0
        if oldest is not None:
            first = max(oldest, required)
            span = (today - first).days + 1
            missing = max(0, span - sum(1 for day in present if first <= day <= today))
        return Coverage(source, retention_days, required, oldest, newest, len(present), missing,
                        oldest is not None and oldest <= required)

    def compact(self, source: str, day: dt.date | str) -> int:
        """Merge the part files of one day of `source` into one (streamed, sorted per input file); the number of
        files merged (0 when there were fewer than two). The merged file is renamed into place before the old ones
        are removed, so a crash in between leaves duplicates, never a loss."""
        folder = self.root / f"source={partition_name(source)}" / f"day={day}"
        parts = sorted(folder.glob("*.parquet"))
        if len(parts) < 2:
            return 0
        target = folder / f"part-{uuid.uuid4().hex}.parquet"
        write_parquet(_concat(parts), target)
        for path in parts:
            path.unlink()
        return len(parts)


def _concat(parts: list[Path]) -> Iterator[Any]:
    for path in parts:
        yield from pq.ParquetFile(path).iter_batches(batch_size=BATCH_EVENTS)


def _utc(value: Any) -> dt.datetime | None:
    return value.astimezone(dt.UTC) if isinstance(value, dt.datetime) else None


def _remove_empty(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not empty: another import is staging
        folder.rmdir()

