"""Vendor remote access outside its approved windows: the ledger's remote-maintenance paths checked against the
logons, RDP sessions and VPN tunnels in the imported events (`mamori.engines.logs.vendor_windows`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext_lazy as _

from mamori.engines.logs.hits import SEVERITY_LEVELS, Hit
from mamori.engines.logs.vendor_windows import OutOfWindowFinding, RemotePath, check_remote_access, is_candidate

__all__ = ["MAX_CANDIDATES", "RULE_PREFIX", "TITLES", "is_candidate", "remote_paths", "to_hit", "vendor_hits"]

RULE_PREFIX = "mamori-vendor-window-"
TITLES = {
    "out_of_window": _("Vendor remote access outside its approved hours"),
    "no_approval": _("Vendor remote access without an approval"),
    "unparsed_window": _("Approved hours of a remote-maintenance path cannot be read"),
    "no_window": _("Remote-maintenance path without approved hours"),
}
MAX_CANDIDATES = 200_000


def _names(asset: Any) -> list[str]:
    """Hostname, its first label (a FortiGate's devname is usually the bare name) and IP."""
    names = [str(v) for v in (asset.hostname, asset.ip_address) if v]
    if asset.hostname and "." in asset.hostname:
        names.append(asset.hostname.split(".", 1)[0])
    return names


def remote_paths(facility: Any) -> list[RemotePath]:
    from mamori.ledger.models import RemoteAccessPath

    out = []
    for p in RemoteAccessPath.objects.filter(facility=facility).select_related("vendor", "appliance"):
        targets = [n for asset in p.targets.all() for n in _names(asset)]
        appliances = _names(p.appliance) if p.appliance is not None else []
        out.append(RemotePath.from_ledger(p.code, name=p.name, vendor=p.vendor.name,
                                          allowed_sources=p.allowed_sources, targets=targets, appliances=appliances,
                                          windows="常時" if p.always_on and not p.approved_windows
                                          else p.approved_windows))
    return out


def to_hit(finding: OutOfWindowFinding) -> Hit:
    host = finding.hosts[0] if finding.hosts else ""
    evidence = tuple(dict(e) for e in finding.evidence)
    matched = (("path", f"{finding.path_code} {finding.path_name}"), ("approved", finding.schedule_text),
               ("source_ip", ", ".join(finding.src_ips)), ("user", ", ".join(finding.users)),
               ("first_jst", finding.first_jst))
    return Hit(kind="vendor_window", rule_id=RULE_PREFIX + finding.code, title=str(TITLES.get(finding.code,
                                                                                               finding.code)),
               level=SEVERITY_LEVELS.get(finding.severity, "medium"), time=finding.first, last_time=finding.last,
               host=host,
               author="Mamori project", description=f"{finding.message_ja}\n\n{finding.message_en}",
               group={"path": finding.path_code, "src": ",".join(finding.src_ips), "code": finding.code},
               matched=tuple((k, v) for k, v in matched if v), samples=evidence, count=max(1, finding.count))


def vendor_hits(candidates: Sequence[Mapping[str, Any]], facility: Any) -> list[Hit]:
    """Findings on accesses only: paths with unreadable hours are shown on the remote-maintenance page."""
    if not candidates:
        return []
    paths = remote_paths(facility)
    found = check_remote_access(candidates, paths)
    return [to_hit(f) for f in found if f.code in ("out_of_window", "no_approval")]
