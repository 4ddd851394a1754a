"""The demo hospital generator: a fictional ~300-bed general hospital, deterministic per seed.

Plain data only (no Django). `generate_hospital(seed=…, assets_target=…, today=…)` returns a
`DemoHospital` of frozen records; the same arguments always give an equal hospital, and all
randomness comes from one `random.Random(seed)`. Dates count back from `today` (default
2026-11-20), except the manufacturers' real end-of-support dates. `assets_target` scales the
ordinary devices (1,000 for the demo, 10,000 for benchmarks); the devices and remote-maintenance
paths of the real cases (半田, 大阪, 岡山, 武蔵小杉) are always there.
"""

from __future__ import annotations

import random
from datetime import date

from mamori.demo.assets import MAX_ASSETS, make_assets
from mamori.demo.paths import make_remote_paths
from mamori.demo.records import (
    DemoAsset,
    DemoDepartment,
    DemoDisclosure,
    DemoFacility,
    DemoHospital,
    DemoRemotePath,
    DemoSegment,
    DemoSoftware,
    DemoStaff,
    DemoVendor,
)
from mamori.demo.site import FACILITY, SEGMENTS
from mamori.demo.staff_roster import DEPARTMENTS, make_staff
from mamori.demo.vendors import make_disclosures, make_vendors

__all__ = ["DEFAULT_SEED", "DEFAULT_TODAY", "MAX_ASSETS", "DemoAsset", "DemoDepartment", "DemoDisclosure",
           "DemoFacility", "DemoHospital", "DemoRemotePath", "DemoSegment", "DemoSoftware", "DemoStaff",
           "DemoVendor", "generate_hospital"]

DEFAULT_SEED = 20261122
DEFAULT_TODAY = date(2026, 11, 20)


def _check_references(hospital: DemoHospital) -> None:
    """Raise if any code or key in the hospital does not resolve (a bug in the catalogue, not in input)."""
    departments = {d.code for d in hospital.departments}
    segments = {s.code for s in hospital.segments}
    vendors = {v.code for v in hospital.vendors}
    keys = {a.key for a in hospital.assets}
    broken = [f"staff {s.staff_id}: department {s.department_code}" for s in hospital.staff
              if s.department_code not in departments]
    for a in hospital.assets:
        if a.segment_code not in segments or (a.department_code is not None and a.department_code not in departments):
            broken.append(f"asset {a.key}: segment {a.segment_code} / department {a.department_code}")
        if a.vendor_code is not None and a.vendor_code not in vendors:
            broken.append(f"asset {a.key}: vendor {a.vendor_code}")
    for p in hospital.remote_paths:
        missing = [k for k in (p.appliance_key, *p.target_keys) if k is not None and k not in keys]
        if p.vendor_code not in vendors or missing or not p.target_keys:
            broken.append(f"remote path {p.code}: vendor {p.vendor_code}, unknown keys {missing}")
    if broken:
        raise ValueError("demo hospital references do not resolve: " + "; ".join(broken))


def generate_hospital(*, seed: int = DEFAULT_SEED, assets_target: int = 1000,
                      today: date | None = None) -> DemoHospital:
    """The demo hospital for `seed`: max(assets_target, len(FIXED_DEVICES)) assets, fixed devices first."""
    today = DEFAULT_TODAY if today is None else today
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    vendors = make_vendors(today)
    responsibility = {v.code: v.update_responsibility for v in vendors}
    hospital = DemoHospital(
        facility=FACILITY, departments=DEPARTMENTS, staff=make_staff(rng, today), segments=SEGMENTS,
        vendors=vendors, assets=make_assets(rng, assets_target, today, responsibility),
        remote_paths=make_remote_paths(today), disclosures=make_disclosures(today), facility_today=today)
    _check_references(hospital)
    return hospital
