"""FortiGate (FortiOS 6.x/7.x) key=value logs as flat events, one line at a time or a whole saved file.

FortiOS writes, in its default syslog/disk format, one line per log:
`date=2024-05-01 time=01:40:13 devname="FGT60E" devid="FGT60ETK18001234" eventtime=1714495213123456789
tz="+0900" logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail"
action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 remip=203.0.113.7 user="admin" group="N/A" …`.
String fields are quoted (a value may hold spaces, `=` and `\\"`), numbers and addresses are not. Over syslog the
line follows `<PRI>` and maybe a header (`syslog.parse_message` hands the body here); a saved file may carry that
header on every line (`read_fortigate_file` skips it).

Event: `Channel` "FortiGate", `EventID` None, `Computer` = `devname` (else `devid`, else the syslog sender),
`TimeCreated` from `eventtime` (epoch seconds, ms, µs or ns, told apart by magnitude), else `date`+`time` in the
`tz` offset (`+0900`), else in `naive_tz` (JST). Every key is kept under its own name: a quoted value as text, an
unquoted decimal as int (FortiOS quotes every string field), anything else as text; a key starting with `_` or
named like one of the four fields above is kept as `FortiGate_<key>`. Common fields: `_kind` "fortigate",
`_host` = `Computer`, `_user` = `user` (not "N/A"), `_src_ip` = `remip` else `srcip`, `_action` (see
`fortigate_action`).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.common import JST, LinesResult, clean_ip, decode_text

__all__ = ["MAX_LINE", "KeyValueError", "find_fortigate", "fortigate_action", "parse_fortigate", "parse_kv",
           "read_fortigate_file"]

#: A line longer than this (bytes) is refused rather than parsed.
MAX_LINE = 1 << 20
_KEY = re.compile(r"([A-Za-z0-9_.\-]+)=")
_QUOTED = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
#: One `key=value` pair and the spaces after it: a quoted value (escapes kept for `_unescape`) or a bare one.
_PAIR = re.compile(r'([A-Za-z0-9_.\-]+)=(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^\s"]\S*)?)(?:\s+|$)', re.DOTALL)
#: Where a FortiGate body starts: one of the keys FortiOS writes first, at the start or after a space or `<PRI>`.
_START = re.compile(r"(?:^|(?<=[\s>]))(?:date|time|logver|itime|devname|devid|eventtime|tz|logid)=")
_LOGID = re.compile(r"(?:^|\s)logid=")
_DATE = re.compile(r"(?:^|\s)date=")
_DEVNAME = re.compile(r"(?:^|\s)devname=")
_OFFSET = re.compile(r"([+-])(\d\d):?(\d\d)")
_RESERVED = {"Channel", "EventID", "Computer", "TimeCreated"}
_TRAFFIC_ALLOW = {"accept", "close", "timeout", "client-rst", "server-rst", "start"}
_TRAFFIC_DENY = {"deny", "blocked", "block", "dropped", "drop", "ip-conn"}
_VPN_ACTIONS = {"ssl-login-fail": "vpn_login_failed", "tunnel-up": "vpn_tunnel_up",
                "tunnel-down": "vpn_tunnel_down"}
_FAILED = {"failed", "failure", "fail"}


class KeyValueError(ValueError):
    """A line that is not FortiOS key=value text; `field` names the key (or the token) where it went wrong."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(reason)


def parse_kv(text: str) -> dict[str, str | int]:
    """FortiOS `key=value key="quoted value"` text as a dict (first occurrence of a key wins).

    Quoted values keep spaces and `=`, unescape `\\"` and `\\\\` and stay text (`""` is ""); unquoted values end at
    whitespace and are ints when they are plain decimals. Raises `KeyValueError` on a token without `=` or an
    unclosed quote.
    """
    fields: dict[str, str | int] = {}
    stripped = text.lstrip()
    index, end = len(text) - len(stripped), len(text)
    for found in _PAIR.finditer(text, index):
        if found.start() != index:
            break
        key, quoted, raw = found.groups()
        index = found.end()
        if key in fields:
            continue
        if quoted is not None:
            fields[key] = _ESCAPE.sub(_unescape, quoted) if "\\" in quoted else quoted
        elif raw is None:
            fields[key] = ""
        else:
            fields[key] = int(raw) if raw.isascii() and raw.isdigit() and (raw == "0" or raw[0] != "0") else raw
    if index < end:
        _malformed(text, index)
    return fields


