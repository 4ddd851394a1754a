"""nmap discovery against the ledger: the one use case behind the page, the CLI and the demo."""

from __future__ import annotations

import hashlib
from typing import Any, cast

from django.db import transaction
from django.utils import timezone

from mamori.audit.recording import record
from mamori.engines.discovery import (
    DiscoveryDiff,
    LedgerHost,
    NmapHost,
    SegmentInfo,
    SegmentKind,
    diff_against_ledger,
    parse_nmap_xml,
)
from mamori.ledger.choices import AssetCategory, DiscoveryFindingKind
from mamori.ledger.models import Asset, DiscoveryFinding, DiscoveryRun, NetworkSegment
from mamori.tenancy.models import Facility


def _ledger(facility: Facility) -> list[LedgerHost]:
    rows = Asset.objects.filter(facility=facility).values_list(
        "key", "name", "ip_address", "other_addresses", "mac_address", "hostname", "segment__kind")
    return [LedgerHost(key=key, name=name, ips=tuple(a for a in (ip, *(others or [])) if a),
                       macs=(mac,) if mac else (), hostnames=(host,) if host else (), segment_kind=kind or "")
            for key, name, ip, others, mac, host, kind in rows]


def _segments(facility: Facility) -> list[SegmentInfo]:
    return [SegmentInfo(code=code, cidr=cidr, kind=cast(SegmentKind, kind))
            for code, cidr, kind in NetworkSegment.objects.filter(facility=facility).exclude(cidr="")
            .values_list("code", "cidr", "kind")]


def _host_fields(host: NmapHost) -> dict[str, Any]:
    name = host.hostnames[0].name if host.hostnames else ""
    ports = ", ".join(f"{p.portid}/{p.protocol} {p.service.display_name if p.service else ''}".strip()
                      for p in host.open_ports)
    return {"mac_address": (host.mac or "").lower(), "mac_vendor": host.mac_vendor[:100], "hostname": name[:200],
            "evidence": ports}


def _findings(run: DiscoveryRun, diff: DiscoveryDiff, assets: dict[str, int]) -> list[DiscoveryFinding]:
    findings = [
        DiscoveryFinding(run=run, kind=DiscoveryFindingKind.UNREGISTERED, address=item.address,
                         segment_code=item.segment.code if item.segment else "", reason_ja=item.reason_ja,
                         reason_en=item.reason_en, **_host_fields(item.host))
        for item in diff.unregistered]
    findings += [
        DiscoveryFinding(run=run, kind=DiscoveryFindingKind.NOT_SEEN, address=", ".join(item.addresses_in_scope),
                         asset_id=assets.get(item.ledger.key), hostname=item.ledger.name[:200],
                         reason_ja=item.reason_ja, reason_en=item.reason_en)
        for item in diff.not_seen]
    findings += [
        DiscoveryFinding(run=run, kind=DiscoveryFindingKind.EXPOSED, address=item.address,
                         asset_id=assets.get(item.ledger_key or ""), hostname=item.ledger_name[:200],
                         segment_code=item.segment_code, protocol=item.protocol, port=item.port,
                         service=" ".join(p for p in (item.service, item.product, item.version) if p)[:200],
                         evidence=item.evidence, reason_ja=item.reason_ja, reason_en=item.reason_en)
        for item in diff.exposed]
    return findings


@transaction.atomic
def import_nmap(data: bytes, filename: str, facility: Facility) -> DiscoveryRun:
    """Parse the scan, compare it with the facility's ledger and store the differences (NmapParseError if bad)."""
    scan = parse_nmap_xml(data, filename)
    diff = diff_against_ledger(scan, _ledger(facility), _segments(facility))
    run = DiscoveryRun.objects.create(
        facility=facility, filename=filename[:255], sha256=hashlib.sha256(data).hexdigest(),
        scanner_version=scan.version[:32], arguments=scan.args, started=scan.start,
        hosts_up=len(scan.up_hosts), unregistered_count=len(diff.unregistered), not_seen_count=len(diff.not_seen),
        exposed_count=len(diff.exposed))
    assets = dict(Asset.objects.filter(facility=facility).values_list("key", "pk"))
    DiscoveryFinding.objects.bulk_create(_findings(run, diff, assets))
    record("discovery_import", instance=run, changes={"sha256": run.sha256, "hosts_up": run.hosts_up,
                                                      "unregistered": run.unregistered_count,
                                                      "not_seen": run.not_seen_count, "exposed": run.exposed_count})
    return run


@transaction.atomic
def register_finding(finding: DiscoveryFinding) -> Asset:
    """Create a ledger entry for a host found on the wire; its details are then completed by hand."""
    run = finding.run
    number = Asset.objects.filter(facility=run.facility, key__startswith="DISC-").count() + 1
    key = f"DISC-{number:05d}"
    while Asset.objects.filter(facility=run.facility, key=key).exists():
        number += 1
        key = f"DISC-{number:05d}"
    asset = Asset.objects.create(
        facility=run.facility, key=key, category=AssetCategory.OTHER,
        name=finding.hostname or f"未登録機器 {finding.address}", hostname=finding.hostname,
        ip_address=finding.address or None, mac_address=finding.mac_address, manufacturer=finding.mac_vendor,
        segment=NetworkSegment.objects.filter(facility=run.facility, code=finding.segment_code).first(),
        in_use=True, notes=f"nmap {run.filename} {timezone.localdate():%Y-%m-%d}: {finding.evidence}"[:1000])
    finding.registered_as = asset
    finding.save(update_fields=["registered_as"])
    return asset
