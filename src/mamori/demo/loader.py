"""Loads the generated demo hospital into the database, in one transaction.

Bulk inserts bypass the per-object audit signals on purpose (a thousand "create" entries would
bury the trail); the load itself is one audit entry naming what was created.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from mamori.audit.recording import record
from mamori.demo.generator import generate_hospital
from mamori.demo.nmap_scan import demo_scan_xml
from mamori.demo.records import DemoHospital
from mamori.ledger.discovery import import_nmap
from mamori.ledger.models import Asset, NetworkSegment, RemoteAccessPath, Vendor, VendorDisclosure
from mamori.tenancy.models import Department, Facility, StaffMember

DEMO_MARKER = "demo"
JST = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True, slots=True)
class DemoLoadResult:
    facility: str
    counts: dict[str, int]

    def describe(self) -> str:
        parts = ", ".join(f"{name}: {count}" for name, count in self.counts.items())
        return f"Demo hospital {self.facility} loaded ({parts})."


def demo_loaded() -> bool:
    return Facility.objects.filter(code__startswith=DEMO_MARKER).exists()


def _software(asset: Any) -> list[dict[str, str]]:
    return [{"name": s.name, "version": s.version, "cpe": s.cpe} for s in asset.software]


def _load_vuln_feeds(facility: Facility) -> int:
    """Import the demo feed files (real formats, written by mamori.demo.vuln_feeds), match, write the report."""
    from django.conf import settings

    from mamori.demo.vuln_feeds import write_demo_feeds
    from mamori.vulns.choices import RunTrigger
    from mamori.vulns.imports import import_paths
    from mamori.vulns.reports import build_report

    folder = Path(settings.DATA_DIR) / "feeds" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    outcome = import_paths(write_demo_feeds(folder), trigger=RunTrigger.IMPORT)
    if outcome.rejected:  # the project's own files: a failure here is a bug, not bad input
        raise ValueError(f"demo feed refused: {outcome.rejected[0][1]}")
    if outcome.run is not None:
        build_report(facility, outcome.run)
    return outcome.run.findings if outcome.run else 0


def _load_checklist(facility: Facility, today: dt.date) -> dict[str, int]:
    from mamori.demo.checklist import load_demo_checklist

    return load_demo_checklist(facility, today)


def _load_backups(facility: Facility) -> dict[str, str]:
    from django.conf import settings

    from mamori.demo.backups import load_demo_backups

    return load_demo_backups(facility.pk, Path(settings.DATA_DIR))


@transaction.atomic
def load_demo(*, seed: int = 20261122, assets_target: int = 1000, hospital: DemoHospital | None = None
              ) -> DemoLoadResult:
    """Create the demo facility with its departments, staff, segments, vendors, assets and paths."""
    demo = hospital or generate_hospital(seed=seed, assets_target=assets_target)
    f = demo.facility
    facility = Facility.objects.create(code=f"{DEMO_MARKER}-{f.code}"[:32], name=f.name, kind=f.kind,
                                       beds=f.beds, address=f.address, institution_code=f.institution_code)
    departments = {d.code: Department(facility=facility, code=d.code, name=d.name, kind=d.kind)
                   for d in demo.departments}
    Department.objects.bulk_create(departments.values())
    StaffMember.objects.bulk_create(
        StaffMember(facility=facility, department=departments[s.department_code], staff_id=s.staff_id,
                    family_name=s.family_name, given_name=s.given_name, family_kana=s.family_kana,
                    given_kana=s.given_kana, job_type=s.job_type, hired_on=s.hired_on, retired_on=s.retired_on,
                    ehr_account=s.ehr_account)
        for s in demo.staff)
    segments = {s.code: NetworkSegment(facility=facility, code=s.code, name=s.name, kind=s.kind, cidr=s.cidr,
                                       vlan=s.vlan) for s in demo.segments}
    NetworkSegment.objects.bulk_create(segments.values())
    vendors = {v.code: Vendor(facility=facility, code=v.code, name=v.name, contact_name=v.contact_name,
                              contact_email=v.contact_email, contact_phone=v.contact_phone,
                              contract_summary=v.contract_summary, contract_end=v.contract_end,
                              update_responsibility=v.update_responsibility) for v in demo.vendors}
    Vendor.objects.bulk_create(vendors.values())
    assets = {
        a.key: Asset(
            facility=facility, key=a.key, category=a.category, name=a.name, hostname=a.hostname, ip_address=a.ip,
            mac_address=a.mac, segment=segments[a.segment_code], location=a.location,
            department=departments.get(a.department_code) if a.department_code else None, owner=a.owner,
            in_use=a.in_use, manufacturer=a.manufacturer, model_name=a.model, serial_number=a.serial_number,
            os_name=a.os_name, os_version=a.os_version, cpes=list(a.cpes), internet_exposed=a.internet_exposed,
            patient_safety_impact=a.patient_safety_impact, data_held=a.data_held, end_of_support=a.end_of_support,
            av_installed=a.av_installed, av_definitions_date=a.av_definitions_date,
            av_last_full_scan=a.av_last_full_scan, mfa=a.mfa, renewal_year=a.renewal_year,
            vendor=vendors[a.vendor_code] if a.vendor_code else None, update_responsibility=a.update_responsibility,
            software=_software(a), notes=a.notes)
        for a in demo.assets
    }
    for asset in assets.values():
        asset.refresh_completeness()
    Asset.objects.bulk_create(assets.values(), batch_size=500)
    paths = []
    for p in demo.remote_paths:
        path = RemoteAccessPath(
            facility=facility, code=p.code, name=p.name, vendor=vendors[p.vendor_code],
            appliance=assets[p.appliance_key] if p.appliance_key else None,
            appliance_description=p.appliance_description, method=p.method,
            source_ip_restricted=p.source_ip_restricted, allowed_sources=p.allowed_sources, mfa=p.mfa,
            always_on=p.always_on, approved_windows=p.approved_windows, last_log_review=p.last_log_review,
            confirmed_with_vendor=p.confirmed_with_vendor)
        paths.append((path, p.target_keys))
    RemoteAccessPath.objects.bulk_create([path for path, _ in paths])
    through = RemoteAccessPath.targets.through
    through.objects.bulk_create(
        through(remoteaccesspath_id=path.pk, asset_id=assets[key].pk) for path, keys in paths for key in keys)
    VendorDisclosure.objects.bulk_create(
        VendorDisclosure(vendor=vendors[d.vendor_code], kind=d.kind, subject=d.subject, received_on=d.received_on,
                         no_answers=d.no_answers, reviewed_on=d.received_on if d.no_answers else None,
                         review_notes=d.review_notes)
        for d in demo.disclosures)
    scan_time = dt.datetime.combine(demo.facility_today - dt.timedelta(days=4), dt.time(9, 0), tzinfo=JST)
    run = import_nmap(demo_scan_xml(demo, scan_time), "medical-segment-scan.xml", facility)
    findings = _load_vuln_feeds(facility)
    backups = _load_backups(facility)
    checklist = _load_checklist(facility, demo.facility_today)
    from mamori.demo.logs import load_demo_logs

    logs = load_demo_logs(facility, today=demo.facility_today, seed=seed)
    from mamori.demo.incidents import load_demo_incident

    logs["incidents"] = load_demo_incident(facility)
    counts = {"departments": len(departments), "staff": len(demo.staff), "segments": len(segments),
              "vendors": len(vendors), "assets": len(assets), "remote_paths": len(paths),
              "unregistered_hosts_found": run.unregistered_count, "vulnerability_findings": findings,
              "backup_jobs": len(backups), **checklist, **logs}
    record("demo_loaded", instance=facility, changes={"seed": seed, **counts})
    return DemoLoadResult(facility=facility.name, counts=counts)
