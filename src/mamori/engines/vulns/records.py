"""Plain vulnerability records, whatever feed they came from (NVD API 2.0, the legacy 1.1 feed)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from mamori.engines.vulns.cpe import Cpe
from mamori.engines.vulns.versions import VersionRange

__all__ = [
    "CisaKev",
    "ConfigNode",
    "Configuration",
    "CpeMatch",
    "CveRecord",
    "CvssScore",
    "Reference",
    "Weakness",
]

Operator = Literal["AND", "OR"]


@dataclass(frozen=True, slots=True)
class CvssScore:
    """One CVSS score with who gave it (`nvd@nist.gov`, a CNA, …) and whether NVD calls it Primary."""

    version: str  # "2.0", "3.0", "3.1", "4.0"
    source: str
    type: str  # "Primary" / "Secondary"
    vector: str
    base_score: float
    severity: str


@dataclass(frozen=True, slots=True)
class Weakness:
    """A CWE (or NVD-CWE-Other / NVD-CWE-noinfo) with its source."""

    cwe: str
    source: str
    type: str


@dataclass(frozen=True, slots=True)
class Reference:
    url: str
    source: str
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CisaKev:
    """The KEV fields NVD copies into a record (`cisaExploitAdd` …)."""

    date_added: str
    action_due: str
    required_action: str
    name: str


@dataclass(frozen=True, slots=True)
class CpeMatch:
    """One cpeMatch entry: a CPE criteria, optional version bounds, and whether it is the vulnerable part."""

    cpe: Cpe
    vulnerable: bool
    bounds: VersionRange | None = None
    match_criteria_id: str = ""

    @property
    def criteria(self) -> str:
        """The criteria as a CPE 2.3 formatted string."""
        return self.cpe.to_fs()


@dataclass(frozen=True, slots=True)
class ConfigNode:
    """A node: its cpeMatch entries joined by `operator`, the result inverted when `negate`."""

    operator: Operator
    negate: bool
    cpe_match: tuple[CpeMatch, ...]


@dataclass(frozen=True, slots=True)
class Configuration:
    """One configuration: nodes joined by `operator` (AND for "firmware running on hardware")."""

    operator: Operator
    negate: bool
    nodes: tuple[ConfigNode, ...]

    def entries(self) -> Iterator[CpeMatch]:
        """Every cpeMatch entry of every node."""
        for node in self.nodes:
            yield from node.cpe_match


@dataclass(frozen=True, slots=True)
class CveRecord:
    """One CVE as a feed describes it; `source` names the feed ("NVD")."""

    cve_id: str
    published: datetime
    last_modified: datetime
    status: str
    description: str  # English
    cvss: tuple[CvssScore, ...]
    weaknesses: tuple[Weakness, ...]
    references: tuple[Reference, ...]
    configurations: tuple[Configuration, ...]
    kev: CisaKev | None = None
    source: str = "NVD"

    @property
    def cwes(self) -> tuple[str, ...]:
        """The distinct CWE ids, in the order first given."""
        return tuple(dict.fromkeys(w.cwe for w in self.weaknesses))
