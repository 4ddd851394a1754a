"""Plain records of the generated demo hospital (no Django): the loader maps them to models.

Codes (department, segment, vendor) and asset keys are references between records; within one
`DemoHospital` every reference resolves. Closed vocabularies are those of the ledger and tenancy
`choices.py` (category, kind, job type, mfa, update responsibility, method, patient-safety impact).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["DemoAsset", "DemoDepartment", "DemoDisclosure", "DemoFacility", "DemoHospital", "DemoRemotePath",
           "DemoSegment", "DemoSoftware", "DemoStaff", "DemoVendor"]


@dataclass(frozen=True, slots=True)
class DemoFacility:
    """The hospital itself; `institution_code` is the 10-digit 医療機関コード with its check digit."""

    code: str
    name: str
    kind: str
    beds: int
    address: str
    institution_code: str


@dataclass(frozen=True, slots=True)
class DemoDepartment:
    """A department or ward; staff and assets refer to it by `code`."""

    code: str
    name: str
    kind: str  # clinical | ward | medical_tech | admin | it


@dataclass(frozen=True, slots=True)
class DemoStaff:
    """One person on the roster; `retired_on` set means retired, though the EHR account may remain."""

    staff_id: str
    family_name: str
    given_name: str
    family_kana: str
    given_kana: str
    department_code: str
    job_type: str
    hired_on: date
    retired_on: date | None
    ehr_account: str


@dataclass(frozen=True, slots=True)
class DemoSegment:
    """A network segment; every asset address of the segment lies in `cidr`."""

    code: str
    name: str
    kind: str  # ehr | departmental | medical_device | office | dmz | maintenance
    cidr: str
    vlan: int


@dataclass(frozen=True, slots=True)
class DemoVendor:
    """A vendor (事業者); `contract_end` None means the contract states no end."""

    code: str
    name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    contract_summary: str
    contract_end: date | None
    update_responsibility: str  # vendor | hospital | shared | unknown


@dataclass(frozen=True, slots=True)
class DemoSoftware:
    """Software installed on an asset; `cpe` is a CPE 2.3 name or "" where NVD has none."""

    name: str
    version: str
    cpe: str


@dataclass(frozen=True, slots=True)
class DemoAsset:
    """One ledger entry. `cpes` are CPE 2.3 names; `av_*` are None where antivirus does not apply."""

    key: str
    category: str
    name: str
    hostname: str
    ip: str | None
    mac: str
    segment_code: str
    location: str
    department_code: str | None
    owner: str
    in_use: bool
    manufacturer: str
    model: str
    os_name: str
    os_version: str
    cpes: tuple[str, ...]
    internet_exposed: bool
    patient_safety_impact: str
    data_held: str
    end_of_support: date | None
    av_installed: bool | None
    av_definitions_date: date | None
    av_last_full_scan: date | None
    mfa: str
    renewal_year: int | None
    vendor_code: str | None
    update_responsibility: str
    serial_number: str
    software: tuple[DemoSoftware, ...]
    notes: str = ""  # why a gap exists, e.g. antivirus left out on the vendor's instruction


@dataclass(frozen=True, slots=True)
class DemoRemotePath:
    """A remote-maintenance path; `appliance_key` None means its appliance is not in the ledger."""

    code: str
    name: str
    vendor_code: str
    appliance_key: str | None  # None: the appliance is not in the ledger (itself a finding)
    appliance_description: str
    target_keys: tuple[str, ...]
    method: str
    source_ip_restricted: bool
    allowed_sources: str
    mfa: bool
    always_on: bool
    approved_windows: str
    last_log_review: date | None
    confirmed_with_vendor: date | None


@dataclass(frozen=True, slots=True)
class DemoDisclosure:
    vendor_code: str
    kind: str  # mds | sds
    subject: str
    received_on: date
    no_answers: int
    review_notes: str


@dataclass(frozen=True, slots=True)
class DemoHospital:
    """The whole generated hospital; every code and key in it resolves within it."""

    facility: DemoFacility
    departments: tuple[DemoDepartment, ...]
    staff: tuple[DemoStaff, ...]
    segments: tuple[DemoSegment, ...]
    vendors: tuple[DemoVendor, ...]
    assets: tuple[DemoAsset, ...]
    remote_paths: tuple[DemoRemotePath, ...]
    disclosures: tuple[DemoDisclosure, ...] = ()
    facility_today: date = date(2026, 11, 20)  # the "today" the hospital was generated for
