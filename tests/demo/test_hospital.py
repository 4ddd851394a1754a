"""The demo hospital generator: deterministic, consistent, realistic, and CP932-safe."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections import Counter

import pytest

from mamori.demo.hospital import generate_hospital
from mamori.demo.records import DemoHospital


@pytest.fixture(scope="module")
def hospital() -> DemoHospital:
    return generate_hospital()


def test_same_seed_same_hospital_other_seed_other_staff(hospital: DemoHospital) -> None:
    assert generate_hospital() == hospital
    other = generate_hospital(seed=1)
    assert [s.family_name for s in other.staff] != [s.family_name for s in hospital.staff]


def test_sizes_fit_a_300_bed_hospital(hospital: DemoHospital) -> None:
    assert hospital.facility.beds == 300
    assert len(hospital.assets) == 1000
    assert 500 <= len(hospital.staff) <= 650
    assert 20 <= len(hospital.departments) <= 30
    assert {s.kind for s in hospital.segments} == {"ehr", "departmental", "medical_device", "office", "dmz",
                                                   "maintenance"}
    categories = Counter(a.category for a in hospital.assets)
    assert set(categories) == {"server", "terminal", "network", "vpn", "medical", "iomt", "staff_device", "other"}
    assert 0.5 < categories["terminal"] / 1000 < 0.7
    jobs = Counter(s.job_type for s in hospital.staff)
    assert jobs["nurse"] > jobs["doctor"] > jobs["it"] > 0
    assert 0 < sum(1 for s in hospital.staff if s.retired_on) < len(hospital.staff) * 0.06


def test_every_reference_resolves_and_addresses_fit_their_segment(hospital: DemoHospital) -> None:
    segments = {s.code: ipaddress.ip_network(s.cidr) for s in hospital.segments}
    departments = {d.code for d in hospital.departments}
    vendors = {v.code for v in hospital.vendors}
    keys = {a.key for a in hospital.assets}
    for asset in hospital.assets:
        assert asset.ip is not None and ipaddress.ip_address(asset.ip) in segments[asset.segment_code], asset.key
        assert asset.department_code is None or asset.department_code in departments
        assert asset.vendor_code is None or asset.vendor_code in vendors
    for staff in hospital.staff:
        assert staff.department_code in departments
    for path in hospital.remote_paths:
        assert path.vendor_code in vendors
        assert path.appliance_key is None or path.appliance_key in keys
        assert set(path.target_keys) <= keys and path.target_keys


@pytest.mark.parametrize("field", ["key", "hostname", "ip", "mac", "serial_number"])
def test_identifiers_are_unique_even_at_ten_thousand(field: str) -> None:
    assets = generate_hospital(assets_target=10_000).assets
    assert len(assets) == 10_000
    values = [getattr(a, field) for a in assets]
    assert len(set(values)) == len(values)


def test_the_real_cases_are_there(hospital: DemoHospital) -> None:
    assets = {a.key: a for a in hospital.assets}
    paths = {p.code: p for p in hospital.remote_paths}
    handa = assets[paths["RP-01"].appliance_key or ""]
    assert handa.cpes == ("cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*",) and handa.internet_exposed
    assert not paths["RP-01"].source_ip_restricted and not paths["RP-01"].mfa
    osaka = paths["RP-02"]
    assert osaka.method == "rdp" and osaka.always_on
    assert assets[osaka.appliance_key or ""].os_version == "6.0.11"
    assert assets[osaka.target_keys[0]].av_installed is False  # AV removed on the meal server
    assert paths["RP-03"].appliance_key is None  # the monitoring vendor's VPN nobody registered
    software = {s.name: s.version for a in hospital.assets for s in a.software}
    assert software["Mirth Connect"] == "4.4.0" and software["DCMTK"] == "3.6.6"
    assert any(a.mfa == "no" and (a.renewal_year or 0) > 2027 for a in hospital.assets)
    today = max(p.confirmed_with_vendor for p in hospital.remote_paths if p.confirmed_with_vendor)
    assert any(a.in_use and a.end_of_support and a.end_of_support < today for a in hospital.assets)


def test_cpe_names_are_well_formed(hospital: DemoHospital) -> None:
    names = [c for a in hospital.assets for c in a.cpes] + [s.cpe for a in hospital.assets for s in a.software if s.cpe]
    assert names
    for name in names:
        parts = name.split(":")
        assert parts[:2] == ["cpe", "2.3"] and len(parts) == 13 and parts[2] in {"a", "o", "h"}, name


def test_every_text_survives_cp932(hospital: DemoHospital) -> None:
    names = {s.family_name for s in hospital.staff}
    assert {"髙橋", "山﨑"} & names
    for record in (*hospital.assets, *hospital.staff, *hospital.vendors, *hospital.remote_paths, *hospital.segments):
        for value in dataclasses.asdict(record).values():
            if isinstance(value, str):
                value.encode("cp932")
