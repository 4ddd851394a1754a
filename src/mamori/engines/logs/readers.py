"""One entry point for every log file Mamori reads: pick the reader by kind (or the file's suffix), stream the
events with the common fields filled, and collect what recover mode skipped.

Default mode is all-or-nothing: a reader raises `InputError` (file, line/record, field) at the first bad part and
the caller discards what it had (the event store stages a file and only publishes it whole). In recover mode every
skipped part is appended to `skipped` as `(location, reason)` text pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.common import add_common
from mamori.engines.logs.evtx_reader import SkippedPart, iter_evtx
from mamori.engines.logs.json_reader import read_json_events

__all__ = ["KINDS", "SUFFIXES", "iter_file", "kind_of"]

#: File suffix → kind; `.log`/`.txt` are syslog text (FortiGate lines inside are recognised line by line).
SUFFIXES = {".evtx": "evtx", ".json": "winjson", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
            ".log": "syslog", ".txt": "syslog", ".syslog": "syslog"}
KINDS = ("evtx", "winjson", "syslog", "fortigate", "jsonl", "csv")


def kind_of(path: Path) -> str | None:
    """The kind a file is read as, from its suffix (None: not a log file Mamori reads)."""
    return SUFFIXES.get(path.suffix.lower())


def _skips(found: Any) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in found or ():
        if isinstance(item, SkippedPart):
            out.append((str(item), item.message))
        elif isinstance(item, tuple) and len(item) == 2:
            out.append((str(item[0]), str(item[1])))
        else:
            out.append((str(getattr(item, "location", "")), str(getattr(item, "reason", item))))
    return out


def _listed(read: Callable[..., Any], path: Path, recover: bool, skipped: list[tuple[str, str]]
            ) -> Iterator[dict[str, Any]]:
    result = read(path, recover=recover)
    skipped.extend(_skips(getattr(result, "skipped", ())))
    yield from getattr(result, "events", result)


def _streamed(read: Callable[..., Iterator[dict[str, Any]]], path: Path, recover: bool,
              skipped: list[tuple[str, str]]) -> Iterator[dict[str, Any]]:
    found: list[Any] = []
    try:
        yield from read(path, recover=recover, skipped=found)
    finally:
        skipped.extend(_skips(found))


def iter_file(path: Path, kind: str | None = None, *, recover: bool = False,
              skipped: list[tuple[str, str]] | None = None) -> Iterator[dict[str, Any]]:
    """Every event of one file, normalised, with `_kind` and the common fields (`_host`, `_user`, `_src_ip`,
    `_action`); raises `InputError` (default mode) where the file is bad."""
    kind = kind or kind_of(path)
    parts = skipped if skipped is not None else []
    if kind == "evtx":
        evtx_parts: list[SkippedPart] = []
        try:
            for event in iter_evtx(path, recover=recover, skipped=evtx_parts):
                event["_kind"] = "evtx"
                yield add_common(event)
        finally:
            parts.extend(_skips(evtx_parts))
        return
    events: Iterator[dict[str, Any]]
    if kind == "winjson":
        events = iter(read_json_events(path))
    elif kind == "jsonl":
        from mamori.engines.logs.lines_reader import read_jsonl
        events = _listed(read_jsonl, path, recover, parts)
    elif kind == "csv":
        from mamori.engines.logs.lines_reader import read_csv
        events = _listed(read_csv, path, recover, parts)
    elif kind == "syslog":
        from mamori.engines.logs.syslog_file import iter_syslog_file
        events = _streamed(iter_syslog_file, path, recover, parts)
    elif kind == "fortigate":
        from mamori.engines.logs.fortigate import read_fortigate_file
        events = _listed(read_fortigate_file, path, recover, parts)
    else:
        raise InputError(f"is not a log file Mamori reads (kind {kind!r})", InputLocation(file=str(path)),
                         code="unknown_kind", params={"kind": kind})
    for event in events:
        event.setdefault("_kind", kind)
        yield add_common(event) if event.get("Channel") not in ("Syslog", "FortiGate") else event
