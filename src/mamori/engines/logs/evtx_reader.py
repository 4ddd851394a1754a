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

import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from evtx import PyEvtxParser

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.events import normalise

__all__ = ["EvtxError", "EvtxResult", "SkippedPart", "iter_evtx", "read_evtx"]

_PART = re.compile(r"\b(chunk|record) number (\d+)")
#: `"EventID":7045`, `"EventID":"7045"` or `"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045}`.
#: In JSON text an unescaped `"EventID":` can only be a key, and System (holding it) is rendered first.
_EVENT_ID = re.compile(r'"EventID":(?:\{"#attributes":\{[^{}]*\},)?(?:"#text":)?"?(\d+)')
_SKIP_PREFIX = "Skipping EVTX data: "


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
    parts = skipped if skipped is not None else []
    count = counter if counter is not None else [0]
    count[:] = [0]
    records = _open(path, recover, ansi_codec)
    source = path.name
    last_id: int | None = None
    while True:
        try:
            item = _next_recovering(records, parts) if recover else next(records, None)
        except (OSError, RuntimeError) as exc:
            raise EvtxError(path, str(exc), records=count[0], last_record_id=last_id) from exc
        if item is None:
            return
        count[0] += 1
        last_id = item.get("event_record_id")
        data: str = item["data"]
        if event_ids is not None:
            found = _EVENT_ID.search(data)
            if found is not None and int(found.group(1)) not in event_ids:
                continue
        event = normalise(json.loads(data), header_time=item.get("timestamp"), source=source, offset=count[0])
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
