"""Read Windows `.evtx` files into flat events (`events.normalise`), with the PyPI `evtx` parser (pyevtx-rs).

Two modes, because a damaged log must never be half-imported by accident:

- **default** (`recover=False`): `read_evtx` parses the whole file into a staging list first. If the parser fails
  anywhere (bad chunk magic, a zero-size record, a file that is not EVTX …) it raises `EvtxError` naming the file,
  the chunk or record number taken from the parser's message and how many records were read before it — and
  returns nothing.
- **recover** (`recover=True`): the parser runs with `skip_errors=True`; every part it skips (it emits a
  `RuntimeWarning` each time) is listed in `EvtxResult.skipped`, and every record that parses is returned.

`event_ids` pre-filters: a record whose raw JSON shows an EventID outside the set is dropped before `json.loads`
(Python-side JSON decoding is ~75 % of the cost); records whose EventID cannot be read cheaply are decoded and
filtered after normalisation, so the result is exactly "parse everything, then keep those EventIDs".

`iter_evtx` is the streaming variant for large files (memory bounded): it yields events as they parse and, in the
default mode, raises `EvtxError` at the failure point — after having yielded the good events before it, so the
caller must stage them if it needs all-or-nothing (which is what `read_evtx` does).

Warnings are captured with `warnings.catch_warnings`, which is process-global: do not run recover-mode reads in
several threads of one process at once.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import msgspec
from evtx import PyEvtxParser

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.events import normalise, parse_time

__all__ = ["EvtxError", "EvtxResult", "RecordHead", "SkippedPart", "decode_record", "flat_values", "iter_evtx",
           "iter_records", "peek", "read_evtx"]

_PART = re.compile(r"\b(chunk|record) number (\d+)")
#: `"EventID":7045`, `"EventID":"7045"` or `"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045}`.
#: In JSON text an unescaped `"EventID":` can only be a key, and System (holding it) is rendered first.
_EVENT_ID = re.compile(r'"EventID":(?:\{"#attributes":\{[^{}]*\},)?(?:"#text":)?"?(\d+)')
#: `peek`'s stricter form: the number must be the whole value (`"EventID":"4624x"` is no EventID for `to_int`).
_EVENT_ID_EXACT = re.compile(r'"EventID":(?:\{"#attributes":\{[^{}]*\},)?(?:"#text":)?("?)(\d+)\1[,}]')
_CHANNEL = re.compile(r'"Channel":"([^"\\]*)"')
_SYSTEM_TIME = re.compile(r'"SystemTime":"([^"\\]*)"')
_STRING = r'"(?:[^"\\]|\\.)*"'
#: A brace opening an object that is not a `{"#attributes": …}` / `{"#text": …}` wrapper.
_OBJECT = re.compile(r'\{(?!"#attributes":|"#text":)')
#: A wrapper whose (scalar-only) attributes are followed by a key other than `#text`.
_WRAPPER_MORE = re.compile(r'\{"#attributes":\{(?:' + _STRING + r'|[^{}"])*\},"(?!#text":)')
#: A key after a `#text` value.
_TEXT_MORE = re.compile(r'"#text":(?:' + _STRING + r'|\[(?:' + _STRING + r'|[^\]"])*\]|[^,}\]"]*),"')
_STRUCTURE = frozenset({"EventData", "#attributes"})
_OPEN_WRAPPERS = frozenset({"EventData", "RenderingInfo"})
_SYSTEM_TEXT_OBJECT = re.compile(r'"(?:Channel|Computer|Keywords)":\{')
_SKIP_PREFIX = "Skipping EVTX data: "
_DECODE = msgspec.json.Decoder().decode


@dataclass(frozen=True, slots=True)
class SkippedPart:
    """A part of a file the parser could not read: `kind` is "chunk", "record" or "data" (no number given)."""

    kind: str
    number: int | None
    message: str

    @classmethod
    def from_message(cls, message: str) -> SkippedPart:
        text = message.removeprefix(_SKIP_PREFIX).removeprefix("RuntimeError: ")
        found = _PART.search(text)
        if found:
            return cls(found.group(1), int(found.group(2)), text)
        return cls("data", None, text)

    def __str__(self) -> str:
        return f"{self.kind} {self.number}" if self.number is not None else "data"


@dataclass
class EvtxResult:
    """What `read_evtx` read: the events kept, the parts skipped (recover mode) and every record parsed."""

    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[SkippedPart] = field(default_factory=list)
    records: int = 0


class EvtxError(InputError):
    """The parser failed on a file: the location names the file and the chunk/record when the parser says it."""

    def __init__(self, path: Path, message: str, *, records: int, code: str = "evtx_parse",
                 reason: str | None = None, last_record_id: int | None = None) -> None:
        self.path = path
        self.part = SkippedPart.from_message(message)
        self.records = records
        self.last_record_id = last_record_id
        if reason is None:
            after = f" (the last one is EventRecordID {last_record_id})" if last_record_id is not None else ""
            reason = (f"the EVTX parser failed after {records:,} good record(s){after}: {self.part.message}; "
                      "nothing was imported from this file (read it in recover mode to keep the records that parse)")
        where = InputLocation(file=str(path), field=str(self.part) if self.part.number is not None else None)
        super().__init__(reason, where, code=code,
                         params={"records": records, "part": self.part.kind, "number": self.part.number,
                                 "last_record_id": last_record_id, "message": self.part.message})


def _open(path: Path, recover: bool, ansi_codec: str) -> Iterator[Any]:
    try:
        parser = PyEvtxParser(str(path), number_of_threads=1, ansi_codec=ansi_codec, skip_errors=recover)
        return iter(parser.records_json())
    except (OSError, RuntimeError) as exc:  # FileNotFoundError, "failed to read EVTX file header block" …
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise EvtxError(path, str(exc), records=0, code="unreadable",
                        reason=f"cannot be opened as an EVTX file ({reason})") from exc


def _next_recovering(records: Iterator[Any], skipped: list[SkippedPart]) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        item = next(records, None)
    for warning in caught:
        if issubclass(warning.category, RuntimeWarning) and str(warning.message).startswith(_SKIP_PREFIX):
            skipped.append(SkippedPart.from_message(str(warning.message)))
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return item


def iter_records(path: Path, *, recover: bool = False, ansi_codec: str = "windows-1252",
                 skipped: list[SkippedPart] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """The parser's raw items (`{"event_record_id", "timestamp", "data"}`, `data` the record's JSON text) with their
    1-based position in the file, undecoded; failures as in `iter_evtx`."""
    parts = skipped if skipped is not None else []
    records = _open(path, recover, ansi_codec)
    count = 0
    last_id: int | None = None
    while True:
        try:
            item = _next_recovering(records, parts) if recover else next(records, None)
        except (OSError, RuntimeError) as exc:
            raise EvtxError(path, str(exc), records=count, last_record_id=last_id) from exc
        if item is None:
            return
        count += 1
        last_id = item.get("event_record_id")
        yield count, item


def decode_record(item: dict[str, Any], source: str, offset: int) -> dict[str, Any]:
    """One raw parser item as Mamori's flat event (`events.normalise`).

    msgspec decodes the JSON text ~2.5x faster than `json.loads` into the same objects; the few texts it refuses
    and `json` reads (a number out of float range, a lone surrogate escape) go through `json.loads`."""
    data = item["data"]
    try:
        record = _DECODE(data)
    except msgspec.DecodeError:
        record = json.loads(data)
    return normalise(record, header_time=item.get("timestamp"), source=source, offset=offset)


class RecordHead(NamedTuple):
    """What `peek` reads off a record's JSON text without decoding it."""

    channel: str
    event_id: int
    time: dt.datetime
    data_at: int  #: where `"EventData":` / `"UserData":` starts (the length of the text when there is neither)


