"""Writing tables as CSV (UTF-8 with BOM, or CP932) and .xlsx, safe against formula injection.

A CSV text cell starting with = + - @ (or tab/CR) gets a leading apostrophe, which `read_table`
removes again, so export → import is lossless. In .xlsx every text cell is stored as a string, which
Excel never evaluates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence

from mamori.engines.errors import InputLocation
from mamori.engines.sheets.columns import Column, format_cell
from mamori.engines.sheets.reader import FORMULA_LIKE, TableError

__all__ = ["neutralise", "write_csv", "write_xlsx"]

def neutralise(value: object) -> object:
    """Prefix an apostrophe to text a spreadsheet would run as a formula (also to already-quoted such text,
    so that reading it back removes exactly one apostrophe)."""
    if isinstance(value, str) and FORMULA_LIKE.match(value):
        return "'" + value
    return value


def _csv_cell(column: Column, value: object) -> str:
    formatted = format_cell(column, value)
    if isinstance(formatted, dt.date):
        return formatted.isoformat()
    return str(neutralise(formatted))


def write_csv(columns: Sequence[Column], rows: Iterable[Mapping[str, object]], *,
              encoding: str = "utf-8-sig", filename: str = "export.csv") -> bytes:
    """CSV with Japanese headers and CRLF line ends, as Excel expects."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    lines: list[list[str]] = []
    for row in rows:
        line = [_csv_cell(c, row.get(c.key)) for c in columns]
        if encoding.lower() in ("cp932", "shift_jis", "sjis"):
            for column, text in zip(columns, line, strict=True):
                try:
                    text.encode("cp932")
                except UnicodeEncodeError as exc:
                    raise TableError(f"{text[exc.start:exc.end]!r} cannot be written in CP932; export as UTF-8",
                                     InputLocation(filename, len(lines) + 2, column.header)) from exc
        lines.append(line)
    writer.writerows(lines)
    return buffer.getvalue().encode(encoding)


def write_xlsx(columns: Sequence[Column], rows: Iterable[Mapping[str, object]], *, sheet_title: str = "台帳") -> bytes:
    """An .xlsx workbook with a bold header row; text cells are always stored as strings."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for column in columns:
            value = format_cell(column, row.get(column.key))
            cell = WriteOnlyCell(sheet, value=value)  # type: ignore[arg-type]
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            elif isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
