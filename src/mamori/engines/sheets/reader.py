"""Reading a table (CSV or .xlsx) against column specifications, collecting every problem.

Encodings as Excel on Japanese Windows writes them: UTF-8 with BOM, UTF-8, or CP932 (Shift_JIS with
the NEC/IBM extensions, so 髙, 﨑, ①, ㈱ survive). Rows are numbered as Excel shows them (header = 1).
The caller imports nothing unless `errors` is empty.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.sheets.columns import CellError, Column, parse_cell

__all__ = ["DEFAULT_MAX_BYTES", "RowError", "TableError", "TableReadResult", "read_table"]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
FORMULA_LIKE = re.compile(r"^'*[=+\-@\t\r]")  # what a spreadsheet would evaluate (after any apostrophes)


class TableError(InputError):
    """A file that cannot be read at all (size, encoding, not a spreadsheet, broken CSV quoting)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem: where (file, Excel row, column header), why in English, and a code for translation."""

    file: str
    row: int
    column: str
    reason: str
    code: str = ""
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        where = f", {self.column}" if self.column else ""
        return f"{self.file}, row {self.row}{where}: {self.reason}"


@dataclass(slots=True)
class TableReadResult:
    rows: list[dict[str, object]] = field(default_factory=list)  # each with "_row": its Excel row number
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _decode(data: bytes, filename: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        encodings: tuple[str, ...] = ("utf-8",)
        data = data[3:]
    else:
        encodings = ("utf-8", "cp932")
    failure: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            failure = exc
    assert failure is not None  # noqa: S101 - at least one encoding was tried
    line = data[: failure.start].count(b"\n") + 1
    raise TableError(f"the text is neither UTF-8 nor CP932 (Shift_JIS): undecodable byte at offset {failure.start}",
                     InputLocation(filename, line), code="encoding", params={"offset": failure.start})


def _csv_records(data: bytes, filename: str) -> Iterator[list[object]]:
    reader = csv.reader(io.StringIO(_decode(data, filename), newline=""), strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        raise TableError(f"broken CSV quoting: {exc}", InputLocation(filename, reader.line_num),
                         code="quoting") from exc


def _xlsx_records(data: bytes, filename: str, sheet: str | None) -> Iterator[list[object]]:
    import openpyxl  # local: only needed for .xlsx
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise TableError(f"not a readable .xlsx workbook ({exc})", InputLocation(filename), code="not_xlsx") from exc
    except Exception as exc:  # defusedxml refuses entities/DTDs with its own exception types
        raise TableError(f"the workbook contains forbidden XML ({type(exc).__name__})",
                         InputLocation(filename), code="forbidden_xml") from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise TableError(f"no sheet named {sheet!r}", InputLocation(filename), code="no_sheet",
                             params={"sheet": sheet})
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        for values in worksheet.iter_rows(values_only=True):
            yield list(values)
    finally:
        workbook.close()


def _is_blank(record: Sequence[object]) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in record)


def _restore(value: object) -> object:
    if isinstance(value, str) and value.startswith("'") and FORMULA_LIKE.match(value):
        return value[1:]
    return value


def _map_headers(header: Sequence[object], columns: Sequence[Column], filename: str,
                 result: TableReadResult) -> dict[int, Column]:
    mapping: dict[int, Column] = {}
    seen: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = str(cell or "").strip()
        if not name:
            continue
        column = next((c for c in columns if c.accepts(name)), None)
        if column is None:
            result.errors.append(RowError(filename, 1, name, "unknown column", "unknown_column"))
        elif column.key in seen:
            result.errors.append(RowError(filename, 1, name, f"the same column appears twice ({column.header})",
                                          "duplicate_column", {"header": column.header}))
        else:
            mapping[index] = column
            seen[column.key] = index
    for column in columns:
        if column.required and column.key not in seen:
            result.errors.append(RowError(filename, 1, column.header, "required column is missing", "missing_column"))
    return mapping


def read_table(data: bytes, filename: str, columns: Sequence[Column], *, max_bytes: int = DEFAULT_MAX_BYTES,
               sheet: str | None = None) -> TableReadResult:
    """Read every row; a whole-file problem raises TableError, cell problems are collected."""
    if len(data) > max_bytes:
        raise TableError(f"the file is larger than {max_bytes // (1024 * 1024)} MB", InputLocation(filename),
                         code="too_large", params={"limit": max_bytes // (1024 * 1024)})
    is_xlsx = filename.lower().endswith((".xlsx", ".xlsm")) or data.startswith(b"PK\x03\x04")
    records = _xlsx_records(data, filename, sheet) if is_xlsx else _csv_records(data, filename)
    result = TableReadResult()
    header = next(records, None)
    if header is None or _is_blank(header):
        raise TableError("the first row must hold the column headers", InputLocation(filename, 1), code="no_header")
    mapping = _map_headers(header, columns, filename, result)
    width = len(header)
    for number, record in enumerate(records, start=2):
        if _is_blank(record):
            continue
        if not is_xlsx and len(record) != width:
            result.errors.append(RowError(filename, number, "", f"expected {width} fields, found {len(record)}",
                                          "field_count", {"expected": width, "found": len(record)}))
            continue
        row: dict[str, object] = {"_row": number}
        for index, column in mapping.items():
            raw = record[index] if index < len(record) else None
            if not is_xlsx:  # only CSV export adds the neutralising apostrophe
                raw = _restore(raw)
            try:
                row[column.key] = parse_cell(column, raw)
            except CellError as exc:
                result.errors.append(RowError(filename, number, column.header, str(exc), exc.code, exc.params))
        result.rows.append(row)
    if result.errors:
        result.rows = []
    return result
