"""A filled-in MHLW checklist as an .xlsx workbook in the official layout.

Sheet 「チェックリスト」: title block (checklist title, 令和N年度 and form, facility, vendor on 事業者確認用),
then one table: 番号 | 確認項目 | 対象 | 1回目 (回答・確認日) | 目標日 (いいえの場合) | 2回目 (回答・確認日) | 備考,
with a header row per section (「1 体制構築」). Sheet 「根拠・備考」: notes, who answered and evidence files
per item, and whether the wording was seen in the official form or reconstructed.

Every text cell is stored as a string (never a formula, whatever it starts with), and text that a
spreadsheet would evaluate (= + - @) also carries Excel's quote prefix, so editing it keeps it text.

The layout helpers (labels, row order, 令和 year) are shared with `export_pdf`.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.header_footer import HeaderFooterItem
from openpyxl.worksheet.worksheet import Worksheet

from mamori.engines.checklist.model import (
    Answer,
    ChecklistDefinition,
    FilledChecklist,
    FilledItem,
    Form,
    Section,
    Target,
    Wording,
)
from mamori.engines.sheets.reader import FORMULA_LIKE

__all__ = ["ANSWER_LABELS", "FORM_LABELS", "RECONSTRUCTED_NOTE", "TARGET_LABELS", "WORDING_LABELS",
           "answer_label", "date_text", "exported_at", "facility_label", "fiscal_year_label", "form_line",
           "layout_rows", "remarks", "section_text", "target_lines", "write_xlsx"]

ANSWER_LABELS = {Answer.YES: "はい", Answer.NO: "いいえ"}
TARGET_LABELS = {Target.ALL: "医療情報システム全般", Target.SERVER: "サーバ", Target.TERMINAL: "端末PC",
                 Target.NETWORK: "ネットワーク機器"}
FORM_LABELS = {Form.HOSPITAL: "医療機関確認用", Form.PHARMACY: "薬局確認用", Form.VENDOR: "事業者確認用"}
WORDING_LABELS = {Wording.CONFIRMED: "公式様式で確認済", Wording.RECONSTRUCTED: "再構成（公式様式で要確認）"}
RECONSTRUCTED_NOTE = "※文言は再構成（公式様式で要確認）"
REIWA_OFFSET = 2018  # 令和1年 = 2019
DATE_FORMAT = "yyyy/mm/dd"

# ---------------------------------------------------------------- shared with export_pdf


def fiscal_year_label(fiscal_year: int) -> str:
    """2025 → 「令和7年度」, 2019 → 「令和元年度」 (years before 令和 are written in the Western calendar)."""
    year = fiscal_year - REIWA_OFFSET
    if year < 1:
        return f"{fiscal_year}年度"
    return f"令和{'元' if year == 1 else year}年度"


def form_line(definition: ChecklistDefinition) -> str:
    """「令和7年度　医療機関確認用（令和7年5月版）」."""
    line = f"{fiscal_year_label(definition.fiscal_year)}　{FORM_LABELS[definition.form]}"
    if definition.version:
        line += f"（{definition.version}版）"
    return line


def facility_label(form: Form) -> str:
    """What the form calls the facility the checklist is about."""
    return {Form.HOSPITAL: "医療機関名", Form.PHARMACY: "薬局名", Form.VENDOR: "医療機関等名"}[form]


def layout_rows(filled: FilledChecklist) -> list[Section | FilledItem]:
    """Section headers and items in the order of the form.

    Every item of the definition gets a row (an unanswered one stays blank, as on the paper form); filled
    items whose definition is not in the checklist keep their own order after the known ones of their section.
    Items of a section the definition does not list come last, under a header of their own.
    """
    by_number = {item.definition.number: item for item in filled.items}
    ordered = [by_number.get(d.number, FilledItem(definition=d)) for d in filled.definition.items]
    known = {d.number for d in filled.definition.items}
    ordered += [item for item in filled.items if item.definition.number not in known]
    sections = list(filled.definition.sections)
    titles = {s.number for s in sections}
    for item in ordered:
        if item.definition.section not in titles:
            sections.append(Section(number=item.definition.section, title=""))
            titles.add(item.definition.section)
    rows: list[Section | FilledItem] = []
    for section in sections:
        items = [item for item in ordered if item.definition.section == section.number]
        if items:
            rows.append(section)
            rows.extend(items)
    return rows


def section_text(section: Section) -> str:
    return f"{section.number} {section.title}".strip()


def answer_label(answer: Answer | None) -> str:
    return ANSWER_LABELS[answer] if answer is not None else ""


def target_lines(item: FilledItem) -> list[str]:
    return [TARGET_LABELS[t] for t in item.definition.targets]


def remarks(item: FilledItem) -> list[str]:
    """The 備考 column: the item's own deadline (「令和9年度までに」) and the mark of reconstructed wording."""
    lines = []
    if item.definition.deadline_text:
        lines.append(item.definition.deadline_text)
    if item.definition.wording_status is Wording.RECONSTRUCTED:
        lines.append(RECONSTRUCTED_NOTE)
    return lines


