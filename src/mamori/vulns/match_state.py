"""What changed since the last full match run, so that a run re-evaluates only that.

A weekly run over 10,000 assets holds millions of findings, and most of them are the same as last week.
Each full run stores two kinds of digests:

- per asset, everything matching and priority read from it (CPEs, software, SBOM, names, exposure, remote
  access, patient safety, in use);
- per CVE, the catalogue's import stamps of its record (an NVD, JVN or CSAF import that changed it moves
  `Vulnerability.changed_at`) and every signal its priority reads (KEV, EPSS, SSVC, each CVSS score).

The next run re-evaluates an asset whose digest changed (or that is new) against the whole catalogue, and
every other asset only against the CVEs whose digest changed. Invariant after a full-scope run: every asset
with a stored digest was evaluated against every CVE as its stored digest describes. A run limited to some
assets does not store digests (it would break the invariant for the others); `full=True` ignores them.
`MATCH_STATE_VERSION` is part of every digest: a release that changes matching or priority bumps it, and the
next run re-evaluates everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import msgspec
from django.db import connection

from mamori.vulns.imports.bulk import chunks, held, raw_upsert
from mamori.vulns.indexes import Indexes
from mamori.vulns.inventory import LedgerItem
from mamori.vulns.models import AssetMatchState, CveMatchState, Finding, Vulnerability
from mamori.vulns.priorities import CveSignals, load_signals, signal_key

__all__ = ["MATCH_STATE_VERSION", "MatchPlan", "asset_state", "plan_run", "store_states"]

MATCH_STATE_VERSION = "1"
_UNSETTLED = "-"  # never a digest: the CVE counts as changed at the next run
_ENCODE = msgspec.msgpack.Encoder()


def _digest(value: object) -> str:
    return hashlib.sha1(_ENCODE.encode(value), usedforsecurity=False).hexdigest()


def asset_state(item: LedgerItem) -> str:
    """The digest of everything a match run reads from the asset."""
    return _digest((MATCH_STATE_VERSION, item.key, item.fingerprint, item.engine.cpes, item.device,
                    item.internet_exposed, item.remote_access, item.patient_safety, item.in_use))


def detected_cves(items: Iterable[LedgerItem], indexes: Indexes) -> set[str]:
    """The CVE ids the engines find on any of the assets (identical assets are matched once)."""
    found: set[str] = set()
    matched: set[frozenset[str]] = set()
    for item in items:
        cpes = frozenset(item.engine.cpes)
        if cpes and cpes not in matched:
            matched.add(cpes)
            found.update(hit.cve_id for hit in indexes.nvd.match(item.engine))
        found.update(m.cve_id for m in indexes.csaf.match(item.device) if m.cve_id)
    return found


def _held_vulnerabilities() -> dict[int, str]:
    """The catalogue rows (pk → CVE id) that some finding is held for (detected or not: read from the index on
    vulnerability_id alone, 30 times faster than with the condition on a ledger with millions of findings)."""
    finding = connection.ops.quote_name(Finding._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT vulnerability_id FROM {finding}")  # noqa: S608
        pks = [row[0] for row in cursor.fetchall()]
    found: dict[int, str] = {}
    for part in chunks(pks):
        found.update(Vulnerability.objects.filter(pk__in=part).values_list("pk", "cve_id"))
    return found


def _holding(vulnerability_pks: list[int]) -> set[int]:
    """The assets that hold a detected finding of one of these catalogue rows."""
    found: set[int] = set()
    for part in chunks(vulnerability_pks):
        found.update(Finding.objects.filter(vulnerability_id__in=part, detected=True)
                     .values_list("asset_id", flat=True).distinct())
    return found


@dataclass
class MatchPlan:
    """What a run re-evaluates: `None` for an asset means against everything, a set means only those CVEs."""

    everything: bool
    changed_cves: frozenset[str]
    changed_assets: frozenset[int]
    holding: frozenset[int]  # unchanged assets with a detected finding of a changed CVE
    asset_states: dict[int, str]
    cve_states: dict[str, str]

    @classmethod
    def all_of(cls, items: list[LedgerItem]) -> MatchPlan:
        """Every asset against every CVE, no digests (a run limited to some assets)."""
        return cls(True, frozenset(), frozenset(i.pk for i in items), frozenset(), {}, {})

    def limit(self, item: LedgerItem) -> frozenset[str] | None:
        """The CVEs to re-evaluate on this asset (None: all of them)."""
        if self.everything or item.pk in self.changed_assets:
            return None
        return self.changed_cves

    def needs(self, item: LedgerItem, found: bool) -> bool:
        """Whether the asset has anything to write: `found` is whether the engines found one of its limit's CVEs."""
        return self.limit(item) is None or found or item.pk in self.holding


