"""Read a saved syslog text file (one message per line) for offline hunting, all or nothing.

Lines may be what rsyslog/syslog-ng write to `/var/log/…` (`May  1 10:00:00 host sshd[42]: …`, no PRI; or
`RSYSLOG_FileFormat`'s ISO time), messages kept with their PRI, RFC 5424 lines, or FortiGate key=value logs (with
or without a header) — each parsed by `syslog.parse_text`, so the events are those of the live receiver, with
`_source` = the file name, `_offset` = the line number and `_received` None. Each line is decoded on its own
(UTF-8, else CP932: a file may mix both after a device was reconfigured).

RFC 3164 writes no year: it is `year_hint` when given, else the latest year that puts the line no later than the
file's modification time (give or take two days): a file written until February keeps its December lines in the
previous year, and one last written on 3 December keeps a "Dec 20" line in the previous year too.

A bad line — over `max_line` bytes (1 MiB), not text (a NUL byte, neither UTF-8 nor CP932), no timestamp, a
malformed header, structured data or FortiGate body — raises `InputError` naming the file and line, and nothing is
returned; with `recover=True` the good lines come back and every bad one is listed in `skipped`. Blank lines are
ignored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.common import JST, LinesResult, decode_text
from mamori.engines.logs.syslog import parse_text

__all__ = ["MAX_LINE", "iter_syslog_file", "read_syslog_file"]

MAX_LINE = 1 << 20


class _BadLine(ValueError):
    pass


def _event(raw: bytes, *, source: str, number: int, anchor: dt.datetime, year: int | None,
           naive_tz: dt.tzinfo, max_line: int) -> dict[str, Any]:
    if len(raw) > max_line:
        raise _BadLine(f"is {len(raw):,} bytes, more than the {max_line:,} a log line may have")
    raw = raw.rstrip(b"\r")
    text, codec = decode_text(raw)
    if codec == "latin-1" or b"\x00" in raw:
        raise _BadLine("is not text (neither UTF-8 nor CP932): is this really a syslog file?")
    try:
        event = parse_text(text, received=None, peer="", naive_tz=naive_tz, now=anchor, year=year)
    except ValueError as exc:
        raise _BadLine(str(exc)) from exc
    if "_parse_error" in event:
        raise _BadLine(str(event["_parse_error"]))
    if event.pop("_time_from_receipt", False):
        raise _BadLine("holds no timestamp")
    event["_source"], event["_offset"] = source, number
    if codec != "utf-8":
        event["_encoding"] = codec
    return event


def iter_syslog_file(path: Path, *, recover: bool = False, skipped: list[tuple[InputLocation, str]] | None = None,
                     year_hint: int | None = None, naive_tz: dt.tzinfo = JST, max_line: int = MAX_LINE
                     ) -> Iterator[dict[str, Any]]:
    """The messages of a saved syslog file one at a time, read line by line (memory does not grow with the file).

    A bad line raises `InputError` when it is reached (a caller wanting all or nothing discards what it had); with
    `recover=True` it is appended to `skipped` and reading goes on."""
    name = str(path)
    try:
        anchor = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        handle = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot be read ({exc.strerror or exc})", InputLocation(file=name),
                         code="unreadable") from exc
    with handle:
        number = 0
        while True:
            raw = handle.readline(max_line + 2)
            if not raw:
                return
            number += 1
            size = 0
            if number == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            elif len(raw) > max_line:  # an over-long line: measure and skip the rest of it without holding it
                size = len(raw)
                while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                    size += len(rest)
                size += len(rest.rstrip(b"\n"))
                raw = b""
            if not raw.strip() and not size:
                continue
            try:
                if size:
                    raise _BadLine(f"is {size:,} bytes, more than the {max_line:,} a log line may have")
                yield _event(raw, source=path.name, number=number, anchor=anchor, year=year_hint,
                             naive_tz=naive_tz, max_line=max_line)
            except _BadLine as exc:
                where = InputLocation(file=name, line=number)
                if not recover:
                    raise InputError(str(exc), where, code="syslog_line", params={"line": number}) from exc
                if skipped is not None:
                    skipped.append((where, str(exc)))


def read_syslog_file(path: Path, *, recover: bool = False, year_hint: int | None = None,
                     naive_tz: dt.tzinfo = JST, max_line: int = MAX_LINE) -> LinesResult:
    """Every message of a saved syslog file (see the module docstring for formats, years and bad lines).

    `naive_tz`: the zone of times written without an offset (RFC 3164 always; JST by default).
    """
    result = LinesResult()
    result.events = list(iter_syslog_file(path, recover=recover, skipped=result.skipped, year_hint=year_hint,
                                          naive_tz=naive_tz, max_line=max_line))
    return result