def date_text(value: dt.date | None) -> str:
    return value.strftime("%Y/%m/%d") if value is not None else ""


def exported_at(filled: FilledChecklist) -> str:
    """「2025/06/01 10:30」 (with the UTC offset when the time carries one); now when not given."""
    when = filled.exported_at or dt.datetime.now().astimezone()
    text = when.strftime("%Y/%m/%d %H:%M")
    offset = when.utcoffset()
    if offset is not None:
        minutes = int(offset.total_seconds()) // 60
        sign = "+" if minutes >= 0 else "-"
        text += f" (UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d})" if minutes else " (UTC)"
    return text


# ---------------------------------------------------------------- the workbook

HEADER_TOP = ("番号", "確認項目", "対象", "1回目", "", "目標日", "2回目", "", "備考")
HEADER_SUB = ("", "", "", "回答", "確認日", "（いいえの場合）", "回答", "確認日", "")
WIDTHS = (8, 62, 22, 8, 12, 14, 8, 12, 28)
NOTES_HEADER = ("番号", "確認項目", "備考（メモ）", "回答者", "根拠ファイル（SHA-256）", "文言の確認", "文言の出典",
                "ガイドライン参照")
NOTES_WIDTHS = (8, 44, 40, 14, 48, 22, 26, 22)

FONT = "游ゴシック"
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
SECTION_FILL = PatternFill("solid", fgColor="E7E6E6")
NO_FILL = PatternFill("solid", fgColor="FFF2CC")
WRAP = Alignment(wrap_text=True, vertical="center")
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _put(sheet: Worksheet, row: int, column: int, value: object, *, font: Font | None = None,
         alignment: Alignment | None = None) -> Cell:
    """Write a value; text is always a string cell (never a formula) and formula-like text gets a quote prefix."""
    cell = sheet.cell(row=row, column=column)
    if not isinstance(cell, Cell):
        raise TypeError(f"{cell.coordinate} is inside a merged range")
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if FORMULA_LIKE.match(value):
            cell.quotePrefix = True
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif value is not None:
        raise TypeError(f"unexpected cell value {value!r}")
    cell.font = font or Font(name=FONT, size=10)
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row_height(texts_and_widths: Sequence[tuple[str, int]]) -> float:
    """Excel does not size wrapped rows written by a program: estimate the lines each cell needs."""
    lines = 1
    for text, width in texts_and_widths:
        needed = sum(max(1, math.ceil(_display_width(part) / max(1, width - 1))) for part in text.split("\n"))
        lines = max(lines, needed)
    return max(18.0, 14.0 * lines + 4)


def _header_footer(item: HeaderFooterItem | None) -> HeaderFooterItem:
    if item is None:  # openpyxl always creates them; the stubs allow None
        raise TypeError("worksheet without header/footer")
    return item


def _setup_print(sheet: Worksheet, title_rows: str | None, last_column: int, last_row: int) -> None:
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = sheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # as many pages as needed down
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # type: ignore[union-attr]
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    if title_rows:
        sheet.print_title_rows = title_rows
    sheet.print_area = f"A1:{get_column_letter(last_column)}{last_row}"
    footer = _header_footer(sheet.oddFooter)
    footer.right.text = "&P / &N ページ"
    footer.right.size = 9
    footer.left.text = "Mamori"
    footer.left.size = 9


