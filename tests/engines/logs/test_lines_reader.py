"""Generic JSON-lines and CSV logs as business systems export them (UTF-8 with BOM, Shift_JIS, Japanese headers)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mamori.engines.errors import InputError
from mamori.engines.logs.lines_reader import read_csv, read_jsonl

UTC = dt.UTC


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


# --- CSV ----------------------------------------------------------------------------------------------------------

EHR_AUDIT = ("日時,ホスト名,ユーザー,送信元IP,操作,患者ID,備考\r\n"
             "2024/05/01 09:05:12,ehr-ap01,田中 花子,10.20.4.31,ログイン,,\r\n"
             '2024/05/01 09:07:40,ehr-ap01,田中 花子,10.20.4.31,カルテ閲覧,P-000123,"所見, 追記あり"\r\n'
             "2024/05/01 23:59:59,ehr-ap01,保守,10.212.134.200,ログイン失敗,,\r\n")


def test_cp932_csv_with_japanese_headers(tmp_path: Path) -> None:
    result = read_csv(write(tmp_path / "ehr_audit.csv", EHR_AUDIT, "cp932"))

    first, second, third = result.events
    assert first["TimeCreated"] == dt.datetime(2024, 5, 1, 0, 5, 12, tzinfo=UTC)  # JST
    assert (first["Computer"], first["_host"], first["_user"], first["_src_ip"]) == (
        "ehr-ap01", "ehr-ap01", "田中 花子", "10.20.4.31")
    assert first["_action"] == "logon"
    assert second["_action"] == "カルテ閲覧"  # no Mamori word for it: kept as written
    assert second["患者ID"] == "P-000123"
    assert second["備考"] == "所見, 追記あり"
    assert third["_action"] == "logon_failed"
    assert [e["_offset"] for e in result.events] == [2, 3, 4]
    assert {(e["_kind"], e["_source"]) for e in result.events} == {("csv", "ehr_audit.csv")}
    assert first["Channel"] is None and first["EventID"] is None


def test_utf8_bom_csv_with_english_headers_and_iso_time(tmp_path: Path) -> None:
    text = ("\ufefftimestamp,Host Name,user_name,Client IP,Action\n"
            "2024-05-01T10:00:00Z,mdm01,sato,::ffff:10.20.1.5,Login Failed\n")

    event = read_csv(write(tmp_path / "mdm.csv", text)).events[0]

    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert event["timestamp"] == "2024-05-01T10:00:00Z"  # the column itself is kept
    assert (event["_host"], event["_user"], event["_src_ip"], event["_action"]) == (
        "mdm01", "sato", "10.20.1.5", "logon_failed")


def test_split_date_and_time_columns(tmp_path: Path) -> None:
    text = "日付,時刻,利用者,処理\n2024/5/1,9:05,鈴木,ログアウト\n"

    event = read_csv(write(tmp_path / "pacs.csv", text)).events[0]

    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 0, 5, tzinfo=UTC)
    assert (event["_user"], event["_action"]) == ("鈴木", "logoff")


def test_tab_separated_utf16_export(tmp_path: Path) -> None:
    text = "time\thost\tuser\n2024-05-01 10:00:00\tlis01\tito\n"

    event = read_csv(write(tmp_path / "lis.csv", text, "utf-16")).events[0]

    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    assert (event["_host"], event["_user"]) == ("lis01", "ito")


def test_event_viewer_csv_in_japanese(tmp_path: Path) -> None:
    text = ("レベル,日付と時刻,ソース,イベント ID,タスクのカテゴリ\r\n"
            "情報,2024/05/01 9:05:12,Microsoft-Windows-Security-Auditing,4625,ログオン,"
            '"アカウントがログオンに失敗しました。\r\nサブジェクト:"\r\n')

    event = read_csv(write(tmp_path / "security.csv", text, "cp932")).events[0]

    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 0, 5, 12, tzinfo=UTC)
    assert event["EventID"] == 4625
    assert event["Message"] == "アカウントがログオンに失敗しました。\r\nサブジェクト:"
    assert event["ソース"] == "Microsoft-Windows-Security-Auditing"


def test_epoch_text_in_csv(tmp_path: Path) -> None:
    event = read_csv(write(tmp_path / "x.csv", "time,host\n1714525200,a\n")).events[0]

    assert event["TimeCreated"] == dt.datetime(2024, 5, 1, 1, 0, tzinfo=UTC)


def test_short_row_fails_the_file_naming_the_line(tmp_path: Path) -> None:
    text = "time,host,user\n2024-05-01 10:00:00,a,b\n2024-05-01 10:00:01,a\n2024-05-01 10:00:02,a,b\n"

    with pytest.raises(InputError, match=r"x\.csv, line 3: has 2 values but the header has 3 columns"):
        read_csv(write(tmp_path / "x.csv", text))


def test_bad_time_names_line_and_column(tmp_path: Path) -> None:
    text = "日時,ユーザー\n2024/05/01 10:00:00,a\n昨日の夜,b\n"

    with pytest.raises(InputError, match=r"x\.csv, line 3, 日時: '昨日の夜' is not a date and time"):
        read_csv(write(tmp_path / "x.csv", text))


def test_csv_without_time_column_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"line 2: holds no time"):
        read_csv(write(tmp_path / "x.csv", "host,user\na,b\n"))


def test_multiline_quoted_cell_reports_the_record_first_line(tmp_path: Path) -> None:
    text = 'time,host,note\n2024-05-01 10:00:00,a,"one\ntwo"\n2024-05-01 10:00:01,a\n'

    result = read_csv(write(tmp_path / "x.csv", text), recover=True)

    assert result.events[0]["note"] == "one\ntwo"
    assert result.events[0]["_offset"] == 2
    assert [where.line for where, _ in result.skipped] == [4]


def test_unclosed_quote_is_an_error_not_a_swallowed_file(tmp_path: Path) -> None:
    text = 'time,host\n2024-05-01 10:00:00,"a\n2024-05-01 10:00:01,b\n'

    with pytest.raises(InputError, match=r"x\.csv, line 2: is not valid CSV"):
        read_csv(write(tmp_path / "x.csv", text))


def test_recover_lists_every_skipped_row(tmp_path: Path) -> None:
    text = "time,host\n2024-05-01 10:00:00,a\nbad,b\n2024-05-01 10:00:02,c,extra\n2024-05-01 10:00:03,d\n"

    result = read_csv(write(tmp_path / "x.csv", text), recover=True)

    assert [e["host"] for e in result.events] == ["a", "d"]
    assert [(str(where), reason) for where, reason in result.skipped] == [
        (f"{tmp_path / 'x.csv'}, line 3, time", "'bad' is not a date and time"),
        (f"{tmp_path / 'x.csv'}, line 4", "has 3 values but the header has 2 columns"),
    ]


def test_undecodable_file_is_refused_with_offset(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"time,host\n2024-05-01 10:00:00,\x82\xff\n")

    with pytest.raises(InputError, match=r"line 2: is neither utf-8 nor cp932 text \(bad byte at offset 30\)"):
        read_csv(path)


def test_explicit_encoding_is_used(tmp_path: Path) -> None:
    text = "time,host\n2024-05-01 10:00:00,ホスト\n"

    event = read_csv(write(tmp_path / "x.csv", text, "euc_jp"), encoding="euc_jp").events[0]

    assert event["host"] == "ホスト"


def test_data_cannot_overwrite_mamori_fields(tmp_path: Path) -> None:
    text = "time,_kind,_source\n2024-05-01 10:00:00,evtx,forged\n"

    event = read_csv(write(tmp_path / "x.csv", text)).events[0]

    assert (event["_kind"], event["_source"]) == ("csv", "x.csv")
    assert (event["CSV__kind"], event["CSV__source"]) == ("evtx", "forged")


def test_huge_line_is_reported_not_parsed(tmp_path: Path) -> None:
    text = "time,host\n2024-05-01 10:00:00," + "A" * 3000 + "\n2024-05-01 10:00:01,b\n"
    path = write(tmp_path / "x.csv", text)

    with pytest.raises(InputError, match=r"line 2: is 3,020 bytes long, more than the 2,048"):
        read_csv(path, max_line=2048)
    result = read_csv(path, max_line=2048, recover=True)
    assert [e["host"] for e in result.events] == ["b"]
    assert [where.line for where, _ in result.skipped] == [2]


# --- JSON lines ---------------------------------------------------------------------------------------------------

def jsonl(*objects: object) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects)


def test_generic_json_lines_flatten_and_detect_fields(tmp_path: Path) -> None:
    text = jsonl({"@timestamp": "2024-05-01T10:00:00.250+09:00", "host": {"name": "vpn-gw"},
                  "user": {"name": "hoshu"}, "source": {"ip": "203.0.113.7"}, "event": {"action": "login"},
                  "bytes": 1024, "ok": False, "tags": ["a", "b"]},
                 {"time": 1714525200, "hostname": "nas01", "message": "epoch seconds"},
                 {"time": 1714525200123, "hostname": "nas01", "message": "epoch ms"})

    first, second, third = read_jsonl(write(tmp_path / "app.jsonl", text)).events

    assert first["TimeCreated"] == dt.datetime(2024, 5, 1, 1, 0, 0, 250000, tzinfo=UTC)
    assert (first["_host"], first["_user"], first["_src_ip"], first["_action"]) == (
        "vpn-gw", "hoshu", "203.0.113.7", "logon")
    assert (first["host.name"], first["bytes"], first["ok"], first["tags"]) == ("vpn-gw", 1024, "false", "a\nb")
    assert (first["_kind"], first["_offset"], first["_source"]) == ("jsonl", 1, "app.jsonl")
    assert second["TimeCreated"] == dt.datetime(2024, 5, 1, 1, 0, tzinfo=UTC)
    assert third["TimeCreated"] == dt.datetime(2024, 5, 1, 1, 0, 0, 123000, tzinfo=UTC)


def test_winlogbeat_line_is_normalised_like_a_windows_export(tmp_path: Path) -> None:
    text = jsonl({"@timestamp": "2024-05-01T16:40:00.000Z",
                  "winlog": {"channel": "Security", "event_id": "4625", "computer_name": "DC01.hosp.local",
                             "record_id": 5501, "provider_name": "Microsoft-Windows-Security-Auditing",
                             "event_data": {"TargetUserName": "tanaka", "IpAddress": "10.212.134.200",
                                            "LogonType": "3", "Status": "0xc000006d"}}},
                 {"time": "2024-05-01 10:00:00", "host": "x"})

    windows, generic = read_jsonl(write(tmp_path / "mixed.jsonl", text)).events

    assert (windows["Channel"], windows["EventID"], windows["Computer"]) == ("Security", 4625, "DC01.hosp.local")
    assert windows["TimeCreated"] == dt.datetime(2024, 5, 1, 16, 40, tzinfo=UTC)
    assert (windows["_kind"], windows["_user"], windows["_src_ip"], windows["_action"]) == (
        "winjson", "tanaka", "10.212.134.200", "logon_failed")
    assert (windows["_offset"], windows["_source"]) == (1, "mixed.jsonl")
    assert generic["_kind"] == "jsonl"


def test_bad_json_line_fails_the_file(tmp_path: Path) -> None:
    text = jsonl({"time": "2024-05-01 10:00:00"}) + '{"time": "2024-05-01 10:00:01", \n'

    with pytest.raises(InputError, match=r"x\.jsonl, line 2: is not valid JSON"):
        read_jsonl(write(tmp_path / "x.jsonl", text))


def test_json_recover_lists_every_bad_line(tmp_path: Path) -> None:
    text = (jsonl({"time": "2024-05-01 10:00:00"}) + "[1, 2]\n" + jsonl({"host": "no time"})
            + "[" * 100000 + "\n" + jsonl({"time": "2024-05-01 10:00:04"}))

    result = read_jsonl(write(tmp_path / "x.jsonl", text), recover=True)

    assert [e["_offset"] for e in result.events] == [1, 5]
    assert [where.line for where, _ in result.skipped] == [2, 3, 4]
    assert "not an object" in result.skipped[0][1]
    assert "holds no time" in result.skipped[1][1]


def test_windows_line_without_time_is_bad(tmp_path: Path) -> None:
    text = jsonl({"Channel": "Security", "EventID": 4624})

    with pytest.raises(InputError, match=r"line 1: the Windows event holds no readable event time"):
        read_jsonl(write(tmp_path / "x.jsonl", text))


def test_cp932_json_lines(tmp_path: Path) -> None:
    text = jsonl({"日時": "2024/05/01 10:00:00", "ユーザー": "山田", "操作": "ログオン失敗"})

    event = read_jsonl(write(tmp_path / "x.jsonl", text, "cp932")).events[0]

    assert (event["_user"], event["_action"]) == ("山田", "logon_failed")
