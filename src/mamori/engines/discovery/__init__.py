"""Network discovery: nmap XML (`nmap -oX`) parsed safely, and compared with the ledger.

`parse_nmap_xml` reads a scan (hostile XML refused); `diff_against_ledger` lists the hosts on the
wire nobody registered, the registered hosts inside the scanned range that did not answer, and the
services that should not be exposed there, each with a Japanese and an English reason.
"""

from mamori.engines.discovery.diff import (
    DiscoveryDiff,
    ExposedService,
    LedgerHost,
    MatchedHost,
    SegmentInfo,
    SegmentKind,
    UnregisteredHost,
    UnseenHost,
    diff_against_ledger,
    normalise_mac,
)
from mamori.engines.discovery.exposure import EXPOSURE_RULES, RISKY_SEGMENT_KINDS, ExposureRule, match_rule
from mamori.engines.discovery.model import (
    Hostname,
    NmapHost,
    NmapParseError,
    NmapPort,
    NmapScan,
    NmapScript,
    NmapService,
    OsClass,
    OsMatch,
    ScanInfo,
)
from mamori.engines.discovery.nmap_xml import DEFAULT_MAX_NMAP_BYTES, parse_nmap_xml
from mamori.engines.discovery.scope import ScanScope, TargetSpec, parse_target, targets_from_args

__all__ = [
    "DEFAULT_MAX_NMAP_BYTES",
    "EXPOSURE_RULES",
    "RISKY_SEGMENT_KINDS",
    "DiscoveryDiff",
    "ExposedService",
    "ExposureRule",
    "Hostname",
    "LedgerHost",
    "MatchedHost",
    "NmapHost",
    "NmapParseError",
    "NmapPort",
    "NmapScan",
    "NmapScript",
    "NmapService",
    "OsClass",
    "OsMatch",
    "ScanInfo",
    "ScanScope",
    "SegmentInfo",
    "SegmentKind",
    "TargetSpec",
    "UnregisteredHost",
    "UnseenHost",
    "diff_against_ledger",
    "match_rule",
    "normalise_mac",
    "parse_nmap_xml",
    "parse_target",
    "targets_from_args",
]
