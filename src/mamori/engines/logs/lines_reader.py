"""Read generic logs — JSON Lines and CSV exports of business systems — into flat events, all or nothing.

Both readers keep every column/key as a field under its own name (nested JSON objects flattened with dots:
`{"user": {"name": "x"}}` → `user.name`; a key starting with `_` is kept as `JSON_<key>` / `CSV_<key>` so data
cannot overwrite Mamori's fields) and fill, from the first column whose name matches (case, spaces, `_`, `-`
and `.` ignored; Japanese headers included):

- `TimeCreated` (aware UTC) from `TimeCreated`, `@timestamp`, `timestamp`, `time`, `datetime`, `日時`, …, or a
  date column with a time column (`date`+`time`, `日付`+`時刻`). ISO 8601, `2024/05/01 10:00:00`,
  `2024/5/1 9:05` and, in JSON, epoch seconds/milliseconds are read; without an offset the time is `naive_tz`
  (JST). A line without a readable time is bad.
- `Computer` = `_host` from `Computer`, `host`, `hostname`, `ホスト名`, `端末名`, …; `_user` from `user`, `username`,
  `ユーザー`, `ユーザー名`, `利用者`, …; `_src_ip` from `src_ip`, `client_ip`, `送信元IP`, `接続元IP`, …; `_action`
  from `action`, `operation`, `操作`, … — a known word is mapped (`ログイン`/`login` → "logon", `ログイン失敗` →
  "logon_failed", `ログアウト` → "logoff"), any other value is kept as written.
- `Channel` is the file's own column if it has one, `EventID` the int of an `EventID` / `Event ID` / `イベント ID`
  column (Event Viewer's "Save as CSV", whose rows carry the description in one more, unnamed, column: it becomes
  `Message`), else None; `_kind` "jsonl" / "csv",
  `_source` the file name, `_offset` the line number (for a CSV record spanning lines, its first line).

A JSON line that is a Windows event (winlogbeat's `winlog`, or `EventID` with `Channel`/`SourceName`) is normalised
by `json_reader` exactly as a Windows event export would be (`_kind` "winjson", common fields by `add_common`).

Encoding: UTF-8 (BOM or not), UTF-16 with a BOM, else CP932 — or the `encoding` given. CSV: the first non-blank
row is the header; a tab-separated file (Excel's "Unicode text") is recognised by its header. Bad input — a line
over `max_line` bytes (1 MiB), invalid JSON, a row with more or fewer values than the header, an unreadable time —
raises `InputError` ("file, line N, column: reason") and nothing is returned; `recover=True` keeps the good lines
and lists every bad one in `skipped`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.common import JST, LinesResult, add_common, clean_ip
from mamori.engines.logs.events import field_value, parse_time, to_int
from mamori.engines.logs.json_reader import _event as windows_event

__all__ = ["MAX_LINE", "read_csv", "read_jsonl"]

MAX_LINE = 1 << 20


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.]", "", name).casefold()


_TIME = tuple(map(_norm, ("TimeCreated", "@timestamp", "timestamp", "time", "datetime", "date_time", "EventTime",
                          "Date and Time", "日時", "発生日時", "日付時刻", "日付と時刻", "タイムスタンプ", "記録日時")))
_EVENT_ID = tuple(map(_norm, ("EventID", "Event ID", "イベント ID")))
_DATE_TIME = ((_norm("date"), _norm("time")), ("日付", "時刻"), ("日付", "時間"), ("年月日", "時刻"))
_HOST = tuple(map(_norm, ("Computer", "host", "hostname", "host.name", "computer", "computer_name", "device",
                          "devname", "ホスト名", "ホスト", "端末名", "コンピュータ名", "コンピューター名", "機器名")))
_USER = tuple(map(_norm, ("user", "username", "user.name", "user_name", "account", "account_name", "userid",
                          "ユーザー", "ユーザー名", "ユーザ", "ユーザ名", "利用者", "利用者名", "操作者", "ログインID",
                          "アカウント")))
_SRC_IP = tuple(map(_norm, ("src_ip", "srcip", "source_ip", "source.ip", "client_ip", "clientip", "remote_ip",
                            "remip", "ip", "ip_address", "IpAddress", "送信元IP", "送信元IPアドレス", "接続元IP",
                            "接続元IPアドレス", "IPアドレス", "端末IP", "クライアントIP")))
_ACTION = tuple(map(_norm, ("action", "event.action", "operation", "event", "activity", "操作", "操作内容",
                            "動作", "イベント", "処理")))
_ACTIONS = {"login": "logon", "logon": "logon", "signin": "logon", "ログイン": "logon", "ログオン": "logon",
            "loginfailed": "logon_failed", "logonfailed": "logon_failed", "loginfailure": "logon_failed",
            "logonfailure": "logon_failed", "failedlogin": "logon_failed", "ログイン失敗": "logon_failed",
            "ログオン失敗": "logon_failed", "logout": "logoff", "logoff": "logoff", "signout": "logoff",
            "ログアウト": "logoff", "ログオフ": "logoff"}
_SLASHED = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?")


class _BadLine(ValueError):
    def __init__(self, reason: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(reason)


def _decode(data: bytes, name: str, encoding: str | None) -> str:
    if encoding is not None:
        codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        candidates = [codec]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8-sig", "cp932"]
    first: UnicodeDecodeError | None = None
    for codec in candidates:
        try:
            return data.decode(codec)
        except UnicodeDecodeError as exc:
            first = first or exc
    assert first is not None  # noqa: S101 - the loop ran at least once and failed
    line = data.count(b"\n", 0, first.start) + 1
    raise InputError(f"is neither {' nor '.join(c.removesuffix('-sig') for c in candidates)} text "
                     f"(bad byte at offset {first.start:,})", InputLocation(file=name, line=line), code="encoding",
                     params={"offset": first.start, "line": line}) from first


def _read(path: Path, encoding: str | None, max_line: int, recover: bool, result: LinesResult) -> str:
    """The file's text; a line over `max_line` bytes raises, or in recover mode is listed and blanked."""
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", InputLocation(file=name),
                         code="unreadable") from exc
    lines = data.split(b"\n")
    for number, line in enumerate(lines, start=1):
        if len(line) > max_line:
            _fail(result, recover, InputLocation(file=name, line=number),
                  _BadLine(f"is {len(line):,} bytes long, more than the {max_line:,} a log line may have"))
            lines[number - 1] = b""
    return _decode(b"\n".join(lines) if result.skipped else data, name, encoding)