def plan_run(items: list[LedgerItem], indexes: Indexes, signals: dict[str, CveSignals], started: dt.datetime, *,
             everything: bool = False) -> MatchPlan:
    """Compare the ledger and the catalogue with the digests of the last full run (fills `signals` on the way).

    A record that an import changed after the run `started` (PostgreSQL lets an import commit while a run reads)
    may be older in the index than in the catalogue: its digest is not kept, so the next run re-evaluates it."""
    held_rows = _held_vulnerabilities()
    cve_ids = detected_cves(items, indexes) | set(held_rows.values())
    load_signals(signals, cve_ids)
    stamps: dict[str, tuple[dt.datetime, dt.datetime]] = held(Vulnerability, "cve_id", sorted(cve_ids), "first_seen",
                                                    "changed_at")
    cve_states = {c: _digest((MATCH_STATE_VERSION, str(stamps.get(c)), signal_key(signals[c]))) for c in cve_ids}
    for cve_id, (_first_seen, changed_at) in stamps.items():
        if changed_at >= started:
            cve_states[cve_id] = _UNSETTLED
    asset_states = {item.pk: asset_state(item) for item in items}
    if everything:
        return MatchPlan(True, frozenset(cve_ids), frozenset(asset_states), frozenset(), asset_states, cve_states)
    stored_cves = dict(CveMatchState.objects.values_list("cve_id", "state"))
    stored_assets = dict(AssetMatchState.objects.values_list("asset_id", "state"))
    changed_cves = frozenset(c for c, state in cve_states.items()
                             if state == _UNSETTLED or stored_cves.get(c) != state)
    changed_assets = frozenset(pk for pk, state in asset_states.items() if stored_assets.get(pk) != state)
    by_cve = {cve_id: pk for pk, cve_id in held_rows.items()}
    holding = _holding(sorted(by_cve[c] for c in changed_cves if c in by_cve))
    return MatchPlan(False, changed_cves, changed_assets, frozenset(holding), asset_states, cve_states)


def store_states(plan: MatchPlan) -> None:
    """Keep the digests of this run for the next one: changed ones written, those of things gone removed."""
    stored_assets = dict(AssetMatchState.objects.values_list("asset_id", "state"))
    raw_upsert(AssetMatchState, "asset", ("asset", "state"),
               ((pk, s) for pk, s in plan.asset_states.items() if stored_assets.get(pk) != s), ("state",))
    gone_assets = sorted(set(stored_assets) - set(plan.asset_states))
    for part in chunks(gone_assets):
        AssetMatchState.objects.filter(asset_id__in=part).delete()
    stored_cves = dict(CveMatchState.objects.values_list("cve_id", "state"))
    raw_upsert(CveMatchState, "cve_id", ("cve_id", "state"),
               ((c, s) for c, s in plan.cve_states.items() if stored_cves.get(c) != s), ("state",))
    gone_cves = sorted(set(stored_cves) - set(plan.cve_states))
    for cves in chunks(gone_cves):
        CveMatchState.objects.filter(cve_id__in=cves).delete()
