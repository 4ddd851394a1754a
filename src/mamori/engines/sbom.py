"""CycloneDX JSON SBOMs (as medical-device manufacturers publish them): the components of a device.

Reads CycloneDX 1.2–1.6 JSON: `metadata.component` (the device) and `components`, nested ones
included. Every problem names the file and the JSON path (e.g. `components[3].name`); a file with
any problem yields nothing (no partial SBOM).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from mamori.engines.errors import InputError, InputLocation

__all__ = ["MAX_SBOM_BYTES", "Sbom", "SbomComponent", "SbomError", "parse_cyclonedx"]

MAX_SBOM_BYTES = 50 * 1024 * 1024
SUPPORTED_SPECS = ("1.2", "1.3", "1.4", "1.5", "1.6")


class SbomError(InputError):
    """A CycloneDX file that cannot be used, with the file and JSON path."""


@dataclass(frozen=True, slots=True)
class SbomComponent:
    name: str
    version: str
    type: str
    purl: str
    cpe: str
    supplier: str
    bom_ref: str


@dataclass(frozen=True, slots=True)
class Sbom:
    spec_version: str
    serial_number: str
    subject: str  # metadata.component: the device the SBOM describes
    components: tuple[SbomComponent, ...]


def _text(value: object, path: str, filename: str, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise SbomError("required value is missing", InputLocation(filename, None, path))
        return ""
    if not isinstance(value, str):
        raise SbomError(f"expected text, found {type(value).__name__}", InputLocation(filename, None, path))
    return value.strip()


def _supplier(component: Mapping[str, object]) -> str:
    supplier = component.get("supplier")
    if isinstance(supplier, Mapping) and isinstance(supplier.get("name"), str):
        return str(supplier["name"])
    publisher = component.get("publisher")
    return publisher if isinstance(publisher, str) else ""


def _walk(items: object, path: str, filename: str) -> Iterator[SbomComponent]:
    if items is None:
        return
    if not isinstance(items, list):
        raise SbomError("expected a list of components", InputLocation(filename, None, path))
    for index, item in enumerate(items):
        where = f"{path}[{index}]"
        if not isinstance(item, Mapping):
            raise SbomError("expected a component object", InputLocation(filename, None, where))
        cpe = _text(item.get("cpe"), f"{where}.cpe", filename)
        if cpe and not (cpe.startswith("cpe:2.3:") or cpe.startswith("cpe:/")):
            raise SbomError(f"not a CPE name: {cpe!r}", InputLocation(filename, None, f"{where}.cpe"))
        yield SbomComponent(
            name=_text(item.get("name"), f"{where}.name", filename, required=True),
            version=_text(item.get("version"), f"{where}.version", filename),
            type=_text(item.get("type"), f"{where}.type", filename) or "library",
            purl=_text(item.get("purl"), f"{where}.purl", filename),
            cpe=cpe,
            supplier=_supplier(item),
            bom_ref=_text(item.get("bom-ref"), f"{where}.bom-ref", filename),
        )
        yield from _walk(item.get("components"), f"{where}.components", filename)


def parse_cyclonedx(data: bytes, filename: str) -> Sbom:
    """Parse a CycloneDX JSON document (UTF-8, with or without BOM)."""
    if len(data) > MAX_SBOM_BYTES:
        raise SbomError(f"file is larger than {MAX_SBOM_BYTES // (1024 * 1024)} MB", InputLocation(filename))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SbomError(f"not UTF-8 (byte {exc.start})", InputLocation(filename)) from exc
    if text.lstrip().startswith("<"):
        raise SbomError("this is XML; export the SBOM as CycloneDX JSON", InputLocation(filename))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SbomError(f"invalid JSON at column {exc.colno}: {exc.msg}", InputLocation(filename, exc.lineno)) from exc
    if not isinstance(document, Mapping) or document.get("bomFormat") != "CycloneDX":
        raise SbomError("not a CycloneDX document (bomFormat is not 'CycloneDX')",
                        InputLocation(filename, None, "bomFormat"))
    spec = _text(document.get("specVersion"), "specVersion", filename, required=True)
    if spec not in SUPPORTED_SPECS:
        raise SbomError(f"specVersion {spec} is not supported ({', '.join(SUPPORTED_SPECS)})",
                        InputLocation(filename, None, "specVersion"))
    metadata = document.get("metadata")
    subject = ""
    if isinstance(metadata, Mapping) and isinstance(metadata.get("component"), Mapping):
        device = metadata["component"]
        subject = " ".join(p for p in (_text(device.get("name"), "metadata.component.name", filename),
                                       _text(device.get("version"), "metadata.component.version", filename)) if p)
    components = tuple(_walk(document.get("components"), "components", filename))
    return Sbom(spec_version=spec, serial_number=_text(document.get("serialNumber"), "serialNumber", filename),
                subject=subject, components=components)
