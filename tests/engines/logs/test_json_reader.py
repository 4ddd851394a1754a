"""Windows event JSON exports (winlogbeat, nxlog, Mamori's own) into flat events; encodings; all or nothing."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from mamori.engines.errors import InputError
from mamori.engines.logs.json_reader import read_json_events

UTC = dt.UTC

WINLOGBEAT_4625 = {
    "@timestamp": "2024-04-01T00:15:30.123Z",
    "event": {"code": "4625", "provider": "Microsoft-Windows-Security-Auditing", "created": "2024-04-01T00:16:00Z"},
    "host": {"name": "ehr-srv01"},
    "log": {"level": "information"},
    "winlog": {
        "channel": "Security", "event_id": "4625", "computer_name": "EHR-SRV01.hospital.local", "record_id": "912345",
        "provider_name": "Microsoft-Windows-Security-Auditing", "task": "Logon", "keywords": ["Audit Failure"],
        "event_data": {"TargetUserName": "受付担当", "IpAddress": "203.0.113.7", "LogonType": "10",
                       "WorkstationName": "診察室PC"},
    },
}
WINLOGBEAT_1102 = {
    "@timestamp": "2024-04-01T01:00:00Z",
    "winlog": {"channel": "Security", "event_id": 1102, "computer_name": "DC01", "record_id": 77,
               "user": {"identifier": "S-1-5-21-1-2-3-500"},
               "user_data": {"xml_name": "LogFileCleared", "SubjectUserName": "管理者", "SubjectLogonId": "0x3e7"}},
}
NXLOG_4624 = {
    "EventTime": "2024-04-01 09:15:30", "EventReceivedTime": "2024-04-01 09:15:31", "Hostname": "RECEPTION-PC",
    "Keywords": -9214364837600034816, "EventType": "AUDIT_SUCCESS", "SeverityValue": 2, "Severity": "INFO",
    "EventID": 4624, "SourceName": "Microsoft-Windows-Security-Auditing", "Task": 12544, "RecordNumber": 5501,
    "Channel": "Security", "Message": "アカウントが正常にログオンしました。", "TargetUserName": "看護師A",
    "IpAddress": "192.168.10.21", "LogonType": "3",
}


def _jsonl(path: Path, objects: list[dict[str, Any]], encoding: str = "utf-8") -> Path:
    path.write_bytes("\n".join(json.dumps(o, ensure_ascii=False) for o in objects).encode(encoding) + b"\n")
    return path


def test_winlogbeat_lines_normalise_to_the_flat_shape(tmp_path: Path) -> None:
    events = read_json_events(_jsonl(tmp_path / "beats.jsonl", [WINLOGBEAT_4625, WINLOGBEAT_1102]))
    failed, cleared = events
    assert failed["EventID"] == 4625 and type(failed["EventID"]) is int
    assert failed["EventRecordID"] == 912345
    assert failed["Channel"] == "Security" and failed["Computer"] == "EHR-SRV01.hospital.local"
    assert failed["Provider_Name"] == "Microsoft-Windows-Security-Auditing"
    assert failed["TimeCreated"] == dt.datetime(2024, 4, 1, 0, 15, 30, 123000, tzinfo=UTC)  # @timestamp, not created
    assert failed["TargetUserName"] == "受付担当" and failed["WorkstationName"] == "診察室PC"
    assert (failed["IpAddress"], failed["LogonType"]) == ("203.0.113.7", "10")
    assert failed["Level"] == 4 and failed["Keywords"] == "Audit Failure"
    assert (failed["_source"], failed["_offset"]) == ("beats.jsonl", 1)
    assert cleared["SubjectUserName"] == "管理者" and "xml_name" not in cleared
    assert cleared["Security_UserID"] == "S-1-5-21-1-2-3-500" and cleared["_offset"] == 2


def test_dotted_winlogbeat_keys_read_like_nested_ones(tmp_path: Path) -> None:
    flat = {"@timestamp": "2024-04-01T00:00:00Z", "winlog.channel": "System", "winlog.event_id": "7045",
            "winlog.computer_name": "PC1", "winlog.event_data.ServiceName": "AnyDesk"}
    (event,) = read_json_events(_jsonl(tmp_path / "dotted.jsonl", [flat]))
    assert (event["Channel"], event["EventID"], event["Computer"], event["ServiceName"]) == (
        "System", 7045, "PC1", "AnyDesk")


def test_nxlog_lines_map_their_names_and_keep_event_data(tmp_path: Path) -> None:
    (event,) = read_json_events(_jsonl(tmp_path / "nxlog.json", [NXLOG_4624]))
    assert (event["EventID"], event["Channel"], event["Computer"], event["EventRecordID"]) == (
        4624, "Security", "RECEPTION-PC", 5501)
    assert event["Provider_Name"] == "Microsoft-Windows-Security-Auditing"
    assert event["TargetUserName"] == "看護師A" and event["Message"].startswith("アカウント")
    assert event["TimeCreated"] == dt.datetime(2024, 4, 1, 9, 15, 30, tzinfo=UTC)  # no offset: naive_tz (UTC)
    assert "EventTime" not in event and "Hostname" not in event


def test_nxlog_local_times_can_be_read_as_jst(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "nxlog.json", [NXLOG_4624])
    (event,) = read_json_events(path, naive_tz=ZoneInfo("Asia/Tokyo"))
    assert event["TimeCreated"] == dt.datetime(2024, 4, 1, 0, 15, 30, tzinfo=UTC)
    assert event["TimeCreated"].tzinfo == UTC


def test_a_json_array_and_mamoris_own_shape(tmp_path: Path) -> None:
    own = {"Channel": "System", "EventID": "104", "Computer": "PC1", "EventRecordID": 3,
           "TimeCreated": "2024-04-01T09:00:00+09:00", "Provider_Name": "Microsoft-Windows-Eventlog",
           "SubjectUserName": "admin"}
    path = tmp_path / "export.json"
    path.write_text(json.dumps([own, WINLOGBEAT_4625], ensure_ascii=False, indent=2), encoding="utf-8-sig")
    first, second = read_json_events(path)
    assert first["EventID"] == 104 and first["SubjectUserName"] == "admin"
    assert first["TimeCreated"] == dt.datetime(2024, 4, 1, 0, 0, tzinfo=UTC)
    assert (first["_offset"], second["_offset"]) == (1, 2) and second["EventID"] == 4625


def test_a_cp932_file_is_refused_by_default_with_line_and_byte_offset_then_read_as_cp932(tmp_path: Path) -> None:
    ascii_only = dict(NXLOG_4624, TargetUserName="nurse", Message="ok")
    path = _jsonl(tmp_path / "sjis.jsonl", [ascii_only, NXLOG_4624], encoding="cp932")
    first_line, second_line = path.read_bytes().split(b"\n")[:2]
    bad_offset = len(first_line) + 1 + next(i for i, byte in enumerate(second_line) if byte >= 0x80)
    with pytest.raises(InputError) as caught:
        read_json_events(path)
    message = str(caught.value)
    assert message.startswith(f"{path}, line 2: ")
    assert "cp932" in message and caught.value.code == "encoding"
    assert caught.value.params["offset"] == bad_offset
    events = read_json_events(path, encoding="cp932")
    assert [e["TargetUserName"] for e in events] == ["nurse", "看護師A"]


def test_utf16_with_a_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "powershell.jsonl"
    path.write_bytes(json.dumps(WINLOGBEAT_4625, ensure_ascii=False).encode("utf-16"))
    assert read_json_events(path)[0]["TargetUserName"] == "受付担当"


def test_a_broken_line_names_the_line_and_nothing_is_returned(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    good = json.dumps(WINLOGBEAT_4625, ensure_ascii=False)
    path.write_text(f"{good}\n{good}\n{{\"winlog\": {{\"channel\": \n{good}\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_json_events(path)
    assert str(caught.value).startswith(f"{path}, line 3: is not valid JSON")


def test_an_object_without_event_id_or_time_is_refused_with_its_line(tmp_path: Path) -> None:
    no_id = {"@timestamp": "2024-04-01T00:00:00Z", "winlog": {"channel": "Security"}}
    with pytest.raises(InputError, match=r"line 2: the event holds no EventID"):
        read_json_events(_jsonl(tmp_path / "a.jsonl", [WINLOGBEAT_4625, no_id]))
    no_time = dict(NXLOG_4624, EventTime="yesterday")
    with pytest.raises(InputError, match=r"line 1: the event holds no readable event time"):
        read_json_events(_jsonl(tmp_path / "b.jsonl", [no_time]))
    path = tmp_path / "c.json"
    path.write_text(json.dumps([WINLOGBEAT_4625, 5]), encoding="utf-8")
    with pytest.raises(InputError, match=r"event 2 is a JSON int"):
        read_json_events(path)


def test_an_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "big.jsonl", [WINLOGBEAT_4625] * 3)
    with pytest.raises(InputError, match="more than the 100 allowed") as caught:
        read_json_events(path, max_bytes=100)
    assert caught.value.code == "too_large"
    assert len(read_json_events(path)) == 3  # the default limit is 1 GiB


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot be read") as caught:
        read_json_events(tmp_path / "nope.jsonl")
    assert caught.value.code == "unreadable"
