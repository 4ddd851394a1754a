"""Mamori's own rules (src/mamori/engines/logs/rules): valid Sigma for pySigma 2.0.1 with the project's metadata,
and each one catching what it is written for, end to end (compile_rules + match + Correlator): on the real public
samples when present (DeepBlueCLI brute force and spray, EVTX-to-MITRE-Attack T1490 / T1070.001, Metasploit
PsExec) and on generated Windows and FortiGate events (a 4688 shadow-copy deletion without Sysmon, every remote
tool, renamed PsExec, the SSL-VPN brute force and compromise, the ransomware chain in and out of order)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule

from mamori.engines.logs.evtx_reader import read_evtx
from mamori.engines.logs.fortigate import parse_fortigate
from mamori.engines.logs.hunt import BUILTIN_RULES
from mamori.engines.logs.sigma import Detection, RuleSet, compile_rules, match
from mamori.engines.logs.sigma.correlation import CorrelationAlert, CorrelationSet, Correlator, compile_correlations

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "evtx" / "hayabusa-sample-evtx"
T0 = dt.datetime(2026, 11, 30, 15, 0, 0, tzinfo=dt.UTC)
SYSMON = "Microsoft-Windows-Sysmon/Operational"
DEFENDER = "Microsoft-Windows-Windows Defender/Operational"

BACKUP_DELETION = "6f1d2a43-7c0b-4e5e-9d3a-5b8e1f0c2a11"
SECURITY_CLEARED = "2b7e9c10-4d5f-4a8b-8e21-3c6f0d9a7b42"
SYSTEM_CLEARED = "9a4c1e77-2f3b-4c6d-a1e0-7d2b5f8c3e19"
DEFENDER_OFF = "7c3f5a92-1b8d-4e0a-9f6c-2d4e8b1a5c07"
REMOTE_TOOL = "4e8b2d61-9a0c-4f3e-b7d5-1c9e6a2f8d33"
LEVELS = {"informational", "low", "medium", "high", "critical"}


@cache
def engine() -> tuple[RuleSet, CorrelationSet]:
    return compile_rules(BUILTIN_RULES), compile_correlations(BUILTIN_RULES)


def rule_id(title: str) -> str:
    rs, cs = engine()
    found = [r.id for r in rs.rules if r.title == title] + [r.id for r in cs.rules if r.title == title]
    assert len(found) == 1, (title, found)
    return found[0]


def detect(events: Iterable[dict[str, Any]]) -> tuple[list[Detection], list[CorrelationAlert]]:
    """Shown detections (suppressed inputs left out, as hunt must) and correlation alerts."""
    rs, cs = engine()
    found = list(match(rs, events))
    shown = [d for d in found if d.rule_id not in cs.suppressed_rule_ids]
    return shown, Correlator(cs).run(found)


def titles(items: Iterable[Detection | CorrelationAlert]) -> Counter[str]:
    return Counter(i.title for i in items)


def win(channel: str, eid: int, seconds: float = 0, n: int = 0, **fields: Any) -> dict[str, Any]:
    return {"Channel": channel, "EventID": eid, "Computer": fields.pop("Computer", "EHR-SRV01.hosp.local"),
            "EventRecordID": 100 + n, "TimeCreated": T0 + dt.timedelta(seconds=seconds),
            "_source": "generated.evtx", "_offset": n + 1, **fields}


def sample(*parts: str) -> Path:
    path = SAMPLES.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"public sample not present: {path}")
    return path


# --------------------------------------------------------------------------------------------- rule files
def own_docs() -> list[tuple[Path, dict[str, Any]]]:
    out = []
    for path in sorted(BUILTIN_RULES.rglob("*.yml")):
        out += [(path, d) for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    return out


def test_every_own_rule_file_parses_in_pysigma_2_without_errors_and_resolves_every_reference() -> None:
    coll = SigmaCollection.load_ruleset([str(BUILTIN_RULES)], collect_errors=True)
    assert coll.errors == [] and all(not r.errors for r in coll.rules)
    assert len(coll.rules) == len(own_docs()) >= 40
    corr = [r for r in coll.rules if isinstance(r, SigmaCorrelationRule)]
    assert len(corr) >= 15 and all(ref.rule is not None for c in corr for ref in c.referenced_rules)


def test_every_own_rule_has_the_project_metadata() -> None:
    docs = own_docs()
    ids = [str(d.get("id")) for _, d in docs]
    assert len(set(ids)) == len(ids)
    rs, cs = engine()
    emitting = {r.id for r in rs.rules if r.id not in cs.suppressed_rule_ids} | {r.id for r in cs.rules if r.emit}
    for path, d in docs:
        where = f"{path.name}: {d.get('title')}"
        assert d.get("author") == "Mamori project", where
        assert uuid.UUID(str(d["id"])).version == 4, where
        assert d.get("description") and d.get("title"), where
        if str(d["id"]) in emitting:  # everything that can reach a person
            assert d.get("status") in ("stable", "test") and d.get("level") in LEVELS, where
            assert any(t.startswith("attack.t") for t in d.get("tags", [])), where
            assert d.get("falsepositives"), where
        else:
            assert d.get("level") in (None, "informational"), where


def test_every_base_rule_compiles_and_every_correlation_is_evaluated() -> None:
    rs, cs = engine()
    base = [d for _, d in own_docs() if "correlation" not in d]
    assert len(rs.rules) == len(base)
    # compile.py leaves references to correlation.py (which resolves them across files): no error either way
    assert rs.errors == [] and {s.kind for s in rs.skipped} == {"correlation"}
    assert cs.errors == [] and cs.skipped == []
    assert len([r for r in cs.rules if r.emit]) == 13


# --------------------------------------------------------------------------------------------- real samples
def test_the_smb_password_guessing_sample_is_one_brute_force_alert_not_thousands() -> None:
    events = read_evtx(sample("DeepBlueCLI", "smb-password-guessing-security.evtx")).events
    assert len(events) == 3561
    shown, alerts = detect(events)
    assert shown == []  # the 3,561 single failures are correlation inputs only
    assert [a.title for a in alerts] == ["Brute Force Against One Account (Mamori)"]
    a = alerts[0]
    assert a.group == {"TargetUserName": "Administrator", "IpAddress": "192.168.198.149"} and a.count == 3560
    assert a.level == "high" and a.author == "Mamori project" and "attack.t1110.001" in a.tags
    assert a.last - a.first < dt.timedelta(minutes=3) and len(a.sample_refs) == 20
    assert a.sample_refs[0].source == "smb-password-guessing-security.evtx" and a.sample_refs[0].record_id


def test_the_password_spray_sample_gives_a_spray_alert_with_the_41_accounts() -> None:
    shown, alerts = detect(read_evtx(sample("DeepBlueCLI", "password-spray.evtx")).events)
    spray = [a for a in alerts if a.title == "Password Spraying with Explicit Credentials (Mamori)"]
    assert len(alerts) == len(spray) == 1
    assert spray[0].distinct >= 41 and len(spray[0].values) == spray[0].distinct
    assert spray[0].group == {"Computer": "DESKTOP-JR78RLP", "SubjectUserName": "jwrig"}
    assert titles(shown) == {"Windows Event Log Cleared (Mamori)": 1}


T1490 = ("EVTX-to-MITRE-Attack", "TA0040-Impact", "T1490-Inhibit System Recovery")
T1070 = ("EVTX-to-MITRE-Attack", "TA0005-Defense Evasion", "T1070.001-Clear Windows event logs")


@pytest.mark.parametrize(("name", "expected"), [
    ("ID4688-Delete VSS backup (WMI).evtx", {"Shadow Copy or Backup Catalogue Deletion (Mamori)": 1}),
    ("ID4688-Delete Window backup (webadmin).evtx", {"Shadow Copy or Backup Catalogue Deletion (Mamori)": 1}),
    ("ID800-4103-4104-Delete VSS backup (PowerShell).evtx", {
        "Shadow Copy Deletion by a PowerShell Script Block (Mamori)": 1,
        "Shadow Copy Deletion in the Classic PowerShell Log (Mamori)": 1}),
])
def test_the_t1490_samples_are_caught(name: str, expected: dict[str, int]) -> None:
    shown, _ = detect(read_evtx(sample(*T1490, name)).events)
    found = titles(shown)
    assert {t: found[t] for t in expected} == expected
    assert all(d.level == "critical" and "attack.t1490" in d.tags for d in shown if d.title in expected)


def test_the_t1070_log_cleared_sample_is_one_mass_clearing_alert_plus_each_clearing() -> None:
    shown, alerts = detect(read_evtx(sample(*T1070, "ID104-1102-Event log cleared.evtx")).events)
    assert {(d.rule_id, d.event["EventID"]) for d in shown} == {(SECURITY_CLEARED, 1102), (SYSTEM_CLEARED, 104)}
    assert titles(shown) == {"Windows Event Log Cleared (System 104, Mamori)": 90,
                             "Windows Event Log Cleared (Mamori)": 1}
    assert [(a.title, a.count, a.level) for a in alerts] == [("Mass Event Log Clearing on One Host (Mamori)", 91,
                                                                "critical")]
    assert alerts[0].group == {"Computer": "FS03.offsec.lan"}


@pytest.mark.parametrize(("name", "title", "count"), [
    ("ID4688-Clear event log attempt (native).evtx", "Event Log Cleared from the Command Line (Mamori)", 14),
    ("ID4688-Clear event log attempt (wmi).evtx", "Event Log Cleared from the Command Line (Mamori)", 1),
    ("ID800-4103-4104-Clear event log attempt.evtx", "Event Log Cleared by a PowerShell Script Block (Mamori)", 1),
])
def test_the_t1070_clearing_command_samples_are_caught(name: str, title: str, count: int) -> None:
    shown, _ = detect(read_evtx(sample(*T1070, name)).events)
    assert titles(shown)[title] == count


def test_metasploit_psexec_with_a_random_service_binary_is_caught_as_renamed_psexec() -> None:
    shown, _ = detect(read_evtx(sample("DeepBlueCLI", "metasploit-psexec-native-target-system.evtx")).events)
    hits = [d for d in shown if d.title.startswith("Service Binary Started from ADMIN$")]
    assert [d.event["ImagePath"] for d in hits] == ["%SYSTEMROOT%\\duKhLYUX.exe"]


# --------------------------------------------------------------------------------------------- generated: Windows
def test_a_shadow_copy_deletion_logged_only_as_security_4688_is_caught() -> None:
    shown, _ = detect([win("Security", 4688, NewProcessName="C:\\Windows\\System32\\vssadmin.exe",
                           CommandLine="vssadmin.exe Delete Shadows /All /Quiet", SubjectUserName="svc_ehr")])
    assert [(d.rule_id, d.level) for d in shown] == [(BACKUP_DELETION, "critical")]


@pytest.mark.parametrize("command", [
    "wmic shadowcopy delete /nointeractive",
    "wbadmin delete catalog -quiet",
    "wbadmin DELETE SYSTEMSTATEBACKUP -keepVersions:0",
    "bcdedit /set {default} recoveryenabled No",
    "bcdedit /set {default} bootstatuspolicy ignoreallfailures",
    "powershell -c \"Get-WmiObject Win32_ShadowCopy | Remove-WmiObject\"",
])
def test_every_backup_deletion_command_is_caught_on_sysmon_too(command: str) -> None:
    shown, _ = detect([win(SYSMON, 1, Image="C:\\Windows\\System32\\cmd.exe", CommandLine=command)])
    assert [d.rule_id for d in shown] == [BACKUP_DELETION]


def test_listing_shadow_copies_is_not_a_deletion() -> None:
    shown, _ = detect([win(SYSMON, 1, Image="C:\\Windows\\System32\\vssadmin.exe",
                           CommandLine="vssadmin list shadows")])
    assert shown == []


@pytest.mark.parametrize(("service", "image"), [
    ("AnyDesk", "\"C:\\Program Files (x86)\\AnyDesk\\AnyDesk.exe\" --service"),
    ("ScreenConnect Client (1a2b3c4d5e6f7a8b)",
     "\"C:\\Program Files (x86)\\ScreenConnect Client (1a2b3c4d5e6f7a8b)\\ScreenConnect.ClientService.exe\""),
    ("ConnectWise Control Client", "C:\\Program Files (x86)\\ConnectWise\\Control\\ClientService.exe"),
    ("AteraAgent", "\"C:\\Program Files\\ATERA Networks\\AteraAgent\\AteraAgent.exe\""),
    ("SplashtopRemoteService", "\"C:\\Program Files (x86)\\Splashtop\\Splashtop Remote\\Server\\SRService.exe\""),
    ("TeamViewer", "\"C:\\Program Files\\TeamViewer\\TeamViewer_Service.exe\""),
    ("PSEXESVC", "%SystemRoot%\\PSEXESVC.exe"),
])
def test_every_remote_tool_installed_as_a_service_is_caught_in_7045_and_4697(service: str, image: str) -> None:
    shown, _ = detect([win("System", 7045, ServiceName=service, ImagePath=image, StartType="auto start")])
    assert [d.rule_id for d in shown] == [REMOTE_TOOL]
    shown, _ = detect([win("Security", 4697, ServiceName=service, ServiceFileName=image)])
    assert titles(shown) == {"Remote Access Tool Installed as a Service (Security 4697, Mamori)": 1}


def test_an_ordinary_service_install_gives_no_alert() -> None:
    image = "\"C:\\Program Files (x86)\\Mozilla Maintenance Service\\maintenanceservice.exe\""
    shown, _ = detect([win("System", 7045, ServiceName="Mozilla Maintenance Service", ImagePath=image)])
    assert shown == []


@pytest.mark.parametrize(("image", "caught"), [
    ("%SystemRoot%\\xKfTqWzp.exe", True),
    ("\\\\10.1.2.3\\ADMIN$\\a1b2c3d.exe", True),
    ("C:\\Windows\\Sysmon64.exe", False),
    ("C:\\Windows\\System32\\svchost.exe -k netsvcs", False),
])
def test_renamed_psexec_services_are_caught_by_their_binary_path(image: str, caught: bool) -> None:
    shown, _ = detect([win("System", 7045, ServiceName="xKfTqWzp", ImagePath=image)])
    assert bool(shown) is caught
    if caught:
        assert shown[0].title.startswith("Service Binary Started from ADMIN$") and shown[0].level == "high"


def test_a_renamed_psexec_client_is_caught_by_its_original_file_name() -> None:
    shown, _ = detect([win(SYSMON, 1, Image="C:\\Users\\Public\\svc-update.exe", OriginalFileName="psexec.c",
                           CommandLine="svc-update.exe \\\\EHR-DB01 -s cmd.exe")])
    assert titles(shown) == {"Renamed PsExec Client Started (Mamori)": 1}
    plain, _ = detect([win(SYSMON, 1, Image="C:\\Tools\\PsExec64.exe", OriginalFileName="psexec.c")])
    assert titles(plain) == {"PsExec Client Started (Mamori)": 1}


@pytest.mark.parametrize(("event", "title"), [
    (win(DEFENDER, 5001), "Microsoft Defender Protection Turned Off (Mamori)"),
    (win(DEFENDER, 5007, NewValue="HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Real-Time Protection\\"
                                  "DisableRealtimeMonitoring = 0x1"),
     "Microsoft Defender Protection Turned Off (Mamori)"),
    (win("Security", 4688, NewProcessName="C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
         CommandLine="powershell Set-MpPreference -DisableRealtimeMonitoring $true"),
     "Defender Disabled or Stopped from the Command Line (Mamori)"),
    (win("Security", 4688, NewProcessName="C:\\Windows\\System32\\sc.exe", CommandLine="sc stop WinDefend"),
     "Defender Disabled or Stopped from the Command Line (Mamori)"),
    (win("Microsoft-Windows-PowerShell/Operational", 4104,
         ScriptBlockText="Set-MpPreference -DisableIOAVProtection $true"),
     "Defender Disabled by a PowerShell Script Block (Mamori)"),
    (win("Application", 11724, Provider_Name="MsiInstaller",
         Data="Product: Trend Micro Apex One Security Agent -- Removal completed successfully."),
     "Antivirus or EDR Product Uninstalled (Mamori)"),
    (win("System", 7036, param1="Microsoft Defender Antivirus Service", param2="停止"),
     "Defender Service Stopped (Mamori)"),
])
def test_antivirus_switched_off_is_caught(event: dict[str, Any], title: str) -> None:
    shown, _ = detect([event])
    assert titles(shown) == {title: 1}


@pytest.mark.parametrize("event", [
    win(DEFENDER, 5007, NewValue="HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Real-Time Protection\\"
                                 "DisableRealtimeMonitoring = 0x0"),
    win("Application", 11724, Provider_Name="MsiInstaller",
        Data="Product: Microsoft Visual C++ 2019 X64 Runtime -- Removal completed successfully."),
])
def test_antivirus_switched_back_on_or_other_uninstalls_give_no_alert(event: dict[str, Any]) -> None:
    assert detect([event])[0] == []


def test_brute_force_needs_twenty_failures_for_one_account_and_source_within_ten_minutes() -> None:
    def fails(n: int, step: float) -> list[dict[str, Any]]:
        return [win("Security", 4625, i * step, i, TargetUserName="nurse01", IpAddress="10.20.0.15", LogonType=3)
                for i in range(n)]
    assert detect(fails(19, 10))[1] == []
    assert titles(detect(fails(20, 10))[1]) == {"Brute Force Against One Account (Mamori)": 1}
    assert detect(fails(20, 32))[1] == []  # twenty in 608 s: never twenty within 600 s


def test_spraying_over_kerberos_and_ntlm_groups_mapped_addresses_with_plain_ones() -> None:
    events = [win("Security", 4771, i, i, TargetUserName=f"user{i:02}", IpAddress="::ffff:10.20.0.99", Status="0x18")
              for i in range(6)]
    events += [win("Security", 4625, 10 + i, 10 + i, TargetUserName=f"user{i + 6:02}", IpAddress="10.20.0.99")
               for i in range(4)]
    alerts = detect(events)[1]
    assert [(a.title, a.distinct) for a in alerts] == [("Password Spraying from One Source (Mamori)", 10)]


def test_kerberos_and_rdp_failure_bursts_are_one_alert_each() -> None:
    kerberos = [win("Security", 4771, i * 5, i, TargetUserName="ishi01", IpAddress="::ffff:10.20.0.40", Status="0x18")
                for i in range(25)]
    assert [(a.title, a.count) for a in detect(kerberos)[1]] == [("Kerberos Pre-Authentication Failure Burst (Mamori)",
                                                                   25)]
    rdp_fails = [win("Security", 4625, i * 5, i, TargetUserName="administrator", IpAddress="198.51.100.9",
                     LogonType=10) for i in range(12)]
    alerts = detect(rdp_fails)[1]
    assert [(a.title, a.level) for a in alerts] == [("RDP Logon Failure Burst (Mamori)", "high")]


def rdp(host: str, seconds: float, n: int, ip: str = "10.9.0.5", **extra: Any) -> dict[str, Any]:
    return win("Security", 4624, seconds, n, Computer=host, LogonType=10, IpAddress=ip, TargetUserName="vendor",
               **extra)


def test_rdp_from_the_maintenance_segment_to_two_hosts_is_critical_while_elsewhere_three_are_needed() -> None:
    vendor = [rdp("EHR-DB01", 0, 0, SourceZone="maintenance"), rdp("EHR-AP01", 600, 1, SourceZone="maintenance")]
    assert [(a.title, a.level) for a in detect(vendor)[1]] == [
        ("RDP from the Maintenance Segment to Several Hosts (Mamori)", "critical")]
    office = [rdp("EHR-DB01", 0, 0, "10.30.0.8"), rdp("EHR-AP01", 600, 1, "10.30.0.8")]
    assert detect(office)[1] == []
    office.append(rdp("PACS01", 900, 2, "10.30.0.8"))
    alerts = detect(office)[1]
    assert [(a.title, a.distinct, a.level) for a in alerts] == [
        ("RDP from One Address to Many Hosts (Mamori)", 3, "high")]


# --------------------------------------------------------------------------------------------- generated: FortiGate
def fgt(seconds: int, action: str, remip: str, n: int, *, user: str = "vpnuser") -> dict[str, Any]:
    when = 1_764_514_800 + seconds  # 2025-11-30 15:00:00 UTC
    if action == "ssl-login-fail":
        body = (f'logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" logdesc="SSL VPN login fail" '
                f'action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 remip={remip} user="{user}" group="N/A" '
                f'dst_host="N/A" reason="sslvpn_login_permission_denied" msg="SSL user failed to logged in"')
    else:
        body = (f'logid="0101039424" type="event" subtype="vpn" level="information" vd="root" '
                f'logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1205 '
                f'remip={remip} tunnelip=10.212.134.200 user="{user}" group="SSLVPN-Users" dst_host="N/A" '
                f'reason="N/A" msg="SSL tunnel established"')
    line = f'date=2025-12-01 time=00:00:00 devname="FGT-HOSP" devid="FG100FTK20000001" eventtime={when}000000000 ' \
           f'tz="+0900" {body}'
    return parse_fortigate(line, source="fortigate.log", line=n)


def vpn(fail_ip: str, fails: int, up_ip: str, up_at: int) -> list[dict[str, Any]]:
    events = [fgt(i * 5, "ssl-login-fail", fail_ip, i) for i in range(fails)]
    return [*events, fgt(up_at, "tunnel-up", up_ip, fails)]


def test_an_ssl_vpn_brute_force_then_a_tunnel_from_the_same_address_is_critical() -> None:
    shown, alerts = detect(vpn("198.51.100.23", 40, "198.51.100.23", 900))
    assert shown == []
    assert sorted((a.title, a.level) for a in alerts) == [
        ("FortiGate SSL-VPN Brute Force (Mamori)", "high"),
        ("FortiGate SSL-VPN Brute Force Followed by a Tunnel (Mamori)", "critical")]
    burst = next(a for a in alerts if a.level == "high")
    assert burst.count == 40 and burst.group == {"remip": "198.51.100.23"}
    chain = next(a for a in alerts if a.level == "critical")
    assert chain.group == {"remip": "198.51.100.23"} and chain.sample_refs[-1].offset == 40


def test_failures_from_one_address_and_a_tunnel_from_another_are_no_compromise() -> None:
    alerts = detect(vpn("198.51.100.23", 40, "203.0.113.50", 900))[1]
    assert [a.title for a in alerts] == ["FortiGate SSL-VPN Brute Force (Mamori)"]


def test_too_few_failures_or_a_tunnel_more_than_an_hour_later_are_no_compromise() -> None:
    assert detect(vpn("198.51.100.23", 9, "198.51.100.23", 120))[1] == []
    # the burst fires at the 10th failure (45 s); the tunnel comes 1 h 1 s after it
    late = detect(vpn("198.51.100.23", 10, "198.51.100.23", 45 + 3601))[1]
    assert [a.title for a in late] == ["FortiGate SSL-VPN Brute Force (Mamori)"]


# --------------------------------------------------------------------------------------------- generated: chain
def stage(name: str, seconds: float, n: int, host: str = "EHR-SRV01.hosp.local") -> dict[str, Any]:
    events = {
        "logon": win("Security", 4624, LogonType=3, IpAddress="10.20.0.15", TargetUserName="taro"),
        "service": win("System", 7045, ServiceName="PSEXESVC", ImagePath="%SystemRoot%\\PSEXESVC.exe"),
        "av": win(DEFENDER, 5001),
        "backup": win("Security", 4688, NewProcessName="C:\\Windows\\System32\\vssadmin.exe",
                      CommandLine="vssadmin delete shadows /all /quiet"),
        "clear": win("Security", 1102, SubjectUserName="taro"),
    }
    event = dict(events[name], Computer=host, TimeCreated=T0 + dt.timedelta(seconds=seconds), _offset=n + 1)
    return event


CHAIN = "Ransomware Attack Chain on One Host (Mamori)"
IMPACT = "Ransomware Impact Steps on One Host (Mamori)"


def test_the_full_ransomware_chain_in_order_on_one_host_is_critical() -> None:
    steps = ["logon", "service", "av", "backup", "clear"]
    shown, alerts = detect([stage(s, i * 900, i) for i, s in enumerate(steps)])
    assert sorted(titles(alerts)) == [CHAIN, IMPACT]
    chain = next(a for a in alerts if a.title == CHAIN)
    assert chain.level == "critical" and chain.group == {"Computer": "EHR-SRV01.hosp.local"}
    assert chain.first == T0 and chain.last == T0 + dt.timedelta(seconds=3600) and len(chain.rule_ids) == 5
    # each step still shows on its own, except the logon (only a chain input)
    assert titles(shown) == {"Remote Access Tool Installed as a Service (Mamori)": 1,
                             "Microsoft Defender Protection Turned Off (Mamori)": 1,
                             "Shadow Copy or Backup Catalogue Deletion (Mamori)": 1,
                             "Windows Event Log Cleared (Mamori)": 1}


def test_the_chain_out_of_order_fires_only_the_any_order_rule() -> None:
    steps = ["logon", "service", "backup", "av", "clear"]
    alerts = detect([stage(s, i * 900, i) for i, s in enumerate(steps)])[1]
    assert [(a.title, a.level) for a in alerts] == [(IMPACT, "high")]


def test_the_chain_spread_over_two_hosts_or_beyond_six_hours_is_no_chain() -> None:
    steps = ["logon", "service", "av", "backup", "clear"]
    split = [stage(s, i * 900, i, host="EHR-SRV01" if i < 3 else "EHR-SRV02") for i, s in enumerate(steps)]
    assert detect(split)[1] == []
    slow = [stage(s, i * 5401, i) for i, s in enumerate(steps)]  # 6 h 0 min 4 s from first to last
    assert [a.title for a in detect(slow)[1]] == [IMPACT]  # its own three steps span only 3 h
