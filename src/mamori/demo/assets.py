"""Builds the demo hospital's assets: every fixed device, then ordinary devices up to `assets_target`.

Ordinary devices are split between the catalogue's kinds by weight (largest remainder), so the
proportions hold from a few hundred assets to tens of thousands. Keys, hostnames, addresses, MAC
addresses and serial numbers are unique; every address lies in its segment's CIDR. The gaps a
security manager should find are drawn at fixed rates: no 所在 (5%), no OS version (3%), not in use
(2%), no antivirus (2% of PCs and servers), stale antivirus definitions (12%).
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from mamori.demo.catalogue import TEMPLATES, Template
from mamori.demo.fixed_devices import FIXED_DEVICES, RACK, FixedDevice
from mamori.demo.records import DemoAsset, DemoSegment, DemoSoftware
from mamori.demo.site import SEGMENT_BY_KIND, SEGMENTS
from mamori.demo.staff_roster import DEPARTMENT_LOCATIONS, DEPARTMENTS

__all__ = ["MAX_ASSETS", "AddressPool", "make_assets", "split_by_weight"]

MAX_ASSETS = 50_000  # ordinary serials stay below the fixed devices' 9xxxx keys
RESERVED_HOSTS = 20  # .1–.20 of each segment: gateways and appliances outside the ledger
DHCP_FROM = 240  # .240–.254 of every /24: DHCP pool for visiting devices, never a ledger address
NO_LOCATION, NO_OS_VERSION, NOT_IN_USE, NO_AV = 0.05, 0.03, 0.02, 0.02
NO_AV_NOTE = "ベンダー指示によりウイルス対策ソフト未導入"
FLOORS = ("本館1F", "本館2F", "本館3F", "本館4F", "本館5F", "外来棟1F", "外来棟2F", "外来棟3F", "管理棟2F")
_SPOTS = {"ward": ("ナースステーション", "処置室", "カンファレンス室", "病室{n}"),
          "clinical": ("診察室{n}", "処置室", "受付"), "medical_tech": ("",), "admin": ("",), "it": ("",)}
_DEPARTMENT_KIND = {d.code: d.kind for d in DEPARTMENTS}
_DEPARTMENT_NAME = {d.code: d.name for d in DEPARTMENTS}
_INFRASTRUCTURE = frozenset({"server", "network", "vpn"})


class AddressPool:
    """Free host addresses of one segment in ascending order, never .0 or .240–.255 of any /24."""

    def __init__(self, segment: DemoSegment) -> None:
        network = ipaddress.IPv4Network(segment.cidr)
        self._code = segment.code
        self._next = int(network.network_address) + RESERVED_HOSTS + 1
        self._last = int(network.broadcast_address) - 1

    def take(self) -> str:
        while self._next <= self._last and (self._next % 256 == 0 or self._next % 256 >= DHCP_FROM):
            self._next += 1
        if self._next > self._last:
            raise ValueError(f"segment {self._code}: no free address left")
        address, self._next = self._next, self._next + 1
        return str(ipaddress.IPv4Address(address))


@dataclass(frozen=True, slots=True)
class _Context:
    rng: random.Random
    today: date
    responsibility: dict[str, str]  # vendor code -> security-update responsibility
    pools: dict[str, AddressPool]  # segment kind -> pool

    def responsible(self, vendor: str | None) -> str:
        return self.responsibility.get(vendor, "hospital") if vendor else "hospital"


def split_by_weight(total: int, weights: list[int]) -> list[int]:
    """`total` split in proportion to `weights` by the largest-remainder method (ties to the first)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (counts[i] - shares[i], i))
    for index in by_remainder[:total - sum(counts)]:
        counts[index] += 1
    return counts


def _serial_prefix(model: str) -> str:
    return "".join(c for c in model.upper() if c.isascii() and c.isalnum())[:4] or "SN"


def _location(rng: random.Random, category: str, department: str) -> str:
    if category == "server":
        return RACK.format(n=rng.randint(1, 8))
    if category == "network":
        return f"{rng.choice(FLOORS)} {rng.choice(('EPS（配線室）', '廊下天井'))}"
    spot = rng.choice(_SPOTS[_DEPARTMENT_KIND[department]]).format(n=rng.randint(1, 20))
    return f"{DEPARTMENT_LOCATIONS[department]} {spot}".rstrip()


def _antivirus(rng: random.Random, today: date) -> tuple[bool, date | None, date | None]:
    """(installed, definitions date, last full scan) for a PC or server: mostly current, some stale."""
    if rng.random() < NO_AV:
        return False, None, None
    roll = rng.random()
    age = rng.randint(0, 3) if roll < 0.88 else rng.randint(8, 29) if roll < 0.95 else rng.randint(31, 120)
    definitions = today - timedelta(days=age)
    scan = None if rng.random() < 0.03 else definitions - timedelta(days=rng.randint(0, 14))
    return True, definitions, scan


