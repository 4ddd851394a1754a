"""Log health findings: record-id gaps and clears, silence, clock offsets, retention and audit-policy gaps — on
generated event streams and on the real public EVTX samples (../shared/data/evtx)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.logs.evtx_reader import iter_evtx
from mamori.engines.logs.health import HealthFinding, HealthPolicy, HealthTracker

UTC = dt.UTC
T0 = dt.datetime(2026, 11, 2, 0, 0, tzinfo=UTC)
NO_RETENTION = HealthPolicy(default_retention_days=0, check_silence=False, expect_powershell=False)
ATTACK = "hayabusa-sample-evtx/EVTX-to-MITRE-Attack"
LOG_CLEARED = f"{ATTACK}/TA0005-Defense Evasion/T1070.001-Clear Windows event logs/ID104-1102-Event log cleared.evtx"
TCHOPPER_4688 = (f"{ATTACK}/TA0005-Defense Evasion/T1027-Obfuscated Files or Information/"
                 "ID4688-Obfuscated payload transfer via service name - Tchopper.evtx")
SECURITY = "parser-samples/security.evtx"


def event(record_id: int | None, moment: dt.datetime, *, channel: str = "Security", host: str = "DC01",
          event_id: int = 4624, source: str = "Security.evtx", **fields: Any) -> dict[str, Any]:
    return {"Channel": channel, "EventID": event_id, "Computer": host, "EventRecordID": record_id,
            "TimeCreated": moment, "Provider_Name": "Microsoft-Windows-Security-Auditing", "_kind": "evtx",
            "_source": source, "_received": None, **fields}


def track(events: Iterable[dict[str, Any]]) -> HealthTracker:
    tracker = HealthTracker()
    for item in events:
        tracker.add(item)
    return tracker


def codes(findings: list[HealthFinding]) -> list[str]:
    return [f.code for f in findings]


def one(findings: list[HealthFinding], code: str) -> HealthFinding:
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, codes(findings)
    return found[0]


def minute(n: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=n)


# -- record-id gaps ---------------------------------------------------------------------------------------------

def test_selective_deletion_without_a_clear_is_one_record_gap_naming_the_missing_range() -> None:
    stream = [event(i, minute(i)) for i in range(1, 101) if not 40 <= i <= 45]
    findings = track(stream).findings(now=minute(100), policy=NO_RETENTION)
    gap = one(findings, "record_gap")
    assert gap.severity == "high"
    assert (gap.params["first_missing"], gap.params["last_missing"], gap.params["missing"]) == (40, 45, 6)
    assert gap.evidence["record_ids"] == (40, 45)
    assert gap.params["after"] == minute(39) and gap.params["before"] == minute(46)
    assert (gap.host, gap.channel, gap.source) == ("DC01", "Security", "Security.evtx")
    assert "40–45" in gap.message_en and "40～45" in gap.message_ja and "JST" in gap.message_ja


def test_a_gap_next_to_a_1102_is_reported_as_log_cleared_not_as_a_gap() -> None:
    stream = [event(i, minute(i)) for i in range(1, 40)]
    stream.append(event(46, minute(46), event_id=1102, SubjectUserName="attacker", SubjectDomainName="HOSP"))
    stream += [event(i, minute(i)) for i in range(47, 101)]
    tracker = track(stream)
    findings = tracker.findings(now=minute(100), policy=NO_RETENTION)
    assert tracker.findings(now=minute(100), policy=NO_RETENTION) == findings, "findings() can be asked again"
    assert "record_gap" not in codes(findings)
    cleared = one(findings, "log_cleared")
    assert cleared.params["user"] == "HOSP\\attacker"
    assert cleared.params["explains_gap"] is True and cleared.params["missing"] == 6
    assert cleared.evidence["gaps"] == [(40, 45)]


def test_a_104_in_the_system_file_explains_the_gap_of_the_cleared_channel_in_another_file() -> None:
    app = [event(i, minute(i), channel="Application", source="Application.evtx", event_id=1000)
           for i in range(1, 60) if not 20 <= i <= 30]
    system = [event(7, minute(25), channel="System", source="System.evtx", event_id=104,
                    UserData_Channel="Application", SubjectUserName="admin")]
    findings = track(app + system).findings(now=minute(60), policy=NO_RETENTION)
    assert "record_gap" not in codes(findings)
    assert one(findings, "log_cleared").params["channels"] == ["Application"]


def test_a_clear_on_another_host_does_not_explain_a_gap() -> None:
    stream = [event(i, minute(i)) for i in range(1, 60) if not 20 <= i <= 30]
    stream.append(event(5, minute(25), host="PC02", event_id=1102))
    findings = track(stream).findings(now=minute(60), policy=NO_RETENTION)
    assert one(findings, "record_gap").params["first_missing"] == 20


def test_records_arriving_out_of_order_leave_no_gap_and_a_real_gap_still_shows() -> None:
    ids = list(range(1, 1001))
    random.Random(7).shuffle(ids)
    tracker = track(event(i, minute(i)) for i in ids)
    assert "record_gap" not in codes(tracker.findings(now=minute(1000), policy=NO_RETENTION))
    (profile,) = tracker.profiles()
    assert (profile.first_record_id, profile.last_record_id, profile.count) == (1, 1000, 1000)
    assert profile.first == minute(1) and profile.last == minute(1000)

    holed = [i for i in ids if i not in (500, 501)]
    gap = one(track(event(i, minute(i)) for i in holed).findings(now=minute(1000), policy=NO_RETENTION),
              "record_gap")
    assert (gap.params["first_missing"], gap.params["last_missing"]) == (500, 501)


def test_a_duplicate_record_is_not_counted_as_a_gap_nor_twice_in_the_ranges() -> None:
    stream = [event(i, minute(i)) for i in range(1, 11)] + [event(5, minute(5))]
    stream += [event(i, minute(i)) for i in range(11, 21)]
    tracker = track(stream)
    assert tracker.findings(now=minute(20), policy=NO_RETENTION) == []
    assert [(p.first_record_id, p.last_record_id, p.count) for p in tracker.profiles()] == [(1, 20, 21)]


def test_record_numbers_restarting_without_a_clear_are_a_reset_and_with_a_clear_are_not() -> None:
    before = [event(i, minute(i - 1000)) for i in range(1000, 1100)]
    after = [event(i, minute(200 + i)) for i in range(1, 50)]
    reset = one(track(before + after).findings(now=minute(300), policy=NO_RETENTION), "record_reset")
    assert (reset.params["last_id"], reset.params["first_id"]) == (1099, 1)
    assert "record_gap" not in codes(track(before + after).findings(now=minute(300), policy=NO_RETENTION))

    cleared = [*before, event(1, minute(200), event_id=1102), *after[1:]]
    findings = track(cleared).findings(now=minute(300), policy=NO_RETENTION)
    assert "record_reset" not in codes(findings) and "record_gap" not in codes(findings)
    assert one(findings, "log_cleared").params["explains_gap"] is True


def test_a_filtered_export_with_many_gaps_is_one_summary_finding() -> None:
    stream = [event(i, minute(i)) for i in range(1, 400) if i % 10 != 0]
    findings = track(stream).findings(now=minute(400), policy=NO_RETENTION)
    assert "record_gap" not in codes(findings)
    many = one(findings, "record_gaps_many")
    assert (many.params["gaps"], many.params["missing"]) == (39, 39)


def test_ranges_are_bounded_and_what_was_not_tracked_is_said() -> None:
    tracker = HealthTracker(max_runs=5)
    for i in range(0, 100, 2):  # 50 isolated ids
        tracker.add(event(i, minute(i)))
    many = one(tracker.findings(now=minute(100), policy=NO_RETENTION), "record_gaps_many")
    assert many.params["untracked"] == 45


# -- log clearing -----------------------------------------------------------------------------------------------

def test_a_burst_of_clears_by_one_account_is_one_finding_and_separate_bursts_are_two() -> None:
    burst = [event(i, T0 + dt.timedelta(seconds=i), channel="System", event_id=104, source="System.evtx",
                   UserData_Channel=f"Log-{i}", SubjectUserName="admmig") for i in range(90)]
    later = [event(500, T0 + dt.timedelta(days=1), event_id=1102, SubjectUserName="admmig")]
    findings = track(burst + later).findings(now=T0 + dt.timedelta(days=1), policy=NO_RETENTION)
    cleared = sorted((f for f in findings if f.code == "log_cleared"), key=lambda f: f.params["first"])
    assert [f.params["count"] for f in cleared] == [90, 1]
    assert cleared[1].params["channels"] == ["Security"]
    assert "ほか 85 件" in cleared[0].message_ja


# -- silence ----------------------------------------------------------------------------------------------------

def test_a_source_silent_for_more_than_three_usual_intervals_is_reported() -> None:
    busy = [event(i, minute(i), host="DC01") for i in range(1, 121)]
    fresh = [event(i, minute(i * 5), host="EHR01", source="EHR01.evtx") for i in range(1, 37)]
    now = minute(200)
    policy = HealthPolicy(default_retention_days=0, expect_powershell=False)
    findings = track(busy + fresh).findings(now=now, policy=policy)
    silent = one(findings, "silent_source")
    assert silent.host == "DC01" and silent.severity == "medium"
    assert silent.params["usual_interval"] == dt.timedelta(minutes=15)  # 1-minute median, floored
    assert silent.params["silent_for"] == dt.timedelta(minutes=80)
    assert silent.params["interval_known"] is True


def test_silence_uses_the_received_time_when_there_is_one() -> None:
    stream = [event(i, minute(i) - dt.timedelta(days=30), _received=minute(i)) for i in range(1, 100)]
    policy = HealthPolicy(default_retention_days=0, expect_powershell=False)
    assert "silent_source" not in codes(track(stream).findings(now=minute(110), policy=policy))


def test_a_sparse_source_is_judged_on_the_sparse_interval() -> None:
    stream = [event(i, T0 + dt.timedelta(hours=i)) for i in range(1, 4)]
    policy = HealthPolicy(default_retention_days=0, expect_powershell=False)
    last = T0 + dt.timedelta(hours=3)
    assert codes(track(stream).findings(now=last + dt.timedelta(days=2), policy=policy)) == []
    silent = one(track(stream).findings(now=last + dt.timedelta(days=4), policy=policy), "silent_source")
    assert silent.severity == "high" and silent.params["interval_known"] is False


def test_a_per_source_silence_threshold_overrides_the_computed_one() -> None:
    stream = [event(i, minute(i), channel="Application") for i in range(1, 121)]
    policy = HealthPolicy(default_retention_days=0, expect_powershell=False,
                          silent_after={"DC01": dt.timedelta(hours=12)})
    assert codes(track(stream).findings(now=minute(600), policy=policy)) == []


# -- clocks -----------------------------------------------------------------------------------------------------

def received(offset: dt.timedelta, count: int = 30, host: str = "FW01") -> list[dict[str, Any]]:
    return [event(None, minute(i) + offset, host=host, channel="Syslog", event_id=0, _received=minute(i))
            for i in range(count)]


@pytest.mark.parametrize("sign", [1, -1])
def test_an_offset_of_nine_hours_is_the_jst_written_as_utc_error(sign: int) -> None:
    offset = sign * dt.timedelta(hours=9, minutes=2)
    findings = track(received(offset)).findings(now=minute(60) + max(offset, dt.timedelta()), policy=NO_RETENTION)
    tz = one(findings, "clock_tz_offset")
    assert "clock_drift" not in codes(findings)
    assert tz.host == "FW01" and tz.params["offset"] == offset
    assert "JST" in tz.message_ja and "UTC" in tz.message_ja


def test_a_three_minute_drift_is_tolerated_and_twenty_minutes_is_clock_drift() -> None:
    assert track(received(dt.timedelta(minutes=3))).findings(now=minute(60), policy=NO_RETENTION) == []
    drift = one(track(received(-dt.timedelta(minutes=20))).findings(now=minute(60), policy=NO_RETENTION),
                "clock_drift")
    assert drift.params["offset"] == -dt.timedelta(minutes=20)


def test_a_delivery_backlog_is_not_mistaken_for_drift() -> None:
    fresh = received(dt.timedelta(seconds=-1), count=30)
    backlog = [event(None, minute(i) - dt.timedelta(hours=2), host="FW01", channel="Syslog", event_id=0,
                     _received=minute(i)) for i in range(70)]  # an agent flushing two hours of buffered events
    findings = track(fresh + backlog).findings(now=minute(90), policy=NO_RETENTION)
    assert "clock_drift" not in codes(findings) and "clock_tz_offset" not in codes(findings)


def test_events_dated_in_the_future_are_reported() -> None:
    stream = [event(1, minute(0)), event(2, minute(0) + dt.timedelta(days=1))]
    future = one(track(stream).findings(now=minute(10), policy=NO_RETENTION), "future_events")
    assert future.params["count"] == 1 and future.params["newest"] == minute(0) + dt.timedelta(days=1)


# -- retention --------------------------------------------------------------------------------------------------

def three_days(first_id: int) -> list[dict[str, Any]]:
    return [event(first_id + i, T0 + dt.timedelta(hours=i)) for i in range(72)]


def test_a_security_log_covering_three_days_of_an_older_machine_is_retention_short() -> None:
    policy = HealthPolicy(check_silence=False, expect_powershell=False)
    short = one(track(three_days(500_000)).findings(now=T0 + dt.timedelta(days=3), policy=policy),
                "retention_short")
    assert short.severity == "high" and short.params["reason"] == "overwritten"
    assert short.params["required_days"] == 1826 and short.params["covered_days"] == pytest.approx(71 / 24, 0.01)
    assert short.params["lost_records"] == 499_999
    assert "1,826" in short.message_en and "上書き" in short.message_ja


def test_retention_is_not_short_for_a_new_source_a_lower_policy_or_an_older_store() -> None:
    now = T0 + dt.timedelta(days=3)
    base = HealthPolicy(check_silence=False, expect_powershell=False)
    assert track(three_days(1)).findings(now=now, policy=base) == []
    lower = replace(base, retention_days={"Security": 2})
    assert track(three_days(500)).findings(now=now, policy=lower) == []
    stored = replace(base, stored_since={"DC01/Security": T0 - dt.timedelta(days=2000)})
    assert track(three_days(500)).findings(now=now, policy=stored) == []
    per_host = replace(base, retention_days={"DC01": 30}, retention_critical_days=1)
    medium = one(track(three_days(500)).findings(now=now, policy=per_host), "retention_short")
    assert medium.severity == "medium" and medium.params["required_days"] == 30


# -- audit policy -----------------------------------------------------------------------------------------------

def test_no_process_creation_audit_needs_enough_security_events() -> None:
    policy = HealthPolicy(default_retention_days=0, check_silence=False, expect_powershell=False)
    many = [event(i, minute(i)) for i in range(1, 201)]
    assert one(track(many).findings(now=minute(200), policy=policy), "no_process_audit").params[
        "security_events"] == 200
    assert track(many[:50]).findings(now=minute(200), policy=policy) == []


def test_process_creation_without_command_lines_is_reported_and_with_them_is_not() -> None:
    policy = HealthPolicy(default_retention_days=0, check_silence=False, expect_powershell=False)
    bare = [event(i, minute(i), event_id=4688, NewProcessName="C:\\x.exe", CommandLine="" if i % 2 else None)
            for i in range(1, 41)]
    finding = one(track(bare).findings(now=minute(40), policy=policy), "no_process_cmdline")
    assert (finding.params["processes"], finding.params["without_cmdline"]) == (40, 40)
    full = [event(i, minute(i), event_id=4688, CommandLine="cmd /c whoami") for i in range(1, 41)]
    assert track(full).findings(now=minute(40), policy=policy) == []


def test_powershell_without_script_block_logging_is_reported() -> None:
    policy = HealthPolicy(default_retention_days=0, check_silence=False)
    ps = [event(i, minute(i), channel="Microsoft-Windows-PowerShell/Operational", event_id=4103,
                source="PowerShell.evtx") for i in range(1, 31)]
    finding = one(track(ps).findings(now=minute(30), policy=policy), "no_ps_scriptblock")
    assert finding.severity == "medium" and finding.params["reason"] == "no_4104"
    with_4104 = [*ps, event(31, minute(31), channel="Microsoft-Windows-PowerShell/Operational", event_id=4104,
                            source="PowerShell.evtx")]
    assert track(with_4104).findings(now=minute(31), policy=policy) == []
    security_only = [event(i, minute(i), event_id=4688, CommandLine="x") for i in range(1, 151)]
    missing = one(track(security_only).findings(now=minute(150), policy=policy), "no_ps_scriptblock")
    assert missing.severity == "low" and missing.params["reason"] == "channel_missing"


def test_times_taken_from_the_record_header_are_counted() -> None:
    stream = [event(1, minute(1), _time_from_header=True), event(2, minute(2))]
    assert one(track(stream).findings(now=minute(2), policy=NO_RETENTION), "time_from_header").params["count"] == 1


def test_profiles_give_the_hourly_histogram_and_the_median_interval() -> None:
    stream = [event(i, T0 + dt.timedelta(minutes=2 * i)) for i in range(60)]
    (profile,) = track(stream).profiles()
    assert profile.per_hour == {T0: 30, T0 + dt.timedelta(hours=1): 30}
    assert profile.median_interval == dt.timedelta(minutes=2)


def test_the_hourly_histogram_is_bounded() -> None:
    tracker = HealthTracker(max_hours=24)
    for i in range(100):
        tracker.add(event(i, T0 + dt.timedelta(hours=i)))
    (profile,) = tracker.profiles()
    assert len(profile.per_hour) == 24 and min(profile.per_hour) == T0 + dt.timedelta(hours=76)


# -- real files -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def evtx_dir(shared_data: Path) -> Path:
    folder = shared_data / "evtx"
    if not (folder / "hayabusa-sample-evtx").is_dir() or not (folder / "parser-samples").is_dir():
        pytest.skip(f"EVTX samples not present under {folder} (hayabusa-sample-evtx, parser-samples)")
    return folder


def test_real_log_cleared_sample_gives_one_clear_finding_by_admmig(evtx_dir: Path) -> None:
    findings = track(iter_evtx(evtx_dir / LOG_CLEARED)).findings(
        now=dt.datetime(2021, 10, 26, tzinfo=UTC), policy=HealthPolicy(check_silence=False))
    cleared = one(findings, "log_cleared")
    assert cleared.host == "FS03.offsec.lan" and cleared.params["user"] == "OFFSEC\\admmig"
    assert cleared.params["count"] == 91 and "Security" in cleared.params["channels"]
    assert cleared.evidence["event_ids"] == [104, 1102]
    assert "record_gap" not in codes(findings)
    security = [f for f in findings if f.code == "retention_short" and f.channel == "Security"]
    assert [f.params["reason"] for f in security] == ["cleared"]


def test_real_security_log_without_4688_lacks_process_audit_and_its_span_is_profiled(evtx_dir: Path) -> None:
    tracker = track(iter_evtx(evtx_dir / SECURITY))
    findings = tracker.findings(now=dt.datetime(2017, 4, 15, tzinfo=UTC), policy=NO_RETENTION)
    audit = one(findings, "no_process_audit")
    assert audit.host == "WIN-03DLIIOFRRA" and audit.params["security_events"] == 2219
    spans = {p.host: (p.first_record_id, p.last_record_id, p.count) for p in tracker.profiles()}
    assert spans == {"37L4247F27-25": (1, 42, 42), "WIN-03DLIIOFRRA": (43, 2261, 2219)}


def test_real_4688_with_command_lines_passes_and_without_them_is_flagged(evtx_dir: Path) -> None:
    events = list(iter_evtx(evtx_dir / TCHOPPER_4688))
    assert sum(1 for e in events if e["EventID"] == 4688 and e.get("CommandLine")) == len(events)
    assert "no_process_cmdline" not in codes(track(events).findings(now=T0, policy=NO_RETENTION))
    stripped = [{k: v for k, v in e.items() if k != "CommandLine"} for e in events]
    finding = one(track(stripped).findings(now=T0, policy=NO_RETENTION), "no_process_cmdline")
    assert finding.params["processes"] == len(events) == 735
    many = one(track(events).findings(now=T0, policy=NO_RETENTION), "record_gaps_many")
    assert many.params["records"] == 735


def test_a_finding_as_json_ready_data() -> None:
    stream = [event(i, minute(i)) for i in range(1, 101) if not 40 <= i <= 45]
    gap = one(track(stream).findings(now=minute(100), policy=NO_RETENTION), "record_gap").as_dict()
    assert gap["params"]["after"] == "2026-11-02T00:39:00+00:00" and gap["evidence"]["record_ids"] == [40, 45]
    silent = one(track(stream).findings(now=minute(300), policy=replace(NO_RETENTION, check_silence=True)),
                 "silent_source").as_dict()
    assert silent["params"]["usual_interval"] == 900.0
