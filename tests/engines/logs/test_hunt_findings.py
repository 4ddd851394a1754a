"""`mamori hunt` beyond plain rule matches: correlation rules (Sigma v2) over every file, log health as timeline
rows, syslog/FortiGate files, and the folder walk. Real DeepBlueCLI samples where present, generated winlogbeat
JSON and FortiGate syslog otherwise."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.logs import hunt as hunt_module
from mamori.engines.logs.evtx_reader import iter_evtx
from mamori.engines.logs.health import HealthTracker
from mamori.engines.logs.hunt import (
    BUILTIN_RULES,
    HUNT_HEALTH,
    hunt,
    input_files,
    load_correlations,
    load_rules,
    scan_file,
)
from tests.cli_helpers import mamori

SAMPLES = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "evtx" / "hayabusa-sample-evtx"
DEEPBLUE = SAMPLES / "DeepBlueCLI"
T0 = dt.datetime(2026, 11, 30, 15, 0, 0, tzinfo=dt.UTC)
DEFENDER = "Microsoft-Windows-Windows Defender/Operational"
BRUTE_FORCE = "Brute Force Against One Account (Mamori)"
SPRAY = "Password Spraying with Explicit Credentials (Mamori)"
CHAIN = "Ransomware Attack Chain on One Host (Mamori)"
VPN_CHAIN = "FortiGate SSL-VPN Brute Force Followed by a Tunnel (Mamori)"


def sample(name: str) -> Path:
    path = DEEPBLUE / name
    if not path.is_file():
        pytest.skip(f"public sample not present: {path}")
    return path


Row = tuple[str, int, float, int, dict[str, Any]]


def winlogbeat(path: Path, events: Sequence[Row],
               host: str = "EHR-SRV01.hosp.local") -> Path:
    """(channel, event id, seconds after T0, record id, event data) → a winlogbeat NDJSON export."""
    lines = []
    for channel, event_id, seconds, record_id, data in events:
        when = (T0 + dt.timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")
        lines.append(json.dumps({"@timestamp": when, "winlog": {
            "channel": channel, "event_id": event_id, "computer_name": host, "record_id": record_id,
            "event_data": data}}, ensure_ascii=False))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_rules(rule_cache=tmp_path_factory.mktemp("rules") / "own.pickle")[0]


# --------------------------------------------------------------------------------------------- correlation
def test_the_3561_event_brute_force_is_one_correlated_row_not_thousands() -> None:
    result = hunt([sample("smb-password-guessing-security.evtx")], rule_cache=False, health=False)
    burst = [r for r in result.rows if r.rule == BRUTE_FORCE]
    assert len(burst) == 1 and result.correlation_alerts == 1
    row = burst[0]
    assert row.level == "high" and row.host == "DESKTOP-M5SN04R" and row.author == "Mamori project"
    assert "TargetUserName: Administrator" in row.details and "IpAddress: 192.168.198.149" in row.details
    assert int(row.details.rsplit("count: ", 1)[1]) >= 3000
    # the failed logons it is built from are correlation inputs only (generate: false): no row each
    assert not [r for r in result.rows if r.event_id == 4625]
    assert row.time == min(r.time for r in result.rows if r.time is not None)


def test_the_spray_sample_is_one_row_naming_the_41_accounts_and_the_dc_it_hit() -> None:
    result = hunt([sample("password-spray.evtx")], rule_cache=False, health=False)
    spray = [r for r in result.rows if r.rule == SPRAY]
    assert len(spray) == 1 and spray[0].host == "DESKTOP-JR78RLP"
    assert "distinct: 41:" in spray[0].details and "jwright" in spray[0].details


def _chain_files(folder: Path, *, host_of_last: str = "EHR-SRV01.hosp.local") -> list[Path]:
    folder.mkdir(exist_ok=True)
    security = winlogbeat(folder / "Security.ndjson", [
        ("Security", 4624, 0, 5000, {"LogonType": 3, "IpAddress": "10.20.0.15", "TargetUserName": "taro"}),
        ("Security", 4688, 2700, 5001, {"NewProcessName": "C:\\Windows\\System32\\vssadmin.exe",
                                        "CommandLine": "vssadmin delete shadows /all /quiet"})])
    system = winlogbeat(folder / "System.ndjson", [
        ("System", 7045, 900, 800, {"ServiceName": "PSEXESVC", "ImagePath": "%SystemRoot%\\PSEXESVC.exe"})])
    defender = winlogbeat(folder / "Defender.ndjson", [(DEFENDER, 5001, 1800, 41, {})])
    clear = winlogbeat(folder / "Security-late.ndjson", [
        ("Security", 1102, 3600, 5002, {"SubjectUserName": "taro"})], host=host_of_last)
    return [security, system, defender, clear]


def test_the_ransomware_chain_spread_over_four_files_of_one_host_is_one_critical_row(tmp_path: Path) -> None:
    result = hunt(_chain_files(tmp_path / "logs"), rule_cache=False, health=False)
    chains = [r for r in result.rows if r.rule == CHAIN]
    assert len(chains) == 1
    chain = chains[0]
    assert chain.level == "critical" and chain.host == "EHR-SRV01.hosp.local" and chain.time == T0
    assert set(chain.source.split(", ")) == {"Security.ndjson", "System.ndjson", "Defender.ndjson",
                                             "Security-late.ndjson"}
    assert "attack.impact" in chain.attack or any(t.startswith("attack.t") for t in chain.attack)


def test_the_same_steps_on_two_hosts_are_no_chain(tmp_path: Path) -> None:
    result = hunt(_chain_files(tmp_path / "logs", host_of_last="EHR-SRV02.hosp.local"), rule_cache=False,
                  health=False)
    assert not [r for r in result.rows if r.rule == CHAIN]


def test_correlation_is_the_same_with_two_worker_processes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           rules: Any) -> None:
    monkeypatch.setattr(hunt_module, "_PARALLEL_MIN_BYTES", 0)
    files = _chain_files(tmp_path / "logs")
    correlations = load_correlations()
    one = hunt(files, ruleset=rules, correlations=correlations, workers=1, now=T0)
    two = hunt(files, ruleset=rules, correlations=correlations, workers=2, now=T0)
    assert one.rows == two.rows and one.health == two.health and one.by_level == two.by_level
    assert any(r.rule == CHAIN for r in two.rows)


def test_a_given_ruleset_runs_no_correlation_unless_given_one(tmp_path: Path, rules: Any) -> None:
    files = _chain_files(tmp_path / "logs")
    assert hunt(files, ruleset=rules, health=False).correlations is None
    assert hunt(files, ruleset=rules, health=False, correlations=load_correlations()).correlation_alerts == 2


def _fortigate_log(path: Path, *, fails: int, fail_ip: str, up_ip: str) -> Path:
    lines = []
    for i in range(fails + 1):
        when = int(T0.timestamp()) + i * 5
        stamp = (T0 + dt.timedelta(seconds=i * 5)).astimezone(dt.timezone(dt.timedelta(hours=9)))
        if i < fails:
            body = (f'logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" '
                    f'logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" tunnelid=0 '
                    f'remip={fail_ip} user="vpnuser" group="N/A" reason="sslvpn_login_permission_denied" '
                    f'msg="SSL user failed to logged in"')
        else:
            body = (f'logid="0101039424" type="event" subtype="vpn" level="information" vd="root" '
                    f'logdesc="SSL VPN tunnel up" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1205 '
                    f'remip={up_ip} tunnelip=10.212.134.200 user="vpnuser" group="SSLVPN-Users" '
                    f'msg="SSL tunnel established"')
        lines.append(f'<185>date={stamp:%Y-%m-%d} time={stamp:%H:%M:%S} devname="FGT-HOSP" '
                     f'devid="FG100FTK20000001" eventtime={when}000000000 tz="+0900" {body}')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_fortigate_syslog_file_brute_force_then_tunnel_is_critical(tmp_path: Path) -> None:
    hit = _fortigate_log(tmp_path / "fortigate.log", fails=40, fail_ip="198.51.100.23", up_ip="198.51.100.23")
    result = hunt([hit], rule_cache=False)
    assert result.files[0].error == "" and result.events == 41
    assert [(r.rule, r.level) for r in result.rows if r.level == "critical"] == [(VPN_CHAIN, "critical")]
    assert next(r for r in result.rows if r.rule == VPN_CHAIN).details.count("198.51.100.23") == 1
    other = _fortigate_log(tmp_path / "other.log", fails=40, fail_ip="198.51.100.23", up_ip="203.0.113.50")
    assert not [r for r in hunt([other], rule_cache=False).rows if r.level == "critical"]


# --------------------------------------------------------------------------------------------- health
def test_a_record_gap_is_a_high_health_row_and_a_clear_in_another_file_explains_it(tmp_path: Path) -> None:
    app: list[Row] = [("Application", 1000, i * 60, 100 + i, {}) for i in range(10)]
    app += [("Application", 1000, 600 + i * 60, 150 + i, {}) for i in range(10)]  # 40 records gone
    gap = winlogbeat(tmp_path / "Application.ndjson", app)
    result = hunt([gap], rule_cache=False, now=T0)
    rows = [r for r in result.rows if r.rule_id == "mamori-health-record_gap"]
    assert len(rows) == 1 and rows[0].level == "high" and rows[0].author == "Mamori"
    assert rows[0].host == "EHR-SRV01.hosp.local" and rows[0].channel == "Application"
    assert "110" in rows[0].details and "149" in rows[0].details and "40" in rows[0].details
    assert result.by_level["high"] >= 1
    english = hunt([gap], rule_cache=False, now=T0, lang="en")
    assert "missing" in next(r for r in english.rows if r.rule_id == "mamori-health-record_gap").details
    # a System 104 (Application cleared) of the same host, in another file, in the gap: no gap finding
    cleared = winlogbeat(tmp_path / "System.ndjson", [("System", 104, 570, 900, {"Channel": "Application"})])
    both = hunt([gap, cleared], rule_cache=False, now=T0)
    assert not [r for r in both.rows if r.rule_id == "mamori-health-record_gap"]
    assert any(f.code == "log_cleared" for f in both.health)  # kept, but its row is the 104 rule's
    assert not [r for r in both.rows if r.rule_id == "mamori-health-log_cleared"]


def test_health_can_be_switched_off_and_retention_is_only_checked_when_asked(tmp_path: Path) -> None:
    events: list[Row] = [("Security", 4624, i * 60, 5000 + i, {"LogonType": 5, "TargetUserName": "SYSTEM"})
                         for i in range(120)]
    path = winlogbeat(tmp_path / "Security.ndjson", events)
    default = hunt([path], rule_cache=False, now=T0)
    codes = {f.code for f in default.health}
    assert "no_process_audit" in codes and "retention_short" not in codes
    assert not hunt([path], rule_cache=False, health=False).health
    policy = dataclasses.replace(HUNT_HEALTH, default_retention_days=1826)
    short = hunt([path], rule_cache=False, health=policy, now=T0)
    finding = next(f for f in short.health if f.code == "retention_short")
    assert finding.params["required_days"] == 1826 and finding.params["reason"] == "overwritten"


def test_undecoded_evtx_records_count_in_health_exactly_as_decoded_ones(rules: Any) -> None:
    """The fast path skips decoding records no rule can match; health must see them all the same."""
    path = sample("many-events-application.evtx")
    scan = scan_file(path, rules, health=True)
    assert scan.health is not None
    reference = HealthTracker()
    for event in iter_evtx(path):
        reference.add(event, source=str(path))
    assert scan.health.events == reference.events == scan.metrics.events
    assert scan.health.profiles() == reference.profiles()
    assert (scan.health.findings(now=T0, policy=HUNT_HEALTH) == reference.findings(now=T0, policy=HUNT_HEALTH))


# --------------------------------------------------------------------------------------------- inputs, CLI
def test_the_folder_walk_takes_logs_and_syslog_names_but_not_notes_or_earlier_timelines(tmp_path: Path) -> None:
    for name in ("a.evtx", "b.ndjson", "fw.log", "messages", "messages.1", "secure-20261201", "notes.txt",
                 "timeline.csv", "messages.gz", "readme.md", "messages.1.gz"):
        (tmp_path / name).write_bytes(b"")
    found = {p.name for p in input_files([tmp_path])}
    assert found == {"a.evtx", "b.ndjson", "fw.log", "messages", "messages.1", "secure-20261201"}
    named = input_files([tmp_path / "notes.txt", tmp_path / "timeline.csv", tmp_path, tmp_path / "fw.log"])
    assert [p.name for p in named].count("fw.log") == 1 and {"notes.txt", "timeline.csv"} <= {p.name for p in named}
    # a file named on the command line without a log suffix is read as syslog, and says so when it is not
    (tmp_path / "fw-export.out").write_text("<134>May  1 10:00:00 fw01 kernel: DROP IN=eth0 SRC=203.0.113.9\n",
                                            encoding="utf-8")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    result = hunt([tmp_path / "fw-export.out", tmp_path / "photo.jpg"], rule_cache=False)
    assert result.files[0].error == "" and result.files[0].events == 1 and result.files[0].hosts == {"fw01": 1}
    assert "photo.jpg, line 1" in result.files[1].error and "not text" in result.files[1].error


def test_a_broken_syslog_line_rejects_the_file_unless_recovering(tmp_path: Path) -> None:
    path = _fortigate_log(tmp_path / "fortigate.log", fails=12, fail_ip="198.51.100.23", up_ip="198.51.100.23")
    with path.open("ab") as handle:
        handle.write(b"<185>date=2026-12-01 time=00:10:00 devname=\"FGT-HOSP\" logid=\"0101039426\" msg=\"\n")
        handle.write(b"<185>" + b"A" * 2_000_000 + b"\n")
    result = hunt([path], rule_cache=False)
    assert result.events == 0 and "line 14" in result.files[0].error
    recovered = hunt([path], rule_cache=False, recover=True)
    assert recovered.events == 13 and recovered.files[0].skipped == 2


def test_the_cli_hunts_a_syslog_folder_in_english_and_writes_the_rows_to_the_timeline(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    _fortigate_log(logs / "fortigate.log", fails=40, fail_ip="198.51.100.23", up_ip="198.51.100.23")
    _chain_files(logs)
    out = tmp_path / "timeline.csv"
    metrics = tmp_path / "metrics.csv"
    result = mamori(tmp_path / "data", "hunt", str(logs), "--lang", "en", "--timeline", str(out),
                    "--metrics", str(metrics), "--rule-cache", str(tmp_path / "rules.pickle"))
    assert result.returncode == 1, result.stderr
    assert "correlation alerts 4" in result.stdout, result.stdout
    assert f"[critical] {VPN_CHAIN}" in result.stdout and f"[critical] {CHAIN}" in result.stdout
    assert "fortigate.log: 41 events" in result.stdout
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["rule"] for r in rows} >= {VPN_CHAIN, CHAIN} and all(r["author"] for r in rows)
    per_file = {Path(r["file"]).name: r for r in csv.DictReader(metrics.read_text(encoding="utf-8-sig").splitlines())}
    assert set(per_file) == {"fortigate.log", "Security.ndjson", "System.ndjson", "Defender.ndjson",
                             "Security-late.ndjson"}
    vpn = per_file["fortigate.log"]
    assert vpn["events"] == "41" and vpn["hosts"] == "FGT-HOSP 41" and vpn["error"] == ""
    assert per_file["Security.ndjson"]["event_ids"] == "4624 1; 4688 1"
    assert per_file["Security.ndjson"]["channels"] == "Security 2"
    quiet = mamori(tmp_path / "data", "hunt", str(logs), "--no-health", "--progress", "--rule-cache",
                   str(tmp_path / "rules.pickle"))
    assert "ログの健全性" not in quiet.stdout and "相関アラート 4" in quiet.stdout
    assert "[1/5] Defender.ndjson: 1 件" in quiet.stderr and "[5/5] fortigate.log: 41 件" in quiet.stderr
    assert "[1/5]" not in result.stderr  # not a terminal: no progress unless asked
    assert BUILTIN_RULES.is_dir()


def test_a_rule_pack_zip_with_a_correlation_and_a_broken_rule_is_reported_rule_by_rule(tmp_path: Path) -> None:
    import zipfile

    pack = tmp_path / "pack.zip"
    with zipfile.ZipFile(pack, "w") as z:
        z.writestr("base.yml", "title: Failed logon (pack)\nid: 5b0b8a1e-6f5e-4a33-9c61-0c7d7d2f0a01\n"
                   "name: pack_failed_logon\nstatus: test\nauthor: Pack Author\nlevel: low\nlogsource:\n"
                   "    product: windows\n    service: security\ndetection:\n    sel:\n        EventID: 4625\n"
                   "    condition: sel\n")
        z.writestr("burst.yml", "title: Failed logon burst (pack)\nid: 5b0b8a1e-6f5e-4a33-9c61-0c7d7d2f0a02\n"
                   "status: test\nauthor: Pack Author\nlevel: high\ncorrelation:\n    type: event_count\n"
                   "    rules:\n        - pack_failed_logon\n    group-by:\n        - TargetUserName\n"
                   "    timespan: 10m\n    condition:\n        gte: 100\n")
        z.writestr("broken.yml", "title: broken\ndetection:\n  sel:\n    EventID: [\n")
    logs = tmp_path / "logs"
    logs.mkdir()
    winlogbeat(logs / "Security.ndjson", [("Security", 4625, i, 9000 + i, {"TargetUserName": "admin",
                                                                           "IpAddress": "10.1.2.3"})
                                          for i in range(120)])
    result = mamori(tmp_path / "data", "hunt", str(logs), "--rules", str(pack), "--lang", "en", "--no-health",
                    "--no-rule-cache")
    assert result.returncode == 1, result.stderr
    assert "RULE NOT USED: " in result.stderr and "broken.yml" in result.stderr
    assert "errors 1;" in result.stdout and "skipped 0," in result.stdout, result.stdout
    assert "[high] Failed logon burst (pack) (author: Pack Author)" in result.stdout
    assert "low 0" in result.stdout  # the burst's input makes no row of its own (Sigma: generate defaults to false)
