"""Tables in the formats hospitals really have: Excel's CP932 CSV, BOM'd UTF-8, .xlsx; all-or-nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from mamori.engines.sheets import Column, ColumnKind, TableError, read_table, write_csv, write_xlsx

COLUMNS = (
    Column("key", "資産番号", required=True, aliases=("asset number",)),
    Column("name", "名称", required=True, max_length=50),
    Column("ip", "IPアドレス", ColumnKind.IP),
    Column("in_use", "使用可否", ColumnKind.BOOL),
    Column("eos", "サポート終了日", ColumnKind.DATE),
    Column("year", "システム更新年", ColumnKind.INT),
    Column("category", "分類", ColumnKind.CHOICE, choices={"サーバ": "server", "server": "server", "端末PC": "terminal"}),
    Column("cpes", "CPE", ColumnKind.LIST),
    Column("owner", "管理者"),
)

EXCEL_CP932 = (
    "資産番号,名称,IPアドレス,使用可否,サポート終了日,システム更新年,分類,CPE,管理者\r\n"
    "SV-001,電子カルテDBサーバ,10.10.0.21,はい,令和9年1月12日,2028,サーバ,cpe:2.3:o:microsoft:windows_server_2016:-:*:*:*:*:*:*:*,髙橋 一郎\r\n"
    "PC-002,\"ナースステーション端末①\",10.10.1.5,○,2025/10/14,,端末PC,,山﨑 花子\r\n"
)


def test_excel_cp932_csv_with_japanese_headers_and_extended_characters() -> None:
    result = read_table(EXCEL_CP932.encode("cp932"), "台帳.csv", COLUMNS)
    assert result.errors == []
    first, second = result.rows
    assert first == {"_row": 2, "key": "SV-001", "name": "電子カルテDBサーバ", "ip": "10.10.0.21", "in_use": True,
                     "eos": dt.date(2027, 1, 12), "year": 2028, "category": "server",
                     "cpes": ["cpe:2.3:o:microsoft:windows_server_2016:-:*:*:*:*:*:*:*"], "owner": "髙橋 一郎"}
    assert (second["name"], second["owner"], second["eos"], second["year"]) == (
        "ナースステーション端末①", "山﨑 花子", dt.date(2025, 10, 14), None)


def test_utf8_with_bom_and_english_headers() -> None:
    data = "\ufeffasset number,名称,in_use\nA-1,テスト,no\n".replace("in_use", "使用可否").encode("utf-8")
    result = read_table(data, "ledger.csv", COLUMNS)
    assert result.errors == [] and result.rows[0]["key"] == "A-1" and result.rows[0]["in_use"] is False


def test_a_broken_row_in_the_middle_imports_nothing_and_every_error_is_named() -> None:
    lines = ["資産番号,名称,IPアドレス,使用可否,サポート終了日"]
    lines += [f"A-{n},端末{n},10.0.0.{n},はい,2030-01-01" for n in range(1, 6)]
    lines.insert(3, "A-X,端末X,10.0.0.300,たぶん,2030-13-40")
    lines.insert(4, "A-Y,,10.0.0.9")
    result = read_table("\r\n".join(lines).encode("cp932"), "broken.csv", COLUMNS)
    assert result.rows == []
    assert [str(e) for e in result.errors] == [
        "broken.csv, row 4, IPアドレス: not an IP address: '10.0.0.300'",
        "broken.csv, row 4, 使用可否: not yes/no: 'たぶん' (use はい/いいえ)",
        "broken.csv, row 4, サポート終了日: not a date: '2030-13-40' (use 2025-04-01, 2025/4/1 or 令和7年4月1日)",
        "broken.csv, row 5: expected 5 fields, found 3",
    ]


def test_unknown_duplicate_and_missing_required_headers() -> None:
    result = read_table("名称,名称,色\nx,y,z\n".encode(), "h.csv", COLUMNS)
    assert {str(e) for e in result.errors} == {
        "h.csv, row 1, 名称: the same column appears twice (名称)", "h.csv, row 1, 色: unknown column",
        "h.csv, row 1, 資産番号: required column is missing"}


def test_bytes_that_are_neither_utf8_nor_cp932_name_the_line() -> None:
    data = "資産番号,名称\nA-1,正常\n".encode("cp932") + b"A-2,\x85\xff\n"
    with pytest.raises(TableError, match=r"^bad\.csv, line 3: the text is neither UTF-8 nor CP932"):
        read_table(data, "bad.csv", COLUMNS)


def test_unterminated_quote_and_oversize_and_empty_file() -> None:
    with pytest.raises(TableError, match="broken CSV quoting"):
        read_table('資産番号,名称\nA-1,"never closed\n'.encode(), "q.csv", COLUMNS)
    with pytest.raises(TableError, match="larger than 1 MB"):
        read_table(b"x" * (1024 * 1024 + 1), "big.csv", COLUMNS, max_bytes=1024 * 1024)
    with pytest.raises(TableError, match="first row must hold the column headers"):
        read_table(b"", "empty.csv", COLUMNS)


@pytest.mark.parametrize("text", ["令和7年4月1日", "R7.4.1", "r7/4/1", "令和元年5月1日", "2025年4月1日"])
def test_japanese_era_dates(text: str) -> None:
    result = read_table(f"資産番号,名称,サポート終了日\nA,B,{text}\n".encode(), "d.csv", COLUMNS)
    expected = dt.date(2019, 5, 1) if "元" in text else dt.date(2025, 4, 1)
    assert result.rows[0]["eos"] == expected


DANGEROUS = ["=cmd|' /C calc'!A0", "-5 (note)", "+81-3-0000-0000", "@SUM(1+1)", "'=already quoted", "'plain quote",
             "''=twice quoted"]


def _rows(n: int) -> list[dict[str, object]]:
    return [{"key": f"A-{i:05d}", "name": f"髙橋の端末{i}", "ip": f"10.{i // 65536}.{i // 256 % 256}.{i % 256}",
             "in_use": i % 3 != 0, "eos": dt.date(2025, 1 + i % 12, 1 + i % 28), "year": 2020 + i % 10,
             "category": "server" if i % 2 else "terminal", "cpes": [f"cpe:2.3:a:v:p:{i}:*:*:*:*:*:*:*"] if i % 5 else [],
             "owner": DANGEROUS[i % len(DANGEROUS)]} for i in range(n)]


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8", "csv-cp932"])
def test_ten_thousand_rows_round_trip_losslessly(fmt: str) -> None:
    rows = _rows(10_000)
    if fmt == "xlsx":
        data, name = write_xlsx(COLUMNS, rows), "ledger.xlsx"
    else:
        data = write_csv(COLUMNS, rows, encoding="utf-8-sig" if fmt == "csv-utf8" else "cp932")
        name = "ledger.csv"
    result = read_table(data, name, COLUMNS)
    assert result.errors == []
    assert [{k: v for k, v in r.items() if k != "_row"} for r in result.rows] == rows


def test_csv_export_neutralises_formulas() -> None:
    data = write_csv(COLUMNS, [{"key": "=HYPERLINK(\"http://x\")", "name": "@cmd", "owner": "\t-2+3"}])
    cells = next(csv.reader(io.StringIO(data.decode("utf-8-sig").splitlines()[1])))
    assert (cells[0], cells[1], cells[-1]) == ("'=HYPERLINK(\"http://x\")", "'@cmd", "'\t-2+3")


def test_xlsx_export_stores_formula_like_text_as_strings() -> None:
    data = write_xlsx(COLUMNS, [{"key": "=1+1", "name": "x"}])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"


def test_cp932_export_names_a_character_it_cannot_write() -> None:
    with pytest.raises(TableError, match=r"^out\.csv, line 2, 名称: '🏥' cannot be written in CP932"):
        write_csv(COLUMNS, [{"key": "A", "name": "救急🏥"}], encoding="cp932", filename="out.csv")


def test_xlsx_with_an_excel_date_cell_and_a_second_sheet() -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["資産番号", "名称", "サポート終了日", "システム更新年"])
    sheet.append(["A-1", "CT", dt.datetime(2029, 1, 9), 2027.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = read_table(buffer.getvalue(), "x.xlsx", COLUMNS)
    assert result.rows[0]["eos"] == dt.date(2029, 1, 9) and result.rows[0]["year"] == 2027
    with pytest.raises(TableError, match="no sheet named '台帳2'"):
        read_table(buffer.getvalue(), "x.xlsx", COLUMNS, sheet="台帳2")


def test_corrupt_and_hostile_workbooks_are_refused() -> None:
    with pytest.raises(TableError, match=r"^broken\.xlsx: not a readable \.xlsx workbook"):
        read_table(b"PK\x03\x04 not really a zip", "broken.xlsx", COLUMNS)
    good = write_xlsx(COLUMNS, [{"key": "A", "name": "B"}])
    hostile = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                content = content.replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
                content = content.replace(b">A<", b">&e;<", 1)
            target.writestr(item, content)
    with pytest.raises(TableError, match="forbidden XML"):
        read_table(hostile.getvalue(), "hostile.xlsx", COLUMNS)
