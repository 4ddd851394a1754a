"""The matching engines' indexes, built from the catalogue: NVD configurations, JVN-only products, CSAF trees.

JVN products are used alone only for CVEs that NVD does not cover (no NVD configurations), as 要確認:
JVN gives CPE 2.2 names without versions, and its product names differ from NVD's (CVE-2019-19781).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec
from django.db import connection
from django.db.models import QuerySet

from mamori.engines.vulns import CpeMatch, CveRecord, VulnIndex, parse_cpe
from mamori.engines.vulns.cpe import ANY, canonical_key
from mamori.engines.vulns.csaf import CsafAdvisory as ParsedAdvisory
from mamori.engines.vulns.csaf_match import CsafIndex
from mamori.engines.vulns.errors import CpeError
from mamori.engines.vulns.records import ConfigNode, Configuration
from mamori.engines.vulns.versions import VersionRange
from mamori.vulns.imports.bulk import chunks, unpack
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
    nvd_records: int  # NVD records with configurations in the catalogue
    jvn_records: int
    advisories: int
    nvd_indexed: int = 0  # of them, those indexed (the ones that can meet the ledger)


def wanted_keys(products: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """The record keys that can meet these (vendor, product) pairs of the ledger: an asset CPE meets the entries
    of its own product, of its product under any vendor, of its vendor's any product, and of any product."""
    found: set[tuple[str, str]] = set()
    for vendor, product in products:
        found.update(((vendor, product), (ANY, product), (vendor, ANY), (ANY, ANY)))
    return frozenset(found)


def _names_wanted(products: str, wanted: frozenset[tuple[str, str]], seen: dict[str, bool]) -> bool:
    if not products:
        return True  # imported before the column was filled: index it
    for line in products.split("\n"):
        known = seen.get(line)
        if known is None:
            vendor, _tab, product = line.partition("\t")
            known = seen[line] = canonical_key(vendor, product) in wanted
        if known:
            return True
    return False


def _wanted_pks(wanted: frozenset[tuple[str, str]]) -> tuple[int, list[int]]:
    """How many records have configurations, and the pks of those naming a wanted key (one plain scan of two
    short columns: the ORM's per-row work would double a weekly run)."""
    table = connection.ops.quote_name(Vulnerability._meta.db_table)
    pks: list[int] = []
    seen: dict[str, bool] = {}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, products FROM {table} WHERE configurations IS NOT NULL")  # noqa: S608
        while rows := cursor.fetchmany(20_000):
            total += len(rows)
            pks.extend(pk for pk, products in rows if _names_wanted(products, wanted, seen))
    return total, pks


def _nvd(index: VulnIndex, wanted: frozenset[tuple[str, str]] | None) -> int:
    """Index the NVD records (those naming one of the `wanted` keys, when given); returns how many records have
    configurations in the catalogue."""
    records = Vulnerability.objects.filter(configurations__isnull=False)
    columns = ("cve_id", "last_modified", "configurations")
    parts: Iterable[QuerySet[Vulnerability, tuple[str, dt.datetime | None, bytes]]] = [records.values_list(*columns)]
    total = None
    if wanted is not None:
        total, pks = _wanted_pks(wanted)
        parts = (records.filter(pk__in=part).values_list(*columns) for part in chunks(pks))
    for rows in parts:
        for cve_id, last_modified, blob in rows.iterator(chunk_size=2000):
            when = last_modified or _EPOCH
            index.add(CveRecord(cve_id, when, when, "", "", (), (), (), unpack(blob, _CONFIGURATIONS)))
    return len(index) if total is None else total


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


def _jvn(index: VulnIndex) -> int:
    """JVN's products of the CVEs NVD has no configurations for, as records of their own."""
    entries = [(entry, matches) for entry in JvnEntry.objects.exclude(cpes=[]).iterator(chunk_size=2000)
               if (matches := _jvn_matches(entry))]
    named = sorted({cve_id for entry, _matches in entries for cve_id in entry.cve_ids})
    covered: set[str] = set()  # NVD has configurations for these: JVN's products are not used alone
    for part in chunks(named):
        covered.update(Vulnerability.objects.filter(cve_id__in=part, configurations__isnull=False)
                       .values_list("cve_id", flat=True))
    added = 0
    for entry, matches in entries:
        for cve_id in entry.cve_ids:
            if cve_id in covered or cve_id in index:
                continue
            configuration = Configuration("OR", False, (ConfigNode("OR", False, matches),))
            index.add(CveRecord(cve_id, entry.published or entry.last_modified, entry.last_modified, "", "", (), (),
                                (), (configuration,), source="JVN"))
            added += 1
    return added


def build_indexes(products: Iterable[tuple[str, str]] | None = None) -> Indexes:
    """Everything matching needs, read from the catalogue: with `products`, the ledger's (vendor, product) pairs
    (canonical, as Cpe.key gives them), only the NVD records that can meet them; without, all of NVD (about
    15 s on 2 cores)."""
    nvd = VulnIndex(cached_hits=CACHED_HITS, cached_asset_hits=CACHED_ASSET_HITS)
    nvd_count = _nvd(nvd, None if products is None else wanted_keys(products))
    jvn_count = _jvn(nvd)
    csaf = CsafIndex()
    advisories = 0
    for blob in CsafAdvisory.objects.values_list("parsed", flat=True).iterator(chunk_size=200):
        csaf.add(unpack(blob, _ADVISORY))
        advisories += 1
    return Indexes(nvd, csaf, nvd_count, jvn_count, advisories, len(nvd) - jvn_count)
