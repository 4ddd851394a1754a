"""A filled-in MHLW checklist as a PDF in the official layout (A4 landscape).

Title, 令和N年度 and form, facility (and vendor on 事業者確認用), then the table
番号 | 確認項目 | 対象 | 1回目 (回答・確認日) | 目標日 (いいえの場合) | 2回目 (回答・確認日) | 備考
with a row per section (「1 体制構築」); its two header rows repeat on every page. If any item has notes,
a person who answered or evidence files, a second table 「根拠・備考」 follows on pages of its own.
Every page has 「n / m ページ」 and the export time.

The text is set in IPAexGothic, embedded (as a subset) in the file, so the PDF shows the same on a
machine without Japanese fonts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mamori.engines.checklist.export_xlsx import (
    RECONSTRUCTED_NOTE,
    WORDING_LABELS,
    answer_label,
    date_text,
    exported_at,
    facility_label,
    fiscal_year_label,
    form_line,
    layout_rows,
    remarks,
    section_text,
    target_lines,
)
from mamori.engines.checklist.fonts import FONT_NAME, japanese_font_path
from mamori.engines.checklist.model import Answer, FilledChecklist, FilledItem, Form, Section, Wording

__all__ = ["register_japanese_font", "write_pdf"]

PAGE = landscape(A4)
MARGIN = 12 * mm
# 番号 | 確認項目 | 対象 | 回答 | 確認日 | 目標日 | 回答 | 確認日 | 備考: 273 mm in all
WIDTHS = tuple(w * mm for w in (15, 100, 34, 14, 22, 23, 14, 22, 29))
NOTES_WIDTHS = tuple(w * mm for w in (15, 70, 70, 28, 90))
GRID = colors.HexColor("#808080")
HEADER_BG = colors.HexColor("#DDEBF7")
SECTION_BG = colors.HexColor("#E7E6E6")
NO_BG = colors.HexColor("#FFF2CC")
WARN = colors.HexColor("#C00000")


def register_japanese_font() -> str:
    """Register IPAexGothic with reportlab (once) and return its name; reportlab embeds a subset of it."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(japanese_font_path())))
    return FONT_NAME


def _style(name: str, size: float, **kw: Any) -> ParagraphStyle:
    return ParagraphStyle(name, fontName=FONT_NAME, fontSize=size, leading=size * 1.35, wordWrap="CJK", **kw)


CELL = _style("cell", 8.5)
CELL_CENTRE = _style("cell-centre", 8.5, alignment=TA_CENTER)
HEAD = _style("head", 8.5, alignment=TA_CENTER)
HEAD_SMALL = _style("head-small", 7, alignment=TA_CENTER)
SECTION = _style("section", 9.5)
REMARK = _style("remark", 7.5, textColor=WARN)
TITLE = _style("title", 15, spaceAfter=2 * mm)
SUBTITLE = _style("subtitle", 11, spaceAfter=1.5 * mm)
LINE = _style("line", 10, spaceAfter=1 * mm)
LEGEND = _style("legend", 8, textColor=WARN)
HEADING = _style("heading", 11, spaceAfter=2 * mm)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (escaped: user text never becomes markup); line breaks are kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _lines(lines: list[str], style: ParagraphStyle) -> Paragraph | str:
    return _p("\n".join(lines), style) if lines else ""


def _checklist_table(filled: FilledChecklist) -> Table:
    data: list[list[Any]] = [
        [_p("番号", HEAD), _p("確認項目", HEAD), _p("対象", HEAD), _p("1回目", HEAD), "", _p("目標日", HEAD),
         _p("2回目", HEAD), "", _p("備考", HEAD)],
        ["", "", "", _p("回答", HEAD), _p("確認日", HEAD), _p("（いいえの場合）", HEAD_SMALL), _p("回答", HEAD),
         _p("確認日", HEAD), ""],
    ]
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),  # for the empty cells too: no Helvetica in the file
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 1), HEADER_BG),
        ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (1, 1)), ("SPAN", (2, 0), (2, 1)), ("SPAN", (8, 0), (8, 1)),
        ("SPAN", (3, 0), (4, 0)), ("SPAN", (6, 0), (7, 0)),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for entry in layout_rows(filled):
        row = len(data)
        if isinstance(entry, Section):
            data.append([_p(section_text(entry), SECTION)] + [""] * 8)
            commands += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), SECTION_BG),
                         ("NOSPLIT", (0, row), (-1, row + 1))]  # a section header never ends a page
            continue
        item = entry
        data.append([
            _p(item.definition.number, CELL_CENTRE), _p(item.definition.wording, CELL),
            _lines(target_lines(item), CELL), _p(answer_label(item.first_answer), CELL_CENTRE),
            _p(date_text(item.first_date), CELL_CENTRE), _p(date_text(item.target_date), CELL_CENTRE),
            _p(answer_label(item.second_answer), CELL_CENTRE), _p(date_text(item.second_date), CELL_CENTRE),
            _lines(remarks(item), REMARK if item.definition.wording_status is Wording.RECONSTRUCTED else CELL),
        ])
        for column, answer in ((3, item.first_answer), (6, item.second_answer)):
            if answer is Answer.NO:
                commands.append(("BACKGROUND", (column, row), (column, row), NO_BG))
    return Table(data, colWidths=WIDTHS, repeatRows=2, style=TableStyle(commands), hAlign="CENTER")


