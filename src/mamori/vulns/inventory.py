"""The ledger as the matching engines see it: CPE names, software entries and device names per asset.

Nothing is guessed: an asset is matched through the CPE names recorded on it, on its installed
software and on the components of its newest SBOM, and (for the CSAF name match) through its
manufacturer, model and software names. CPE suggestions stay suggestions until a person records them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet

from mamori.engines.vulns import Asset as EngineAsset
from mamori.engines.vulns import AssetError
from mamori.engines.vulns.csaf_match import Device
from mamori.engines.vulns.inventory import asset_cpes
from mamori.ledger.choices import AssetCategory
from mamori.ledger.models import Asset, AssetSbom, RemoteAccessPath, SbomComponent


@dataclass(frozen=True, slots=True)
class LedgerItem:
    """One asset prepared for matching, with the facts its priority needs."""

    pk: int
    key: str
    engine: EngineAsset
    device: Device
    fingerprint: str
    internet_exposed: bool
    remote_access: bool
    patient_safety: str
    in_use: bool | None


def _sbom_components(assets: list[int] | QuerySet[Asset]) -> dict[int, list[tuple[str, str, str, str]]]:
    """Per asset id: (supplier, name, version, cpe) of the components of its newest SBOM (of asset ids, or of the
    assets of a query: a subquery, however large the ledger)."""
    wanted = assets if isinstance(assets, list) else assets.values("pk")
    newest: dict[int, int] = {}
    for sbom_id, asset_id in AssetSbom.objects.filter(asset_id__in=wanted).order_by("asset_id", "-created", "-id") \
            .values_list("id", "asset_id"):
        newest.setdefault(asset_id, sbom_id)
    found: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    by_sbom = {sbom: asset for asset, sbom in newest.items()}
    for sbom_id, supplier, name, version, cpe in SbomComponent.objects.filter(sbom_id__in=by_sbom) \
            .values_list("sbom_id", "supplier", "name", "version", "cpe"):
        found[by_sbom[sbom_id]].append((supplier, name, version, cpe))
    return found


@dataclass(slots=True)
class _AssetRow:
    """What matching reads from an asset, as a match run reads it (values, not model instances)."""

    pk: int
    key: str
    category: str
    manufacturer: str
    model_name: str
    name: str
    os_name: str
    os_version: str
    cpes: list[str]
    software: list[dict[str, str]]
    internet_exposed: bool
    patient_safety_impact: str
    in_use: bool | None


AssetFacts = Asset | _AssetRow  # the workflow passes a ledger Asset, a match run the plain row

_ROW_FIELDS = ("pk", "key", "category", "manufacturer", "model_name", "name", "os_name", "os_version", "cpes",
               "software", "internet_exposed", "patient_safety_impact", "in_use")


def fingerprint(asset: AssetFacts, components: Iterable[tuple[str, str, str, str]] = ()) -> str:
    """A digest of everything matching reads from the asset: it changes when a version is updated."""
    state = [asset.manufacturer, asset.model_name, asset.os_name, asset.os_version, sorted(asset.cpes or []),
             sorted(json.dumps(s, sort_keys=True, ensure_ascii=False) for s in asset.software or []),
             sorted(components)]
    return hashlib.sha256(json.dumps(state, ensure_ascii=False).encode()).hexdigest()


def _cpes(asset: AssetFacts, components: list[tuple[str, str, str, str]]) -> tuple[str, ...]:
    found = [c for c in asset.cpes or [] if c]
    found += [s["cpe"] for s in asset.software or [] if s.get("cpe")]
    found += [cpe for _supplier, _name, _version, cpe in components if cpe]
    return tuple(dict.fromkeys(found))


def software_vendor(cpe: str, manufacturer: str) -> str:
    """Who publishes a piece of software: the vendor of its CPE when it has one (MedDream on an HPE server is
    Softneta's), else the device's manufacturer."""
    parts = cpe.split(":")
    if len(parts) > 4 and parts[:2] == ["cpe", "2.3"] and parts[3] not in ("*", "-", ""):
        return parts[3]
    return manufacturer


def _device(asset: AssetFacts, components: list[tuple[str, str, str, str]]) -> Device:
    names = tuple(n for n in dict.fromkeys((asset.model_name, asset.name, asset.os_name)) if n)
    software = [(software_vendor(s.get("cpe", ""), asset.manufacturer), s.get("name", ""), s.get("version", ""))
                for s in asset.software or [] if s.get("name")]
    software += [(supplier or software_vendor(cpe, ""), name, version) for supplier, name, version, cpe in components
                 if name]
    return Device(key=asset.key, manufacturer=asset.manufacturer, names=names, version=asset.os_version,
                  software=tuple(software))


def ledger_items(assets: QuerySet[Asset]) -> tuple[list[LedgerItem], list[dict[str, str]]]:
    """The assets to match, and those that cannot be (with the reason), e.g. a malformed CPE."""
    rows = [_AssetRow(*values) for values in assets.values_list(*_ROW_FIELDS)]
    components = _sbom_components(assets) if AssetSbom.objects.exists() else {}
    appliances = set(RemoteAccessPath.objects.filter(appliance__in=assets).values_list("appliance_id", flat=True))
    items: list[LedgerItem] = []
    skipped: list[dict[str, str]] = []
    for asset in rows:
        parts = components.get(asset.pk, [])
        engine = EngineAsset(asset.key, _cpes(asset, parts))
        try:
            asset_cpes(engine)
        except AssetError as exc:
            skipped.append({"asset": asset.key, "reason": str(exc)})
            engine = EngineAsset(asset.key)
        items.append(LedgerItem(
            pk=asset.pk, key=asset.key, engine=engine, device=_device(asset, parts),
            fingerprint=fingerprint(asset, parts), internet_exposed=asset.internet_exposed,
            remote_access=asset.category == AssetCategory.VPN or asset.pk in appliances,
            patient_safety=asset.patient_safety_impact, in_use=asset.in_use))
    return items, skipped


def ledger_products(items: Iterable[LedgerItem]) -> set[tuple[str, str]]:
    """The (vendor, product) keys of every CPE of these assets (the index needs only the records naming them)."""
    return {cpe.key for item in items for cpe, _text in asset_cpes(item.engine)}


def current_fingerprint(asset: Asset) -> str:
    """The asset's fingerprint now (the workflow compares it with the one at detection)."""
    return fingerprint(asset, _sbom_components([asset.pk]).get(asset.pk, []))
