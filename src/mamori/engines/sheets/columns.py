"""Column specifications and the conversion of one cell to a typed value (or a reason it cannot be)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["CellError", "Column", "ColumnKind", "format_cell", "parse_cell"]


class ColumnKind(StrEnum):
    TEXT = "text"
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    IP = "ip"
    MAC = "mac"
    CHOICE = "choice"
    LIST = "list"


class CellError(ValueError):
    """The reason one cell cannot be used: English text plus a code and parameters for translation."""

    def __init__(self, code: str, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its key, the Japanese header written on export, other accepted headers on import."""

    key: str
    header: str
    kind: ColumnKind = ColumnKind.TEXT
    aliases: tuple[str, ...] = ()
    required: bool = False
    max_length: int | None = None
    # For CHOICE: accepted spellings (Japanese labels, English labels, stored values) -> stored value;
    # the first spelling of each value is the one written on export.
    choices: Mapping[str, str] = field(default_factory=dict)

    def accepts(self, header: str) -> bool:
        wanted = _normalise_header(header)
        return wanted in {_normalise_header(h) for h in (self.header, self.key, *self.aliases)}


def _normalise_header(header: str) -> str:
    return re.sub(r"[\s_・()（）/／-]+", "", header).lower()


TRUE = frozenset({"はい", "○", "〇", "可", "有", "あり", "yes", "y", "true", "1", "使用中"})
FALSE = frozenset({"いいえ", "×", "✕", "不可", "無", "なし", "no", "n", "false", "0", "未使用"})
ERAS = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988, "昭和": 1925, "s": 1925}
ERA_DATE = re.compile(r"^(令和|平成|昭和|[rhs])\s*(\d{1,2}|元)\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?$",
                      re.IGNORECASE)
WESTERN_DATE = re.compile(r"^(\d{4})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")
MAC = re.compile(r"^([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?([0-9a-f]{2})[:-]?"
                 r"([0-9a-f]{2})$", re.IGNORECASE)


def _date(text: str) -> dt.date:
    try:
        return _date_or_value_error(text)
    except ValueError as exc:
        raise CellError("not_date", f"not a date: {text!r} (use 2025-04-01, 2025/4/1 or 令和7年4月1日)",
                        value=text) from exc


def _date_or_value_error(text: str) -> dt.date:
    match = ERA_DATE.match(text)
    if match:
        era, year, month, day = match.groups()
        western = ERAS[era.lower()] + (1 if year == "元" else int(year))
        return dt.date(western, int(month), int(day))
    match = WESTERN_DATE.match(text)
    if match:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    raise ValueError(text)


def parse_cell(column: Column, raw: object) -> object:
    """Convert a cell (str from CSV, or a typed value from xlsx) to the column's type; None when empty."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if column.required:
            raise CellError("required", "a value is required")
        if column.kind == ColumnKind.TEXT:
            return ""
        return [] if column.kind == ColumnKind.LIST else None
    if column.kind == ColumnKind.DATE:
        if isinstance(raw, dt.datetime):
            return raw.date()
        if isinstance(raw, dt.date):
            return raw
        return _date(str(raw).strip())
    text = str(raw).strip() if not isinstance(raw, float) or not raw.is_integer() else str(int(raw))
    if column.kind == ColumnKind.TEXT:
        if column.max_length and len(text) > column.max_length:
            raise CellError("too_long", f"longer than {column.max_length} characters", limit=column.max_length)
        return text
    if column.kind == ColumnKind.INT:
        try:
            return int(text.replace(",", ""))
        except ValueError as exc:
            raise CellError("not_int", f"not a whole number: {text!r}", value=text) from exc
    if column.kind == ColumnKind.BOOL:
        lowered = text.lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        raise CellError("not_bool", f"not yes/no: {text!r} (use はい/いいえ)", value=text)
    if column.kind == ColumnKind.IP:
        try:
            return str(ipaddress.ip_address(text))
        except ValueError as exc:
            raise CellError("not_ip", f"not an IP address: {text!r}", value=text) from exc
    if column.kind == ColumnKind.MAC:
        match = MAC.match(text)
        if not match:
            raise CellError("not_mac", f"not a MAC address: {text!r}", value=text)
        return ":".join(match.groups()).lower()
    if column.kind == ColumnKind.CHOICE:
        for spelling, value in column.choices.items():
            if spelling.lower() == text.lower():
                return value
        allowed = "、".join(_first_spellings(column))
        raise CellError("not_choice", f"not one of {allowed}: {text!r}", value=text, allowed=allowed)
    return [item.strip() for item in re.split(r"[\n;]", text) if item.strip()]


def _first_spellings(column: Column) -> list[str]:
    seen: dict[str, str] = {}
    for spelling, value in column.choices.items():
        seen.setdefault(value, spelling)
    return list(seen.values())


def format_cell(column: Column, value: object) -> object:
    """The value as written on export (dates stay dates; booleans and choices become Japanese labels)."""
    if value is None:
        return ""
    if column.kind == ColumnKind.BOOL:
        return "はい" if value else "いいえ"
    if column.kind == ColumnKind.CHOICE:
        for spelling, stored in column.choices.items():
            if stored == value:
                return spelling
        return str(value)
    if column.kind == ColumnKind.LIST and isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.date()
    return value
