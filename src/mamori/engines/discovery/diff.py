"""An nmap scan compared with the ledger: who is on the wire unregistered, who is missing, what is exposed.

Matching: a host that answered (see `NmapHost.answered`) is registered when its IP address or its
MAC address equals one of a ledger entry's. Everything else that answered is *unregistered* — the
"isolated system that is actually connected" of the real incidents.

A ledger entry is *not seen* only when the scan could have seen it: one of its IP addresses lies
in the scan's scope (`ScanScope`: the targets on the nmap command line minus exclusions, plus every
host the XML reports, up or down) and no host that answered matched it by IP or MAC. Entries
outside the scope, and entries with no IP address, are not judged; nor is anything after a list
scan (-sL), which probes nothing.

Exposed services follow `exposure.EXPOSURE_RULES`. A host's segment is the longest-prefix
`SegmentInfo` containing its address; a host also counts as in the segment kind its ledger entry
records, so a maintenance PC that moved to an office subnet is still judged as maintenance.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from mamori.engines.discovery.exposure import RISKY_SEGMENT_KINDS, SEGMENT_KIND_LABELS, ExposureRule, match_rule
from mamori.engines.discovery.model import NmapHost, NmapPort, NmapScan
from mamori.engines.discovery.scope import ScanScope

__all__ = [
    "DiscoveryDiff",
    "ExposedService",
    "LedgerHost",
    "MatchedHost",
    "SegmentInfo",
    "SegmentKind",
    "UnregisteredHost",
    "UnseenHost",
    "diff_against_ledger",
    "normalise_mac",
]

SegmentKind = Literal["ehr", "departmental", "medical_device", "office", "dmz", "maintenance"]
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def normalise_mac(text: str) -> str | None:
    """A MAC address as nmap writes it (00:1A:2B:3C:4D:5E) from any common spelling, or None."""
    digits = re.sub(r"[^0-9A-Fa-f]", "", text).upper()
    if len(digits) != 12 or re.search(r"[^0-9A-Fa-f:.\-\s]", text):
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class LedgerHost:
    """A ledger entry as discovery needs it: key, name, addresses, names and recorded segment kind."""

    key: str
    name: str
    ips: tuple[str, ...] = ()
    macs: tuple[str, ...] = ()
    hostnames: tuple[str, ...] = ()
    segment_kind: str = ""


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """A network segment of the hospital: its code, address block and kind."""

    code: str
    cidr: str
    kind: SegmentKind

    @property
    def network(self) -> IPNetwork:
        """The address block (host bits allowed, as in "10.0.5.1/24")."""
        return ipaddress.ip_network(self.cidr, strict=False)


@dataclass(frozen=True, slots=True)
class UnregisteredHost:
    """A host that answered but matches no ledger entry; `similar_keys` share a host name with it."""

    host: NmapHost
    address: str
    segment: SegmentInfo | None
    similar_keys: tuple[str, ...]
    reason_en: str
    reason_ja: str


@dataclass(frozen=True, slots=True)
class UnseenHost:
    """A ledger entry inside the scanned range that did not answer."""

    ledger: LedgerHost
    addresses_in_scope: tuple[str, ...]
    reason_en: str
    reason_ja: str


@dataclass(frozen=True, slots=True)
class MatchedHost:
    """A ledger entry seen on the wire; `matched_by` is ("ip",), ("mac",) or both.

    `address_changed` is True when only the MAC matched: the device is there under an address the
    ledger does not record.
    """

    ledger: LedgerHost
    host: NmapHost
    matched_by: tuple[str, ...]
    address_changed: bool


@dataclass(frozen=True, slots=True)
class ExposedService:
    """An open service that should not be reachable there, with the evidence and the reason."""

    rule: str  # telnet, rdp, smb, vnc, teamviewer, anydesk, vpn_portal
    address: str
    ledger_key: str | None
    ledger_name: str
    segment_code: str
    segment_kind: str
    protocol: str
    port: int
    service: str
    product: str
    version: str
    extrainfo: str
    evidence: str
    reason_en: str
    reason_ja: str


@dataclass(frozen=True, slots=True)
class DiscoveryDiff:
    """The comparison of one scan with the ledger (see the module rules)."""

    unregistered: tuple[UnregisteredHost, ...]
    not_seen: tuple[UnseenHost, ...]
    exposed: tuple[ExposedService, ...]
    matched: tuple[MatchedHost, ...]
    scope: ScanScope
    ledger_problems: tuple[str, ...]  # ledger values that are not addresses, ignored


class _Ledger:
    """Ledger entries indexed by normalised IP, MAC and host name."""

    def __init__(self, hosts: Sequence[LedgerHost]) -> None:
        self.by_ip: dict[str, list[LedgerHost]] = {}
        self.by_mac: dict[str, list[LedgerHost]] = {}
        self.by_name: dict[str, list[LedgerHost]] = {}
        self.ips: dict[str, tuple[str, ...]] = {}
        self.problems: list[str] = []
        for host in hosts:
            ips = []
            for text in host.ips:
                ip = _ip(text)
                if ip is None:
                    self.problems.append(f"{host.key}: IP address {text!r} is not an address; ignored")
                else:
                    ips.append(ip)
                    self.by_ip.setdefault(ip, []).append(host)
            self.ips[host.key] = tuple(ips)
            for text in host.macs:
                mac = normalise_mac(text)
                if mac is None:
                    self.problems.append(f"{host.key}: MAC address {text!r} is not an address; ignored")
                else:
                    self.by_mac.setdefault(mac, []).append(host)
            for name in host.hostnames:
                self.by_name.setdefault(name.strip().lower().split(".")[0], []).append(host)


def _segment_of(address: str, segments: Sequence[tuple[IPNetwork, SegmentInfo]]) -> SegmentInfo | None:
    ip = ipaddress.ip_address(address)
    containing = [(network, segment) for network, segment in segments
                  if network.version == ip.version and ip in network]
    return max(containing, key=lambda pair: pair[0].prefixlen)[1] if containing else None


def _matches(host: NmapHost, ledger: _Ledger) -> list[MatchedHost]:
    found: dict[str, tuple[LedgerHost, set[str]]] = {}
    for address in (host.ipv4, host.ipv6):
        ip = _ip(address) if address else None
        for entry in ledger.by_ip.get(ip or "", []):
            found.setdefault(entry.key, (entry, set()))[1].add("ip")
    for entry in ledger.by_mac.get(host.mac or "", []):
        found.setdefault(entry.key, (entry, set()))[1].add("mac")
    return [MatchedHost(entry, host, tuple(sorted(how)), how == {"mac"}) for entry, how in found.values()]


def _where(address: str, segment: SegmentInfo | None) -> tuple[str, str]:
    if segment is None:
        return address, address
    label_en, label_ja = SEGMENT_KIND_LABELS.get(segment.kind, (segment.kind, segment.kind))
    return (f"{address} in the {label_en} segment {segment.code}", f"{label_ja}セグメント {segment.code} の {address}")


def _unregistered(host: NmapHost, address: str, segment: SegmentInfo | None, ledger: _Ledger) -> UnregisteredHost:
    names = {hostname.name.strip().lower().split(".")[0] for hostname in host.hostnames if hostname.name}
    similar = tuple(sorted({entry.key for name in names for entry in ledger.by_name.get(name, [])}))
    where_en, where_ja = _where(address, segment)
    vendor = f" ({', '.join(part for part in (host.mac, host.mac_vendor) if part)})" if host.mac else ""
    return UnregisteredHost(
        host, address, segment, similar,
        f"{where_en}{vendor} answered the scan but is in no ledger entry (neither its IP nor its MAC address). "
        "A device nobody registered on a network thought to be closed is how several hospital incidents began; "
        "find its owner, then register it or remove it.",
        f"{where_ja}{vendor} がスキャンに応答しましたが、台帳のどの機器とも IP・MAC アドレスが一致しません。"
        "閉じているはずのネットワークにある未登録の機器は、病院のインシデントの発端になってきました。"
        "持ち主を確認し、台帳に登録するか撤去してください。",
    )


def _exposed(port: NmapPort, rule: ExposureRule, address: str, segment: SegmentInfo | None,
             kind: str, entry: LedgerHost | None) -> ExposedService:
    service = port.service
    name = service.display_name if service is not None else ""
    product = service.product if service is not None else ""
    version = service.version if service is not None else ""
    extrainfo = service.extrainfo if service is not None else ""
    evidence = " ".join(part for part in (f"{port.protocol}/{port.portid} {port.state}", name, product, version,
                                          f"({extrainfo})" if extrainfo else "") if part)
    where_en, where_ja = _where(address, segment)
    if kind and (segment is None or segment.kind != kind):  # the ledger's segment kind is why it counts
        label_en, label_ja = SEGMENT_KIND_LABELS.get(kind, (kind, kind))
        where_en, where_ja = f"{where_en} (a {label_en} device in the ledger)", f"{where_ja}(台帳上は{label_ja}の機器)"
    return ExposedService(
        rule.code, address, entry.key if entry else None, entry.name if entry else "",
        segment.code if segment else "", kind, port.protocol, port.portid, name, product, version, extrainfo, evidence,
        f"{rule.label_en} is open on {where_en} ({port.protocol}/{port.portid}). {rule.why_en}",
        f"{where_ja} で{rule.label_ja}が開いています({port.protocol}/{port.portid})。{rule.why_ja}",
    )


def _exposures(host: NmapHost, address: str, segment: SegmentInfo | None,
               matches: list[MatchedHost]) -> list[ExposedService]:
    kinds: list[str] = [segment.kind] if segment else []
    kinds += [match.ledger.segment_kind for match in matches if match.ledger.segment_kind]
    risky = next((kind for kind in kinds if kind in RISKY_SEGMENT_KINDS), "")
    entry = matches[0].ledger if matches else None
    found = []
    for port in host.open_ports:
        rule = match_rule(port)
        if rule is not None and (rule.anywhere or risky):
            found.append(_exposed(port, rule, address, segment, risky or (kinds[0] if kinds else ""), entry))
    return found


def diff_against_ledger(scan: NmapScan, ledger: Sequence[LedgerHost], segments: Sequence[SegmentInfo]) -> DiscoveryDiff:
    """Compare `scan` with the ledger and the hospital's segments (see the module docstring for the rules)."""
    index = _Ledger(ledger)
    networks = [(segment.network, segment) for segment in segments]
    reported = [host.address for host in scan.hosts if host.address]
    scope = ScanScope.build(scan.targets, scan.excluded, reported)
    unregistered: list[UnregisteredHost] = []
    exposed: list[ExposedService] = []
    matched: list[MatchedHost] = []
    for host in scan.up_hosts:
        address = host.address or ""
        segment = _segment_of(address, networks)
        matches = _matches(host, index)
        matched.extend(matches)
        if not matches:
            unregistered.append(_unregistered(host, address, segment, index))
        exposed.extend(_exposures(host, address, segment, matches))
    seen = {match.ledger.key for match in matched}
    not_seen = []
    probed = "-sL" not in scan.args.split()  # a list scan sends nothing, so it cannot miss anyone
    for entry in ledger if probed else ():
        in_scope = tuple(ip for ip in index.ips.get(entry.key, ()) if scope.contains(ip))
        if entry.key in seen or not in_scope:
            continue
        not_seen.append(UnseenHost(
            entry, in_scope,
            f"{entry.name} ({entry.key}) is in the ledger at {', '.join(in_scope)}, inside the scanned range, but "
            "did not answer: it may be switched off, moved or retired. Find it, or update the ledger (使用可否).",
            f"{entry.name}({entry.key})は台帳上 {', '.join(in_scope)} にあり、スキャン範囲内ですが応答しませんでした。"
            "電源断・移設・廃棄の可能性があります。所在を確認するか、台帳(使用可否)を更新してください。",
        ))
    return DiscoveryDiff(tuple(unregistered), tuple(not_seen), tuple(exposed), tuple(matched), scope,
                         tuple(index.problems))
