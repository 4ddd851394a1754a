"""Tag events with the ledger's knowledge of the network: `SourceZone` (the kind of segment the source IP is in,
e.g. "maintenance") and `TargetCritical` (why the host matters: domain controller, EHR server, backup server).

Mamori's own rules use `SourceZone: maintenance` for RDP from a vendor line, and the application raises the level
of an alert on a critical host. The engine knows nothing of Django: the caller builds a `NetworkMap` from the ledger.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["NetworkMap", "parse_networks"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> list[Network]:
    """CIDRs and single addresses from free text ("198.51.100.0/28, 203.0.113.5"); anything else is ignored."""
    found: list[Network] = []
    for token in text.replace("、", ",").replace(";", ",").replace("\n", ",").replace(" ", ",").split(","):
        token = token.strip()
        if not token:
            continue
        try:
            found.append(ipaddress.ip_network(token, strict=False))
        except ValueError:
            continue
    return found


def _address(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(value, str) or not value or value == "-":
        return None
    text = value.strip()
    if text.lower().startswith("::ffff:"):
        text = text[7:]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


@dataclass
class NetworkMap:
    """Segments (CIDR → kind) and critical hosts (hostname or IP, lower case → reason)."""

    segments: list[tuple[Network, str]] = field(default_factory=list)
    critical: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, segments: Iterable[tuple[str, str]], critical: Mapping[str, str]) -> NetworkMap:
        """`segments`: (cidr text, kind); the most specific network wins when they overlap."""
        parsed = [(net, kind) for cidr, kind in segments for net in parse_networks(cidr)]
        parsed.sort(key=lambda item: item[0].prefixlen, reverse=True)
        return cls(parsed, {k.lower(): v for k, v in critical.items() if k})

    def zone(self, ip: Any) -> str | None:
        address = _address(ip)
        if address is None:
            return None
        for net, kind in self.segments:
            if address.version == net.version and address in net:
                return kind
        return None

    def critical_reason(self, host: Any) -> str | None:
        """Why a host is critical, matched on the full name, its first label (DC01.example.local → dc01) or IP."""
        if not isinstance(host, str) or not host:
            return None
        name = host.strip().lower()
        return self.critical.get(name) or self.critical.get(name.split(".", 1)[0])

    def annotate(self, event: dict[str, Any]) -> dict[str, Any]:
        """Add `SourceZone` (when the source IP is in a known segment) and `TargetCritical` (when the host is)."""
        ip = event.get("_src_ip") or event.get("IpAddress") or event.get("remip") or event.get("srcip")
        zone = self.zone(ip)
        if zone is not None:
            event["SourceZone"] = zone
        reason = self.critical_reason(event.get("Computer") or event.get("_host"))
        if reason is not None:
            event["TargetCritical"] = reason
        return event
