"""The hunt timeline (CSV with BOM or CP932, JSONL; UTC and JST; the rule author on every row) and the logon
summary (successes and failures by account and source, RDP told apart)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from mamori.engines.logs.logons import summarise_logons
from mamori.engines.logs.timeline import TimelineRow, write_csv, write_jsonl

ROW = TimelineRow(time=dt.datetime(2026, 11, 30, 15, 4, 5, 123000, tzinfo=dt.UTC), host="EHR-DB01.hosp.local",
                  channel="Security", event_id=4688, record_id=81234, level="high",
                  rule="Shadow Copies Deletion Using Operating Systems Utilities", rule_id="c947b146-0abc",
                  author="Florian Roth (Nextron Systems)", attack=("attack.impact", "attack.t1490"),
                  details="=cmd /c vssadmin delete shadows /all /quiet 患者", source="Security.evtx")


def test_csv_has_utc_and_jst_the_author_and_no_formula(tmp_path: Path) -> None:
    path = tmp_path / "timeline.csv"
    assert write_csv([ROW], path) == 1
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    header, row = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    cells = dict(zip(header, row, strict=True))
    assert cells["時刻(UTC)"] == "2026-11-30 15:04:05.123Z" and cells["時刻(JST)"] == "2026-12-01 00:04:05"
    assert cells["作成者"] == "Florian Roth (Nextron Systems)" and cells["ATT&CK"] == "attack.impact attack.t1490"
    assert cells["詳細"].startswith("'=cmd")  # not run as a formula when the CSV is opened in Excel


def test_csv_in_cp932_for_japanese_excel(tmp_path: Path) -> None:
    path = tmp_path / "timeline-cp932.csv"
    write_csv([ROW], path, encoding="cp932")
    text = path.read_bytes().decode("cp932")
    assert "患者" in text and "作成者" in text


def test_jsonl_keeps_the_tags_as_a_list(tmp_path: Path) -> None:
    path = tmp_path / "timeline.jsonl"
    write_jsonl([ROW, ROW], path)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2 and lines[0]["attack"] == ["attack.impact", "attack.t1490"]
    assert lines[0]["author"] == ROW.author and lines[0]["event_id"] == 4688


def test_the_logon_summary_counts_by_account_and_source_and_tells_rdp_apart() -> None:
    events = [
        *[{"Channel": "Security", "EventID": 4625, "TargetUserName": "administrator", "TargetDomainName": "HOSP",
           "IpAddress": "10.20.0.5", "LogonType": "3"}] * 3,
        {"Channel": "Security", "EventID": 4624, "TargetUserName": "administrator", "TargetDomainName": "HOSP",
         "IpAddress": "10.20.0.5", "LogonType": "10"},
        {"Channel": "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", "EventID": 1149,
         "Param1": "vendor01", "Param2": "HOSP", "Param3": "203.0.113.7"},
        {"Channel": "System", "EventID": 7045},
    ]
    summary = summarise_logons(events)
    rows = summary.rows()
    assert rows[0] == ("HOSP\\administrator", "10.20.0.5", "type 3", 0, 3)  # failures first
    assert ("HOSP\\administrator", "10.20.0.5", "RDP", 1, 0) in rows
    assert ("HOSP\\vendor01", "203.0.113.7", "RDP", 1, 0) in rows
    assert len(rows) == 3
