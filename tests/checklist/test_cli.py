"""The real `mamori checklist export` and `mamori checklist status` on the demo hospital's data directory."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.cli_helpers import mamori


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-checklist")
    assert mamori(folder, "migrate").returncode == 0
    loaded = mamori(folder, "load-demo")
    assert loaded.returncode == 0, loaded.stderr
    return folder


def test_status_json_counts_the_answers_of_every_checklist(data_dir: Path) -> None:
    result = mamori(data_dir, "checklist", "status", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    hospital = next(r for r in rows if r["form"] == "hospital")
    assert hospital["fiscal_year"] == 2025 and hospital["answered"] == 9 and hospital["no"] == 4
    assert "2-⑥" in hospital["overdue"]  # its 目標日 2025-12-26 has passed
    assert sorted(r["vendor"] for r in rows if r["form"] == "vendor") == ["V-EHR", "V-NET"]


def test_export_xlsx_reopens_with_the_answers(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r7.xlsx"
    result = mamori(data_dir, "checklist", "export", "--year", "2025", "--form", "hospital", "--format", "xlsx",
                    str(out))
    assert result.returncode == 0, result.stderr
    values = {str(c.value) for row in openpyxl.load_workbook(out).worksheets[0].iter_rows() for c in row if c.value}
    assert {"2-⑬", "いいえ", "はい"} <= values


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed (pdftotext)")
def test_export_pdf_holds_the_japanese_wording(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r7.pdf"
    assert mamori(data_dir, "checklist", "export", "--year", "2025", "--form", "hospital", str(out)).returncode == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "接続元制限を実施している。" in text.replace("\n", "")


def test_a_checklist_that_does_not_exist_is_exit_2(data_dir: Path, tmp_path: Path) -> None:
    result = mamori(data_dir, "checklist", "export", "--year", "2019", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2 and "no such checklist" in result.stderr
