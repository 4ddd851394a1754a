"""The checklist exports: .xlsx in the official layout (no formulas, real dates) and a PDF with the embedded
Japanese font that renders and extracts on a machine without any Japanese font."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from PIL import Image
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from mamori.engines.checklist import fonts
from mamori.engines.checklist.export_pdf import write_pdf
from mamori.engines.checklist.export_xlsx import fiscal_year_label, write_xlsx
from mamori.engines.checklist.model import (
    Answer,
    ChecklistDefinition,
    FilledChecklist,
    FilledItem,
    Form,
    ItemDefinition,
    Section,
    Target,
    Wording,
)

ALL, SERVER, TERMINAL, NETWORK = Target.ALL, Target.SERVER, Target.TERMINAL, Target.NETWORK
HYPERLINK_NOTE = '=HYPERLINK("http://evil.example/","確認済")'
FACILITY = "医療法人社団まもり会 まもり総合病院"
VENDOR = "株式会社サンプル医療システムズ"
TITLE = "医療機関におけるサイバーセキュリティ対策チェックリスト"

SECTIONS = (Section("1", "体制構築"), Section("2", "医療情報システムの管理・運用"),
            Section("3", "インシデント発生に備えた対応"))
# number, wording, targets, wording status
ITEMS: tuple[tuple[str, str, tuple[Target, ...], Wording], ...] = (
    ("1-①", "医療情報システム安全管理責任者を設置している。", (), Wording.CONFIRMED),
    ("2-①", "サーバ、端末PC、ネットワーク機器の台帳管理を行っている。", (ALL,), Wording.CONFIRMED),
    ("2-②", "リモートメンテナンス（保守）を利用している機器の有無を事業者に確認した。", (ALL,), Wording.CONFIRMED),
    ("2-③", "事業者から製造業者/サービス事業者による医療情報セキュリティ開示書（MDS/SDS）を提出してもらった。",
     (ALL,), Wording.CONFIRMED),
    ("2-④", "利用者の職種・担当業務別の情報区分毎のアクセス利用権限を設定している。", (SERVER, TERMINAL),
     Wording.RECONSTRUCTED),
    ("2-⑤", "退職者や使用していないアカウント等、不要なアカウントを削除している。", (SERVER, TERMINAL),
     Wording.RECONSTRUCTED),
    ("2-⑥", "セキュリティパッチ（最新ファームウェアや更新プログラム）を適用している。", (ALL,), Wording.CONFIRMED),
    ("2-⑦", "パスワードは英数字、記号が混在した8文字以上とし、定期的に変更している。"
     "※二要素認証、または13文字以上の場合は定期的な変更は不要", (ALL,), Wording.CONFIRMED),
    ("2-⑧", "パスワードの使い回しを禁止している。", (ALL,), Wording.CONFIRMED),
    ("2-⑩", "二要素認証を実装している、または令和9年度までに実装予定である。", (ALL,), Wording.RECONSTRUCTED),
    ("2-⑫", "バックグラウンドで動作している不要なソフトウェア及びサービスを停止している。", (SERVER, TERMINAL),
     Wording.CONFIRMED),
    ("2-⑬", "接続元制限を実施している。", (NETWORK,), Wording.CONFIRMED),
    ("3-①", "インシデント発生時における組織内と外部関係機関（事業者、厚生労働省、警察等）への連絡体制図がある。",
     (), Wording.CONFIRMED),
    ("3-②", "インシデント発生時に診療を継続するために必要な情報を検討し、データやシステムのバックアップの実施と"
     "復旧手順を確認している。", (), Wording.CONFIRMED),
    ("3-③", "サイバー攻撃を想定した事業継続計画（BCP）を策定している。", (), Wording.CONFIRMED),
)
D = dt.date
# number: first answer, first date, target date, second answer, second date
ANSWERS: dict[str, tuple[Answer | None, D | None, D | None, Answer | None, D | None]] = {
    "1-①": (Answer.YES, D(2025, 5, 20), None, None, None),
    "2-①": (Answer.YES, D(2025, 5, 21), None, None, None),
    "2-②": (Answer.NO, D(2025, 5, 21), D(2025, 9, 30), Answer.YES, D(2025, 10, 2)),
    "2-③": (Answer.NO, D(2025, 5, 22), D(2025, 12, 26), None, None),
    "2-④": (Answer.YES, D(2025, 5, 22), None, None, None),
    "2-⑤": (Answer.YES, D(2025, 5, 23), None, None, None),
    "2-⑥": (Answer.NO, D(2025, 5, 23), D(2026, 1, 30), None, None),
    "2-⑦": (Answer.YES, D(2025, 5, 26), None, None, None),
    "2-⑧": (Answer.YES, D(2025, 5, 26), None, None, None),
    "2-⑩": (Answer.NO, D(2025, 5, 27), D(2026, 3, 31), None, None),
    "2-⑫": (Answer.YES, D(2025, 5, 27), None, None, None),
    "2-⑬": (Answer.YES, D(2025, 5, 28), None, None, None),
    "3-①": (Answer.YES, D(2025, 5, 28), None, None, None),
    "3-②": (Answer.NO, D(2025, 5, 29), D(2025, 11, 28), None, None),
    "3-③": (None, None, None, None, None),  # not answered yet: a blank row, as on paper
}
EVIDENCE = "台帳_2025-05-21.xlsx (SHA-256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08)"


def _definition(form: Form = Form.HOSPITAL, items: tuple[ItemDefinition, ...] | None = None) -> ChecklistDefinition:
    if items is None:
        items = tuple(
            ItemDefinition(number=n, section=n.split("-")[0], wording=w, wording_status=s, targets=t,
                           deadline_text="令和9年度までに" if n == "2-⑩" else "",
                           guideline_refs=("システム運用編 13⑪",) if n == "2-⑬" else (),
                           source="R7 チェックリスト（令和7年5月）")
            for n, w, t, s in ITEMS)
    return ChecklistDefinition(fiscal_year=2025, form=form, title=TITLE, version="令和7年5月", sections=SECTIONS,
                               items=items)


def _filled(form: Form = Form.HOSPITAL) -> FilledChecklist:
    definition = _definition(form)
    items = []
    for d in definition.items:
        first, first_date, target, second, second_date = ANSWERS[d.number]
        notes = {"2-⑬": HYPERLINK_NOTE, "2-①": "台帳は情報システム課の共有フォルダ\n（毎月更新）"}.get(d.number, "")
        items.append(FilledItem(definition=d, first_answer=first, first_date=first_date, target_date=target,
                                second_answer=second, second_date=second_date, notes=notes,
                                answered_by="情報システム課 髙橋" if first else "",
                                evidence=(EVIDENCE,) if d.number == "2-①" else ()))
    return FilledChecklist(definition=definition, facility_name=FACILITY, items=tuple(items),
                           respondent=VENDOR if form is Form.VENDOR else "",
                           exported_at=dt.datetime(2025, 6, 2, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))))


def _long_filled() -> FilledChecklist:
    """Sixty items: the table needs several pages."""
    items = tuple(
        ItemDefinition(number=f"{s}-{i}", section=str(s),
                       wording=f"長い確認項目{s}-{i}：接続元制限を実施し、その設定を定期的に確認して記録している。" * 2,
                       wording_status=Wording.CONFIRMED, targets=(SERVER, TERMINAL))
        for s in (1, 2, 3) for i in range(1, 21))
    definition = _definition(items=items)
    filled_items = tuple(FilledItem(definition=d, first_answer=Answer.YES, first_date=D(2025, 6, 1)) for d in items)
    return FilledChecklist(definition=definition, facility_name=FACILITY, items=filled_items)


# ---------------------------------------------------------------- fonts


def test_the_font_is_found_without_importing_matplotlib() -> None:
    code = ("import sys; from mamori.engines.checklist.fonts import japanese_font_path; p = japanese_font_path(); "
            "assert p.name == 'ipaexg.ttf' and p.stat().st_size > 1_000_000, p; "
            "bad = sorted(m for m in sys.modules if m.startswith(('matplotlib', 'numpy'))); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_missing_font_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fonts.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(fonts.FontNotFoundError, match="pip install matplotlib-fontja"):
        fonts.japanese_font_path()


def test_fiscal_year_labels() -> None:
    assert fiscal_year_label(2025) == "令和7年度"
    assert fiscal_year_label(2019) == "令和元年度"
    assert fiscal_year_label(2026) == "令和8年度"


# ---------------------------------------------------------------- xlsx


def _xlsx(filled: FilledChecklist) -> tuple[bytes, openpyxl.Workbook]:
    buffer = io.BytesIO()
    write_xlsx(filled, buffer)
    data = buffer.getvalue()
    return data, openpyxl.load_workbook(io.BytesIO(data))


def _rows_by_number(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, tuple[openpyxl.cell.Cell, ...]]:
    numbers = {n for n, *_ in ITEMS}
    return {str(row[0].value): row for row in sheet.iter_rows() if row[0].value in numbers}


def test_xlsx_holds_every_item_answer_and_date_in_the_official_layout() -> None:
    _, workbook = _xlsx(_filled())
    assert workbook.sheetnames == ["チェックリスト", "根拠・備考"]
    sheet = workbook["チェックリスト"]
    texts = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert sheet["A1"].value == TITLE
    assert sheet["A2"].value == "令和7年度　医療機関確認用（令和7年5月版）"
    assert (sheet["A3"].value, sheet["B3"].value) == ("医療機関名", FACILITY)
    assert "事業者名" not in texts
    headers = ("番号", "確認項目", "対象", "1回目", "目標日", "2回目", "回答", "確認日", "（いいえの場合）", "備考")
    for header in headers:
        assert header in texts
    for section in ("1 体制構築", "2 医療情報システムの管理・運用", "3 インシデント発生に備えた対応"):
        assert section in texts

    rows = _rows_by_number(sheet)
    assert list(rows) == [n for n, *_ in ITEMS]  # every item, in the order of the form
    labels = {Answer.YES: "はい", Answer.NO: "いいえ", None: None}
    for number, wording, targets, status in ITEMS:
        cells = rows[number]
        first, first_date, target, second, second_date = ANSWERS[number]
        assert cells[1].value == wording
        assert cells[1].alignment.wrap_text
        assert (cells[2].value or "").split("\n") == [
            {ALL: "医療情報システム全般", SERVER: "サーバ", TERMINAL: "端末PC", NETWORK: "ネットワーク機器"}[t]
            for t in targets] or (not targets and cells[2].value is None)
        assert cells[3].value == labels[first]
        assert cells[6].value == labels[second]
        for cell, expected in ((cells[4], first_date), (cells[5], target), (cells[7], second_date)):
            if expected is None:
                assert cell.value is None
            else:
                assert isinstance(cell.value, dt.datetime), (number, cell.coordinate, cell.value)
                assert cell.value.date() == expected
                assert cell.is_date and cell.number_format == "yyyy/mm/dd"
        remark = cells[8].value or ""
        assert ("※文言は再構成（公式様式で要確認）" in remark) is (status is Wording.RECONSTRUCTED)
    assert "令和9年度までに" in rows["2-⑩"][8].value
    # 目標日 only where the first answer is いいえ, and the one item checked twice
    assert [n for n, r in rows.items() if r[5].value] == ["2-②", "2-③", "2-⑥", "2-⑩", "3-②"]
    assert [n for n, r in rows.items() if r[6].value] == ["2-②"]


def test_xlsx_page_setup_frozen_header_and_widths() -> None:
    _, workbook = _xlsx(_filled())
    sheet = workbook["チェックリスト"]
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == "9"  # A4
    assert sheet.page_setup.fitToWidth == 1 and sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    header_row = next(c.row for row in sheet.iter_rows() for c in row if c.value == "確認項目")
    assert sheet.freeze_panes == f"A{header_row + 2}"
    assert sheet.print_title_rows == f"${header_row}:${header_row + 1}"
    assert sheet.column_dimensions["B"].width >= 50
    assert "&P / &N ページ" in sheet.oddFooter.right.text
    notes = workbook["根拠・備考"]
    assert notes.page_setup.orientation == "landscape" and notes.freeze_panes == "A2"


def test_xlsx_notes_sheet_and_no_formula_from_user_text() -> None:
    data, workbook = _xlsx(_filled())
    notes = workbook["根拠・備考"]
    header = [c.value for c in notes[1]]
    assert header[:5] == ["番号", "確認項目", "備考（メモ）", "回答者", "根拠ファイル（SHA-256）"]
    rows = {row[0].value: row for row in notes.iter_rows(min_row=2)}
    assert set(rows) == {n for n, *_ in ITEMS}
    hyperlink = rows["2-⑬"][2]
    assert hyperlink.value == HYPERLINK_NOTE and hyperlink.data_type == "s"
    assert hyperlink.quotePrefix  # Excel keeps it text even when the cell is edited
    assert rows["2-①"][2].value == "台帳は情報システム課の共有フォルダ\n（毎月更新）"
    assert rows["2-①"][3].value == "情報システム課 髙橋"
    assert rows["2-①"][4].value == EVIDENCE
    assert rows["2-④"][5].value == "再構成（公式様式で要確認）"
    assert rows["2-⑬"][5].value == "公式様式で確認済"
    assert rows["2-⑬"][7].value == "システム運用編 13⑪"
    # no formula anywhere in the file: the note went to the shared strings, not into an <f> element
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")]
        assert not any("<f>" in part or "<f " in part for part in parts)
        assert any("=HYPERLINK(" in part for part in parts)  # as an (inline or shared) string
    for sheet in workbook:
        for row in sheet.iter_rows():
            assert all(c.data_type != "f" for c in row)


def test_xlsx_formula_like_facility_name_stays_text(tmp_path: Path) -> None:
    filled = _filled()
    hostile = FilledChecklist(definition=filled.definition, facility_name="@SUM(1+1)病院", items=filled.items)
    path = tmp_path / "checklist.xlsx"
    write_xlsx(hostile, path)
    sheet = openpyxl.load_workbook(path)["チェックリスト"]
    assert sheet["B3"].value == "@SUM(1+1)病院" and sheet["B3"].data_type == "s"


def test_xlsx_vendor_form_names_the_vendor() -> None:
    _, workbook = _xlsx(_filled(Form.VENDOR))
    sheet = workbook["チェックリスト"]
    assert sheet["A2"].value.startswith("令和7年度　事業者確認用")
    assert (sheet["A3"].value, sheet["B3"].value) == ("医療機関等名", FACILITY)
    assert (sheet["A4"].value, sheet["B4"].value) == ("事業者名", VENDOR)


def test_workbook_properties() -> None:
    _, workbook = _xlsx(_filled())
    assert workbook.properties.creator == "Mamori"
    assert workbook.properties.title == f"{TITLE}（令和7年度）"


# ---------------------------------------------------------------- pdf

POPPLER = ("pdffonts", "pdftotext", "pdftoppm", "pdfinfo")
needs_poppler = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in POPPLER),
    reason="poppler-utils (pdffonts, pdftotext, pdftoppm, pdfinfo) not installed: apt-get install poppler-utils")


def _run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=True, env=env, timeout=120)


def _pdf(tmp_path: Path, filled: FilledChecklist, name: str = "checklist.pdf") -> Path:
    path = tmp_path / name
    write_pdf(filled, path)
    return path


def _pages(pdf: Path) -> int:
    match = re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", pdf).stdout, re.MULTILINE)
    assert match
    return int(match.group(1))


def _fonts(pdf: Path) -> list[dict[str, str]]:
    """pdffonts' table, cut by the dashes under its header (the type column holds spaces)."""
    lines = _run("pdffonts", pdf).stdout.splitlines()
    header, dashes, *rows = lines
    spans = [(m.start(), m.end()) for m in re.finditer(r"-+", dashes)]
    names = [header[a:b].strip() or header[a:].split()[0] for a, b in spans]
    return [{n: row[a:b + 1].strip() for n, (a, b) in zip(names, spans, strict=True)} for row in rows]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _dark_fraction(png: Path) -> float:
    with Image.open(png) as image:
        grey = image.convert("L")
        histogram = grey.histogram()
        return sum(histogram[:128]) / (grey.width * grey.height)