def _notes_table(items: list[FilledItem]) -> Table:
    headers = ("番号", "確認項目", "備考（メモ）", "回答者", "根拠ファイル（SHA-256）")
    data: list[list[Any]] = [[_p(h, HEAD) for h in headers]]
    for item in items:
        wording = item.definition.wording
        if item.definition.wording_status is Wording.RECONSTRUCTED:
            wording += f"\n（文言: {WORDING_LABELS[Wording.RECONSTRUCTED]}）"
        data.append([_p(item.definition.number, CELL_CENTRE), _p(wording, CELL), _p(item.notes, CELL),
                     _p(item.answered_by, CELL), _lines(list(item.evidence), CELL)])
    style = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, GRID), ("FONTNAME", (0, 0), (-1, -1), FONT_NAME),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BG),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ])
    return Table(data, colWidths=NOTES_WIDTHS, repeatRows=1, style=style, hAlign="CENTER")


def _story(filled: FilledChecklist) -> list[Flowable]:
    definition = filled.definition
    story: list[Flowable] = [
        _p(definition.title, TITLE),
        _p(form_line(definition), SUBTITLE),
        _p(f"{facility_label(definition.form)}：{filled.facility_name}", LINE),
    ]
    if definition.form is Form.VENDOR:
        story.append(_p(f"事業者名：{filled.respondent}", LINE))
    rows = layout_rows(filled)
    items = [r for r in rows if isinstance(r, FilledItem)]
    if any(i.definition.wording_status is Wording.RECONSTRUCTED for i in items):
        story.append(_p(f"{RECONSTRUCTED_NOTE}：備考にこの印がある項目は、公式様式の文言と照合してください。", LEGEND))
    story += [Spacer(1, 2 * mm), _checklist_table(filled)]
    annotated = [i for i in items if i.notes or i.answered_by or i.evidence]
    if annotated:
        # on pages of its own: the checklist pages stay as the form is filed
        story += [PageBreak(), _p(f"根拠・備考　{facility_label(definition.form)}：{filled.facility_name}", HEADING),
                  _notes_table(annotated)]
    return story


def _canvas_class(header: str, footer: str) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each can say 「n / m ページ」."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()  # type: ignore[attr-defined]  # reportlab's own, not in the stubs

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._decorate(number, total)
                super().showPage()
            super().save()

        def _decorate(self, number: int, total: int) -> None:
            width, _height = PAGE
            self.saveState()
            self.setFont(FONT_NAME, 8)
            self.setFillColor(colors.HexColor("#404040"))
            if number > 1:
                self.drawString(MARGIN, PAGE[1] - 8 * mm, header)
            self.drawString(MARGIN, 7 * mm, footer)
            self.drawRightString(width - MARGIN, 7 * mm, f"{number} / {total} ページ")
            self.restoreState()

    return NumberedCanvas


def write_pdf(filled: FilledChecklist, out: Path | BinaryIO) -> None:
    """Write the checklist as a PDF (A4 landscape, IPAexGothic embedded) to a path or a binary file object."""
    register_japanese_font()
    definition = filled.definition
    title = f"{definition.title}（{fiscal_year_label(definition.fiscal_year)}・{filled.facility_name}）"
    document = SimpleDocTemplate(
        str(out) if isinstance(out, Path) else out, pagesize=PAGE,
        leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN + 2 * mm,
        title=title, author="Mamori", creator="Mamori", producer="Mamori",
        subject=f"{form_line(definition)}　{filled.facility_name}", lang="ja-JP",
        initialFontName=FONT_NAME, initialFontSize=8)  # else the page starts in (unembedded) Helvetica
    header = f"{filled.facility_name}　{definition.title}　{form_line(definition)}"
    footer = f"出力日時 {exported_at(filled)}　Mamori"
    document.build(_story(filled), canvasmaker=_canvas_class(header, footer))
