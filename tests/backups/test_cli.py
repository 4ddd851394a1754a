"""The real `mamori backup jobs` and `mamori backup run` against a data directory with the demo hospital."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import mamori


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-backups")
    assert mamori(folder, "migrate").returncode == 0
    loaded = mamori(folder, "load-demo")
    assert loaded.returncode == 0, loaded.stderr
    assert "backup_jobs" in loaded.stdout
    return folder


def test_backup_jobs_lists_the_restore_points_and_failed_checks(data_dir: Path) -> None:
    result = mamori(data_dir, "backup", "jobs", "--json")
    assert result.returncode == 1, result.stderr  # two demo jobs fail checks
    rows = {r["code"]: r for r in json.loads(result.stdout)}
    assert rows["BK-IJI"]["checks"] == [] and rows["BK-IJI"]["newest_state"] == "clean"
    assert rows["BK-FILE"]["newest_state"] == "encrypted" and rows["BK-FILE"]["last_clean"]["short_id"]
    assert {c["code"] for c in rows["BK-EHR"]["checks"]} == {"no_safe_copy", "same_segment", "same_domain"}


def test_backup_run_verifies_again_and_exits_1_for_the_encrypted_job(data_dir: Path) -> None:
    before = json.loads(mamori(data_dir, "backup", "jobs", "--json").stdout)
    one = mamori(data_dir, "backup", "run", "--job", "BK-IJI")
    assert one.returncode == 0, one.stderr
    assert "BK-IJI: 8 snapshots, newest clean" in one.stdout
    every = mamori(data_dir, "backup", "run")
    assert every.returncode == 1
    assert "BK-FILE: 8 snapshots, newest encrypted" in every.stdout
    after = {r["code"]: r for r in json.loads(mamori(data_dir, "backup", "jobs", "--json").stdout)}
    assert after["BK-FILE"]["last_clean"] == {r["code"]: r for r in before}["BK-FILE"]["last_clean"]
    assert mamori(data_dir, "backup", "run", "--job", "NOPE").returncode == 2