def _malformed(text: str, index: int) -> None:
    """Raise the `KeyValueError` describing what stops `parse_kv` at `index`."""
    found = _KEY.match(text, index)
    if found is None:
        token = text[index:index + 40].split(None, 1)[0]
        raise KeyValueError(f"{token!r} is not a key=value pair", token)
    key = found.group(1)
    if text.startswith('"', found.end()) and _QUOTED.match(text, found.end()) is None:
        raise KeyValueError(f"the quoted value of {key} is not closed", key)
    raise KeyValueError(f"the value of {key} is not followed by a space", key)


def _unescape(found: re.Match[str]) -> str:
    char = found.group(1)
    return char if char in '"\\' else found.group()


def find_fortigate(text: str) -> int | None:
    """Where a FortiGate key=value body starts in `text`, else None.

    A body holds `logid=`, or `date=` and `devname=`; it starts at the first of the keys FortiOS writes first
    (`date`, `time`, `logver`, `itime`, `devname`, `devid`, `eventtime`, `tz`, `logid`) — so a line in FortiOS's
    RFC 5424 layout, whose header carries the time and whose body may lack `date=`, is found too.
    """
    found = _START.search(text)
    if found is None:
        return None
    start = found.start()
    if _LOGID.search(text, start) or (_DATE.search(text, start) and _DEVNAME.search(text, start)):
        return start
    return None


def _epoch(value: int) -> dt.datetime:
    if value >= 10**17:
        micros = value // 1000
    elif value >= 10**14:
        micros = value
    elif value >= 10**11:
        micros = value * 1000
    else:
        micros = value * 1_000_000
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)


def _zone(value: Any, naive_tz: dt.tzinfo) -> dt.tzinfo:
    found = _OFFSET.fullmatch(str(value).strip()) if value is not None else None
    if found is None:
        return naive_tz
    minutes = int(found.group(2)) * 60 + int(found.group(3))
    return dt.timezone(dt.timedelta(minutes=-minutes if found.group(1) == "-" else minutes))


def _time(fields: dict[str, str | int], naive_tz: dt.tzinfo, default: dt.datetime | None) -> dt.datetime:
    epoch = fields.get("eventtime")
    if isinstance(epoch, int) and epoch > 0:
        try:
            return _epoch(epoch)
        except OverflowError as exc:
            raise KeyValueError(f"eventtime {epoch} is out of range", "eventtime") from exc
    date, clock = fields.get("date"), fields.get("time")
    if (date is None or clock is None) and default is not None:
        return default
    if date is None or clock is None:
        raise KeyValueError("holds neither eventtime nor date and time", "date")
    try:
        local = dt.datetime.strptime(f"{date} {clock}", "%Y-%m-%d %H:%M:%S")
    except ValueError as exc:
        raise KeyValueError(f"date={date} time={clock} is not a date and time", "date") from exc
    return local.replace(tzinfo=_zone(fields.get("tz"), naive_tz)).astimezone(dt.UTC)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip().lower()


def fortigate_action(fields: dict[str, Any]) -> str | None:
    """The `_action` word for a FortiGate log, None when Mamori has no word for it.

    traffic: `accept`/`close`/`timeout`/`client-rst`/`server-rst`/`start` → "traffic_allow" (the session passed),
    `deny`/`blocked`/`dropped`/`ip-conn` → "traffic_deny"; event: `ssl-login-fail` → "vpn_login_failed",
    `tunnel-up`/`tunnel-down` → "vpn_tunnel_up"/"vpn_tunnel_down", an admin or user `login`/`authentication`
    with status failed → "logon_failed" (success → "logon"), `logout` → "logoff"; utm: virus → "av_event",
    ips → "ips_event", webfilter blocked → "web_blocked".
    """
    kind, subtype, action = _text(fields.get("type")), _text(fields.get("subtype")), _text(fields.get("action"))
    if kind == "traffic":
        if action in _TRAFFIC_ALLOW:
            return "traffic_allow"
        return "traffic_deny" if action in _TRAFFIC_DENY else None
    if kind == "event":
        if action in _VPN_ACTIONS:
            return _VPN_ACTIONS[action]
        if action in ("login", "authentication", "auth-logon"):
            status = _text(fields.get("status"))
            if status in _FAILED:
                return "logon_failed"
            return "logon" if status == "success" else None
        return "logoff" if action == "logout" else None
    if kind == "utm":
        if subtype == "virus":
            return "av_event"
        if subtype == "ips":
            return "ips_event"
        if subtype == "webfilter" and action in ("blocked", "block"):
            return "web_blocked"
    return None