def _ordinary(ctx: _Context, template: Template, serial: int) -> DemoAsset:
    rng = ctx.rng
    department = rng.choice(template.departments)
    installed, definitions, scan = _antivirus(rng, ctx.today) if template.antivirus else (None, None, None)
    return DemoAsset(
        key=f"{template.prefix}-{serial:05d}", category=template.category, name=f"{template.name} {serial:05d}",
        hostname=f"{template.prefix.lower()}{serial:05d}.mamori.local", ip=ctx.pools[template.segment].take(),
        mac=f"02:4d:4d:{serial >> 16 & 255:02x}:{serial >> 8 & 255:02x}:{serial & 255:02x}",
        segment_code=SEGMENT_BY_KIND[template.segment].code,
        location="" if rng.random() < NO_LOCATION else _location(rng, template.category, department),
        department_code=department,
        owner="情報システム室" if template.category in _INFRASTRUCTURE else _DEPARTMENT_NAME[department],
        in_use=rng.random() >= NOT_IN_USE, manufacturer=template.manufacturer, model=template.model,
        os_name=template.os_name, os_version="" if rng.random() < NO_OS_VERSION else template.os_version,
        cpes=template.cpes, internet_exposed=False, patient_safety_impact=template.impact,
        data_held=template.data, end_of_support=template.end_of_support, av_installed=installed,
        av_definitions_date=definitions, av_last_full_scan=scan, mfa=template.mfa,
        renewal_year=rng.choice(template.renewal_years) if template.renewal_years else None,
        vendor_code=template.vendor, update_responsibility=ctx.responsible(template.vendor),
        serial_number=f"{_serial_prefix(template.model)}{serial:07d}",
        software=tuple(DemoSoftware(*s) for s in template.software),
        notes=NO_AV_NOTE if installed is False and rng.random() < 0.5 else "")


def _fixed(ctx: _Context, device: FixedDevice, number: int) -> DemoAsset:
    installed = device.antivirus
    definitions = ctx.today - timedelta(days=device.definitions_age) if installed else None
    return DemoAsset(
        key=device.key, category=device.category, name=device.name, hostname=f"{device.key.lower()}.mamori.local",
        ip=ctx.pools[device.segment].take(), mac=f"02:4d:46:00:{number >> 8 & 255:02x}:{number & 255:02x}",
        segment_code=SEGMENT_BY_KIND[device.segment].code, location=device.location,
        department_code=device.department,
        owner="情報システム室" if device.category in _INFRASTRUCTURE else _DEPARTMENT_NAME[device.department],
        in_use=True, manufacturer=device.manufacturer, model=device.model, os_name=device.os_name,
        os_version=device.os_version, cpes=device.cpes, internet_exposed=device.internet_exposed,
        patient_safety_impact=device.impact, data_held=device.data, end_of_support=device.end_of_support,
        av_installed=installed, av_definitions_date=definitions,
        av_last_full_scan=definitions - timedelta(days=3) if definitions else None, mfa=device.mfa,
        renewal_year=device.renewal_year, vendor_code=device.vendor,
        update_responsibility=ctx.responsible(device.vendor),
        serial_number=f"{_serial_prefix(device.model)}9{number:06d}",
        software=tuple(DemoSoftware(*s) for s in device.software), notes=device.notes)


def _ordinary_serials(count: int) -> Iterator[tuple[Template, int]]:
    serial = 0
    for template, share in zip(TEMPLATES, split_by_weight(count, [t.weight for t in TEMPLATES]), strict=True):
        for _ in range(share):
            serial += 1
            yield template, serial


def make_assets(rng: random.Random, assets_target: int, today: date,
                responsibility: dict[str, str]) -> tuple[DemoAsset, ...]:
    """max(assets_target, number of fixed devices) assets: the fixed devices first, then ordinary ones."""
    if not 0 <= assets_target <= MAX_ASSETS:
        raise ValueError(f"assets_target must be between 0 and {MAX_ASSETS}, not {assets_target}")
    ctx = _Context(rng, today, responsibility, {s.kind: AddressPool(s) for s in SEGMENTS})
    assets = [_fixed(ctx, device, number) for number, device in enumerate(FIXED_DEVICES, start=1)]
    ordinary = max(assets_target - len(assets), 0)
    assets.extend(_ordinary(ctx, template, serial) for template, serial in _ordinary_serials(ordinary))
    return tuple(assets)
