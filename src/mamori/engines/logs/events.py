"""Turn one parsed EVTX record (the JSON the `evtx` package renders) into Mamori's flat event.

Input shape: `json.loads(item["data"])` for an item of `PyEvtxParser(...).records_json()`, i.e.
`{"Event": {"System": {...}, "EventData": {...}}}` or `{"Event": {"System": {...}, "UserData": {...}}}`.
Output: the flat `dict[str, Any]` described in `mamori.engines.logs` (see `normalise` for every rule).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

__all__ = ["SYSTEM_FIELDS", "field_value", "normalise", "parse_time", "to_int"]

#: Keys `normalise` takes from `Event/System`; a data field with one of these names is kept under a prefix.
SYSTEM_FIELDS = frozenset({"Channel", "EventID", "Computer", "EventRecordID", "TimeCreated", "Provider_Name",
                           "Level", "Task", "Keywords", "Security_UserID"})


def to_int(value: Any) -> int | None:
    """An int from an int, a decimal string or `{"#text": N, "#attributes": {...}}`; None when there is none."""
    if isinstance(value, dict):
        value = value.get("#text")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
    return None


def parse_time(value: Any, naive_tz: dt.tzinfo = dt.UTC) -> dt.datetime | None:
    """An aware UTC datetime from an ISO 8601 text (`2021-04-21T09:27:56.0825092Z`, `… UTC`, `+09:00`), else None.

    A text without an offset is taken in `naive_tz` (UTC by default: EVTX `SystemTime` always is). A space may
    separate date and time. Digits beyond microseconds are dropped.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4].rstrip()
    text = text.replace(" ", "T", 1) if "T" not in text else text
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=naive_tz)
    return moment.astimezone(dt.UTC)


def field_value(value: Any) -> Any:
    """A field value as Sigma sees it: str, int kept, bool as XML text, None kept, `#text` unwrapped."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, dict) and set(value) <= {"#text", "#attributes"}:
        return field_value(value.get("#text"))
    if isinstance(value, list):
        return "\n".join("" if v is None else str(field_value(v)) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _unnamed(values: Any, out: dict[str, Any]) -> None:
    """`<Data>` without names: `Data` = all values joined by newlines, and `Data_1`, `Data_2`, … one by one."""
    if isinstance(values, dict) and "#text" in values:
        values = values["#text"]
    items = values if isinstance(values, list) else [values]
    plain: list[Any] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("#attributes"), dict) and "Name" in item["#attributes"]:
            out[str(item["#attributes"]["Name"])] = field_value(item.get("#text"))
        else:
            plain.append(item)
    if not plain:
        return
    out["Data"] = field_value(plain) if len(plain) > 1 else field_value(plain[0])
    if len(plain) > 1:
        for index, item in enumerate(plain, start=1):
            out[f"Data_{index}"] = field_value(item)


def _event_data(data: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if data is None:
        return fields
    if not isinstance(data, dict):
        _unnamed(data, fields)
        return fields
    for name, value in data.items():
        if name == "#attributes":
            continue
        if name in ("Data", "#text"):
            _unnamed(value, fields)
        else:
            fields[name] = field_value(value)
    return fields


def _user_data(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        return _event_data(data)
    fields: dict[str, Any] = {}
    for name, element in data.items():
        if name == "#attributes":
            continue
        if isinstance(element, dict):
            fields.update(_event_data(element))
        else:
            fields[name] = field_value(element)
    return fields


def normalise(record: dict[str, Any], *, header_time: str | None = None, source: str = "",
              offset: int | None = None) -> dict[str, Any]:
    """One EVTX record (as `evtx` renders it to JSON, already decoded) as Mamori's flat event.

    Rules:

    - `Channel`, `Computer`: `System/Channel`, `System/Computer` as text (None when absent).
    - `EventID`: an int; `{"#text": 7045, "#attributes": {"Qualifiers": 16384}}` (System 7045/7036/104) gives
      7045 and the Qualifiers are dropped; a decimal string is converted; None when missing.
    - `EventRecordID`, `Level`, `Task`: ints (some providers, e.g. Defender, render them as strings); None if absent.
    - `Keywords`: the text as rendered (`"0x8020000000000000"`).
    - `TimeCreated`: aware UTC datetime from `System/TimeCreated/@SystemTime`. The record-header timestamp
      (`header_time`, the item's `timestamp`) is **not** used when SystemTime is present — it is 1601-01-01 in
      many files saved from filtered views and may differ by seconds. Only when SystemTime is absent or unreadable
      is `header_time` used, and the event then carries `_time_from_header=True`.
    - `Provider_Name`: `System/Provider/@Name`; `Security_UserID`: `System/Security/@UserID`, only if present.
    - `EventData`: every named field under its own name (`TargetUserName`, `IpAddress`, `LogonType` …).
      Unnamed `<Data>` (`{"Data": {"#text": [...]}}`, `{"Data": [...]}` or `{"#text": ...}`) gives `Data`
      (values joined by newlines) and, when there are several, `Data_1`, `Data_2`, … (1-based).
      `#attributes` of the element are dropped.
    - `UserData`: holds one element (e.g. `LogFileCleared`) whose children are the fields: flattened one level,
      so `SubjectUserName` is a top-level field; its `#attributes` (xmlns) are dropped.
    - Values: strings stay strings, ints stay ints (`LogonType: 3`), booleans become `"true"`/`"false"` (their XML
      text), None (an empty element) stays None, lists are joined by newlines, deeper objects become JSON text.
    - A data field whose name collides with a System field above (e.g. `Channel` in a 104's UserData, naming the
      cleared log) is kept as `EventData_<name>` / `UserData_<name>`; the System value wins the plain name.
    - Other elements of `Event` (`RenderingInfo`, bookmarks) are ignored.
    - `_source`: `source` (the file name); `_offset`: `offset` (record number in the file).
    """
    found = record.get("Event", record)
    event: dict[str, Any] = found if isinstance(found, dict) else {}
    system: dict[str, Any] = event["System"] if isinstance(event.get("System"), dict) else {}

    def attribute(element: str, name: str) -> Any:
        node = system.get(element)
        if isinstance(node, dict) and isinstance(node.get("#attributes"), dict):
            return node["#attributes"].get(name)
        return None

    def text(value: Any) -> str | None:
        value = field_value(value)
        return None if value is None else str(value)

    out: dict[str, Any] = {
        "Channel": text(system.get("Channel")),
        "EventID": to_int(system.get("EventID")),
        "Computer": text(system.get("Computer")),
        "EventRecordID": to_int(system.get("EventRecordID")),
        "TimeCreated": parse_time(attribute("TimeCreated", "SystemTime")),
        "Provider_Name": text(attribute("Provider", "Name")),
        "Level": to_int(system.get("Level")),
        "Task": to_int(system.get("Task")),
        "Keywords": text(system.get("Keywords")),
    }
    if out["TimeCreated"] is None and header_time is not None:
        out["TimeCreated"] = parse_time(header_time)
        out["_time_from_header"] = True
    user_id = attribute("Security", "UserID")
    if user_id is not None:
        out["Security_UserID"] = str(user_id)
    for element, flatten in (("EventData", _event_data), ("UserData", _user_data)):
        if element not in event:
            continue
        for name, value in flatten(event[element]).items():
            out[f"{element}_{name}" if name in SYSTEM_FIELDS else name] = value
    out["_source"] = source
    out["_offset"] = offset
    return out
