"""The demo hospital generator: deterministic, consistent, realistic, scalable and CP932-safe (no database)."""

from __future__ import annotations

import dataclasses
import ipaddress
import random
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from mamori.demo.assets import MAX_ASSETS, AddressPool, split_by_weight
from mamori.demo.fixed_devices import FIXED_DEVICES
from mamori.demo.generator import DEFAULT_TODAY, DemoAsset, DemoHospital, DemoSegment, generate_hospital
from mamori.demo.site import institution_code

CATEGORIES = {"server", "terminal", "network", "vpn", "medical", "iomt", "staff_device", "other"}
JOB_TYPES = {"doctor", "nurse", "pharmacist", "radiology_tech", "lab_tech", "rehab", "clerk", "it", "other"}
DEPARTMENT_KINDS = {"clinical", "ward", "medical_tech", "admin", "it"}
SEGMENT_KINDS = {"ehr", "departmental", "medical_device", "office", "dmz", "maintenance"}
RESPONSIBILITIES = {"vendor", "hospital", "shared", "unknown"}
METHODS = {"ssl_vpn", "ipsec_vpn", "dedicated_line", "remote_tool", "rdp", "other"}
IMPACTS = {"none", "indirect", "direct", "life_sustaining"}
MFA = {"yes", "no", "planned", "na"}
# vulnerability-intel.md §4.6: asset CPEs the matcher must find in the demo ledger
EXPECTED_CPES = {
    "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*",
    "cpe:2.3:o:fortinet:fortios:6.0.11:*:*:*:*:*:*:*",
    "cpe:2.3:a:ivanti:connect_secure:9.0:r3.3:*:*:*:*:*:*",
    "cpe:2.3:o:citrix:application_delivery_controller_firmware:13.0:*:*:*:*:*:*:*",
    "cpe:2.3:o:baxter:spectrum_wireless_battery_module_firmware:20d30:*:*:*:*:*:*:*",
    "cpe:2.3:a:nextgen:mirth_connect:4.4.0:*:*:*:*:*:*:*",
    "cpe:2.3:a:offis:dcmtk:3.6.6:*:*:*:*:*:*:*",
    "cpe:2.3:a:bd:alaris_systems_manager:12.3:*:*:*:*:*:*:*",
    "cpe:2.3:a:philips:patient_information_center_ix:c.02:*:*:*:*:*:*:*",
}


@pytest.fixture(scope="module")
def hospital() -> DemoHospital:
    return generate_hospital()


@pytest.fixture(scope="module")
def large() -> DemoHospital:
    return generate_hospital(assets_target=10_000)


def _all_cpes(hospital: DemoHospital) -> list[str]:
    return [c for a in hospital.assets for c in a.cpes] + [s.cpe for a in hospital.assets for s in a.software if s.cpe]


