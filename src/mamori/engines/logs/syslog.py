"""Syslog messages (RFC 5424 and RFC 3164) as flat events, and the framing of a syslog TCP/TLS stream.

`parse_message` takes one message as received (a UDP datagram or a frame from `FrameDecoder`) and never raises:
what it cannot read becomes an event whose `Message` is the decoded text and whose `_parse_error` says why.

- **RFC 5424**: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`; "-" is NILVALUE (None);
  `[sdid name="value" …]` elements become fields `SD_<sdid>_<name>` (`\\"`, `\\\\`, `\\]` unescaped; a repeated
  name joins its values with newlines); a BOM at the start of MSG is dropped.
- **RFC 3164** (BSD): `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[PID]: MSG`. The year is not written: the latest one that
  puts the time no more than two days after `received` is used (a December message received on 1 January belongs
  to the previous year; a 1 January message from a fast clock received on 31 December to the next).
  Also accepted: `Mmm dd yyyy hh:mm:ss`, an ISO 8601 time in the timestamp's place, no hostname before the tag
  (`sshd[42]: …`), no timestamp at all (FortiGate's `<185>date=…`), and no PRI (`Facility`/`Severity` None).
  Times without an offset are in `naive_tz` (Asia/Tokyo by default).
- **Decoding**: UTF-8, else CP932 (Japanese Windows and network devices), else Latin-1; a message that was not
  UTF-8 carries `_encoding` ("cp932" or "latin-1").
- **FortiGate**: a MSG holding a FortiOS key=value log (`date=` with `devname=` or `logid=`) is returned as the
  FortiGate event (`fortigate.parse_fortigate`, `_kind` "fortigate") with `_received`, `_source` and the syslog
  `Facility`/`Severity` added.

Event: `Channel` "Syslog", `EventID` None, `Computer` = HOSTNAME (else the peer), `TimeCreated` aware UTC (the
receipt time when the message has none or an unreadable one, with `_time_from_receipt=True`), `Facility`,
`Severity` (ints), `AppName`, `ProcId`, `MsgId`, `Message`, and `_kind` "syslog", `_host`, `_user`, `_src_ip`,
`_action` (filled for OpenSSH password/publickey logons), `_received`, `_source` = peer, `_offset` None.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from mamori.engines.logs.common import JST, decode_text
from mamori.engines.logs.events import parse_time
from mamori.engines.logs.fortigate import KeyValueError, find_fortigate, parse_fortigate

__all__ = ["MAX_FRAME", "FrameDecoder", "TruncatedFrame", "parse_message", "parse_text"]

#: The largest frame `FrameDecoder` keeps (bytes); the rest of a longer one is dropped.
MAX_FRAME = 64 * 1024
_COUNT = re.compile(rb"[1-9][0-9]{0,9} ")
_PRI = re.compile(r"<(\d{1,3})>")
_FUTURE = dt.timedelta(days=2)
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_BSD_TIME = re.compile(r"(?P<mon>[A-Z][a-z]{2}) {1,2}(?P<day>\d{1,2})(?: (?P<year>\d{4}))? "
                       r"(?P<clock>\d\d:\d\d:\d\d)(?:\.(?P<frac>\d{1,9}))?(?=\s|$)")
_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d)?(?=\s|$)")
_TAG = re.compile(r"(?P<tag>[^\s\[\]:]{1,128})(?:\[(?P<pid>[^\]\s]{0,128})\])?:(?:\s|$)")
_HEADER_5424 = re.compile(r"1 (?P<ts>\S+) (?P<host>\S+) (?P<app>\S+) (?P<proc>\S+) (?P<msgid>\S+)(?: |$)")
_SSH_FAILED = re.compile(r"Failed (?:password|publickey|keyboard-interactive/pam) for (?:invalid user )?"
                         r"(?P<user>\S+) from (?P<ip>[0-9A-Fa-f.:]+)")
_SSH_ACCEPTED = re.compile(r"Accepted (?:password|publickey|keyboard-interactive/pam) for (?P<user>\S+) "
                           r"from (?P<ip>[0-9A-Fa-f.:]+)")


def _nil(value: str) -> str | None:
    return None if value == "-" else value


def _bsd_time(found: re.Match[str], received: dt.datetime, naive_tz: dt.tzinfo,
              year: int | None) -> dt.datetime | None:
    """A 3164 timestamp as aware UTC; without a year, `year` or else the latest year that puts it no later than
    `_FUTURE` after `received` (a log is written after the fact; two days allow for a fast sender clock)."""
    month = _MONTHS.get(found.group("mon"))
    if month is None:
        return None
    hour, minute, second = (int(part) for part in found.group("clock").split(":"))
    micro = int((found.group("frac") or "0")[:6].ljust(6, "0"))
    day = int(found.group("day"))
    if found.group("year") or year is not None:
        years = [int(found.group("year") or year or 0)]
    else:
        here = received.astimezone(naive_tz).year
        years = [here - 1, here, here + 1]
    best: dt.datetime | None = None
    for year in years:
        try:
            moment = dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=naive_tz).astimezone(dt.UTC)
        except ValueError:
            continue
        if best is None or len(years) == 1 or moment <= received + _FUTURE:
            best = moment
    return best


def _structured(text: str, index: int, out: dict[str, list[str]]) -> int:
    """Parse 5424 STRUCTURED-DATA at `index` into `out`; the index after it. Raises ValueError when malformed."""
    if text.startswith("-", index):
        return index + 1
    if not text.startswith("[", index):
        raise ValueError("structured data is neither '-' nor '[…]'")
    end = len(text)
    while index < end and text[index] == "[":
        stop = index + 1
        while stop < end and text[stop] not in " ]":
            stop += 1
        sd_id = text[index + 1:stop]
        if not sd_id or stop >= end:
            raise ValueError("structured data element without an id or not closed")
        index = stop
        while text[index] == " ":
            eq = text.find('="', index + 1)
            if eq < 0:
                raise ValueError(f"structured data [{sd_id}]: a parameter without =\"value\"")
            name = text[index + 1:eq]
            value, index = _sd_value(text, eq + 2, sd_id)
            out.setdefault(f"SD_{sd_id}_{name}", []).append(value)
            if index >= end:
                raise ValueError(f"structured data [{sd_id}] is not closed")
        if text[index] != "]":
            raise ValueError(f"structured data [{sd_id}]: unexpected {text[index]!r}")
        index += 1
    return index


def _sd_value(text: str, index: int, sd_id: str) -> tuple[str, int]:
    chars: list[str] = []
    end = len(text)
    while index < end:
        char = text[index]
        if char == "\\" and index + 1 < end and text[index + 1] in '"\\]':
            chars.append(text[index + 1])
            index += 2
        elif char == '"':
            return "".join(chars), index + 1
        else:
            chars.append(char)
            index += 1
    raise ValueError(f"structured data [{sd_id}]: a value is not closed")


def _rfc5424(rest: str, event: dict[str, Any], received: dt.datetime, naive_tz: dt.tzinfo) -> None:
    found = _HEADER_5424.match(rest)
    if found is None:
        raise ValueError("RFC 5424 header is incomplete")
    stamp = _nil(found.group("ts"))
    event["TimeCreated"] = parse_time(stamp, naive_tz) if stamp else None
    if stamp and event["TimeCreated"] is None:
        event["_parse_error"] = f"unreadable timestamp {stamp[:40]!r}"
    event["Computer"] = _nil(found.group("host"))
    event["AppName"], event["ProcId"], event["MsgId"] = (_nil(found.group(name)) for name in ("app", "proc", "msgid"))
    index = found.end()
    if index >= len(rest):
        event["Message"] = None
        return
    sd: dict[str, list[str]] = {}
    try:
        index = _structured(rest, index, sd)
    except (ValueError, IndexError) as exc:
        event["_parse_error"] = str(exc) if not isinstance(exc, IndexError) else "structured data is not closed"
        event["Message"] = rest[index:]
        return
    event.update({key: "\n".join(values) for key, values in sd.items()})
    message = rest[index + 1:] if rest.startswith(" ", index) else rest[index:]
    event["Message"] = message.removeprefix("\ufeff") if index < len(rest) else None


def _rfc3164(rest: str, event: dict[str, Any], received: dt.datetime, naive_tz: dt.tzinfo,
             year: int | None) -> None:
    found = _BSD_TIME.match(rest)
    iso = None if found else _ISO_TIME.match(rest)
    if found:
        event["TimeCreated"] = _bsd_time(found, received, naive_tz, year)
        rest = rest[found.end():].lstrip(" ")
    elif iso:
        event["TimeCreated"] = parse_time(iso.group(), naive_tz)
        rest = rest[iso.end():].lstrip(" ")
    if (found or iso) and find_fortigate(rest) != 0:
        token, _, after = rest.partition(" ")
        if token and _TAG.match(rest) is None:
            event["Computer"], rest = token, after
    tag = _TAG.match(rest) if find_fortigate(rest) is None else None
    if tag:
        event["AppName"], event["ProcId"] = tag.group("tag"), tag.group("pid")
        rest = rest[tag.end():]
    event["Message"] = rest


def _openssh(event: dict[str, Any]) -> None:
    if event.get("AppName") != "sshd" or not isinstance(event.get("Message"), str):
        return
    for pattern, action in ((_SSH_FAILED, "logon_failed"), (_SSH_ACCEPTED, "logon")):
        found = pattern.search(event["Message"])
        if found:
            event["_user"], event["_src_ip"], event["_action"] = found.group("user"), found.group("ip"), action
            return


def _fortigate(event: dict[str, Any], received: dt.datetime | None, peer: str,
               naive_tz: dt.tzinfo) -> dict[str, Any]:
    message = event.get("Message")
    start = find_fortigate(message) if isinstance(message, str) else None
    if message is None or start is None:
        return event
    try:
        found = parse_fortigate(message[start:], received=received, source=peer, host=event.get("Computer") or peer,
                                default_time=None if event.get("_time_from_receipt") else event["TimeCreated"],
                                naive_tz=naive_tz)
    except KeyValueError as exc:
        event["_parse_error"] = f"FortiGate log: {exc}"
        return event
    for name in ("Facility", "Severity"):
        if event[name] is not None:
            found.setdefault(name, event[name])
    return found


def parse_text(text: str, *, received: dt.datetime | None, peer: str, naive_tz: dt.tzinfo = JST,
               now: dt.datetime | None = None, year: int | None = None) -> dict[str, Any]:
    """One decoded syslog line as an event (see the module docstring); raises ValueError on what it cannot read.

    `received` is `_received` (None for a line read from a file); `now` (default `received`, else the current time)
    decides the year of a 3164 timestamp (unless `year` is given) and is the fallback `TimeCreated`.
    """
    anchor = now or received or dt.datetime.now(dt.UTC)
    event: dict[str, Any] = {"Channel": "Syslog", "EventID": None, "Computer": None, "TimeCreated": None,
                             "Facility": None, "Severity": None, "AppName": None, "ProcId": None, "MsgId": None,
                             "Message": None}
    rest = text
    pri = _PRI.match(text)
    if pri:
        value = int(pri.group(1))
        if value > 191:
            raise ValueError(f"PRI <{value}> is above 191")
        event["Facility"], event["Severity"] = divmod(value, 8)
        rest = text[pri.end():]
    if rest.startswith("1 "):
        _rfc5424(rest, event, anchor, naive_tz)
    else:
        _rfc3164(rest, event, anchor, naive_tz, year)
    if event["TimeCreated"] is None:
        event["TimeCreated"] = anchor
        event["_time_from_receipt"] = True
    event["Computer"] = event["Computer"] or peer or None
    event.update({"_kind": "syslog", "_host": event["Computer"], "_user": None, "_src_ip": None, "_action": None,
                  "_received": received, "_source": peer, "_offset": None})
    _openssh(event)
    return _fortigate(event, received, peer, naive_tz)


def _fallback(text: str, received: dt.datetime, peer: str, reason: str) -> dict[str, Any]:
    return {"Channel": "Syslog", "EventID": None, "Computer": peer or None, "TimeCreated": received,
            "Facility": None, "Severity": None, "AppName": None, "ProcId": None, "MsgId": None, "Message": text,
            "_kind": "syslog", "_host": peer or None, "_user": None, "_src_ip": None, "_action": None,
            "_received": received, "_source": peer, "_offset": None, "_time_from_receipt": True,
            "_parse_error": reason}


def parse_message(data: bytes, *, received: dt.datetime, peer: str, naive_tz: dt.tzinfo = JST) -> dict[str, Any]:
    """One syslog message as received from `peer` (its address) at `received` as a flat event; never raises.

    `data` is one datagram or one `FrameDecoder` frame (trailing CR/LF/NUL ignored; a `TruncatedFrame` gives
    `_truncated=True`). A naive `received` is taken as UTC. Unreadable input gives an event with `Message` = the
    decoded text and `_parse_error` = the reason.
    """
    if received.tzinfo is None:
        received = received.replace(tzinfo=dt.UTC)
    received = received.astimezone(dt.UTC)
    text, codec = decode_text(bytes(data).rstrip(b"\r\n\x00"))
    try:
        event = parse_text(text, received=received, peer=peer, naive_tz=naive_tz)
    except Exception as exc:  # a sender must never be able to stop the receiver
        event = _fallback(text, received, peer, f"{type(exc).__name__}: {exc}")
    if codec != "utf-8":
        event["_encoding"] = codec
    if isinstance(data, TruncatedFrame):
        event["_truncated"] = True
    return event


class TruncatedFrame(bytes):
    """A frame cut to `FrameDecoder.max_frame` bytes; `size` is the length the sender declared (None if unknown)."""

    size: int | None

    def __new__(cls, data: bytes, size: int | None = None) -> TruncatedFrame:
        frame = super().__new__(cls, data)
        frame.size = size
        return frame


class FrameDecoder:
    """Split a syslog TCP/TLS byte stream into messages (RFC 6587), for one connection.

    Each frame is read as **octet-counting** (`123 <34>1 …`: a decimal length, a space, that many bytes) when it
    starts with a non-zero digit followed by up to nine more digits and a space, else as **non-transparent
    framing** ending at LF or NUL (a CR before the LF is dropped). A frame longer than `max_frame` bytes is cut:
    its first `max_frame` bytes come out as a `TruncatedFrame` and the rest is dropped as it arrives, so memory
    stays bounded whatever the sender does. `truncated` counts the frames cut.
    """

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self.truncated = 0
        self._buffer = bytearray()
        self._want: int | None = None  # bytes of the octet-counted frame being read
        self._declared: int | None = None  # the declared size, when it is over max_frame
        self._skip = 0  # bytes still to drop of an oversized octet-counted frame
        self._discarding = False  # dropping the rest of an oversized LF-framed frame
        self._scanned = 0  # bytes of the buffer already searched for a delimiter

    @property
    def buffered(self) -> int:
        """Bytes held waiting for the end of a frame (never much more than `max_frame`)."""
        return len(self._buffer)

    def feed(self, chunk: bytes) -> list[bytes]:
        """The frames completed by `chunk` (bytes as received; any split of the stream gives the same frames)."""
        self._buffer += chunk
        frames: list[bytes] = []
        while self._step(frames):
            pass
        return frames

    def flush(self) -> list[bytes]:
        """At the end of the connection: the last unterminated frame (a partial octet-counted frame comes out as a
        `TruncatedFrame`); the decoder is then empty."""
        frames: list[bytes] = []
        rest = bytes(self._buffer)
        if self._want is not None and rest:
            self.truncated += 1
            frames.append(TruncatedFrame(rest, self._declared or self._want))
        elif not self._discarding and not self._skip and rest.strip(b"\r\n\x00 "):
            frames.append(rest.rstrip(b"\r"))
        self._buffer.clear()
        self._want = self._declared = None
        self._skip, self._discarding, self._scanned = 0, False, 0
        return frames

    def _step(self, frames: list[bytes]) -> bool:
        """Consume one piece of the buffer; False when more bytes are needed."""
        buffer = self._buffer
        if self._skip:
            dropped = min(self._skip, len(buffer))
            del buffer[:dropped]
            self._skip -= dropped
            return not self._skip
        if self._discarding:
            end = self._delimiter(0)
            if end < 0:
                buffer.clear()
                return False
            del buffer[:end + 1]
            self._discarding = False
            return True
        if self._want is not None:
            return self._counted(frames)
        while buffer and buffer[0] in b"\n\r\x00 ":
            del buffer[:1]
        if not buffer:
            return False
        if buffer[:1].isdigit():
            count = _COUNT.match(buffer)
            if count is not None:
                size = int(count.group()[:-1])
                del buffer[:count.end()]
                self._want = min(size, self.max_frame)
                self._declared = size if size > self.max_frame else None
                self._scanned = 0
                return True
            prefix = bytes(buffer[:11])
            if prefix.isdigit() and len(prefix) < 11:
                return False  # could still become "123 "
        return self._lined(frames)

    def _counted(self, frames: list[bytes]) -> bool:
        assert self._want is not None  # noqa: S101 - only called while reading a counted frame
        if len(self._buffer) < self._want:
            return False
        data = bytes(self._buffer[:self._want])
        del self._buffer[:self._want]
        if self._declared is not None:
            self.truncated += 1
            frames.append(TruncatedFrame(data, self._declared))
            self._skip = self._declared - self._want
        else:
            frames.append(data)
        self._want = self._declared = None
        return True

    def _delimiter(self, start: int) -> int:
        found = [index for index in (self._buffer.find(b"\n", start), self._buffer.find(b"\x00", start))
                 if index >= 0]
        return min(found) if found else -1

    def _lined(self, frames: list[bytes]) -> bool:
        end = self._delimiter(self._scanned)
        if end < 0:
            if len(self._buffer) > self.max_frame:
                self.truncated += 1
                frames.append(TruncatedFrame(bytes(self._buffer[:self.max_frame])))
                self._buffer.clear()
                self._discarding = True
                self._scanned = 0
                return True
            self._scanned = len(self._buffer)
            return False
        data = bytes(self._buffer[:end]).rstrip(b"\r")
        del self._buffer[:end + 1]
        self._scanned = 0
        if len(data) > self.max_frame:
            self.truncated += 1
            frames.append(TruncatedFrame(data[:self.max_frame]))
        elif data:
            frames.append(data)
        return True
