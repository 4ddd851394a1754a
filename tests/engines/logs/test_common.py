"""The common fields of Windows events (`add_common`) and the shared text decoding, on made and real events."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.logs.common import add_common, clean_ip, decode_text, windows_action
from mamori.engines.logs.evtx_reader import read_evtx

SEC, SYS = "Security", "System"
SYSMON = "Microsoft-Windows-Sysmon/Operational"
DEFENDER = "Microsoft-Windows-Windows Defender/Operational"


def event(channel: str, event_id: int, **fields: Any) -> dict[str, Any]:
    return {"Channel": channel, "EventID": event_id, "Computer": "DC01.hosp.local", **fields}


@pytest.mark.parametrize(("made", "action"), [
    (event(SEC, 4624), "logon"),
    (event(SEC, 4625), "logon_failed"),
    (event(SEC, 4771, Status="0x18"), "logon_failed"),
    (event(SEC, 4776, Status="0xc000006a"), "logon_failed"),
    (event(SEC, 4776, Status="0x0"), "credential_validation"),
    (event(SEC, 4768, Status="0x6"), "logon_failed"),
    (event(SEC, 4768, Status="0x00000000"), "kerberos_tgt"),
    (event(SEC, 4688), "process"),
    (event(SYSMON, 1), "process"),
    (event(SEC, 4697), "service_install"),
    (event(SYS, 7045), "service_install"),
    (event(SEC, 1102), "log_cleared"),
    (event(SYS, 104), "log_cleared"),
    (event(SEC, 4720), "user_created"),
    (event(SEC, 4740), "account_locked"),
    (event(DEFENDER, 1116), "av_event"),
    (event(DEFENDER, 5001), "av_event"),
    (event("security", 4625), "logon_failed"),  # channel case as some exporters write it
    (event(SYS, 4624), None),  # an EventID means nothing outside its channel
    (event(SEC, 9999), None),
    ({"Channel": SEC, "EventID": None}, None),
])
def test_action_from_channel_and_event_id(made: dict[str, Any], action: str | None) -> None:
    assert windows_action(made) == action
    assert add_common(made)["_action"] == action


def test_logon_user_ip_and_host() -> None:
    found = add_common(event(SEC, 4624, SubjectUserName="DC01$", TargetUserName="tanaka",
                             IpAddress="::ffff:10.20.4.31"))

    assert (found["_host"], found["_user"], found["_src_ip"]) == ("DC01.hosp.local", "tanaka", "10.20.4.31")


def test_dash_user_and_address_are_skipped_loopback_is_kept() -> None:
    found = add_common(event(SEC, 4688, TargetUserName="-", SubjectUserName="ehr-admin", IpAddress="-",
                             SourceAddress="127.0.0.1"))

    assert (found["_user"], found["_src_ip"]) == ("ehr-admin", "127.0.0.1")
    assert add_common(event(SEC, 4624, IpAddress="::1"))["_src_ip"] == "::1"


def test_other_user_and_address_fields() -> None:
    assert add_common(event(SYS, 7045, AccountName="LocalSystem"))["_user"] == "LocalSystem"
    assert add_common(event(SYSMON, 1, User="HOSP\\sato"))["_user"] == "HOSP\\sato"
    assert add_common(event(SEC, 5140, SourceNetworkAddress="10.1.1.1"))["_src_ip"] == "10.1.1.1"
    assert add_common(event(SEC, 4776, ClientAddress="10.1.1.2"))["_src_ip"] == "10.1.1.2"


def test_group_change_user_is_the_actor_not_the_group() -> None:
    found = add_common(event(SEC, 4732, TargetUserName="Administrators", SubjectUserName="attacker"))

    assert found["_user"] == "attacker"


def test_every_key_is_set_and_existing_values_are_kept() -> None:
    empty = add_common({"Channel": None, "EventID": None})
    assert {k: empty[k] for k in ("_host", "_user", "_src_ip", "_action")} == dict.fromkeys(
        ("_host", "_user", "_src_ip", "_action"))

    kept = add_common(event(SEC, 4625, _kind="winjson", _user="given", TargetUserName="other"))
    assert (kept["_kind"], kept["_user"], kept["_action"]) == ("winjson", "given", "logon_failed")


def test_clean_ip() -> None:
    assert [clean_ip(v) for v in (None, "", " - ", "::ffff:192.0.2.1", "fe80::1", "10.0.0.1")] == [
        None, None, None, "192.0.2.1", "fe80::1", "10.0.0.1"]


def test_decode_text_prefers_utf8_then_cp932_then_latin1() -> None:
    assert decode_text("ログオン失敗".encode()) == ("ログオン失敗", "utf-8")
    assert decode_text("ログオン失敗".encode("cp932")) == ("ログオン失敗", "cp932")
    assert decode_text("①髙".encode("cp932")) == ("①髙", "cp932")  # NEC/IBM extensions only CP932 has
    assert decode_text(b"\xff\xfe\x80") == ("\xff\xfe\x80", "latin-1")  # CP932 would map these to private use


# --- real EVTX samples ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def deepblue(shared_data: Path) -> Path:
    folder = shared_data / "evtx" / "hayabusa-sample-evtx" / "DeepBlueCLI"
    if not folder.is_dir():
        pytest.skip(f"DeepBlueCLI EVTX samples not present under {folder}")
    return folder


def test_real_smb_password_guessing(deepblue: Path) -> None:
    events = [add_common(e) for e in read_evtx(deepblue / "smb-password-guessing-security.evtx").events]

    assert Counter(e["_action"] for e in events) == {"logon_failed": 3561}
    assert Counter(e["_src_ip"] for e in events) == {"192.168.198.149": 3561}
    assert Counter(e["_user"] for e in events).most_common(1) == [("Administrator", 3560)]


def test_real_new_user_and_group_membership(deepblue: Path) -> None:
    events = [add_common(e) for e in read_evtx(deepblue / "new-user-security.evtx").events]

    created = [e for e in events if e["_action"] == "user_created"]
    assert len(created) == 1
    assert created[0]["_user"] == created[0]["TargetUserName"]
    added = [e for e in events if e["_action"] == "group_member_added"]
    assert len(added) == 3
    assert {e["_user"] for e in added} == {e["SubjectUserName"] for e in added}


def test_real_psexec_service_install_and_log_clear(deepblue: Path) -> None:
    events = [add_common(e) for e in read_evtx(deepblue / "metasploit-psexec-native-target-system.evtx").events]

    actions = Counter(e["_action"] for e in events)
    assert (actions["service_install"], actions["log_cleared"]) == (2, 1)
