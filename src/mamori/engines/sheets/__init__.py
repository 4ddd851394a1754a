"""Spreadsheet-style tables (CSV in UTF-8 or CP932, and .xlsx): all-or-nothing reading, safe writing."""

from mamori.engines.sheets.columns import Column, ColumnKind
from mamori.engines.sheets.reader import RowError, TableError, TableReadResult, read_table
from mamori.engines.sheets.writer import neutralise, write_csv, write_xlsx

__all__ = ["Column", "ColumnKind", "RowError", "TableError", "TableReadResult", "neutralise", "read_table",
           "write_csv", "write_xlsx"]
