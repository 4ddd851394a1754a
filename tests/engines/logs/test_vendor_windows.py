"""Approved-window texts of the ledger parsed into schedules, and vendor remote access checked against them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.logs.evtx_reader import iter_evtx
from mamori.engines.logs.vendor_windows import (
    JP_HOLIDAYS,
    JST,
    OutOfWindowFinding,
    RemotePath,
    Schedule,
    check_remote_access,
    parse_sources,
    parse_windows,
)

UTC = dt.UTC


def jst(month: int, day: int, hour: int, minute: int = 0, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=JST)


def schedule(text: str, **kwargs: Any) -> Schedule:
    parsed = parse_windows(text, **kwargs)
    assert parsed is not None, text
    return parsed


# 2026-12-07 is a Monday; 2026-12-12/13 a weekend; 2026-11-23 (Mon) 勤労感謝の日; 2026-12-08 the 2nd Tuesday.
MON, TUE, WED, SAT, SUN = (12, 7), (12, 8), (12, 9), (12, 12), (12, 13)


# -- parsing ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["常時", "24時間", "常時接続", "24時間365日", "24/7", "always"])
def test_always_texts_allow_any_moment(text: str) -> None:
    parsed = schedule(text)
    assert parsed.always and not parsed.on_request_only
    assert parsed.allows(jst(*SUN, 3)) and parsed.allows(jst(11, 23, 23, 59))


@pytest.mark.parametrize("text", ["平日 9:00～18:00", "平日9時～18時", "平日 ９：００～１８：００",
                                  "weekdays 9:00-18:00", "9:00-18:00（土日祝を除く）", "土日祝日を除く 9:00〜18:00",
                                  "9:00-18:00, 平日"])
def test_weekday_office_hours_in_every_spelling(text: str) -> None:
    parsed = schedule(text)
    assert parsed.allows(jst(*MON, 9)) and parsed.allows(jst(*MON, 17, 59))
    assert not parsed.allows(jst(*MON, 8, 59)) and not parsed.allows(jst(*MON, 18))
    assert not parsed.allows(jst(*SAT, 10)) and not parsed.allows(jst(*SUN, 10))
    assert not parsed.allows(jst(11, 23, 10)), "平日 / 祝日を除く: a national holiday is not a weekday"


@pytest.mark.parametrize("text", ["月～金 8:30-17:30", "月曜～金曜 8:30－17:30", "Mon-Fri 8:30-17:30"])
def test_monday_to_friday_ranges_keep_holidays_unless_told(text: str) -> None:
    parsed = schedule(text)
    assert parsed.allows(jst(*MON, 8, 30)) and not parsed.allows(jst(*MON, 8, 29))
    assert not parsed.allows(jst(*MON, 17, 30)) and not parsed.allows(jst(*SAT, 12))
    assert parsed.allows(jst(11, 23, 10)), "月～金 says nothing about holidays"


def test_a_weekly_window() -> None:
    for text in ("毎週水曜 13:00-15:00", "水曜日 13時～15時", "every Wednesday 13:00-15:00"):
        parsed = schedule(text)
        assert parsed.allows(jst(*WED, 14)) and not parsed.allows(jst(*WED, 15))
        assert not parsed.allows(jst(*TUE, 14)), text


@pytest.mark.parametrize("text", ["第2火曜 22:00～翌2:00", "第2火曜 22:00-2:00", "2nd Tuesday 22:00-02:00"])
def test_an_overnight_monthly_window_runs_into_the_next_day(text: str) -> None:
    parsed = schedule(text)
    assert parsed.allows(jst(*TUE, 22)) and parsed.allows(jst(*WED, 1, 59))
    assert not parsed.allows(jst(*WED, 2)) and not parsed.allows(jst(*TUE, 21, 59))
    assert not parsed.allows(jst(12, 1, 23)), "the 1st Tuesday"
    assert not parsed.allows(jst(12, 16, 1)), "the night after the 3rd Tuesday"


def test_several_windows_and_the_days_a_time_only_segment_inherits() -> None:
    split = schedule("平日 9:00〜12:00、13:00〜17:00")
    assert split.allows(jst(*MON, 11)) and split.allows(jst(*MON, 16)) and not split.allows(jst(*MON, 12, 30))
    assert not split.allows(jst(*SAT, 14)), "the afternoon window is also on weekdays only"
    two = schedule("平日 9:00-17:00 / 土曜 9:00-12:00; 日曜 10時半～11時")
    assert two.allows(jst(*SAT, 11)) and not two.allows(jst(*SAT, 13))
    assert two.allows(jst(*SUN, 10, 30)) and not two.allows(jst(*SUN, 10, 29))


def test_weekends_and_holidays_window() -> None:
    parsed = schedule("土日祝 10:00～16:00")
    assert parsed.allows(jst(*SAT, 10)) and parsed.allows(jst(11, 23, 12))
    assert not parsed.allows(jst(*MON, 12))


@pytest.mark.parametrize("text", ["依頼時のみ", "事前申請", "都度承認", "依頼時のみ（運用上の取り決め）", "on request"])
def test_on_request_only_has_no_standing_window(text: str) -> None:
    parsed = schedule(text)
    assert parsed.on_request_only and parsed.approval_required and not parsed.allows(jst(*MON, 10))


def test_a_window_with_prior_application_keeps_both() -> None:
    parsed = schedule("平日 9:00～18:00（事前申請）")
    assert parsed.approval_required and not parsed.on_request_only and parsed.allows(jst(*MON, 10))


def test_a_remark_that_is_not_a_window_is_kept_as_a_note_and_does_not_widen_the_window() -> None:
    parsed = schedule("平日 9:00～18:00（ベンダー判断で随時）")
    assert parsed.notes == ("ベンダー判断で随時",)
    assert not parsed.allows(jst(*SAT, 3))


@pytest.mark.parametrize("text", ["", "   ", "適宜", "夜間のみ", "平日 25:00-26:00",
                                  "平日 9:00-17:00 ただし緊急時は随時", "9am-5pm"])
def test_text_that_is_not_fully_understood_is_not_guessed(text: str) -> None:
    assert parse_windows(text) is None


def test_the_callers_holidays_replace_the_builtin_table() -> None:
    closure = {dt.date(2026, 12, 29), dt.date(2026, 12, 30)}
    parsed = schedule("平日 9:00-17:00", holidays=closure)
    assert not parsed.allows(jst(12, 29, 10)) and parsed.allows(jst(11, 23, 10))
    assert parsed.holidays_known(jst(1, 5, 10, year=2031))
    default = schedule("平日 9:00-17:00")
    assert default.allows(jst(12, 29, 10)) and not default.holidays_known(jst(1, 5, 10, year=2031))


def test_the_holiday_table_has_the_substitute_and_citizens_holidays() -> None:
    for day in (dt.date(2025, 2, 24), dt.date(2025, 5, 6), dt.date(2026, 5, 6), dt.date(2026, 9, 22),
                dt.date(2027, 3, 22)):
        assert day in JP_HOLIDAYS
    assert len([d for d in JP_HOLIDAYS if d.year == 2026]) == 18


def test_demo_ledger_texts_all_parse() -> None:
    texts = ["平日 9:00～18:00（ベンダー判断で随時）", "常時", "平日 9:00～17:00（事前申請）",
             "平日 9:00～18:00（事前申請）", "平日 8:30～17:30", "依頼時のみ（運用上の取り決め）", "平日 9:00～17:00"]
    assert all(parse_windows(t) is not None for t in texts)


# -- sources ----------------------------------------------------------------------------------------------------

def test_sources_are_read_from_free_text() -> None:
    nets = parse_sources("203.0.113.40/32（委託業者データセンター）、198.51.100.0/28, 192.0.2.5; 192.0.2.10-192.0.2.11 "
                         "２００１:db8::/32 memo")
    assert [str(n) for n in nets] == ["203.0.113.40/32", "198.51.100.0/28", "192.0.2.5/32", "192.0.2.10/31",
                                      "2001:db8::/32"]
    assert parse_sources("閉域網（未登録）") == ()


# -- checking access --------------------------------------------------------------------------------------------

PACS = RemotePath.from_ledger("RP-04", name="PACS保守", vendor="V-PACS", allowed_sources="198.51.100.0/28, 203.0.113.5",
                              targets=["SV-PACS01"], windows="平日 9:00～17:00（事前申請）")


def logon(moment: dt.datetime, ip: str, *, host: str = "SV-PACS01", user: str = "pacsvendor", logon_type: int = 10,
          record: int = 1) -> dict[str, Any]:
    return {"Channel": "Security", "EventID": 4624, "Computer": host, "EventRecordID": record,
            "TimeCreated": moment.astimezone(UTC), "LogonType": logon_type, "IpAddress": ip, "TargetUserName": user,
            "TargetDomainName": "HOSP", "_kind": "evtx", "_source": "Security.evtx", "_offset": record}


def tunnel(moment: dt.datetime, remip: str, *, device: str = "FGT-MAINT", user: str = "vendor1") -> dict[str, Any]:
    return {"Channel": "FortiGate", "EventID": None, "Computer": device, "TimeCreated": moment.astimezone(UTC),
            "type": "event", "subtype": "vpn", "action": "tunnel-up", "remip": remip, "user": user,
            "_kind": "fortigate", "_action": "vpn_tunnel_up", "_src_ip": remip, "_user": user}


def only(findings: list[OutOfWindowFinding]) -> OutOfWindowFinding:
    assert len(findings) == 1, [(f.code, f.path_code, f.first_jst) for f in findings]
    return findings[0]


def test_access_inside_the_window_is_fine_and_outside_is_a_finding_with_jst_time() -> None:
    assert check_remote_access([logon(jst(*MON, 10), "198.51.100.7")], [PACS]) == []
    finding = only(check_remote_access([logon(jst(*MON, 22, 15), "198.51.100.7", record=9)], [PACS]))
    assert (finding.code, finding.severity, finding.path_code) == ("out_of_window", "high", "RP-04")
    assert finding.first_jst == "2026-12-07 22:15 JST" and finding.src_ips == ("198.51.100.7",)
    assert finding.users == ("HOSP\\pacsvendor",) and finding.hosts == ("SV-PACS01",)
    assert finding.evidence[0]["EventRecordID"] == 9
    assert "22:15 JST" in finding.message_ja and "平日 9:00～17:00" in finding.message_ja


def test_cidr_and_single_address_sources_match_and_others_do_not() -> None:
    night = jst(*SAT, 2)
    assert only(check_remote_access([logon(night, "203.0.113.5", host="OTHER")], [PACS])).code == "out_of_window"
    assert only(check_remote_access([logon(night, "198.51.100.15", host="OTHER")], [PACS])).code == "out_of_window"
    assert check_remote_access([logon(night, "198.51.100.16", host="OTHER")], [PACS]) == []
    assert check_remote_access([logon(night, "::ffff:203.0.113.6", host="OTHER")], [PACS]) == []


def test_rdp_to_a_target_counts_but_a_plain_network_logon_from_inside_does_not() -> None:
    night = jst(*SAT, 2)
    assert only(check_remote_access([logon(night, "10.1.2.3")], [PACS])).code == "out_of_window"
    assert check_remote_access([logon(night, "10.1.2.3", logon_type=3)], [PACS]) == []
    with_accounts = RemotePath.from_ledger("RP-04", targets=["sv-pacs01"], accounts=["pacsvendor"],
                                           windows="平日 9:00～17:00")
    assert only(check_remote_access([logon(night, "10.1.2.3", host="SV-PACS01.hosp.local", logon_type=3)],
                                    [with_accounts])).code == "out_of_window"
    assert check_remote_access([logon(night, "10.1.2.3", user="nurse01")], [with_accounts]) == []


def test_a_fortigate_tunnel_up_from_the_sources_or_on_the_paths_appliance() -> None:
    net = RemotePath.from_ledger("RP-05", allowed_sources="198.51.100.64/29", appliances=["FGT-MAINT"],
                                 windows="平日 9:00～18:00")
    found = only(check_remote_access([tunnel(jst(*SUN, 3), "192.0.2.200")], [net]))
    assert found.kinds == ("vpn",) and found.src_ips == ("192.0.2.200",)
    assert only(check_remote_access([tunnel(jst(*SUN, 3), "198.51.100.65", device="FGT-EDGE")], [net]))
    assert check_remote_access([tunnel(jst(*SUN, 3), "192.0.2.200", device="FGT-EDGE")], [net]) == []


def test_rdp_connection_manager_events_are_remote_access() -> None:
    event = {"Channel": "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational", "EventID": 1149,
             "Computer": "SV-PACS01", "TimeCreated": jst(*SUN, 4).astimezone(UTC), "Param1": "pacsvendor",
             "Param3": "198.51.100.3"}
    found = only(check_remote_access([event], [PACS]))
    assert found.kinds == ("rdp",) and found.users == ("pacsvendor",)


def test_one_finding_per_session_not_per_event_and_a_new_session_later() -> None:
    night = [logon(jst(*SAT, 1) + dt.timedelta(minutes=10 * i), "198.51.100.7", record=i) for i in range(12)]
    later = [logon(jst(*SUN, 20), "198.51.100.7", record=99)]
    other = [logon(jst(*SAT, 1, 30), "203.0.113.5", user="second", record=50)]
    findings = check_remote_access(night + later + other, [PACS])
    assert sorted((f.count, f.first_jst) for f in findings) == [
        (1, "2026-12-12 01:30 JST"), (1, "2026-12-13 20:00 JST"), (12, "2026-12-12 01:00 JST")]
    session = next(f for f in findings if f.count == 12)
    assert session.last == jst(*SAT, 2, 50).astimezone(UTC)


def test_an_overnight_session_is_one_finding() -> None:
    events = [logon(jst(*SAT, 23, 30) + dt.timedelta(minutes=20 * i), "198.51.100.7") for i in range(6)]
    assert only(check_remote_access(events, [PACS])).count == 6


def test_an_approval_covers_access_outside_the_window() -> None:
    event = logon(jst(*SAT, 2), "198.51.100.7")
    approval = ("RP-04", jst(*SAT, 0), jst(*SAT, 6))
    assert check_remote_access([event], [PACS], approvals=[approval]) == []
    other_path = ("RP-99", jst(*SAT, 0), jst(*SAT, 6))
    assert only(check_remote_access([event], [PACS], approvals=[other_path])).code == "out_of_window"


def test_on_request_paths_need_an_approval_for_every_access() -> None:
    pump = RemotePath.from_ledger("RP-07", name="輸液ポンプ", targets=["SV-90004"],
                                  windows="依頼時のみ（運用上の取り決め）")
    event = logon(jst(*MON, 10), "10.9.9.9", host="SV-90004", user="tvsupport")
    found = only(check_remote_access([event], [pump]))
    assert (found.code, found.severity) == ("no_approval", "high") and found.params["on_request_only"] is True
    assert "承認記録のない" in found.message_ja
    approved = [("RP-07", jst(*MON, 9), jst(*MON, 12))]
    assert check_remote_access([event], [pump], approvals=approved) == []


def test_window_with_prior_application_checks_approvals_only_when_asked() -> None:
    event = logon(jst(*MON, 10), "198.51.100.7")
    assert check_remote_access([event], [PACS]) == []
    found = only(check_remote_access([event], [PACS], require_approval_records=True))
    assert (found.code, found.severity, found.params["in_window"]) == ("no_approval", "medium", True)


def test_always_paths_never_report_and_holidays_passed_in_are_used() -> None:
    always = RemotePath.from_ledger("RP-02", allowed_sources="203.0.113.40/32", windows="常時")
    assert check_remote_access([logon(jst(*SUN, 3), "203.0.113.40")], [always]) == []
    holiday = [logon(jst(12, 29, 10), "198.51.100.7")]
    assert check_remote_access(holiday, [PACS]) == []
    found = only(check_remote_access(holiday, [PACS], holidays={dt.date(2026, 12, 29)}))
    assert found.code == "out_of_window" and found.params["holidays_known"] is True


def test_unparsed_and_missing_windows_are_reported_with_the_text_and_accesses_are_not_judged() -> None:
    vague = RemotePath.from_ledger("RP-01", name="電子カルテ", allowed_sources="198.51.100.0/28",
                                   windows="ベンダーの都合に合わせて")
    empty = RemotePath.from_ledger("RP-03", allowed_sources="192.0.2.0/29")
    events = [logon(jst(*SAT, 2), "198.51.100.7"), logon(jst(*SAT, 3), "198.51.100.8"),
              logon(jst(*SAT, 2), "192.0.2.1")]
    findings = {f.path_code: f for f in check_remote_access(events, [vague, empty])}
    assert set(findings) == {"RP-01", "RP-03"}
    assert (findings["RP-01"].code, findings["RP-01"].count) == ("unparsed_window", 2)
    assert "ベンダーの都合に合わせて" in findings["RP-01"].message_ja
    assert (findings["RP-03"].code, findings["RP-03"].count) == ("no_window", 1)


def test_events_that_are_not_remote_access_or_have_no_time_are_ignored() -> None:
    process = {"Channel": "Security", "EventID": 4688, "Computer": "SV-PACS01", "TimeCreated": jst(*SAT, 2),
               "IpAddress": "198.51.100.7"}
    no_time = dict(logon(jst(*SAT, 2), "198.51.100.7"), TimeCreated=None)
    failed = dict(logon(jst(*SAT, 2), "198.51.100.7"), EventID=4625)
    assert check_remote_access([process, no_time, failed], [PACS]) == []


def test_a_finding_as_json_ready_data() -> None:
    finding = only(check_remote_access([logon(jst(*SAT, 2), "198.51.100.7")], [PACS]))
    data = finding.as_dict()
    assert data["first"] == "2026-12-11T17:00:00+00:00" and data["src_ips"] == ["198.51.100.7"]
    assert data["params"]["first"] == data["first"] and data["evidence"][0]["time"] == data["first"]


# -- real file --------------------------------------------------------------------------------------------------

RCM = "evtx/parser-samples/2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager%4Operational.evtx"


def test_real_rdp_connections_at_night_are_grouped_per_source_and_account(shared_data: Path) -> None:
    path = shared_data / RCM
    if not path.is_file():
        pytest.skip(f"{path} not present")
    events = list(iter_evtx(path, recover=True))
    target = RemotePath.from_ledger("RP-X", name="保守", targets=["desktop-1n4r894"], windows="平日 9:00～18:00")
    findings = check_remote_access(events, [target])
    assert sum(1 for e in events if e["EventID"] == 1149) == 5
    assert [(f.first_jst, f.count, f.src_ips) for f in findings] == [
        ("2018-08-08 03:37 JST", 2, ("174.127.93.2",)), ("2018-08-08 04:12 JST", 2, ("31.14.75.59",)),
        ("2018-08-08 04:14 JST", 1, ("103.11.244.223",))]
    assert findings[0].users == ("mpowers",) and findings[0].message_ja.startswith("RP-X 保守：")
    day = RemotePath.from_ledger("RP-Y", targets=["DESKTOP-1N4R894"], windows="毎日 0:00-24:00")
    assert check_remote_access(events, [day]) == []