def _checklist_sheet(sheet: Worksheet, filled: FilledChecklist) -> None:
    definition = filled.definition
    columns = len(HEADER_TOP)
    last = get_column_letter(columns)
    bold = Font(name=FONT, size=10, bold=True)

    _put(sheet, 1, 1, definition.title, font=Font(name=FONT, size=14, bold=True))
    sheet.merge_cells(f"A1:{last}1")
    _put(sheet, 2, 1, form_line(definition), font=Font(name=FONT, size=11, bold=True))
    sheet.merge_cells(f"A2:{last}2")
    row = 3
    _put(sheet, row, 1, facility_label(definition.form), font=bold)
    _put(sheet, row, 2, filled.facility_name, font=Font(name=FONT, size=11))
    _put(sheet, row, 8, "出力日時", font=bold)
    _put(sheet, row, 9, exported_at(filled))
    if definition.form is Form.VENDOR:
        row += 1
        _put(sheet, row, 1, "事業者名", font=bold)
        _put(sheet, row, 2, filled.respondent, font=Font(name=FONT, size=11))
    rows = layout_rows(filled)
    if any(isinstance(r, FilledItem) and r.definition.wording_status is Wording.RECONSTRUCTED for r in rows):
        row += 1
        _put(sheet, row, 2, f"{RECONSTRUCTED_NOTE}：備考にこの印がある項目は、公式様式の文言と照合してください。",
             font=Font(name=FONT, size=9, color="C00000"))

    top = row + 2
    for column, (upper, lower) in enumerate(zip(HEADER_TOP, HEADER_SUB, strict=True), start=1):
        for r, text in ((top, upper), (top + 1, lower)):
            cell = _put(sheet, r, column, text, font=bold, alignment=CENTRE)
            cell.fill = HEADER_FILL
            cell.border = BOX
    for column in (1, 2, 3, 9):  # 番号, 確認項目, 対象, 備考 span both header rows
        letter = get_column_letter(column)
        sheet.merge_cells(f"{letter}{top}:{letter}{top + 1}")
    sheet.merge_cells(f"D{top}:E{top}")
    sheet.merge_cells(f"G{top}:H{top}")

    row = top + 2
    first_data = row
    for entry in rows:
        if isinstance(entry, Section):
            cell = _put(sheet, row, 1, section_text(entry), font=bold, alignment=WRAP)
            sheet.merge_cells(f"A{row}:{last}{row}")
            for column in range(1, columns + 1):
                sheet.cell(row=row, column=column).fill = SECTION_FILL
                sheet.cell(row=row, column=column).border = BOX
            sheet.row_dimensions[row].height = 20
            row += 1
            continue
        item = entry
        values: tuple[object, ...] = (
            item.definition.number, item.definition.wording, "\n".join(target_lines(item)),
            answer_label(item.first_answer), item.first_date, item.target_date,
            answer_label(item.second_answer), item.second_date, "\n".join(remarks(item)))
        for column, value in enumerate(values, start=1):
            wrapped = column in (2, 3, 9)
            cell = _put(sheet, row, column, value if value != "" else None,
                        alignment=WRAP if wrapped else CENTRE)
            cell.border = BOX
            if column == 9 and item.definition.wording_status is Wording.RECONSTRUCTED:
                cell.font = Font(name=FONT, size=9, color="C00000")
        for column, answer in ((4, item.first_answer), (7, item.second_answer)):
            if answer is Answer.NO:
                sheet.cell(row=row, column=column).fill = NO_FILL
        sheet.row_dimensions[row].height = _row_height(
            [(str(values[1]), WIDTHS[1]), (str(values[2]), WIDTHS[2]), (str(values[8]), WIDTHS[8])])
        row += 1
    last_row = row - 1

    if last_row >= first_data:
        answers = DataValidation(type="list", formula1='"はい,いいえ"', allow_blank=True,
                                 error="「はい」か「いいえ」を選んでください。", errorTitle="回答")
        answers.add(f"D{first_data}:D{last_row}")
        answers.add(f"G{first_data}:G{last_row}")
        dates = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                               error="日付を入力してください（例 2025/06/01）。", errorTitle="日付")
        for letter in "EFH":
            dates.add(f"{letter}{first_data}:{letter}{last_row}")
        sheet.add_data_validation(answers)
        sheet.add_data_validation(dates)

    for column, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = f"A{top + 2}"
    _setup_print(sheet, f"{top}:{top + 1}", columns, max(last_row, top + 1))
    header = _header_footer(sheet.oddHeader)
    header.center.text = f"{definition.title}　{form_line(definition)}"
    header.center.size = 9


def _notes_sheet(sheet: Worksheet, filled: FilledChecklist) -> None:
    bold = Font(name=FONT, size=10, bold=True)
    for column, text in enumerate(NOTES_HEADER, start=1):
        cell = _put(sheet, 1, column, text, font=bold, alignment=CENTRE)
        cell.fill = HEADER_FILL
        cell.border = BOX
    row = 2
    for entry in layout_rows(filled):
        if isinstance(entry, Section):
            continue
        d = entry.definition
        values = (d.number, d.wording, entry.notes, entry.answered_by, "\n".join(entry.evidence),
                  WORDING_LABELS[d.wording_status], d.source, "\n".join(d.guideline_refs))
        for column, value in enumerate(values, start=1):
            cell = _put(sheet, row, column, value or None, alignment=CENTRE if column == 1 else WRAP)
            cell.border = BOX
            if column == 6 and d.wording_status is Wording.RECONSTRUCTED:
                cell.font = Font(name=FONT, size=10, color="C00000")
        sheet.row_dimensions[row].height = _row_height(
            [(v, w) for v, w in zip(values, NOTES_WIDTHS, strict=True) if v])
        row += 1
    for column, width in enumerate(NOTES_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    _setup_print(sheet, "1:1", len(NOTES_HEADER), max(row - 1, 1))


def write_xlsx(filled: FilledChecklist, out: Path | BinaryIO) -> None:
    """Write the checklist as an .xlsx workbook to a path or a binary file object."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # noqa: S101 - a new workbook always has one sheet
    sheet.title = "チェックリスト"
    _checklist_sheet(sheet, filled)
    _notes_sheet(workbook.create_sheet("根拠・備考"), filled)
    definition = filled.definition
    workbook.properties.title = f"{definition.title}（{fiscal_year_label(definition.fiscal_year)}）"
    workbook.properties.subject = filled.facility_name
    workbook.properties.creator = "Mamori"
    workbook.properties.lastModifiedBy = "Mamori"
    workbook.save(str(out) if isinstance(out, Path) else out)
