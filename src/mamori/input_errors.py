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
    # feed files (engines.vulns): the English detail follows the Japanese lead
    "feed_truncated": gettext_lazy("the file ends too early ({reason})"),
    "feed_corrupt": gettext_lazy("the compressed data is broken ({reason})"),
    "feed_malformed": gettext_lazy("the JSON is broken ({reason})"),
    "feed_bad_value": gettext_lazy("a value has the wrong type or content ({reason})"),
    "feed_bad_date": gettext_lazy("a date cannot be read ({reason})"),
    "feed_date_invalid": gettext_lazy("a date cannot be read ({reason})"),
    "feed_bad_cve_id": gettext_lazy("not a CVE id ({reason})"),
    "feed_duplicate_id": gettext_lazy("the same id appears twice ({reason})"),
    "feed_field_missing": gettext_lazy("a required field is missing ({reason})"),
    "feed_field_invalid": gettext_lazy("a field is not valid ({reason})"),
    "feed_bad_row": gettext_lazy("the row is not valid ({reason})"),
    "feed_out_of_range": gettext_lazy("a value is out of range ({reason})"),
    "feed_missing_column": gettext_lazy("required columns are missing: {columns}"),
    "feed_unknown_kind": gettext_lazy("not a feed Mamori can import (NVD JSON, JVN iPedia XML, CISA KEV, EPSS, "
                                      "CSAF 2.0, CVE JSON 5)"),
    "feed_unreadable": gettext_lazy("the file cannot be read ({reason})"),
    "feed_xml_forbidden": gettext_lazy("refused: the XML declares a DTD or entities (a possible XML attack)"),
    "feed_xml_invalid": gettext_lazy("the XML is broken ({reason})"),
    "feed_encoding": gettext_lazy("the text is not UTF-8 ({reason}); save it as UTF-8"),
    "feed_encoding_invalid": gettext_lazy("the text does not match its declared encoding ({reason})"),
    "feed_checksum": gettext_lazy("the checksum does not match: the file is damaged or was altered ({reason})"),
    "feed_too_large": gettext_lazy("it decompresses to more than {limit} bytes; is this the right file?"),
    "feed_zip_members": gettext_lazy("a feed .zip must hold exactly one file, this one holds {count}"),
    "feed_myjvn_error": gettext_lazy("the MyJVN API answered with an error (retCd {retCd}): {errMsg}"),
    "csaf_version": gettext_lazy("CSAF {version} is not supported (CSAF 2.0 only)"),
    "cpe_invalid": gettext_lazy("not a valid CPE name ({reason})"),
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
    text = reason(error.code, {"reason": error.reason, **error.params}, error.reason)
    return f"{where}: {text}" if where else text
