"""Records indexed by (vendor, product), for matching a whole inventory quickly, configurations included.

Every cpeMatch entry is filed under its (vendor, product) (renamed products under the current name), so an
asset CPE only meets the entries of its own product. Results are cached per distinct asset CPE and per
distinct set of asset CPEs, and `Hit` objects are shared between assets: a hospital's 10,000 assets are
fleets of identical machines. Caches are dropped whenever a record is added or removed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from operator import attrgetter

import msgspec

from mamori.engines.vulns.buckets import PLAN_THRESHOLD, BucketPlan, judge_entries, plan_bucket
from mamori.engines.vulns.configurations import (
    ConfigRef,
    EntryRef,
    Found,
    Result,
    evaluate,
    evidence_for,
    platform_parts,
    strongest,
)
from mamori.engines.vulns.cpe import ANY, Cpe
from mamori.engines.vulns.inventory import Asset, asset_cpes
from mamori.engines.vulns.records import CveRecord
from mamori.engines.vulns.results import Evidence, Hit

__all__ = ["HIT_ORDER", "IndexChange", "VulnIndex"]

# Caches are dropped when they hold this many hits (about 200 bytes each, shared between assets).
_CACHED_HITS = 1_000_000
_CACHED_ASSET_HITS = 6_000_000  # references to hits already counted above: a 10,000-asset fleet holds ~4 M; more
# only keeps the hits of assets that never repeat (1.77 GB peak at 20 M when every asset differs, 1.38 GB at 6 M)
# "exact" sorts before "possible", so ordering by tier puts exact first.
HIT_ORDER = attrgetter("tier", "cve_id")
_HIT_ORDER = HIT_ORDER
_EVIDENCE_ORDER = attrgetter("tier", "configuration", "criteria")

AssetCpes = tuple[tuple[Cpe, str], ...]


class IndexChange(StrEnum):
    """What adding a record did: a new CVE, a newer version of a known one, the same version, or an older one."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    STALE = "stale"


class _Known(msgspec.Struct, frozen=True, gc=False):
    last_modified: datetime
    keys: tuple[tuple[str, str], ...]


class _CpeHits(msgspec.Struct, frozen=True, gc=False):
    """What one asset CPE matches: finished hits from one-node configurations (most of NVD), and the matches
    in configurations that need the asset's other CPEs (AND, negation) to be decided."""

    hits: tuple[Hit, ...]  # exact first, then by CVE id
    cve_ids: tuple[str, ...]  # of `hits`, in the same order
    pending: tuple[Found, ...]


def _hit(cve_id: str, evidence: list[Evidence]) -> Hit:
    if len(evidence) > 1:
        evidence.sort(key=_EVIDENCE_ORDER)
    return Hit(cve_id, evidence[0].tier, tuple(evidence))


