"""Read Windows events exported as JSON into the same flat events as `evtx_reader` (all or nothing).

Accepted layouts (one file may be JSON Lines — one object per line — or one JSON array of objects):

- **winlogbeat / Elastic Agent** (ECS): `winlog.channel`, `winlog.event_id`, `winlog.computer_name` (else
  `host.name`), `winlog.record_id`, `winlog.provider_name` (else `event.provider`), `winlog.event_data.*`,
  `winlog.user_data.*`, `winlog.user.identifier`, `winlog.keywords`, `log.level`, time from `@timestamp`
  (else `winlog.time_created`). Dotted top-level keys (`"winlog.channel": …`) are read like nested ones.
- **nxlog** (`im_msvistalog` + `to_json`): flat keys `EventID`, `Channel`, `Hostname`, `RecordNumber`,
  `SourceName`/`ProviderName`, `UserID`, `Keywords`, `Task`, time from `EventTime`; every other key (the
  EventData fields, `Message`, nxlog's own `Severity` …) is kept under its name.
- **Mamori's flat shape**: `Channel`, `EventID`, `Computer`, `EventRecordID`, `TimeCreated` (ISO 8601) … as
  `mamori.engines.logs` describes; kept as is.

Normalisation: `EventID`, `EventRecordID`, `Level`, `Task` become ints (ECS writes `event_id` as a string);
`TimeCreated` is an aware UTC datetime — a time without an offset (nxlog's `EventTime` is the collector's local
time) is taken in `naive_tz`; data fields keep the exporter's types (winlogbeat writes every value as a string);
a data field named like a System field is kept as `EventData_<name>` / `UserData_<name>`; `_source` is the file
name and `_offset` the line number (JSON Lines) or the 1-based position in the array.

Encoding: UTF-8 (a BOM is fine) or UTF-16 with a BOM (Windows PowerShell's `Out-File`); with `encoding=None`
anything else is refused with the line and byte offset of the first bad byte and a hint to use `cp932`.
Any bad line, non-object or object without an EventID or time raises `InputError` and nothing is returned.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.events import SYSTEM_FIELDS, field_value, parse_time, to_int

__all__ = ["DEFAULT_MAX_BYTES", "iter_json_events", "read_json_events"]

DEFAULT_MAX_BYTES = 1 << 30
_LEVELS = {"critical": 1, "error": 2, "warning": 3, "information": 4, "info": 4, "verbose": 5}
_NXLOG_KEYS = {"Hostname": "Computer", "RecordNumber": "EventRecordID", "SourceName": "Provider_Name",
               "ProviderName": "Provider_Name", "UserID": "Security_UserID"}
_NXLOG_DROP = {"EventTime"}


def _decode(data: bytes, name: str, encoding: str | None) -> str:
    if encoding is None:
        encoding = "utf-16" if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig"
    elif codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        # utf-8-sig counts after the BOM it skipped: the offset given is the byte's own in the file
        at = exc.start + (3 if encoding == "utf-8-sig" and data.startswith(codecs.BOM_UTF8) else 0)
        line = data.count(b"\n", 0, at) + 1
        hint = ("; if it was saved on a Japanese Windows (Shift_JIS), read it with encoding cp932"
                if encoding == "utf-8-sig" else "")
        raise InputError(f"is not valid {encoding.removesuffix('-sig')} at byte offset {at:,}{hint}",
                         InputLocation(file=name, line=line), code="encoding",
                         params={"encoding": encoding, "offset": at, "line": line}) from exc


def _unflatten(obj: dict[str, Any]) -> dict[str, Any]:
    """`{"winlog.channel": "Security"}` → `{"winlog": {"channel": "Security"}}` (top-level dotted keys only)."""
    if not any("." in key for key in obj):
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        node = out
        *parents, leaf = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        if isinstance(value, dict) and isinstance(node.get(leaf), dict):
            node[leaf].update(value)
        else:
            node[leaf] = value
    return out


def _put_fields(out: dict[str, Any], fields: Any, prefix: str) -> None:
    if not isinstance(fields, dict):
        return
    for name, value in fields.items():
        if name == "xml_name":  # winlogbeat's UserData element name
            continue
        if isinstance(value, dict) and prefix == "UserData":  # one nested element: flatten one level
            _put_fields(out, value, prefix)
            continue
        out[f"{prefix}_{name}" if name in SYSTEM_FIELDS else name] = field_value(value)


def _winlogbeat(obj: dict[str, Any], naive_tz: dt.tzinfo) -> dict[str, Any]:
    def part(holder: dict[str, Any], key: str) -> dict[str, Any]:
        value = holder.get(key)
        return value if isinstance(value, dict) else {}

    winlog = part(obj, "winlog")
    ecs_event, host, log, user = part(obj, "event"), part(obj, "host"), part(obj, "log"), part(winlog, "user")
    keywords, level = winlog.get("keywords"), log.get("level")
    event_id = winlog.get("event_id")
    out: dict[str, Any] = {
        "Channel": winlog.get("channel"),
        "EventID": to_int(ecs_event.get("code") if event_id is None else event_id),
        "Computer": winlog.get("computer_name") or host.get("name"),
        "EventRecordID": to_int(winlog.get("record_id")),
        "TimeCreated": parse_time(obj.get("@timestamp") or winlog.get("time_created"), naive_tz),
        "Provider_Name": winlog.get("provider_name") or ecs_event.get("provider"),
        "Level": _LEVELS.get(str(level).lower()) if level is not None else None,
        "Task": to_int(winlog.get("task")),
        "Keywords": ", ".join(map(str, keywords)) if isinstance(keywords, list) else keywords,
    }
    if user.get("identifier") is not None:
        out["Security_UserID"] = str(user["identifier"])
    _put_fields(out, winlog.get("event_data"), "EventData")
    _put_fields(out, winlog.get("user_data"), "UserData")
    return out


def _nxlog(obj: dict[str, Any], naive_tz: dt.tzinfo) -> dict[str, Any]:
    out: dict[str, Any] = {"Channel": obj.get("Channel"), "EventID": to_int(obj.get("EventID")),
                           "Computer": None, "EventRecordID": None,
                           "TimeCreated": parse_time(obj.get("EventTime"), naive_tz), "Provider_Name": None,
                           "Level": None, "Task": to_int(obj.get("Task")), "Keywords": None}
    for key, value in obj.items():
        if key in ("Channel", "EventID", "Task") or key in _NXLOG_DROP:
            continue
        if key in _NXLOG_KEYS:
            target = _NXLOG_KEYS[key]
            if out.get(target) is None:
                out[target] = to_int(value) if target == "EventRecordID" else field_value(value)
        elif key == "Keywords":
            out["Keywords"] = field_value(value) if isinstance(value, str) else str(value)
        else:
            out[key] = field_value(value)
    return out


def _flat(obj: dict[str, Any], naive_tz: dt.tzinfo) -> dict[str, Any]:
    out = {key: field_value(value) for key, value in obj.items()}
    for key in ("EventID", "EventRecordID", "Level", "Task"):
        if key in obj:
            out[key] = to_int(obj[key])
    out["TimeCreated"] = parse_time(obj.get("TimeCreated"), naive_tz)
    return out


def _event(obj: Any, naive_tz: dt.tzinfo) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ValueError(f"is a JSON {type(obj).__name__}, not an object")
    obj = _unflatten(obj)
    if isinstance(obj.get("winlog"), dict):
        event = _winlogbeat(obj, naive_tz)
    elif "EventTime" in obj or "Hostname" in obj or "SourceName" in obj:
        event = _nxlog(obj, naive_tz)
    else:
        event = _flat(obj, naive_tz)
    if event.get("EventID") is None:
        raise ValueError("holds no EventID (winlog.event_id / EventID)")
    if event.get("TimeCreated") is None:
        raise ValueError("holds no readable event time (@timestamp / EventTime / TimeCreated)")
    return event


def read_json_events(path: Path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                     naive_tz: dt.tzinfo = dt.UTC) -> list[dict[str, Any]]:
    """Every event of a winlogbeat / nxlog / Mamori JSON (Lines) export, or `InputError` and nothing.

    `encoding`: None = UTF-8 (BOM ok) or BOM-marked UTF-16; give "cp932" for a Shift_JIS file. A file larger than
    `max_bytes` (1 GiB) is refused before reading. `naive_tz`: the zone of times written without an offset.
    """
    name = str(path)
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"is {size:,} bytes, more than the {max_bytes:,} allowed: split the export",
                             InputLocation(file=name), code="too_large", params={"size": size, "max": max_bytes})
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", InputLocation(file=name),
                         code="unreadable") from exc
    text = _decode(data, name, encoding)
    source = path.name
    events: list[dict[str, Any]] = []
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"is not valid JSON ({exc.msg}, column {exc.colno})",
                             InputLocation(file=name, line=exc.lineno), code="json") from exc
        if not isinstance(items, list):
            raise InputError("is not a JSON array of events", InputLocation(file=name), code="json")
        for index, item in enumerate(items, start=1):
            try:
                event = _event(item, naive_tz)
            except ValueError as exc:
                raise InputError(f"event {index} {exc}", InputLocation(file=name), code="event",
                                 params={"index": index}) from exc
            event["_source"], event["_offset"] = source, index
            events.append(event)
        return events
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may sit in a string
        if line.strip():
            events.append(_line_event(line, number, name, source, naive_tz))
    return events


def _line_event(line: str, number: int, name: str, source: str, naive_tz: dt.tzinfo) -> dict[str, Any]:
    try:
        event = _event(json.loads(line), naive_tz)
    except json.JSONDecodeError as exc:
        raise InputError(f"is not valid JSON ({exc.msg}, column {exc.colno})",
                         InputLocation(file=name, line=number), code="json") from exc
    except ValueError as exc:
        raise InputError(f"the event {exc}", InputLocation(file=name, line=number), code="event") from exc
    event["_source"], event["_offset"] = source, number
    return event


def iter_json_events(path: Path, *, encoding: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                     naive_tz: dt.tzinfo = dt.UTC) -> Iterator[dict[str, Any]]:
    """The events of `read_json_events`, streamed: a UTF-8 JSON Lines file is read line by line (any size, memory
    bounded) and `InputError` is raised at the first bad line — after the events before it were yielded, so a
    caller that needs all-or-nothing must stage them. A JSON array or a UTF-16 / CP932 file is read whole by
    `read_json_events` (and its `max_bytes` limit applies)."""
    name = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", InputLocation(file=name),
                         code="unreadable") from exc
    with handle:
        head = handle.read(1 << 16)
        body = head.removeprefix(codecs.BOM_UTF8).lstrip()
        utf8 = encoding is None or codecs.lookup(encoding).name == "utf-8"
        if (not utf8 or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or body.startswith(b"[")
                or (not body and len(head) == 1 << 16)):
            handle.close()
            yield from read_json_events(path, encoding=encoding, max_bytes=max_bytes, naive_tz=naive_tz)
            return
        handle.seek(0)
        source, offset = path.name, 0
        for number, raw in enumerate(handle, start=1):  # a binary file splits at b"\n" only, like text.split("\n")
            start = 3 if number == 1 and raw.startswith(codecs.BOM_UTF8) else 0
            try:
                line = raw[start:].decode("utf-8")
            except UnicodeDecodeError as exc:
                at = offset + start + exc.start
                raise InputError(f"is not valid utf-8 at byte offset {at:,}; if it was saved on a Japanese Windows "
                                 "(Shift_JIS), read it with encoding cp932", InputLocation(file=name, line=number),
                                 code="encoding", params={"encoding": "utf-8-sig", "offset": at, "line": number}
                                 ) from exc
            offset += len(raw)
            if line.strip():
                yield _line_event(line, number, name, source, naive_tz)
