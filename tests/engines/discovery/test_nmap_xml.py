"""nmap XML files in nmap's own layout (data/), hostile XML, and broken files."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element

import pytest

from mamori.engines.discovery import NmapParseError, parse_nmap_xml
from mamori.engines.discovery import nmap_xml as nmap_xml_module

DATA = Path(__file__).parent / "data"


def test_maintenance_scan_reads_header_hosts_macs_vendors_and_down_hosts() -> None:
    scan = parse_nmap_xml(DATA / "maintenance_segment_scan.xml")
    assert scan.filename == "maintenance_segment_scan.xml"
    assert scan.version == "7.93"
    assert scan.start == datetime(2026, 11, 16, 2, 10, 5, tzinfo=UTC)
    assert scan.targets == ("10.20.30.0/24",)
    assert scan.scaninfo[0].services == "22-23,139,443,445,3389,5900,5938,7070"
    assert scan.summary.endswith("(5 hosts up) scanned in 56.12 seconds")
    by_ip = {host.ipv4: host for host in scan.hosts}
    assert by_ip["10.20.30.9"].status == "down"
    assert not by_ip["10.20.30.9"].answered
    console = by_ip["10.20.30.5"]
    assert (console.mac, console.mac_vendor) == ("00:1B:21:AA:BB:05", "Intel Corporate")
    assert [name.name for name in console.hostnames] == ["ct-console-01.hosp.local"]
    assert [port.portid for port in console.open_ports] == [139, 445, 3389]
    assert len(scan.up_hosts) == 5


def test_os_matches_keep_name_accuracy_and_class_cpes() -> None:
    scan = parse_nmap_xml(DATA / "maintenance_segment_scan.xml")
    console = next(host for host in scan.hosts if host.ipv4 == "10.20.30.5")
    first, second = console.os_matches
    assert (first.name, first.accuracy) == ("Microsoft Windows 10 1607", 96)
    assert first.classes[0].osfamily == "Windows"
    assert first.classes[0].cpes == ("cpe:/o:microsoft:windows_10:1607",)
    assert second.accuracy == 91


def test_ssl_tunnel_service_is_shown_as_nmap_prints_it() -> None:
    scan = parse_nmap_xml(DATA / "maintenance_segment_scan.xml")
    vpn = next(host for host in scan.hosts if host.ipv4 == "10.20.30.10")
    (port,) = vpn.ports
    assert port.service is not None
    assert (port.service.display_name, port.service.product) == ("ssl/http", "Fortinet SSL VPN")
    assert port.service.cpes == ("cpe:/h:fortinet:fortigate",)


def test_ipv6_host_has_its_address_mac_and_script_output() -> None:
    scan = parse_nmap_xml(DATA / "ipv6_host.xml")
    (host,) = scan.hosts
    assert (host.ipv4, host.ipv6, host.address) == (None, "fd00:db8:10::15", "fd00:db8:10::15")
    assert host.mac == "00:50:56:9A:10:15"
    https = next(port for port in host.ports if port.portid == 443)
    assert [(script.id, script.output) for script in https.scripts] == [("http-title", "PACS Viewer")]
    assert scan.targets == ("fd00:db8:10::15", "fd00:db8:10::16")


def test_ping_sweep_hosts_have_no_ports_and_down_hosts_are_kept() -> None:
    scan = parse_nmap_xml(DATA / "ping_sweep_down_hosts.xml")
    assert [(host.ipv4, host.status) for host in scan.hosts] == [
        ("10.40.0.0", "down"), ("10.40.0.1", "up"), ("10.40.0.2", "up"), ("10.40.0.3", "down")]
    assert all(host.ports == () for host in scan.hosts)
    assert scan.scaninfo == ()


def test_pn_host_with_only_filtered_ports_did_not_answer() -> None:
    scan = parse_nmap_xml(DATA / "pn_only_filtered_ports.xml")
    assert [host.status for host in scan.hosts] == ["up", "up"]  # -Pn: nmap assumes every target is up
    assert [host.ipv4 for host in scan.up_hosts] == ["10.50.0.9"]


def test_bytes_and_file_objects_are_read_like_paths() -> None:
    data = (DATA / "ipv6_host.xml").read_bytes()
    assert parse_nmap_xml(data, "upload.xml").hosts == parse_nmap_xml(io.BytesIO(data), "upload.xml").hosts
    assert parse_nmap_xml(data).filename == "(upload)"


@pytest.mark.parametrize("name", ["billion_laughs.xml", "xxe_system_passwd.xml", "xxe_parameter_entity.xml",
                                  "external_dtd.xml"])
def test_hostile_xml_is_refused_before_any_element_or_entity_is_built(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    builder = nmap_xml_module._LineTrackingBuilder
    original_start, original_data = builder.start, builder.data

    def start(self: Any, tag: str, attrs: dict[str, str]) -> Element:
        seen.append(f"<{tag}>")
        return original_start(self, tag, attrs)

    def data(self: Any, text: str) -> None:
        seen.append(text)
        original_data(self, text)

    monkeypatch.setattr(builder, "start", start)
    monkeypatch.setattr(builder, "data", data)
    with pytest.raises(NmapParseError, match=rf"^{name}, line 2, <!DOCTYPE>: refused: the XML declares a DTD") as info:
        parse_nmap_xml(DATA / name)
    assert seen == []  # not one element, not one character of (expanded) text reached the tree
    assert "lollol" not in str(info.value)
    assert "root:" not in str(info.value)


def test_even_a_harmless_internal_dtd_subset_is_refused() -> None:
    xml = b'<?xml version="1.0"?>\n<!DOCTYPE nmaprun [\n<!ELEMENT nmaprun ANY>\n]>\n<nmaprun/>'
    with pytest.raises(NmapParseError, match=r"^scan\.xml, line 2, <!DOCTYPE>: refused"):
        parse_nmap_xml(xml, "scan.xml")


def test_truncated_scan_names_file_line_and_column() -> None:
    with pytest.raises(NmapParseError, match=r"^truncated_interrupted_scan\.xml, line 32: the XML is broken or "
                       r"cut off at column \d+ .*interrupted"):
        parse_nmap_xml(DATA / "truncated_interrupted_scan.xml")


def test_empty_file_is_refused_as_broken_xml() -> None:
    with pytest.raises(NmapParseError, match=r"^empty\.xml, line 1: the XML is broken or cut off"):
        parse_nmap_xml(b"", "empty.xml")


def test_other_xml_is_not_taken_for_an_nmap_scan() -> None:
    with pytest.raises(NmapParseError, match=r"^not_nmap_report\.xml, line 2, <report>: not an nmap XML file"):
        parse_nmap_xml(DATA / "not_nmap_report.xml")


def test_bad_number_names_the_line_and_attribute() -> None:
    with pytest.raises(NmapParseError, match=r"^bad_portid\.xml, line 9, <port> portid: 'eighty' is not a number"):
        parse_nmap_xml(DATA / "bad_portid.xml")


def test_file_over_the_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b" " * 2048)
    with pytest.raises(NmapParseError, match=r"^big\.xml: the file is larger than"):
        parse_nmap_xml(path, max_bytes=1024)


def test_missing_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(NmapParseError, match=r"^nope\.xml: cannot read the file"):
        parse_nmap_xml(tmp_path / "nope.xml")
