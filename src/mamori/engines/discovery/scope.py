"""Which addresses an nmap run covered: its target specifications and the hosts it reported.

nmap's XML does not list the addresses it probed without an answer (down hosts appear only with
-v), so the scope is rebuilt from the command line in `args`:

- targets are the arguments that are not options or option values: addresses, CIDR blocks
  ("10.0.0.0/24", host bits allowed), octet ranges ("10.0.0.1-50", "10.0.1-3.*", "10.0.0.1,5,9"),
  IPv6 addresses and blocks; host names cannot be placed without DNS and add nothing;
- `--exclude a,b` removes addresses and blocks; `--excludefile` and `-iL`/`-iR` are unknown files
  or random targets, so the scope is then only the hosts the XML reports;
- every host the XML reports (up or down) was scanned, so its address is in scope whatever the
  command line says.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ParsedTargets", "ScanScope", "TargetSpec", "parse_target", "targets_from_args"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# nmap options whose value is the next argument (values that could look like targets matter most).
_OPTIONS_WITH_VALUE = frozenset({
    "-p", "-e", "-S", "-D", "-g", "-b", "-sI", "-iL", "-iR", "-oN", "-oX", "-oG", "-oA", "-oS", "-oM", "-oH",
    "--exclude", "--excludefile", "--exclude-ports", "--dns-servers", "--proxies", "--proxy", "--source-port",
    "--script", "--script-args", "--script-args-file", "--script-help", "--top-ports", "--port-ratio",
    "--version-intensity", "--min-rate", "--max-rate", "--min-hostgroup", "--max-hostgroup",
    "--min-parallelism", "--max-parallelism", "--min-rtt-timeout", "--max-rtt-timeout",
    "--initial-rtt-timeout", "--max-retries", "--host-timeout", "--scan-delay", "--max-scan-delay",
    "--data", "--data-string", "--data-length", "--ttl", "--spoof-mac", "--mtu", "--datadir",
    "--servicedb", "--versiondb", "--stylesheet", "--resume", "--ip-options", "--max-os-tries",
})
_OCTET = re.compile(r"(\d{0,3})(?:-(\d{0,3}))?")


@dataclass(frozen=True, slots=True)
class TargetSpec:
    """One target specification: a network (address or CIDR) or an IPv4 octet range."""

    text: str
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None
    octets: tuple[tuple[tuple[int, int], ...], ...] = ()  # per octet, the (low, high) ranges allowed

    def contains(self, address: IPAddress) -> bool:
        """Whether `address` is one of the addresses this specification names."""
        if self.network is not None:
            return address.version == self.network.version and address in self.network
        if address.version != 4 or not self.octets:
            return False
        pairs = zip(address.packed, self.octets, strict=True)  # both have four octets
        return all(any(low <= value <= high for low, high in allowed) for value, allowed in pairs)


def _octet_ranges(part: str) -> tuple[tuple[int, int], ...] | None:
    if part == "*":
        return ((0, 255),)
    ranges: list[tuple[int, int]] = []
    for piece in part.split(","):
        match = _OCTET.fullmatch(piece)
        if not match or not piece or piece == "-":
            return None
        if match.group(2) is None and "-" not in piece:
            low = high = int(match.group(1))
        else:
            low = int(match.group(1) or 0)
            high = int(match.group(2) or 255)
        if not 0 <= low <= high <= 255:
            return None
        ranges.append((low, high))
    return tuple(ranges)


def parse_target(text: str) -> TargetSpec | None:
    """The specification for one nmap target argument, or None for a host name or nonsense."""
    try:
        return TargetSpec(text, network=ipaddress.ip_network(text, strict=False))
    except ValueError:
        pass
    parts = text.split(".")
    if len(parts) != 4 or "/" in text:
        return None
    octets = [_octet_ranges(part) for part in parts]
    if any(ranges is None for ranges in octets):
        return None
    return TargetSpec(text, octets=tuple(ranges for ranges in octets if ranges is not None))


@dataclass(frozen=True, slots=True)
class ParsedTargets:
    """The target arguments of an nmap command line, the exclusions, and whether a list was used."""

    targets: tuple[str, ...]
    excluded: tuple[str, ...]
    input_list: bool


def targets_from_args(args: str) -> ParsedTargets:
    """The targets named on an nmap command line (the `args` attribute of <nmaprun>)."""
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    targets: list[str] = []
    excluded: list[str] = []
    input_list = False
    skip_next = False
    for index, word in enumerate(words[1:], start=1):
        if skip_next:
            skip_next = False
            continue
        option, has_inline, inline = word.partition("=")
        if option in ("-iL", "-iR"):
            input_list = True
        if option == "--exclude":
            value = inline if has_inline else (words[index + 1] if index + 1 < len(words) else "")
            excluded.extend(item for item in value.split(",") if item)
        if word.startswith("-"):
            skip_next = word in _OPTIONS_WITH_VALUE
            continue
        targets.append(word)
    return ParsedTargets(tuple(targets), tuple(excluded), input_list)


@dataclass(frozen=True, slots=True)
class ScanScope:
    """The addresses a scan covered (see the module rules); `contains` answers for one address."""

    specs: tuple[TargetSpec, ...]
    excluded: tuple[TargetSpec, ...]
    reported: frozenset[IPAddress]
    unplaced_targets: tuple[str, ...]  # host names and other targets that name no address range

    @classmethod
    def build(cls, targets: Iterable[str], excluded: Iterable[str], reported: Iterable[str]) -> ScanScope:
        """The scope of targets minus exclusions, plus the reported host addresses."""
        specs: list[TargetSpec] = []
        unplaced: list[str] = []
        for target in targets:
            spec = parse_target(target)
            if spec is None:
                unplaced.append(target)
            else:
                specs.append(spec)
        excluded_specs = tuple(spec for spec in map(parse_target, excluded) if spec is not None)
        addresses = frozenset(ipaddress.ip_address(address) for address in reported)
        return cls(tuple(specs), excluded_specs, addresses, tuple(unplaced))

    def contains(self, address: str | IPAddress) -> bool:
        """Whether the scan covered `address`."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if ip in self.reported:
            return True
        if any(spec.contains(ip) for spec in self.excluded):
            return False
        return any(spec.contains(ip) for spec in self.specs)

    def describe(self) -> tuple[str, ...]:
        """The target specifications, for showing the user what the scan covered."""
        return tuple(spec.text for spec in self.specs)
