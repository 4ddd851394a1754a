"""The matching engines' indexes, built from the catalogue: NVD configurations, JVN-only products, CSAF trees.

JVN products are used alone only for CVEs that NVD does not cover (no NVD configurations), as 要確認:
JVN gives CPE 2.2 names without versions, and its product names differ from NVD's (CVE-2019-19781).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import msgspec

from mamori.engines.vulns import CpeMatch, CveRecord, VulnIndex, parse_cpe
from mamori.engines.vulns.csaf import CsafAdvisory as ParsedAdvisory
from mamori.engines.vulns.csaf_match import CsafIndex
from mamori.engines.vulns.errors import CpeError
from mamori.engines.vulns.records import ConfigNode, Configuration
from mamori.engines.vulns.versions import VersionRange
from mamori.vulns.imports.bulk import unpack
from mamori.vulns.models import CsafAdvisory, JvnEntry, Vulnerability

_CONFIGURATIONS = msgspec.msgpack.Decoder(tuple[Configuration, ...])
_ADVISORY = msgspec.msgpack.Decoder(ParsedAdvisory)
_EPOCH = dt.datetime(1999, 1, 1, tzinfo=dt.UTC)
# The engine's result caches, bounded for a match run that stores each chunk's hits and drops them.
CACHED_HITS = 400_000
CACHED_ASSET_HITS = 4_000_000


@dataclass
class Indexes:
    nvd: VulnIndex
    csaf: CsafIndex
    nvd_records: int
    jvn_records: int
    advisories: int


def _nvd(index: VulnIndex) -> tuple[int, set[str]]:
    covered: set[str] = set()
    rows = Vulnerability.objects.filter(configurations__isnull=False).values_list(
        "cve_id", "last_modified", "configurations")
    for cve_id, last_modified, blob in rows.iterator(chunk_size=2000):
        when = last_modified or _EPOCH
        if blob is not None:
            index.add(CveRecord(cve_id, when, when, "", "", (), (), (), unpack(blob, _CONFIGURATIONS)))
        covered.add(cve_id)
    return len(covered), covered


def _jvn_matches(entry: JvnEntry) -> tuple[CpeMatch, ...]:
    found: list[CpeMatch] = []
    for product in entry.cpes:
        try:
            cpe = parse_cpe(product["cpe"])
        except CpeError:
            continue
        ranges: list[VersionRange | None] = [VersionRange(**r) for r in product.get("ranges") or []] or [None]
        found.extend(CpeMatch(cpe, True, r, entry.jvndb_id) for r in ranges)
    return tuple(found)


def _jvn(index: VulnIndex, covered: set[str]) -> int:
    added = 0
    for entry in JvnEntry.objects.exclude(cpes=[]).iterator(chunk_size=2000):
        matches = _jvn_matches(entry)
        if not matches:
            continue
        for cve_id in entry.cve_ids:
            if cve_id in covered or cve_id in index:
                continue
            configuration = Configuration("OR", False, (ConfigNode("OR", False, matches),))
            index.add(CveRecord(cve_id, entry.published or entry.last_modified, entry.last_modified, "", "", (), (),
                                (), (configuration,), source="JVN"))
            added += 1
    return added


def build_indexes() -> Indexes:
    """Everything matching needs, read from the catalogue (a full NVD in about 10–20 s on 2 cores)."""
    nvd = VulnIndex(cached_hits=CACHED_HITS, cached_asset_hits=CACHED_ASSET_HITS)
    nvd_count, covered = _nvd(nvd)
    jvn_count = _jvn(nvd, covered)
    csaf = CsafIndex()
    advisories = 0
    for blob in CsafAdvisory.objects.values_list("parsed", flat=True).iterator(chunk_size=200):
        csaf.add(unpack(blob, _ADVISORY))
        advisories += 1
    return Indexes(nvd, csaf, nvd_count, jvn_count, advisories)
