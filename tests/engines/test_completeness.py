"""Ledger completeness: which expected fields apply to which device, and what is missing."""

from __future__ import annotations

import datetime as dt

from mamori.engines.completeness import assess

FULL_SERVER = {"category": "server", "location": "サーバ室", "in_use": True, "os_name": "Windows Server",
               "os_version": "2019", "ip_address": "10.10.0.5", "cpes": ["cpe:2.3:o:microsoft:windows_server_2019:-"
                                                                         ":*:*:*:*:*:*:*"],
               "av_installed": True, "av_definitions_date": dt.date(2026, 11, 19)}


def test_a_complete_server_scores_100() -> None:
    result = assess(FULL_SERVER)
    assert (result.score, result.missing) == (100, ())


def test_missing_location_and_unknown_in_use_are_named_in_order() -> None:
    result = assess({**FULL_SERVER, "location": "", "in_use": None})
    assert result.missing == ("location", "in_use")
    assert result.score == 67  # 4 of 6


def test_antivirus_state_counts_when_recorded_either_way() -> None:
    assert "antivirus" not in assess({**FULL_SERVER, "av_installed": False, "av_definitions_date": None}).missing
    assert "antivirus" in assess({**FULL_SERVER, "av_installed": None}).missing
    assert "antivirus" in assess({**FULL_SERVER, "av_installed": True, "av_definitions_date": None}).missing


def test_antivirus_and_ip_apply_only_where_they_make_sense() -> None:
    phone = {"category": "staff_device", "location": "4F", "in_use": True, "os_name": "iOS", "os_version": "17.6",
             "cpes": ["cpe:2.3:o:apple:iphone_os:17.6:*:*:*:*:*:*:*"]}
    assert assess(phone).score == 100  # no IP (DHCP) and no antivirus expected
    pump = {"category": "medical", "location": "ICU", "in_use": True, "os_name": "Firmware", "os_version": "2.10",
            "manufacturer": "テルモ", "model_name": "TE-281A"}
    result = assess(pump)
    assert result.missing == ("ip",)


def test_identity_from_software_cpe_or_manufacturer_model_version() -> None:
    base = {**FULL_SERVER, "cpes": []}
    assert "identity" in assess(base).missing
    with_sbom = {**base, "software": [{"name": "DCMTK", "version": "3.6.6", "cpe": "cpe:2.3:a:offis:dcmtk:3.6.6:*"}]}
    assert "identity" not in assess(with_sbom).missing
    named = {**base, "manufacturer": "NEC", "model_name": "Express5800"}
    assert "identity" not in assess(named).missing
    assert "identity" in assess({**named, "os_version": ""}).missing