def _empty_fontconfig(tmp_path: Path) -> dict[str, str]:
    """An environment in which fontconfig knows no font at all (no <dir>, no cache)."""
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                    f"<cachedir>{tmp_path / 'fc-cache'}</cachedir>\n</fontconfig>\n", encoding="utf-8")
    return {"PATH": "/usr/bin:/bin", "FONTCONFIG_FILE": str(conf), "FONTCONFIG_PATH": str(tmp_path),
            "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}


def test_pdf_writes_to_a_file_object_with_metadata() -> None:
    buffer = io.BytesIO()
    write_pdf(_filled(), buffer)
    data = buffer.getvalue()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert b"FontFile2" in data  # the TrueType program itself is in the file


@needs_poppler
def test_pdf_metadata(tmp_path: Path) -> None:
    info = _run("pdfinfo", _pdf(tmp_path, _filled())).stdout
    assert re.search(rf"^Title:\s+{TITLE}（令和7年度・{FACILITY}）$", info, re.MULTILINE)
    assert re.search(r"^Author:\s+Mamori$", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+841.89 x 595.276 pts \(A4\)", info, re.MULTILINE)  # landscape


@needs_poppler
def test_pdf_embeds_the_ipaex_font_and_only_embedded_fonts(tmp_path: Path) -> None:
    rows = _fonts(_pdf(tmp_path, _filled()))
    assert rows
    assert any("IPAexGothic" in r["name"] for r in rows), rows
    assert all(r["emb"] == "yes" for r in rows), rows
    assert all(r["uni"] == "yes" for r in rows), rows  # text can be copied and searched


@needs_poppler
def test_pdf_text_holds_the_wording_answers_and_facility(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, _filled())
    text = _run("pdftotext", "-raw", "-enc", "UTF-8", pdf, "-").stdout
    flat = _squash(text)
    for _, wording, _, _ in ITEMS:
        assert _squash(wording) in flat, wording
    assert "接続元制限を実施している。" in text
    for needle in ("はい", "いいえ", FACILITY, "令和7年度", "医療機関確認用", "1体制構築", "2025/05/21", "2025/09/30",
                   "2025/10/02", "※文言は再構成（公式様式で要確認）", "出力日時2025/06/0209:30(UTC+09:00)",
                   "根拠・備考", _squash(HYPERLINK_NOTE), "情報システム課髙橋", "9f86d081884c7d659a2feaa0c55ad015"):
        assert _squash(needle) in flat, needle


@needs_poppler
def test_pdf_vendor_form_names_the_vendor(tmp_path: Path) -> None:
    text = _squash(_run("pdftotext", "-raw", _pdf(tmp_path, _filled(Form.VENDOR)), "-").stdout)
    assert "事業者確認用" in text and f"事業者名：{VENDOR}" in text and f"医療機関等名：{_squash(FACILITY)}" in text


@needs_poppler
def test_pdf_renders_every_page_to_a_non_blank_png(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, _filled())
    pages = _pages(pdf)
    _run("pdftoppm", "-r", "50", "-png", pdf, tmp_path / "page")
    pngs = sorted(tmp_path.glob("page-*.png"))
    assert len(pngs) == pages >= 1
    for png in pngs:
        assert png.stat().st_size > 5_000
        with Image.open(png) as image:
            assert image.width > image.height  # landscape
        assert _dark_fraction(png) > 0.001, png  # a blank page has none (a short last page has little)
    assert _dark_fraction(pngs[0]) > 0.01  # the first page is full of text and rules


@needs_poppler
def test_long_pdf_repeats_the_header_and_numbers_pages(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, _long_filled())
    pages = _pages(pdf)
    assert pages >= 2
    for page in range(1, pages + 1):
        text = _squash(_run("pdftotext", "-f", str(page), "-l", str(page), "-raw", pdf, "-").stdout)
        for header in ("番号", "確認項目", "対象", "1回目", "2回目", "目標日", "（いいえの場合）", "確認日"):
            assert header in text, (page, header)
        assert f"{page}/{pages}ページ" in text
        assert "長い確認項目" in text
        # the page header and footer are drawn after the table: what precedes them is the table's part
        body = text.split(_squash(f"{FACILITY}　{TITLE}"))[0].split("出力日時")[0]
        assert not body.endswith(("1体制構築", "2医療情報システムの管理・運用", "3インシデント発生に備えた対応")), page
    _run("pdftoppm", "-r", "50", "-png", pdf, tmp_path / "long")
    assert len(list(tmp_path.glob("long-*.png"))) == pages


@needs_poppler
def test_pdf_renders_from_the_embedded_font_alone(tmp_path: Path) -> None:
    pdf = _pdf(tmp_path, _filled())
    env = _empty_fontconfig(tmp_path)
    listed = subprocess.run(["fc-list"], capture_output=True, text=True, env=env, check=False).stdout \
        if shutil.which("fc-list") else ""
    assert "IPA" not in listed and "Noto" not in listed  # no system font is visible in this environment
    # control: the same words in a font the PDF only names (not embedded) render as nothing here
    control = tmp_path / "control.pdf"
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiKakuGo-W5"))
    canvas = Canvas(str(control))
    canvas.setFont("HeiseiKakuGo-W5", 20)
    canvas.drawString(100, 700, "接続元制限を実施している。")
    canvas.save()
    failed = _run("pdftoppm", "-r", "50", "-png", control, tmp_path / "control", env=env)
    assert "Couldn't find a font" in failed.stderr
    assert _dark_fraction(tmp_path / "control-1.png") == 0
    rendered = _run("pdftoppm", "-r", "50", "-png", pdf, tmp_path / "bare", env=env)
    assert "Couldn't find a font" not in rendered.stderr, rendered.stderr
    bare = sorted(tmp_path.glob("bare-*.png"))
    assert len(bare) == _pages(pdf)
    _run("pdftoppm", "-r", "50", "-png", pdf, tmp_path / "normal")
    normal = sorted(tmp_path.glob("normal-*.png"))
    for without, with_fonts in zip(bare, normal, strict=True):
        assert _dark_fraction(without) > 0.001
        with Image.open(without) as a, Image.open(with_fonts) as b:
            assert a.tobytes() == b.tobytes()  # the same pixels as with every system font available
    text = _run("pdftotext", "-raw", "-enc", "UTF-8", pdf, "-", env=env).stdout
    assert "接続元制限を実施している。" in text and "いいえ" in text and _squash(FACILITY) in _squash(text)
