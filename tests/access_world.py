"""Two facilities, two vendors, and one user per role: the world access tests run in."""

from __future__ import annotations

from dataclasses import dataclass

from mamori.accounts.models import User
from mamori.ledger.models import Asset, NetworkSegment, RemoteAccessPath, Vendor
from mamori.tenancy.models import Facility
from tests import factories


@dataclass
class World:
    fac: Facility
    other_fac: Facility
    vendor_a: Vendor
    vendor_b: Vendor
    asset_a: Asset
    asset_b: Asset
    asset_other_fac: Asset
    path_a: RemoteAccessPath
    path_b: RemoteAccessPath
    segment: NetworkSegment
    users: dict[str, User]


def build() -> World:
    fac, other = factories.facility(), factories.facility()
    va, vb = factories.vendor(fac, name="A社"), factories.vendor(fac, name="B社")
    vo = factories.vendor(other)
    seg = factories.segment(fac)
    asset_a = factories.asset(fac, va, name="A社の装置", segment=seg)
    asset_b = factories.asset(fac, vb, name="B社の装置")
    asset_o = factories.asset(other, vo, name="別施設の装置")
    path_a = factories.remote_path(fac, va, asset_a)
    path_a.targets.add(asset_a)
    path_b = factories.remote_path(fac, vb, asset_b)
    users = {
        "admin": factories.user("admin", mfa=True),
        "security_manager": factories.user("security_manager", fac, mfa=True),
        "it_staff": factories.user("it_staff", fac),
        "vendor_a": factories.user("vendor", fac, va),
        "vendor_b": factories.user("vendor", fac, vb),
        "executive": factories.user("executive", fac),
        "inspector": factories.user("inspector", fac),
        "privacy_officer": factories.user("privacy_officer", fac),
        "other_it_staff": factories.user("it_staff", other),
    }
    return World(fac, other, va, vb, asset_a, asset_b, asset_o, path_a, path_b, seg, users)
