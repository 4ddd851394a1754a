"""`mamori hunt` on generated Windows-event JSON (winlogbeat shape) and, when present, a real EVTX sample: Mamori's
own rules fire (a shadow-copy deletion logged as Security 4688, a cleared Security log), every row has the
author, the timeline is written, a broken file is reported and left out whole."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from mamori.engines.logs.hunt import hunt
from tests.cli_helpers import mamori

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "evtx"


def _winlogbeat(path: Path) -> Path:
    events = [
        {"@timestamp": "2026-11-30T15:01:00.000Z", "winlog": {
            "channel": "Security", "event_id": 4688, "computer_name": "EHR-AP01.hosp.local", "record_id": 5001,
            "event_data": {"NewProcessName": "C:\\Windows\\System32\\vssadmin.exe",
                           "CommandLine": "vssadmin.exe Delete Shadows /All /Quiet",
                           "ParentProcessName": "C:\\Windows\\System32\\cmd.exe", "SubjectUserName": "svc_ehr"}}},
        {"@timestamp": "2026-11-30T15:02:00.000Z", "winlog": {
            "channel": "Security", "event_id": 1102, "computer_name": "EHR-AP01.hosp.local", "record_id": 5002,
            "user_data": {"SubjectUserName": "svc_ehr"}}},
        {"@timestamp": "2026-11-30T15:00:00.000Z", "winlog": {
            "channel": "Security", "event_id": 4688, "computer_name": "PC-0101", "record_id": 7,
            "event_data": {"NewProcessName": "C:\\Program Files\\電子カルテ\\ehr.exe", "CommandLine": "ehr.exe"}}},
    ]
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8")
    return path


def test_a_shadow_copy_deletion_logged_as_4688_and_a_log_clear_are_caught_with_their_author(tmp_path: Path) -> None:
    result = hunt([_winlogbeat(tmp_path / "security.jsonl")])
    rules = {r.rule_id: r for r in result.rows}
    assert set(rules) == {"6f1d2a43-7c0b-4e5e-9d3a-5b8e1f0c2a11", "2b7e9c10-4d5f-4a8b-8e21-3c6f0d9a7b42"}
    deletion = rules["6f1d2a43-7c0b-4e5e-9d3a-5b8e1f0c2a11"]
    assert deletion.level == "critical" and deletion.host == "EHR-AP01.hosp.local" and deletion.event_id == 4688
    assert all(r.author == "Mamori project" for r in result.rows) and "attack.t1490" in deletion.attack
    assert result.by_level["critical"] == 1 and result.by_level["high"] == 1 and result.events == 3


def test_a_broken_file_is_reported_and_left_out_whole(tmp_path: Path) -> None:
    good = _winlogbeat(tmp_path / "a.jsonl")
    broken = tmp_path / "b.jsonl"
    broken.write_text(good.read_text(encoding="utf-8") + '{"winlog": {"channel": \n', encoding="utf-8")
    result = hunt([tmp_path])
    errors = {Path(f.path).name: f.error for f in result.files}
    assert errors["a.jsonl"] == "" and "b.jsonl" in errors["b.jsonl"] and "line 4" in errors["b.jsonl"]
    assert result.events == 3  # nothing of the broken file, not even its three good lines


def test_the_cli_prints_japanese_writes_the_timeline_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    _winlogbeat(tmp_path / "logs" / "security.jsonl")
    out = tmp_path / "timeline.csv"
    result = mamori(tmp_path / "data", "hunt", str(tmp_path / "logs"), "--timeline", str(out), "--jsonl",
                    str(tmp_path / "t.jsonl"))
    assert result.returncode == 1, result.stderr
    assert "緊急 1" in result.stdout and "作成者: Mamori project" in result.stdout
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["イベントID"] for r in rows] == ["4688", "1102"] and rows[0]["時刻(JST)"] == "2026-12-01 00:01:00"
    assert mamori(tmp_path / "data", "hunt", str(tmp_path / "nothing")).returncode == 2


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"real EVTX samples not present at {SHARED}")
def test_real_evtx_samples_of_log_clearing_are_caught() -> None:
    files = [p for p in SHARED.rglob("*.evtx") if "1102" in p.name and "clear" in p.name.lower()]
    if not files:
        pytest.skip("no 1102 log-clearing sample among the EVTX files")
    result = hunt(files[:3])
    assert any(r.rule_id == "2b7e9c10-4d5f-4a8b-8e21-3c6f0d9a7b42" and r.event_id == 1102 for r in result.rows)
