"""What an nmap scan found, as plain dataclasses: the scan, its hosts, their ports and services.

Field names follow nmap's XML (`nmap -oX`, DTD version 1.05): a `port` has `protocol`, `portid`,
`state`, `reason`; a `service` has `name`, `product`, `version`, `extrainfo`, `tunnel`,
`method`, `conf` and CPEs. Missing attributes are empty strings (or None for numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mamori.engines.errors import InputError

__all__ = [
    "Hostname",
    "NmapHost",
    "NmapParseError",
    "NmapPort",
    "NmapScan",
    "NmapScript",
    "NmapService",
    "OsClass",
    "OsMatch",
    "ScanInfo",
]

EVIDENCE_OF_LIFE = frozenset({"open", "closed", "unfiltered"})


class NmapParseError(InputError):
    """An nmap XML file that cannot be used: hostile, truncated, not nmap, or with a bad value."""


@dataclass(frozen=True, slots=True)
class NmapService:
    """What service detection (-sV) or nmap's port table says runs on a port."""

    name: str
    product: str = ""
    version: str = ""
    extrainfo: str = ""
    tunnel: str = ""  # "ssl" when nmap spoke TLS first (shown as ssl/http by nmap)
    method: str = ""  # "probed" (-sV answered) or "table" (guessed from the port number)
    conf: int | None = None  # 0-10
    ostype: str = ""
    devicetype: str = ""
    hostname: str = ""
    cpes: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        """The name as nmap prints it: "ssl/http" for HTTP over TLS."""
        return f"{self.tunnel}/{self.name}" if self.tunnel else self.name


@dataclass(frozen=True, slots=True)
class NmapScript:
    """The output of one NSE script on a port (e.g. http-title, ssl-cert)."""

    id: str
    output: str


@dataclass(frozen=True, slots=True)
class NmapPort:
    """One scanned port: protocol ("tcp", "udp", "sctp"), number, state and why nmap says so."""

    protocol: str
    portid: int
    state: str  # open, closed, filtered, unfiltered, open|filtered, closed|filtered
    reason: str = ""
    service: NmapService | None = None
    scripts: tuple[NmapScript, ...] = ()

    @property
    def is_open(self) -> bool:
        """Whether something accepted connections (not "open|filtered", which may be nothing)."""
        return self.state == "open"


@dataclass(frozen=True, slots=True)
class Hostname:
    """A name of a host: "user" (given as a target) or "PTR" (reverse DNS)."""

    name: str
    type: str = ""


@dataclass(frozen=True, slots=True)
class OsClass:
    """One OS class of an OS match (vendor, family, generation, device type, CPEs)."""

    type: str
    vendor: str
    osfamily: str
    osgen: str
    accuracy: int | None
    cpes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OsMatch:
    """An OS guess from -O with its accuracy in percent."""

    name: str
    accuracy: int | None
    classes: tuple[OsClass, ...] = ()


@dataclass(frozen=True, slots=True)
class NmapHost:
    """One host of the scan: status, addresses, names, ports and OS guesses."""

    status: str  # "up", "down", "unknown"
    status_reason: str = ""  # e.g. "arp-response", "syn-ack", "user-set" (-Pn: assumed, not seen)
    ipv4: str | None = None
    ipv6: str | None = None
    mac: str | None = None  # upper case with colons, as nmap writes it
    mac_vendor: str = ""
    hostnames: tuple[Hostname, ...] = ()
    ports: tuple[NmapPort, ...] = ()
    os_matches: tuple[OsMatch, ...] = ()
    start: datetime | None = None
    end: datetime | None = None

    @property
    def address(self) -> str | None:
        """The host's IP address (IPv4 if it has one, else IPv6)."""
        return self.ipv4 or self.ipv6

    @property
    def open_ports(self) -> tuple[NmapPort, ...]:
        """The ports in state "open"."""
        return tuple(port for port in self.ports if port.is_open)

    @property
    def answered(self) -> bool:
        """Whether the host is known to exist: up for a reason other than -Pn, or a port answered.

        With -Pn nmap marks every target "up" (reason "user-set") even if nothing is there; such a
        host counts only if some port was open, closed or unfiltered (an answer came back).
        """
        if self.status != "up":
            return False
        if self.status_reason != "user-set" or self.mac:
            return True
        return any(port.state in EVIDENCE_OF_LIFE for port in self.ports)


@dataclass(frozen=True, slots=True)
class ScanInfo:
    """One <scaninfo>: scan type (syn, connect, udp…), protocol and the ports asked for."""

    type: str
    protocol: str
    numservices: int | None
    services: str


@dataclass(frozen=True, slots=True)
class NmapScan:
    """One nmap run: who ran what (`args`), when, what it scanned (`targets`) and the hosts found.

    `targets` and `excluded` are the target specifications in `args` (addresses, CIDRs, octet
    ranges, host names); `input_list` is True when targets came from a file (-iL) or at random
    (-iR), so `targets` is not the whole scope.
    """

    filename: str
    scanner: str
    version: str
    args: str
    start: datetime | None
    start_str: str
    scaninfo: tuple[ScanInfo, ...]
    hosts: tuple[NmapHost, ...]
    targets: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    input_list: bool = False
    finished: datetime | None = None
    exit_status: str = ""  # "success" or "error"; empty if the run has no <runstats>
    summary: str = ""

    @property
    def up_hosts(self) -> tuple[NmapHost, ...]:
        """The hosts known to exist (see `NmapHost.answered`)."""
        return tuple(host for host in self.hosts if host.answered)
