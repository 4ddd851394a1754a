"""Plain vulnerability records, whatever feed they came from (NVD API 2.0, the legacy 1.1 feed).

They are frozen msgspec Structs, used like frozen dataclasses (`msgspec.structs.replace` for a changed
copy), and not tracked by the garbage collector: a full NVD import holds millions of them, and
collecting over them cost three quarters of the import time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from typing import Literal

import msgspec

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
_formatted = lru_cache(maxsize=1 << 16)(Cpe.to_fs)  # evidence repeats the same criteria many times


class CvssScore(msgspec.Struct, frozen=True, gc=False):
    """One CVSS score with who gave it (`nvd@nist.gov`, a CNA, …) and whether NVD calls it Primary."""

    version: str  # "2.0", "3.0", "3.1", "4.0"
    source: str
    type: str  # "Primary" / "Secondary"
    vector: str
    base_score: float
    severity: str


class Weakness(msgspec.Struct, frozen=True, gc=False):
    """A CWE (or NVD-CWE-Other / NVD-CWE-noinfo) with its source."""

    cwe: str
    source: str
    type: str


class Reference(msgspec.Struct, frozen=True, gc=False):
    url: str
    source: str
    tags: tuple[str, ...]


class CisaKev(msgspec.Struct, frozen=True, gc=False):
    """The KEV fields NVD copies into a record (`cisaExploitAdd` …)."""

    date_added: str
    action_due: str
    required_action: str
    name: str


class CpeMatch(msgspec.Struct, frozen=True, gc=False):
    """One cpeMatch entry: a CPE criteria, optional version bounds, and whether it is the vulnerable part."""

    cpe: Cpe
    vulnerable: bool
    bounds: VersionRange | None = None
    match_criteria_id: str = ""

    @property
    def criteria(self) -> str:
        """The criteria as a CPE 2.3 formatted string."""
        return _formatted(self.cpe)


class ConfigNode(msgspec.Struct, frozen=True, gc=False):
    """A node: its cpeMatch entries joined by `operator`, the result inverted when `negate`."""

    operator: Operator
    negate: bool
    cpe_match: tuple[CpeMatch, ...]


class Configuration(msgspec.Struct, frozen=True, gc=False):
    """One configuration: nodes joined by `operator` (AND for "firmware running on hardware")."""

    operator: Operator
    negate: bool
    nodes: tuple[ConfigNode, ...]

    def entries(self) -> Iterator[CpeMatch]:
        """Every cpeMatch entry of every node."""
        for node in self.nodes:
            yield from node.cpe_match


class CveRecord(msgspec.Struct, frozen=True, gc=False):
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