def peek(data: str) -> RecordHead | None:
    """Channel, EventID and `TimeCreated` of a record from its raw JSON text, or None when they cannot be read
    cheaply and exactly (then decode the record). They are looked for before `"EventData":`/`"UserData":` only, i.e.
    in `System`, which the parser renders first (an unescaped `"` cannot sit inside a string, so a value never looks
    like a key); a value with an escape or an EventID that is not a plain number gives None."""
    end = data.find('"EventData":')
    if end < 0:
        end = data.find('"UserData":')
    if end < 0:
        end = len(data)
    channel = _CHANNEL.search(data, 0, end)
    event_id = _EVENT_ID_EXACT.search(data, 0, end)
    moment = _SYSTEM_TIME.search(data, 0, end)
    if channel is None or event_id is None or moment is None:
        return None
    when = parse_time(moment.group(1))
    if when is None:
        return None
    return RecordHead(channel.group(1), int(event_id.group(2)), when, end)


def _key_before(data: str, brace: int) -> str | None:
    """The key whose value is the object opening at `brace` (`"Key":{`), "" when the key holds a backslash (it may
    be a string's escaped quote: undecidable here) and None when the brace is not a value of a key."""
    if brace < 2 or data[brace - 2:brace] != '":':
        return None
    start = data.rfind('"', 0, brace - 2)
    key = data[start + 1:brace - 2]
    return "" if "\\" in key else key


