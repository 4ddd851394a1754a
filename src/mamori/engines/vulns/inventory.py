"""The inventory side of matching: an asset with its CPE names and its software entries in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.cpe import ANY, NA, Cpe, normalize_name, parse_cpe
from mamori.engines.vulns.errors import AssetError, CpeError
from mamori.engines.vulns.versions import normalize_version, split_release_update

__all__ = ["Asset", "SoftwareEntry", "asset_cpes"]

_parse_known = lru_cache(maxsize=1 << 16)(parse_cpe)  # a fleet repeats the same few hundred CPEs


@dataclass(frozen=True, slots=True)
class SoftwareEntry:
    """Software or firmware on an asset as the ledger records it: vendor, product, version in plain words."""

    vendor: str
    product: str
    version: str = ""
    part: str = "a"

    def to_cpe(self) -> Cpe:
        """As a CPE: names normalised (`Mirth Connect` → `mirth_connect`), an R-release split into version and
        update (`9.0R3.3` → `9.0` + `r3.3`), vendor build noise dropped (`v6.0.4,build0231` → `6.0.4`)."""
        vendor = normalize_name(self.vendor)
        version = normalize_version(self.version, vendor) if self.version.strip() else ANY
        update = ANY
        if version != ANY:
            release, found = split_release_update(version)
            if found:
                version, update = release, found
        return Cpe(self.part.strip().lower() or "a", vendor, normalize_name(self.product), version, update)


@dataclass(frozen=True, slots=True)
class Asset:
    """One inventory item: its CPE 2.3 names and/or its software entries. `key` is how the caller names it."""

    key: str
    cpes: tuple[str, ...] = ()
    software: tuple[SoftwareEntry, ...] = ()


def asset_cpes(asset: Asset) -> tuple[tuple[Cpe, str], ...]:
    """The asset's CPEs, parsed and with software entries converted, each with its text for evidence.

    Raises AssetError naming the asset and the CPE or entry that cannot be used.
    """
    found: list[tuple[Cpe, str]] = []
    for index, text in enumerate(asset.cpes):
        where = InputLocation(None, None, f"asset {asset.key}, cpes[{index}]")
        try:
            cpe = _parse_known(text)
        except CpeError as exc:
            raise AssetError(exc.reason, where, code=exc.code, params=exc.params) from exc
        if cpe.vendor in (ANY, NA) or cpe.product in (ANY, NA):
            raise AssetError("an asset CPE needs a vendor and a product to be matched", where)
        found.append((cpe, text))
    for index, entry in enumerate(asset.software):
        if not entry.vendor.strip() or not entry.product.strip():
            raise AssetError("vendor and product are required", InputLocation(
                None, None, f"asset {asset.key}, software[{index}]"))
        cpe = entry.to_cpe()
        found.append((cpe, cpe.to_fs()))
    return tuple(found)