def parse_fortigate(text: str, *, received: dt.datetime | None = None, source: str = "", line: int | None = None,
                    host: str | None = None, default_time: dt.datetime | None = None,
                    naive_tz: dt.tzinfo = JST) -> dict[str, Any]:
    """One FortiGate key=value body (no syslog header) as a flat event (see the module docstring).

    `received`: when a live receiver got it (`_received`), `source`: the file name or the sender's address
    (`_source`), `line`: `_offset`, `host`: the `Computer` when the line names no device (`devname`, `devid`).
    `default_time`: the time when the line has neither `eventtime` nor `date`+`time` (the syslog header's).
    Raises `KeyValueError` (with the key at fault) when the text is not key=value or holds no time.
    """
    fields = parse_kv(text)
    if not fields:
        raise KeyValueError("is empty")
    when = _time(fields, naive_tz, default_time)
    device = fields.get("devname") or fields.get("devid") or host
    event: dict[str, Any] = {"Channel": "FortiGate", "EventID": None, "Computer": None if device is None else
                             str(device), "TimeCreated": when}
    for key, value in fields.items():
        event[f"FortiGate_{key}" if key in _RESERVED or key.startswith("_") else key] = value
    user = fields.get("user")
    user_text = None if user is None or str(user).strip() in ("", "N/A") else str(user).strip()
    event.update({
        "_kind": "fortigate", "_host": event["Computer"], "_user": user_text,
        "_src_ip": clean_ip(fields.get("remip")) or clean_ip(fields.get("srcip")),
        "_action": fortigate_action(fields), "_received": received, "_source": source, "_offset": line,
    })
    return event


def _lines(data: bytes) -> list[bytes]:
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    return lines


def read_fortigate_file(path: Path, *, recover: bool = False, naive_tz: dt.tzinfo = JST,
                        max_line: int = MAX_LINE) -> LinesResult:
    """Every FortiGate log of a saved file (one per line, with or without a syslog header before `date=`).

    Each line is decoded on its own (UTF-8, else CP932). Blank lines are ignored. Default: the first bad line
    raises `InputError` ("file, line N, key: reason") and nothing is returned; `recover=True` keeps the good lines
    and lists every bad one in `skipped`. A line over `max_line` bytes (1 MiB) is bad, not parsed.
    """
    name = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", InputLocation(file=name),
                         code="unreadable") from exc
    result = LinesResult()
    for number, raw in enumerate(_lines(data), start=1):
        if not raw.strip():
            continue
        try:
            result.events.append(_file_line(raw, path.name, number, naive_tz, max_line))
        except KeyValueError as exc:
            where = InputLocation(file=name, line=number, field=exc.field)
            if not recover:
                raise InputError(str(exc), where, code="fortigate", params={"line": number}) from exc
            result.skipped.append((where, str(exc)))
    return result


def _file_line(raw: bytes, source: str, number: int, naive_tz: dt.tzinfo, max_line: int) -> dict[str, Any]:
    if len(raw) > max_line:
        raise KeyValueError(f"is {len(raw):,} bytes, more than the {max_line:,} a log line may have")
    text, codec = decode_text(raw.rstrip(b"\r\x00"))
    start = find_fortigate(text)
    if start is None:
        raise KeyValueError("is not a FortiGate log (no date=… with devname= or logid=)")
    event = parse_fortigate(text[start:], source=source, line=number, naive_tz=naive_tz)
    if codec != "utf-8":
        event["_encoding"] = codec
    return event