def flat_values(data: str, data_at: int | None = None) -> bool:
    """True when every value `normalise` takes from the record is a JSON scalar, a list of scalars or one of the
    parser's `{"#attributes": {...}, "#text": ...}` wrappers — i.e. `normalise` turns no object into JSON text.
    Then the record's lower-cased JSON text holds every lower-cased value JSON-escaped, which is what the raw-text
    prefilter of `mamori hunt` relies on. `data_at`: `RecordHead.data_at` when `peek` was called.

    Checked on the text, conservatively (a brace or key-like text inside a string only makes the answer False):
    System's Channel, Computer and Keywords (the System values normalise renders as text) are no objects; from
    EventData/UserData on, every object that is not a wrapper is `EventData`, `UserData`, an `#attributes` object
    or UserData's one element; and no wrapper holds a key other than `#attributes` and `#text` (except
    `EventData`, `RenderingInfo` and UserData's element, whose other keys are structure).
    """
    if data_at is None:
        found_at = [at for at in (data.find('"EventData":'), data.find('"UserData":')) if at >= 0]
        data_at = min(found_at) if found_at else len(data)
    if _SYSTEM_TEXT_OBJECT.search(data, 0, data_at) is not None:
        return False
    element_at = -1
    for found in _OBJECT.finditer(data, data_at):
        brace = found.end() - 1
        key = _key_before(data, brace)
        if key == "UserData":
            element_at = found.end()
        elif key not in _STRUCTURE and data.rfind('"', 0, brace - 2) != element_at:
            return False
    for found in _WRAPPER_MORE.finditer(data, data_at):
        brace = found.start()
        if _key_before(data, brace) not in _OPEN_WRAPPERS and data.rfind('"', 0, brace - 2) != element_at:
            return False
    return _TEXT_MORE.search(data, data_at) is None


def iter_evtx(path: Path, *, recover: bool = False, ansi_codec: str = "windows-1252",
              event_ids: frozenset[int] | None = None, skipped: list[SkippedPart] | None = None,
              counter: list[int] | None = None) -> Iterator[dict[str, Any]]:
    """Stream the events of one file (see the module docstring for the modes and `event_ids`).

    Default mode raises `EvtxError` where the parser fails, after yielding the events before it. In recover
    mode every skipped part is appended to `skipped` (when given). `counter[0]`, when given, is kept equal to the
    number of records parsed so far (filtered ones included). `_offset` is the record's 1-based position in the
    file as the parser yields it. `ansi_codec` is a WHATWG label (`shift_jis` for Japanese ANSI strings); an
    unknown label raises ValueError.
    """
    count = counter if counter is not None else [0]
    count[:] = [0]
    source = path.name
    for offset, item in iter_records(path, recover=recover, ansi_codec=ansi_codec, skipped=skipped):
        count[0] = offset
        data: str = item["data"]
        if event_ids is not None:
            found = _EVENT_ID.search(data)
            if found is not None and int(found.group(1)) not in event_ids:
                continue
        event = decode_record(item, source, offset)
        if event_ids is not None and event["EventID"] not in event_ids:
            continue
        yield event


def read_evtx(path: Path, *, recover: bool = False, ansi_codec: str = "windows-1252",
              event_ids: frozenset[int] | None = None) -> EvtxResult:
    """All events of one file, staged in memory first: on a parser failure (default mode) `EvtxError` and nothing.

    With `recover=True` the good records come back and `skipped` lists every part the parser skipped.
    """
    skipped: list[SkippedPart] = []
    counter = [0]
    staged = list(iter_evtx(path, recover=recover, ansi_codec=ansi_codec, event_ids=event_ids, skipped=skipped,
                            counter=counter))
    return EvtxResult(events=staged, skipped=skipped, records=counter[0])