def _slashed(text: str, naive_tz: dt.tzinfo) -> dt.datetime | None:
    found = _SLASHED.fullmatch(text.strip())
    if found is None:
        return None
    year, month, day, hour, minute, second, frac = found.groups()
    try:
        moment = dt.datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0),
                             int((frac or "0").ljust(6, "0")), tzinfo=naive_tz)
    except ValueError:
        return None
    return moment.astimezone(dt.UTC)


def _time_value(value: Any, naive_tz: dt.tzinfo) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=naive_tz)
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        seconds = value / 1000 if value >= 10**11 else value
        try:
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit() and len(text) in (10, 13):
        return _time_value(int(text), naive_tz)
    return parse_time(text, naive_tz) or _slashed(text, naive_tz)


def _find(columns: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in columns:
            return columns[name]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text if text and text != "-" else None


def _common(fields: dict[str, Any], naive_tz: dt.tzinfo, kind: str) -> dict[str, Any]:
    """The event of one generic record: fields kept, time and common fields found by column name."""
    columns: dict[str, str] = {}
    for key in fields:
        columns.setdefault(_norm(key), key)
    id_key = _find(columns, _EVENT_ID)
    event: dict[str, Any] = {"Channel": fields.get("Channel"), "EventID": to_int(fields[id_key]) if id_key else None,
                             "Computer": None, "TimeCreated": None}
    prefix = "JSON" if kind == "jsonl" else "CSV"
    for key, value in fields.items():
        event[f"{prefix}_{key}" if key.startswith("_") else key] = value
    time_key = _find(columns, _TIME)
    if time_key is not None:
        event["TimeCreated"] = _time_value(fields[time_key], naive_tz)
        if event["TimeCreated"] is None:
            raise _BadLine(f"{str(fields[time_key])[:60]!r} is not a date and time", time_key)
    else:
        for date_name, clock_name in _DATE_TIME:
            date_key, clock_key = columns.get(date_name), columns.get(clock_name)
            if date_key is not None and clock_key is not None:
                joined = f"{fields[date_key]} {fields[clock_key]}".strip()
                event["TimeCreated"] = _time_value(joined, naive_tz)
                if event["TimeCreated"] is None:
                    raise _BadLine(f"{joined[:60]!r} is not a date and time", date_key)
                break
    if event["TimeCreated"] is None:
        raise _BadLine("holds no time (a TimeCreated, timestamp, time, 日時 or date+time column)")
    host_key, user_key = _find(columns, _HOST), _find(columns, _USER)
    ip_key, action_key = _find(columns, _SRC_IP), _find(columns, _ACTION)
    event["Computer"] = _text(fields[host_key]) if host_key else None
    action = _text(fields[action_key]) if action_key else None
    event.update({"_kind": kind, "_host": event["Computer"], "_user": _text(fields[user_key]) if user_key else None,
                  "_src_ip": clean_ip(fields[ip_key]) if ip_key else None,
                  "_action": None if action is None else _ACTIONS.get(_norm(action), action), "_received": None})
    return event


def _flatten(obj: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            yield from _flatten(value, f"{name}.")
        else:
            yield name, value if isinstance(value, float) else field_value(value)


def _is_windows(obj: dict[str, Any]) -> bool:
    if isinstance(obj.get("winlog"), dict) or any(key.startswith("winlog.") for key in obj):
        return True
    return "EventID" in obj and ("Channel" in obj or "SourceName" in obj)


def _json_event(line: str, naive_tz: dt.tzinfo) -> dict[str, Any]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise _BadLine(f"is not valid JSON ({exc.msg}, column {exc.colno})") from exc
    except RecursionError as exc:
        raise _BadLine("is JSON nested too deeply") from exc
    if not isinstance(obj, dict):
        raise _BadLine(f"is a JSON {type(obj).__name__}, not an object")
    if _is_windows(obj):
        try:
            event = windows_event(obj, naive_tz)
        except ValueError as exc:
            raise _BadLine(f"the Windows event {exc}") from exc
        event["_kind"] = "winjson"
        event["_received"] = None
        return add_common(event)
    return _common(dict(_flatten(obj)), naive_tz, "jsonl")


def _fail(result: LinesResult, recover: bool, where: InputLocation, exc: _BadLine) -> None:
    if not recover:
        raise InputError(str(exc), where, code="bad_line", params={"line": where.line}) from exc
    result.skipped.append((where, str(exc)))


def read_jsonl(path: Path, *, recover: bool = False, encoding: str | None = None, naive_tz: dt.tzinfo = JST,
               max_line: int = MAX_LINE) -> LinesResult:
    """Every event of a JSON Lines file (one object per line; blank lines ignored). See the module docstring."""
    result = LinesResult()
    text = _read(path, encoding, max_line, recover, result)
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 may sit in a string
        if not line.strip():
            continue
        try:
            event = _json_event(line, naive_tz)
        except _BadLine as exc:
            _fail(result, recover, InputLocation(file=str(path), line=number, field=exc.field), exc)
            continue
        event["_source"], event["_offset"] = path.name, number
        result.events.append(event)
    return result


def _header(row: list[str]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(row, start=1):
        name = cell.strip().removeprefix("\ufeff") or f"column_{index}"
        base, count = name, 1
        while name in names:
            count += 1
            name = f"{base}_{count}"
        names.append(name)
    return names


def read_csv(path: Path, *, recover: bool = False, encoding: str | None = None, naive_tz: dt.tzinfo = JST,
             max_line: int = MAX_LINE) -> LinesResult:
    """Every row of a CSV (or tab-separated) export with a header row as an event. See the module docstring."""
    result = LinesResult()
    text = _read(path, encoding, max_line, recover, result)
    first = next((line for line in text.split("\n") if line.strip()), "")
    delimiter = "\t" if "\t" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    described: list[str] = []
    name = str(path)
    start = 1
    while True:
        try:
            row = next(reader, None)
        except csv.Error as exc:
            _fail(result, recover, InputLocation(file=name, line=start), _BadLine(f"is not valid CSV ({exc})"))
            if header is None:
                return result
            start = reader.line_num + 1
            continue
        if row is None:
            return result
        line, start = start, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = _header(row)
            described = _header([*header, "Message"]) if any(_norm(n) in _EVENT_ID for n in header) else header
            continue
        if len(row) == len(described) != len(header):
            fields = dict(zip(described, row, strict=True))
        elif len(row) == len(header):
            fields = dict(zip(header, row, strict=True))
        else:
            _fail(result, recover, InputLocation(file=name, line=line),
                  _BadLine(f"has {len(row)} values but the header has {len(header)} columns"))
            continue
        try:
            event = _common(fields, naive_tz, "csv")
        except _BadLine as exc:
            _fail(result, recover, InputLocation(file=name, line=line, field=exc.field), exc)
            continue
        event["_source"], event["_offset"] = path.name, line
        result.events.append(event)