class VulnIndex:
    """Vulnerability records ready for matching. Add records (a newer `last_modified` replaces the older
    record), then match assets; each hit carries its tier and evidence."""

    def __init__(self, cached_hits: int = _CACHED_HITS, cached_asset_hits: int = _CACHED_ASSET_HITS) -> None:
        """`cached_hits` / `cached_asset_hits` bound the result caches (about 1 KB per cached hit): a caller that
        keeps every hit anyway (the benchmark) wants them large, one that stores and drops them wants them small."""
        self._cached_hits, self._cached_asset_hits = cached_hits, cached_asset_hits
        self._buckets: dict[tuple[str, str], dict[str, tuple[EntryRef, ...]]] = {}
        self._known: dict[str, _Known] = {}
        self._cpe_cache: dict[tuple[Cpe, str], _CpeHits] = {}
        self._asset_cache: dict[AssetCpes, tuple[Hit, ...]] = {}
        self._plans: dict[tuple[str, str], BucketPlan] = {}
        self._plan_asks: dict[tuple[str, str], int] = {}
        self._cpe_cache_hits = 0
        self._asset_cache_hits = 0

    def __len__(self) -> int:
        return len(self._known)

    def __contains__(self, cve_id: object) -> bool:
        return cve_id in self._known

    @property
    def entry_count(self) -> int:
        """How many cpeMatch entries are indexed."""
        return sum(len(entries) for bucket in self._buckets.values() for entries in bucket.values())

    def last_modified(self, cve_id: str) -> datetime | None:
        """The `last_modified` of the indexed version of a CVE, or None."""
        known = self._known.get(cve_id)
        return known.last_modified if known else None

    def keys_of(self, cve_id: str) -> frozenset[tuple[str, str]]:
        """The (vendor, product) keys a CVE is filed under: the assets to re-match when it changes."""
        known = self._known.get(cve_id)
        return frozenset(known.keys) if known else frozenset()

    def _forget_results(self) -> None:
        if self._cpe_cache or self._asset_cache or self._plans:
            self._cpe_cache.clear()
            self._asset_cache.clear()
            self._plans.clear()
            self._plan_asks.clear()
            self._cpe_cache_hits = self._asset_cache_hits = 0

    def add(self, record: CveRecord) -> IndexChange:
        """Index a record; a newer version of a known CVE replaces the old one, an older one is ignored."""
        known = self._known.get(record.cve_id)
        change = IndexChange.NEW
        if known is not None:
            if record.last_modified < known.last_modified:
                return IndexChange.STALE
            if record.last_modified == known.last_modified:
                return IndexChange.UNCHANGED
            self.remove(record.cve_id)
            change = IndexChange.CHANGED
        grouped: dict[tuple[str, str], list[EntryRef]] = {}
        for number, configuration in enumerate(record.configurations):
            simple = not configuration.negate and all(n.operator == "OR" and not n.negate
                                                      for n in configuration.nodes)
            config = ConfigRef(record.cve_id, record.last_modified, record.source, number, configuration,
                               platform_parts(configuration), simple)
            for node_number, node in enumerate(configuration.nodes):
                for match in node.cpe_match:
                    grouped.setdefault(match.cpe.key, []).append(EntryRef(match, config, node_number))
        for key, entries in grouped.items():
            self._buckets.setdefault(key, {})[record.cve_id] = tuple(entries)
        self._known[record.cve_id] = _Known(record.last_modified, tuple(grouped))
        self._forget_results()
        return change

    def add_all(self, records: Iterable[CveRecord]) -> dict[IndexChange, int]:
        """Index many records; how many of each kind of change."""
        counts = dict.fromkeys(IndexChange, 0)
        for record in records:
            counts[self.add(record)] += 1
        return counts

    def remove(self, cve_id: str) -> bool:
        """Forget a CVE; False when it was not indexed."""
        known = self._known.pop(cve_id, None)
        if known is None:
            return False
        for key in known.keys:
            bucket = self._buckets[key]
            del bucket[cve_id]
            if not bucket:
                del self._buckets[key]
        self._forget_results()
        return True

    def _plan(self, key: tuple[str, str], bucket: dict[str, tuple[EntryRef, ...]]) -> BucketPlan | None:
        """The arranged bucket, built for a product with many CVEs once a second version of it is asked for."""
        plan = self._plans.get(key)
        if plan is None and ANY not in key and len(bucket) >= PLAN_THRESHOLD:
            asked = self._plan_asks[key] = self._plan_asks.get(key, 0) + 1
            if asked > 1:
                plan = self._plans[key] = plan_bucket(bucket.values())
        return plan

    def _judge_all(self, cpe: Cpe) -> list[Found]:
        vendor, product = cpe.key
        found: list[Found] = []
        for key in dict.fromkeys(((vendor, product), (ANY, product), (vendor, ANY), (ANY, ANY))):
            bucket = self._buckets.get(key)
            if bucket is not None:
                found.extend(judge_entries(bucket.values(), self._plan(key, bucket), cpe))
        return found

    def _cpe_hits(self, cpe: Cpe, text: str) -> _CpeHits:
        cached = self._cpe_cache.get((cpe, text))
        if cached is not None:
            return cached
        single: dict[ConfigRef, list[Result]] = {}
        pending: list[Found] = []
        for entry, judgement in self._judge_all(cpe):
            config = entry.config
            if config.simple and len(config.platform_parts) == 1:
                if entry.match.vulnerable:
                    single.setdefault(config, []).append((entry, judgement, text))
            else:
                pending.append((entry, judgement))
        by_cve: dict[str, list[Evidence]] = {}
        for config, results in single.items():
            by_cve.setdefault(config.cve_id, []).extend(
                evidence_for(config, e, j, t, j.level) for e, j, t in strongest(results))
        hits = tuple(sorted((_hit(cve_id, evidence) for cve_id, evidence in by_cve.items()), key=_HIT_ORDER))
        result = _CpeHits(hits, tuple(h.cve_id for h in hits), tuple(pending))
        self._cpe_cache_hits += len(hits)
        if self._cpe_cache_hits > self._cached_hits:
            self._cpe_cache.clear()
            self._cpe_cache_hits = len(hits)
        self._cpe_cache[(cpe, text)] = result
        return result

    def match(self, asset: Asset) -> tuple[Hit, ...]:
        """Every CVE that affects (exact) or may affect (possible) the asset, one hit per CVE.

        The order is stable but not sorted (a fleet yields millions of hits; sorting them all would double
        the time): sort with `HIT_ORDER` to show exact hits first, then by CVE id. Raises AssetError when a
        CPE of the asset cannot be read.
        """
        cpes = tuple(sorted(asset_cpes(asset), key=lambda c: c[1]))
        hits = self._asset_cache.get(cpes)
        if hits is None:
            hits = self._match_cpes(cpes)
            self._asset_cache_hits += len(hits)
            if self._asset_cache_hits > self._cached_asset_hits:
                self._asset_cache.clear()
                self._asset_cache_hits = len(hits)
            self._asset_cache[cpes] = hits
        return hits

    def match_all(self, assets: Iterable[Asset]) -> Iterator[tuple[Asset, tuple[Hit, ...]]]:
        """Each asset with its hits (identical assets share the same hit objects)."""
        for asset in assets:
            yield asset, self.match(asset)

    def _match_cpes(self, cpes: AssetCpes) -> tuple[Hit, ...]:
        groups = [self._cpe_hits(cpe, text) for cpe, text in cpes]
        extra = self._evaluate_pending(cpes, groups)
        if len(groups) == 1 and not extra:
            return groups[0].hits
        by_cve: dict[str, Hit] = {}
        shared: set[str] = set(extra)
        for group in groups:
            if by_cve:
                shared.update(by_cve.keys() & group.cve_ids)
            by_cve.update(zip(group.cve_ids, group.hits, strict=True))
        if shared:  # one CVE through several CPEs, or through a configuration that needs the whole asset
            merged: dict[str, list[Evidence]] = {cve_id: list(extra.get(cve_id, ())) for cve_id in sorted(shared)}
            for group in groups:
                if not shared.isdisjoint(group.cve_ids):
                    for cve_id, hit in zip(group.cve_ids, group.hits, strict=True):
                        if cve_id in merged:
                            merged[cve_id].extend(hit.evidence)
            by_cve.update((cve_id, _hit(cve_id, evidence)) for cve_id, evidence in merged.items() if evidence)
        return tuple(by_cve.values())

    def _evaluate_pending(self, cpes: AssetCpes, groups: list[_CpeHits]) -> dict[str, list[Evidence]]:
        """Configurations that need the whole asset ("firmware running on hardware", negation)."""
        by_config: dict[ConfigRef, dict[int, list[Result]]] = {}
        for (_cpe, text), group in zip(cpes, groups, strict=True):
            for entry, judgement in group.pending:
                by_config.setdefault(entry.config, {}).setdefault(entry.node, []).append((entry, judgement, text))
        extra: dict[str, list[Evidence]] = {}
        if by_config:
            parts = frozenset(cpe.part for cpe, _ in cpes)
            for config, by_node in by_config.items():
                found = evaluate(config, by_node, cpes, parts)
                if found:
                    extra.setdefault(config.cve_id, []).extend(found)
        return extra
