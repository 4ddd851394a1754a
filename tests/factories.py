"""Small builders for test objects (real models, real database)."""

from __future__ import annotations

import itertools
from typing import Any

from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts.models import User
from mamori.ledger.models import Asset, NetworkSegment, RemoteAccessPath, Vendor
from mamori.tenancy.models import Department, Facility, StaffMember

PASSWORD = "Kx7-mamori-test-Q4z9v2"  # 13+ characters, letters and digits; a test credential
_seq = itertools.count(1)


def facility(code: str = "") -> Facility:
    n = next(_seq)
    return Facility.objects.create(code=code or f"fac{n}", name=f"テスト病院{n}", beds=300)


def vendor(fac: Facility, code: str = "", name: str = "") -> Vendor:
    n = next(_seq)
    return Vendor.objects.create(facility=fac, code=code or f"v{n}", name=name or f"テスト事業者{n}")


def segment(fac: Facility, kind: str = "ehr") -> NetworkSegment:
    n = next(_seq)
    return NetworkSegment.objects.create(facility=fac, code=f"seg{n}", name=f"セグメント{n}", kind=kind,
                                         cidr=f"10.{n % 250}.0.0/16")


def asset(fac: Facility, ven: Vendor | None = None, **fields: Any) -> Asset:
    n = next(_seq)
    defaults: dict[str, Any] = {"key": f"A-{n:05d}", "category": "server", "name": f"サーバ{n}",
                                "location": "サーバ室", "os_name": "Windows Server", "os_version": "2019",
                                "in_use": True}
    defaults.update(fields)
    return Asset.objects.create(facility=fac, vendor=ven, **defaults)


def remote_path(fac: Facility, ven: Vendor, appliance: Asset | None = None, **fields: Any) -> RemoteAccessPath:
    n = next(_seq)
    defaults: dict[str, Any] = {"code": f"P{n}", "name": f"保守回線{n}", "method": "ssl_vpn",
                                "source_ip_restricted": True, "mfa": True}
    defaults.update(fields)
    return RemoteAccessPath.objects.create(facility=fac, vendor=ven, appliance=appliance, **defaults)


def staff(fac: Facility) -> StaffMember:
    n = next(_seq)
    dept = Department.objects.create(facility=fac, code=f"D{n}", name=f"内科{n}", kind="clinical")
    return StaffMember.objects.create(facility=fac, department=dept, staff_id=f"S{n}", family_name="髙橋",
                                      given_name="花子", job_type="nurse", hired_on="2020-04-01")


def user(role: str, fac: Facility | None = None, ven: Vendor | None = None, *, mfa: bool = False,
         username: str = "") -> User:
    u = User(username=username or f"{role}{next(_seq)}", role=role, facility=fac, vendor=ven)
    u.set_password(PASSWORD)
    u.save()
    if mfa:
        TOTPDevice.objects.create(user=u, name="test", confirmed=True)
    return u


def login(client: Client, u: User) -> Client:
    """Sign in, and mark the session as two-factor verified when the user has a device."""
    client.force_login(u)
    device = TOTPDevice.objects.filter(user=u, confirmed=True).first()
    if device is not None:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
