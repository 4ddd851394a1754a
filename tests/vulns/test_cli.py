"""The real `mamori feeds import`, `mamori vulns match --json` and `mamori vulns report --week` in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import mamori
from tests.vulns.conftest import feed


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory with the demo hospital loaded (its demo feeds imported and matched)."""
    folder = tmp_path_factory.mktemp("cli-vulns")
    assert mamori(folder, "migrate").returncode == 0
    loaded = mamori(folder, "load-demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "vulnerability_findings" in loaded.stdout
    return folder


def test_feeds_import_reports_counts_and_refuses_bad_files_with_exit_1(data_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "nvdcve-2.0-2024.json"
    broken.write_text('{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": ', encoding="utf-8")
    result = mamori(data_dir, "feeds", "import", str(feed("nvd11_two_records.json")), str(broken))
    assert result.returncode == 1
    assert "nvd11_two_records.json [nvd]: 2 records — 1 new, 0 changed, 0 unchanged, 1 older than held" in result.stdout
    assert "REFUSED nvdcve-2.0-2024.json" in result.stderr and "truncated" in result.stderr
    assert "Matched" in result.stdout
    again = mamori(data_dir, "feeds", "import", str(feed("nvd11_two_records.json")), "--no-match")
    # the demo feed holds the 2025 CVE-2018-13379 record: the 2020 one of this file is older and left alone
    assert again.returncode == 0 and "0 new, 0 changed, 1 unchanged, 1 older than held" in again.stdout


def test_vulns_match_json_puts_the_fortigate_first(data_dir: Path) -> None:
    result = mamori(data_dir, "vulns", "match", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    top = body["findings"][0]
    assert top["asset"] == "VPN-00001" and top["priority"] == "critical"
    assert top["cve"] in ("CVE-2018-13379", "CVE-2022-42475") and top["why"]
    cves = {(f["asset"], f["cve"]) for f in body["findings"]}
    assert ("VPN-00001", "CVE-2018-13379") in cves and ("VPN-00002", "CVE-2018-13379") not in cves
    assert body["run"]["assets"] > 900
    # load-demo matched already: nothing changed since, so nothing was re-evaluated; --full re-evaluates all
    assert (body["run"]["reevaluated"], body["run"]["changed_cves"]) == (0, 0)
    full = json.loads(mamori(data_dir, "vulns", "match", "--json", "--full").stdout)["run"]
    assert full["reevaluated"] == full["assets"] and (full["new"], full["gone"]) == (0, 0)
    assert full["findings"] == body["run"]["findings"]


def test_vulns_report_week_prints_japanese_markdown(data_dir: Path) -> None:
    result = mamori(data_dir, "vulns", "report", "--week", "--no-match")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# 今週の脆弱性") and "CVE-2018-13379" in result.stdout
    english = mamori(data_dir, "vulns", "report", "--week", "--no-match", "--lang", "en", "--format", "json")
    assert json.loads(english.stdout)["summary"]["critical"] >= 1


def test_feeds_status_lists_every_source(data_dir: Path) -> None:
    result = mamori(data_dir, "feeds", "status", "--json")
    kinds = {row["kind"]: row["records"] for row in json.loads(result.stdout)}
    assert set(kinds) == {"nvd", "jvn", "kev", "epss", "csaf", "cve5"} and all(kinds.values())


def test_a_user_without_permission_is_refused(data_dir: Path) -> None:
    created = mamori(data_dir, "createuser", "kensa", "--role", "inspector", "--generate-password")
    assert created.returncode == 0, created.stderr
    result = mamori(data_dir, "feeds", "import", str(feed("nvd11_two_records.json")), "--user", "kensa")
    assert result.returncode == 2 and "may not import feeds" in result.stderr