def _strings(value: object) -> Iterator[str]:
    """Every string inside a record, however deeply nested in tuples and records."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _strings(item)


def _dates(hospital: DemoHospital) -> list[date]:
    found = [d for s in hospital.staff for d in (s.hired_on, s.retired_on) if d]
    found += [d for a in hospital.assets for d in (a.av_definitions_date, a.av_last_full_scan) if d]
    found += [d for p in hospital.remote_paths for d in (p.last_log_review, p.confirmed_with_vendor) if d]
    return found


# --- determinism ---------------------------------------------------------------------------------------------


def test_same_seed_gives_an_equal_hospital_whatever_the_global_random_state(hospital: DemoHospital) -> None:
    random.seed(1)
    state = random.getstate()
    again = generate_hospital()
    assert random.getstate() == state  # the global generator is neither used nor disturbed
    random.seed(2)
    assert again == hospital == generate_hospital()


def test_another_seed_gives_other_people_and_other_gaps_but_the_same_cases(hospital: DemoHospital) -> None:
    other = generate_hospital(seed=1)
    assert [(s.family_name, s.given_name) for s in other.staff] != [(s.family_name, s.given_name)
                                                                   for s in hospital.staff]
    assert [a.location for a in other.assets] != [a.location for a in hospital.assets]
    assert other.remote_paths == hospital.remote_paths
    assert other.assets[:len(FIXED_DEVICES)] == hospital.assets[:len(FIXED_DEVICES)]


def test_dates_count_back_from_today(hospital: DemoHospital) -> None:
    paths = {p.code: p for p in hospital.remote_paths}
    assert paths["RP-01"].confirmed_with_vendor == DEFAULT_TODAY - timedelta(days=200)
    assert max(_dates(hospital)) <= DEFAULT_TODAY == hospital.facility_today
    later = date(2028, 4, 1)
    moved = generate_hospital(today=later)
    assert moved.facility_today == later
    assert {p.code: p for p in moved.remote_paths}["RP-01"].confirmed_with_vendor == later - timedelta(days=200)
    assert max(_dates(moved)) <= later < min(s.retired_on or later for s in moved.staff) + timedelta(days=366)


def test_the_generator_does_not_import_django() -> None:
    code = ("import sys, mamori.demo.generator; "
            "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# --- sizes and vocabularies ----------------------------------------------------------------------------------


def test_sizes_fit_a_300_bed_general_hospital(hospital: DemoHospital) -> None:
    assert (hospital.facility.beds, hospital.facility.kind) == (300, "hospital")
    assert 20 <= len(hospital.departments) <= 30
    assert {d.kind for d in hospital.departments} == DEPARTMENT_KINDS
    assert 550 <= len(hospital.staff) <= 650
    jobs = Counter(s.job_type for s in hospital.staff)
    assert set(jobs) == JOB_TYPES
    assert 50 <= jobs["doctor"] <= 80 and 250 <= jobs["nurse"] <= 350 and 1 <= jobs["it"] <= 4
    assert 0.01 * len(hospital.staff) <= sum(1 for s in hospital.staff if s.retired_on) <= 0.06 * len(hospital.staff)
    assert len(hospital.assets) == 1000
    categories = Counter(a.category for a in hospital.assets)
    assert set(categories) == CATEGORIES
    assert 0.55 <= categories["terminal"] / 1000 <= 0.65
    assert 10 <= len(hospital.vendors) <= 14 and 8 <= len(hospital.remote_paths) <= 12


def test_every_value_comes_from_its_vocabulary(hospital: DemoHospital) -> None:
    assert {s.job_type for s in hospital.staff} <= JOB_TYPES
    assert {s.kind for s in hospital.segments} == SEGMENT_KINDS
    assert {v.update_responsibility for v in hospital.vendors} <= RESPONSIBILITIES
    assert {p.method for p in hospital.remote_paths} <= METHODS
    for a in hospital.assets:
        assert a.category in CATEGORIES and a.patient_safety_impact in IMPACTS and a.mfa in MFA, a.key
        assert a.update_responsibility in RESPONSIBILITIES, a.key
    assert all(v.contact_email.endswith("@example.jp") for v in hospital.vendors)


def test_the_institution_code_has_ten_digits_and_a_valid_check_digit(hospital: DemoHospital) -> None:
    code = hospital.facility.institution_code
    assert re.fullmatch(r"13\d{8}", code)
    assert institution_code("01", "1", "01", "1371") == "0110113719"  # a published real example
    assert institution_code(code[:2], code[2], code[3:5], code[5:9]) == code


# --- consistency and uniqueness ------------------------------------------------------------------------------


@pytest.mark.parametrize("size", ["hospital", "large"])
@pytest.mark.parametrize("field", ["key", "name", "hostname", "ip", "mac", "serial_number"])
def test_asset_identifiers_are_unique(request: pytest.FixtureRequest, size: str, field: str) -> None:
    assets: tuple[DemoAsset, ...] = request.getfixturevalue(size).assets
    values = [getattr(a, field) for a in assets]
    assert all(values) and len(set(values)) == len(values)


@pytest.mark.parametrize("size", ["hospital", "large"])
def test_every_address_lies_in_its_segment_and_every_mac_is_well_formed(request: pytest.FixtureRequest,
                                                                        size: str) -> None:
    hospital: DemoHospital = request.getfixturevalue(size)
    networks = {s.code: ipaddress.ip_network(s.cidr) for s in hospital.segments}
    assert all(n.is_private and str(n).startswith("10.") for n in networks.values())
    for a in hospital.assets:
        assert a.ip is not None and ipaddress.ip_address(a.ip) in networks[a.segment_code], a.key
        assert 0 < int(a.ip.rsplit(".", 1)[1]) < 240, a.key  # .240–.254 are the DHCP pool (visiting devices)
        assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", a.mac), a.key


def test_every_reference_resolves(hospital: DemoHospital) -> None:
    departments = {d.code for d in hospital.departments}
    segments = {s.code for s in hospital.segments}
    vendors = {v.code for v in hospital.vendors}
    keys = {a.key for a in hospital.assets}
    assert len(departments) == len(hospital.departments) and len(vendors) == len(hospital.vendors)
    assert all(s.department_code in departments for s in hospital.staff)
    for a in hospital.assets:
        assert a.segment_code in segments and a.department_code in departments, a.key
        assert a.vendor_code is None or a.vendor_code in vendors, a.key
    for p in hospital.remote_paths:
        assert p.vendor_code in vendors and p.target_keys and set(p.target_keys) <= keys, p.code
        assert p.appliance_key is None or p.appliance_key in keys, p.code
    assert {d.vendor_code for d in hospital.disclosures} <= vendors
    assert len({p.code for p in hospital.remote_paths}) == len(hospital.remote_paths)


def test_staff_records_are_consistent(hospital: DemoHospital) -> None:
    assert len({s.staff_id for s in hospital.staff}) == len({s.ehr_account for s in hospital.staff}) == len(
        hospital.staff)
    kinds = {d.code: d.kind for d in hospital.departments}
    for s in hospital.staff:
        assert s.hired_on <= DEFAULT_TODAY, s.staff_id
        assert s.retired_on is None or s.hired_on < s.retired_on <= DEFAULT_TODAY, s.staff_id
        assert re.fullmatch(r"[ァ-ヶー]+", s.family_kana) and re.fullmatch(r"[ァ-ヶー]+", s.given_kana), s.staff_id
        if s.job_type == "nurse":
            assert kinds[s.department_code] == "ward" or s.department_code == "KANGO", s.staff_id
        if s.job_type == "doctor":
            assert kinds[s.department_code] == "clinical" or s.department_code == "HOSHA", s.staff_id


def test_antivirus_fields_agree_with_each_other(hospital: DemoHospital) -> None:
    for a in hospital.assets:
        if a.category not in ("server", "terminal"):
            assert a.av_installed is None, a.key
        if a.av_installed is not True:
            assert a.av_definitions_date is None and a.av_last_full_scan is None, a.key
        elif a.av_last_full_scan is not None:
            assert a.av_definitions_date is not None and a.av_last_full_scan <= a.av_definitions_date, a.key


# --- the real cases and the gaps the dashboard must find -------------------------------------------------------


def test_the_handa_and_okayama_appliance_is_an_exposed_fortios_6_0_4_on_an_unrestricted_path(
        hospital: DemoHospital) -> None:
    assets = {a.key: a for a in hospital.assets}
    handa = ("cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*",)
    [path] = [p for p in hospital.remote_paths if p.appliance_key and assets[p.appliance_key].cpes == handa]
    appliance = assets[path.appliance_key or ""]
    assert appliance.category == "vpn" and appliance.internet_exposed and appliance.model == "FortiGate 60E"
    assert path.method == "ssl_vpn" and not path.source_ip_restricted and not path.mfa
    assert {assets[k].name[:5] for k in path.target_keys} == {"電子カルテ"}


def test_the_osaka_contractor_path_is_always_on_rdp_through_fortios_6_0_11(hospital: DemoHospital) -> None:
    assets = {a.key: a for a in hospital.assets}
    [path] = [p for p in hospital.remote_paths if p.appliance_key and assets[p.appliance_key].os_version == "6.0.11"]
    assert path.method == "rdp" and path.always_on and path.vendor_code == "V-FOOD"
    assert assets[path.appliance_key or ""].cpes == ("cpe:2.3:o:fortinet:fortios:6.0.11:*:*:*:*:*:*:*",)
    [meal_server] = [assets[k] for k in path.target_keys]
    assert meal_server.name == "栄養管理サーバ" and meal_server.av_installed is False


def test_the_musashikosugi_vpn_is_missing_from_the_ledger_and_reaches_nurse_call_servers(
        hospital: DemoHospital) -> None:
    assets = {a.key: a for a in hospital.assets}
    [path] = [p for p in hospital.remote_paths if p.appliance_key is None]
    assert path.vendor_code == "V-MON" and not path.source_ip_restricted
    assert any(assets[k].name.startswith("ナースコールサーバ") for k in path.target_keys)


def test_good_paths_dedicated_lines_and_a_remote_tool_are_there_too(hospital: DemoHospital) -> None:
    methods = Counter(p.method for p in hospital.remote_paths)
    assert methods["dedicated_line"] >= 2 and methods["remote_tool"] >= 1
    good = [p for p in hospital.remote_paths if p.source_ip_restricted and p.mfa and p.last_log_review]
    assert len(good) >= 3
    assert all(p.allowed_sources for p in hospital.remote_paths if p.source_ip_restricted)


def test_the_expected_vulnerability_matches_have_their_devices(hospital: DemoHospital) -> None:
    assert set(_all_cpes(hospital)) >= EXPECTED_CPES
    versions = {a.os_name: a.os_version for a in hospital.assets if a.category == "vpn"}
    assert versions["Pulse Connect Secure"] == "9.0R3.3" and versions["Citrix ADC"] == "13.0-47.24"
    fortios = {a.os_version for a in hospital.assets if a.os_name == "FortiOS"}
    assert any(v.startswith("7.2.") for v in fortios) and any(v.startswith("7.4.") for v in fortios)
    software = {(s.name, s.version, s.cpe) for a in hospital.assets for s in a.software}
    # NVD has no configuration for MedDream: the CSAF name match finds it (the CPE names the publisher)
    assert ("MedDream PACS Server", "7.2.8.810", "cpe:2.3:a:softneta:meddream_pacs:7.2.8.810:*:*:*:*:*:*:*") in software
    assert any(a.manufacturer == "Contec" and a.model == "CMS8000" and not a.cpes for a in hospital.assets)


def test_every_cpe_is_a_well_formed_cpe_2_3_name(hospital: DemoHospital) -> None:
    names = _all_cpes(hospital)
    assert len(names) > 500
    for name in names:
        parts = name.split(":")
        assert len(parts) == 13 and parts[:2] == ["cpe", "2.3"] and parts[2] in {"a", "o", "h"}, name
        assert all(p and p != "*" for p in parts[3:6]) and name == name.lower() and " " not in name, name


def test_the_ledger_has_the_gaps_a_security_manager_must_find(hospital: DemoHospital) -> None:
    ordinary = hospital.assets[len(FIXED_DEVICES):]
    assert 0.02 <= sum(1 for a in ordinary if not a.location) / len(ordinary) <= 0.09
    assert any(a.os_name and not a.os_version for a in ordinary)
    assert any(a.category == "server" and a.av_installed is False and "ベンダー指示" in a.notes
               for a in hospital.assets)
    stale = [a for a in hospital.assets if a.av_installed and a.av_definitions_date
             and a.av_definitions_date < DEFAULT_TODAY - timedelta(days=30)]
    assert stale and any(a.category == "server" for a in stale)
    ehr_terminals = [a for a in hospital.assets if a.category == "terminal" and a.segment_code == "EHR"]
    assert {a.renewal_year for a in ehr_terminals if a.mfa == "no"} >= {2028, 2029}
    past = [a for a in hospital.assets if a.in_use and a.end_of_support and a.end_of_support < DEFAULT_TODAY]
    assert {"Windows 10 Pro", "Windows Server", "FortiOS"} <= {a.os_name for a in past}
    assert any(not a.in_use for a in hospital.assets)
    assert any(v.contract_end is None for v in hospital.vendors)


# --- Japanese text -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [20261122, 1, 99])
def test_names_carry_cp932_extension_characters_whatever_the_seed(seed: int) -> None:
    names = "".join(s.family_name for s in generate_hospital(seed=seed, assets_target=0).staff)
    assert "髙" in names and "﨑" in names


def test_every_string_survives_a_cp932_round_trip(hospital: DemoHospital) -> None:
    strings = list(_strings(hospital))
    assert len(strings) > 20_000
    for value in strings:
        assert value.encode("cp932").decode("cp932") == value, value


# --- scaling -------------------------------------------------------------------------------------------------


def test_ten_thousand_assets_keep_the_proportions(hospital: DemoHospital, large: DemoHospital) -> None:
    assert len(large.assets) == 10_000
    small, big = Counter(a.category for a in hospital.assets), Counter(a.category for a in large.assets)
    for category in CATEGORIES - {"vpn"}:
        assert abs(small[category] / 1_000 - big[category] / 10_000) < 0.02, category
    assert large.remote_paths == hospital.remote_paths


def test_a_tiny_target_still_holds_every_fixed_device_and_path() -> None:
    tiny = generate_hospital(assets_target=10)
    assert len(tiny.assets) == len(FIXED_DEVICES)
    keys = {a.key for a in tiny.assets}
    assert all(set(p.target_keys) <= keys for p in tiny.remote_paths)
    assert len(generate_hospital(assets_target=len(FIXED_DEVICES) + 1).assets) == len(FIXED_DEVICES) + 1


@pytest.mark.parametrize("target", [-1, MAX_ASSETS + 1])
def test_an_impossible_target_is_refused(target: int) -> None:
    with pytest.raises(ValueError, match="assets_target must be between 0 and"):
        generate_hospital(assets_target=target)


def test_split_by_weight_is_exact_and_proportional() -> None:
    assert split_by_weight(10, [1, 1, 1]) == [4, 3, 3]
    assert split_by_weight(7, [600, 300, 100]) == [4, 2, 1]
    assert sum(split_by_weight(9_969, [180, 95, 100, 3, 1])) == 9_969


def test_an_exhausted_segment_is_reported_by_its_code() -> None:
    pool = AddressPool(DemoSegment("X", "試験", "dmz", "10.0.0.0/27", 1))
    assert [pool.take() for _ in range(10)] == [f"10.0.0.{n}" for n in range(21, 31)]
    with pytest.raises(ValueError, match="segment X: no free address left"):
        pool.take()
