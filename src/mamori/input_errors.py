"""Engine input errors in the user's language: engines give a code and parameters, this gives the words."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mamori.engines.errors import InputError
from mamori.engines.sheets import RowError

REASONS: dict[str, Any] = {
    "required": gettext_lazy("a value is required"),
    "too_long": gettext_lazy("longer than {limit} characters"),
    "not_int": gettext_lazy("not a whole number: {value!r}"),
    "not_bool": gettext_lazy("not yes/no: {value!r} (use はい/いいえ)"),
    "not_ip": gettext_lazy("not an IP address: {value!r}"),
    "not_mac": gettext_lazy("not a MAC address: {value!r}"),
    "not_choice": gettext_lazy("not one of {allowed}: {value!r}"),
    "not_date": gettext_lazy("not a date: {value!r} (use 2025-04-01, 2025/4/1 or 令和7年4月1日)"),
    "unknown_column": gettext_lazy("unknown column"),
    "duplicate_column": gettext_lazy("the same column appears twice ({header})"),
    "missing_column": gettext_lazy("required column is missing"),
    "field_count": gettext_lazy("expected {expected} fields, found {found}"),
    "encoding": gettext_lazy("the text is neither UTF-8 nor CP932 (Shift_JIS): undecodable byte at offset {offset}"),
    "quoting": gettext_lazy("broken CSV quoting (a quote is never closed)"),
    "not_xlsx": gettext_lazy("not a readable .xlsx workbook"),
    "forbidden_xml": gettext_lazy("the workbook contains forbidden XML (external entities or a DTD)"),
    "no_sheet": gettext_lazy("no sheet named {sheet!r}"),
    "too_large": gettext_lazy("the file is larger than {limit} MB"),
    "no_header": gettext_lazy("the first row must hold the column headers"),
}


def reason(code: str, params: dict[str, Any], fallback: str) -> str:
    template = REASONS.get(code)
    if template is None:
        return fallback
    try:
        return str(template).format(**params)
    except (KeyError, IndexError, ValueError):
        return fallback


def row_location(file: str, row: int, column: str) -> str:
    if column:
        return _("{file}, row {row}, {column}").format(file=file, row=row, column=column)
    return _("{file}, row {row}").format(file=file, row=row)


def localise_row_error(error: RowError) -> str:
    return f"{row_location(error.file, error.row, error.column)}: {reason(error.code, error.params, error.reason)}"


def localise_input_error(error: InputError) -> str:
    location = error.location
    parts = [location.file or ""]
    if location.line is not None:
        parts.append(_("line {line}").format(line=location.line))
    if location.field:
        parts.append(location.field)
    where = ", ".join(p for p in parts if p)
    text = reason(error.code, error.params, error.reason)
    return f"{where}: {text}" if where else text
