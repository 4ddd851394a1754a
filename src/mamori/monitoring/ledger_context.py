"""What the ledger tells log monitoring: network segments by kind (SourceZone), the critical hosts whose alerts are
raised one level (domain controllers, EHR servers, backup servers), and the remote-maintenance paths."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from mamori.engines.logs.zones import NetworkMap

__all__ = ["CRITICAL_REASONS", "critical_hosts", "network_map", "reason_label"]

CRITICAL_REASONS = {
    "dc": _("domain controller"),
    "ehr": _("EHR server"),
    "backup": _("backup server"),
}
_DC = re.compile(r"ドメインコントローラ|domain controller|active directory|^dc\d*$|^dc[-_]", re.IGNORECASE)
_EHR = re.compile(r"電子カルテ|診療録|\behr\b|\bemr\b", re.IGNORECASE)
_BACKUP = re.compile(r"バックアップ|\bbackup\b", re.IGNORECASE)


def _role(asset: Any, backup_hosts: set[int]) -> str | None:
    text = " ".join(filter(None, (asset.name, asset.hostname)))
    if _DC.search(text) or _DC.search(asset.hostname or ""):
        return "dc"
    if asset.pk in backup_hosts or _BACKUP.search(asset.name or ""):
        return "backup"
    if _EHR.search(" ".join(filter(None, (asset.name, asset.data_held)))) or (
            asset.segment is not None and asset.segment.kind == "ehr" and asset.data_held):
        return "ehr"
    return None


def critical_hosts(facility: Any) -> dict[str, str]:
    """Hostname / IP (lower case) → "role|asset name" for the facility's servers that matter most."""
    from mamori.backups.models import BackupJob
    from mamori.ledger.models import Asset

    backup_hosts = set(BackupJob.objects.filter(facility=facility, backup_host__isnull=False)
                       .values_list("backup_host_id", flat=True))
    found: dict[str, str] = {}
    for asset in Asset.objects.filter(facility=facility, category="server").select_related("segment"):
        role = _role(asset, backup_hosts)
        if role is None:
            continue
        label = f"{role}|{asset.name}"
        if asset.hostname:
            found[asset.hostname.lower()] = label
            found[asset.hostname.lower().split(".", 1)[0]] = label
        for address in (asset.ip_address, *(asset.other_addresses or [])):
            if address:
                found[str(address).lower()] = label
    return found


def network_map(facility: Any) -> NetworkMap:
    from mamori.ledger.models import NetworkSegment

    segments = [(s.cidr, s.kind) for s in NetworkSegment.objects.filter(facility=facility).exclude(cidr="")]
    return NetworkMap.build(segments, critical_hosts(facility))


def reason_label(reason: str) -> str:
    """"dc|ドメインコントローラ1" → "domain controller (ドメインコントローラ1)" in the user's language."""
    if not reason:
        return ""
    role, _sep, name = reason.partition("|")
    label = str(CRITICAL_REASONS.get(role, role))
    return f"{label} ({name})" if name else label
