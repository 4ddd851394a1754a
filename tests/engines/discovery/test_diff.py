"""Discovery against the ledger: unregistered hosts, registered hosts not seen, exposed services."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.engines.discovery import (
    DiscoveryDiff,
    LedgerHost,
    NmapPort,
    NmapService,
    SegmentInfo,
    diff_against_ledger,
    match_rule,
    normalise_mac,
    parse_nmap_xml,
)

DATA = Path(__file__).parent / "data"
SEGMENTS = [
    SegmentInfo("MNT-30", "10.20.30.0/25", "maintenance"),
    SegmentInfo("OFC-30", "10.20.30.128/25", "office"),
    SegmentInfo("ALL-10", "10.0.0.0/8", "ehr"),  # a wider block: the longest prefix must win
]
LEDGER = [
    LedgerHost("L-CT", "CT 操作卓", ips=("10.20.30.5",), segment_kind="medical_device"),
    LedgerHost("L-VPN", "保守用 VPN 装置", macs=("00-09-0f-12-34-56",)),
    LedgerHost("L-PC31", "保守 PC", ips=("10.20.30.31",)),
    LedgerHost("L-OFFICE", "事務 PC", ips=("10.20.30.200",), hostnames=("office-pc-200",), segment_kind="office"),
    LedgerHost("L-PUMP", "輸液ポンプ GW", ips=("10.20.30.20",)),
    LedgerHost("L-DOWN", "電源断の端末", ips=("10.20.30.9",)),
    LedgerHost("L-RPI", "旧 CT 端末", ips=("10.20.30.78",), hostnames=("CT-CONSOLE-01-OLD.hosp.local",)),
    LedgerHost("L-ELSEWHERE", "別棟の端末", ips=("10.99.0.1",)),
    LedgerHost("L-NOIP", "IP 未記入の端末"),
    LedgerHost("L-BAD", "誤記のある端末", ips=("10.20.30.300",), macs=("not-a-mac",)),
]


@pytest.fixture(scope="module")
def diff() -> DiscoveryDiff:
    return diff_against_ledger(parse_nmap_xml(DATA / "maintenance_segment_scan.xml"), LEDGER, SEGMENTS)


def test_unregistered_host_is_reported_with_segment_mac_vendor_and_similar_ledger_name(diff: DiscoveryDiff) -> None:
    (host,) = diff.unregistered
    assert host.address == "10.20.30.77"
    assert host.segment is not None and host.segment.code == "MNT-30"
    assert host.similar_keys == ("L-RPI",)
    assert "10.20.30.77 in the maintenance segment MNT-30 (B8:27:EB:11:22:33, Raspberry Pi Foundation)" in (
        host.reason_en)
    assert host.reason_ja.startswith("保守セグメント MNT-30 の 10.20.30.77")


def test_registered_hosts_in_range_that_did_not_answer_are_not_seen(diff: DiscoveryDiff) -> None:
    assert [(unseen.ledger.key, unseen.addresses_in_scope) for unseen in diff.not_seen] == [
        ("L-PUMP", ("10.20.30.20",)), ("L-DOWN", ("10.20.30.9",)), ("L-RPI", ("10.20.30.78",))]
    assert "inside the scanned range, but did not answer" in diff.not_seen[0].reason_en
    assert "スキャン範囲内ですが応答しませんでした" in diff.not_seen[0].reason_ja


def test_hosts_outside_the_scan_or_without_an_address_are_not_judged(diff: DiscoveryDiff) -> None:
    judged = {unseen.ledger.key for unseen in diff.not_seen} | {match.ledger.key for match in diff.matched}
    assert judged.isdisjoint({"L-ELSEWHERE", "L-NOIP"})


def test_a_device_found_by_mac_under_another_address_is_matched_and_flagged_as_moved(diff: DiscoveryDiff) -> None:
    by_key = {match.ledger.key: match for match in diff.matched}
    assert (by_key["L-VPN"].matched_by, by_key["L-VPN"].address_changed) == (("mac",), True)
    assert (by_key["L-CT"].matched_by, by_key["L-CT"].address_changed) == (("ip",), False)
    assert set(by_key) == {"L-CT", "L-VPN", "L-PC31", "L-OFFICE"}


def test_malformed_ledger_addresses_are_reported_not_fatal(diff: DiscoveryDiff) -> None:
    assert diff.ledger_problems == (
        "L-BAD: IP address '10.20.30.300' is not an address; ignored",
        "L-BAD: MAC address 'not-a-mac' is not an address; ignored",
    )


def test_exposed_services_on_maintenance_hosts_and_telnet_anywhere(diff: DiscoveryDiff) -> None:
    found = sorted((finding.address, finding.port, finding.rule) for finding in diff.exposed)
    assert found == [
        ("10.20.30.10", 443, "vpn_portal"),
        ("10.20.30.200", 23, "telnet"),  # office segment: telnet counts, its RDP does not
        ("10.20.30.31", 5900, "vnc"),
        ("10.20.30.31", 5938, "teamviewer"),
        ("10.20.30.5", 139, "smb"),
        ("10.20.30.5", 445, "smb"),
        ("10.20.30.5", 3389, "rdp"),
    ]


def test_rdp_finding_carries_host_segment_evidence_and_both_languages(diff: DiscoveryDiff) -> None:
    rdp = next(finding for finding in diff.exposed if finding.rule == "rdp")
    assert (rdp.ledger_key, rdp.ledger_name, rdp.segment_code, rdp.segment_kind) == (
        "L-CT", "CT 操作卓", "MNT-30", "maintenance")
    assert (rdp.protocol, rdp.service, rdp.product) == ("tcp", "ms-wbt-server", "Microsoft Terminal Services")
    assert rdp.evidence == "tcp/3389 open ms-wbt-server Microsoft Terminal Services"
    assert rdp.reason_en.startswith("Remote Desktop (RDP) is open on 10.20.30.5 in the maintenance segment MNT-30")
    assert "Osaka" in rdp.reason_en
    assert rdp.reason_ja.startswith("保守セグメント MNT-30 の 10.20.30.5 でリモートデスクトップ(RDP)が開いています")


def test_vpn_portal_finding_names_the_product(diff: DiscoveryDiff) -> None:
    vpn = next(finding for finding in diff.exposed if finding.rule == "vpn_portal")
    assert (vpn.ledger_key, vpn.service, vpn.product) == ("L-VPN", "ssl/http", "Fortinet SSL VPN")
    assert "Handa" in vpn.reason_en and "半田病院" in vpn.reason_ja


def test_ledger_segment_kind_makes_a_host_on_an_office_subnet_count_as_maintenance() -> None:
    scan = parse_nmap_xml(DATA / "maintenance_segment_scan.xml")
    ledger = [LedgerHost("L-MOVED", "移設された保守 PC", ips=("10.20.30.200",), segment_kind="maintenance")]
    diff = diff_against_ledger(scan, ledger, SEGMENTS)
    moved = sorted((finding.port, finding.rule, finding.segment_kind)
                   for finding in diff.exposed if finding.address == "10.20.30.200")
    assert moved == [(23, "telnet", "maintenance"), (3389, "rdp", "maintenance")]
    rdp = next(finding for finding in diff.exposed if finding.address == "10.20.30.200" and finding.rule == "rdp")
    assert rdp.reason_en.startswith("Remote Desktop (RDP) is open on 10.20.30.200 in the office segment OFC-30 "
                                    "(a maintenance device in the ledger) (tcp/3389).")
    assert rdp.reason_ja.startswith("事務セグメント OFC-30 の 10.20.30.200(台帳上は保守の機器) で")


def test_without_segments_only_telnet_is_flagged() -> None:
    scan = parse_nmap_xml(DATA / "maintenance_segment_scan.xml")
    diff = diff_against_ledger(scan, [], [])
    assert [(finding.address, finding.rule) for finding in diff.exposed] == [("10.20.30.200", "telnet")]
    assert len(diff.unregistered) == 5


def test_pn_scan_host_with_only_filtered_ports_is_not_seen_and_table_named_rdp_is_flagged() -> None:
    scan = parse_nmap_xml(DATA / "pn_only_filtered_ports.xml")
    ledger = [LedgerHost("P-8", "装置8", ips=("10.50.0.8",)), LedgerHost("P-9", "装置9", ips=("10.50.0.9",)),
              LedgerHost("P-10", "装置10", ips=("10.50.0.10",))]
    diff = diff_against_ledger(scan, ledger, [SegmentInfo("MD-50", "10.50.0.0/24", "medical_device")])
    assert [unseen.ledger.key for unseen in diff.not_seen] == ["P-8"]  # .10 is outside 10.50.0.8-9
    assert [(finding.address, finding.rule, finding.segment_kind) for finding in diff.exposed] == [
        ("10.50.0.9", "rdp", "medical_device")]
    assert "医療機器セグメント MD-50" in diff.exposed[0].reason_ja


def test_ping_sweep_matches_by_mac_and_misses_the_down_host() -> None:
    scan = parse_nmap_xml(DATA / "ping_sweep_down_hosts.xml")
    ledger = [LedgerHost("R-1", "ルーター", ips=("10.40.9.1",), macs=("00a0.de40.0001",)),
              LedgerHost("PR-3", "プリンタ", ips=("10.40.0.3",))]
    diff = diff_against_ledger(scan, ledger, [])
    assert [(match.ledger.key, match.address_changed) for match in diff.matched] == [("R-1", True)]
    assert [host.address for host in diff.unregistered] == ["10.40.0.2"]
    assert [unseen.ledger.key for unseen in diff.not_seen] == ["PR-3"]


def test_ipv6_ledger_address_in_another_spelling_still_matches() -> None:
    scan = parse_nmap_xml(DATA / "ipv6_host.xml")
    ledger = [LedgerHost("V-1", "PACS ビューア", ips=("FD00:0DB8:0010:0000::15",)),
              LedgerHost("V-2", "停止中", ips=("fd00:db8:10::16",))]
    diff = diff_against_ledger(scan, ledger, [])
    assert [match.ledger.key for match in diff.matched] == ["V-1"]
    assert [unseen.ledger.key for unseen in diff.not_seen] == ["V-2"]


@pytest.mark.parametrize(("port", "expected"), [
    (NmapPort("tcp", 3389, "open", service=NmapService("ms-wbt-server", method="table")), "rdp"),
    (NmapPort("tcp", 3389, "filtered", service=NmapService("ms-wbt-server", method="table")), None),
    (NmapPort("tcp", 3389, "open|filtered"), None),
    (NmapPort("tcp", 13389, "open", service=NmapService("ms-wbt-server", method="probed")), "rdp"),
    (NmapPort("tcp", 23, "open", service=NmapService("http", product="nginx", method="probed")), None),
    (NmapPort("tcp", 23, "open", service=NmapService("tcpwrapped", method="probed")), "telnet"),
    (NmapPort("tcp", 7070, "open", service=NmapService("realserver", method="table")), "anydesk"),
    (NmapPort("tcp", 10443, "open", service=NmapService(
        "http", product="Palo Alto GlobalProtect Gateway httpd", tunnel="ssl", method="probed")), "vpn_portal"),
    (NmapPort("tcp", 443, "open", service=NmapService(
        "http", product="Pulse Secure VPN gateway http config", tunnel="ssl", method="probed")), "vpn_portal"),
    (NmapPort("tcp", 443, "open", service=NmapService("http", product="Citrix NetScaler httpd", method="probed")),
     "vpn_portal"),
    (NmapPort("tcp", 443, "open", service=NmapService("http", product="Apache httpd", method="probed")), None),
    (NmapPort("udp", 445, "open"), None),
])
def test_exposure_rules(port: NmapPort, expected: str | None) -> None:
    rule = match_rule(port)
    assert (rule.code if rule else None) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("00:1b:21:aa:bb:05", "00:1B:21:AA:BB:05"),
    ("00-1B-21-AA-BB-05", "00:1B:21:AA:BB:05"),
    ("001b.21aa.bb05", "00:1B:21:AA:BB:05"),
    ("001B21AABB05", "00:1B:21:AA:BB:05"),
    ("00:1B:21:AA:BB", None),
    ("zz:1B:21:AA:BB:05", None),
])
def test_normalise_mac(text: str, expected: str | None) -> None:
    assert normalise_mac(text) == expected


def test_a_list_scan_probes_nothing_so_nobody_is_reported_missing() -> None:
    xml = (DATA / "ping_sweep_down_hosts.xml").read_bytes().replace(b'args="nmap -sn -v', b'args="nmap -sL -v')
    scan = parse_nmap_xml(xml, "list.xml")
    diff = diff_against_ledger(scan, [LedgerHost("PR-3", "プリンタ", ips=("10.40.0.3",))], [])
    assert diff.not_seen == ()
