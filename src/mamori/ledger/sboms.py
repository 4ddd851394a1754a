"""Attaching a CycloneDX SBOM to an asset: the one use case behind the page, the API and the CLI."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.db import transaction

from mamori.engines.sbom import parse_cyclonedx
from mamori.ledger.models import Asset, AssetSbom, SbomComponent


@transaction.atomic
def attach_sbom(asset: Asset, data: bytes, filename: str) -> AssetSbom:
    """Parse and store the SBOM with its components; raises SbomError (nothing stored) when unusable."""
    parsed = parse_cyclonedx(data, filename)
    digest = hashlib.sha256(data).hexdigest()
    sbom = AssetSbom(asset=asset, filename=filename[:255], sha256=digest, spec_version=parsed.spec_version,
                     serial_number=parsed.serial_number[:100], subject=parsed.subject[:255],
                     component_count=len(parsed.components))
    sbom.file.save(f"{digest}.cdx.json", ContentFile(data), save=False)
    sbom.save()
    SbomComponent.objects.bulk_create(
        SbomComponent(sbom=sbom, name=c.name[:255], version=c.version[:100], type=c.type[:32], purl=c.purl[:500],
                      cpe=c.cpe[:500], supplier=c.supplier[:255])
        for c in parsed.components)
    return sbom


def current_components(asset: Asset) -> list[SbomComponent]:
    """Components of the newest SBOM of the asset (what vulnerability matching will use)."""
    latest = asset.sboms.order_by("-created", "-id").first()
    return list(latest.components.all()) if latest else []
