"""CPE suggestions match the names NVD uses for the products hospitals run (vulnerability-intel.md §4.6)."""

from __future__ import annotations

import pytest

from mamori.engines.cpe_suggest import suggest_cpes


@pytest.mark.parametrize(("manufacturer", "os_name", "version", "expected"), [
    ("Fortinet", "FortiOS", "6.0.4", "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*"),
    ("Pulse Secure", "Pulse Connect Secure", "9.0R3.3", "cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*"),
    ("Citrix", "Citrix ADC", "13.0-47.24",
     "cpe:2.3:o:citrix:application_delivery_controller_firmware:13.0:*:*:*:*:*:*:*"),
    ("Dell", "Windows Server", "2019", "cpe:2.3:o:microsoft:windows_server_2019:-:*:*:*:*:*:*:*"),
    ("NEC", "Windows Server", "2012 R2", "cpe:2.3:o:microsoft:windows_server_2012:-:r2:*:*:*:*:*:*"),
    ("富士通", "Windows 11", "23H2", "cpe:2.3:o:microsoft:windows_11_23h2:-:*:*:*:*:*:*:*"),
    ("Cisco", "IOS XE", "17.9.4", "cpe:2.3:o:cisco:ios_xe:17.9.4:*:*:*:*:*:*:*"),
    ("YAMAHA", "RTX firmware", "Rev.15.02.30", "cpe:2.3:o:yamaha:rtx_firmware:15.02.30:*:*:*:*:*:*:*"),
])
def test_operating_system_suggestion(manufacturer: str, os_name: str, version: str, expected: str) -> None:
    assert suggest_cpes(manufacturer, os_name, version)[0] == expected


def test_hardware_is_suggested_after_the_firmware() -> None:
    assert suggest_cpes("Fortinet", "FortiOS", "6.0.4", "FortiGate 60E") == [
        "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*", "cpe:2.3:h:fortinet:fortigate_60e:-:*:*:*:*:*:*:*"]


def test_nothing_is_guessed_without_a_version_or_names() -> None:
    assert suggest_cpes("", "", "") == []
    assert suggest_cpes("テルモ", "Firmware", "") == []
