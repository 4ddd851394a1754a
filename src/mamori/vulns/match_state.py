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
from django.db import connection, models

from mamori.vulns.imports.bulk import chunks, raw_upsert
from mamori.vulns.indexes import Indexes
from mamori.vulns.inventory import LedgerItem
from mamori.vulns.models import (
    AssetMatchState,
    CsafAdvisory,
    CsafCve,
    CveEnrichment,
    CveMatchState,
    EpssScore,
    Finding,
    JvnCve,
    JvnEntry,
    KevEntry,
    Vulnerability,
)

__all__ = ["MATCH_STATE_VERSION", "MatchPlan", "asset_state", "plan_run", "store_states"]

MATCH_STATE_VERSION = "1"
_HOLDING_QUERY_LIMIT = 2000
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


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _aware(value: object) -> dt.datetime:
    """A datetime as a raw query gives it (SQLite: text in UTC without an offset)."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _signal_rows(cve_ids: list[str]) -> tuple[dict[str, list[tuple[str, ...]]], dict[str, dt.datetime]]:
    """Per CVE, the raw stored values its findings' priority and evidence read (JSON left undecoded: only
    compared), and when an import last changed its record. Plain SQL: Django's row converters cost seconds."""
    # Table names come from the models' _meta, never from input; the CVE ids are parameters.
    queries = (
        f"SELECT cve_id, first_seen, changed_at, cvss FROM {_table(Vulnerability)} WHERE cve_id IN ({{}})",  # noqa: S608
        f"SELECT cve_id, ransomware, date_added FROM {_table(KevEntry)} WHERE cve_id IN ({{}})",  # noqa: S608
        f"SELECT cve_id, epss, percentile FROM {_table(EpssScore)} WHERE cve_id IN ({{}})",  # noqa: S608
        f"SELECT cve_id, ssvc_exploitation, ssvc_automatable, cvss FROM {_table(CveEnrichment)} "  # noqa: S608
        f"WHERE cve_id IN ({{}})",
        f"SELECT c.cve_id, e.cvss FROM {_table(JvnCve)} c JOIN {_table(JvnEntry)} e ON e.id = c.entry_id "  # noqa: S608
        f"WHERE c.cve_id IN ({{}})",
        f"SELECT c.cve_id, c.cvss, a.publisher FROM {_table(CsafCve)} c JOIN {_table(CsafAdvisory)} a "  # noqa: S608
        f"ON a.id = c.advisory_id WHERE c.cve_id IN ({{}})",
    )
    rows: dict[str, list[tuple[str, ...]]] = {c: [] for c in cve_ids}
    changed: dict[str, dt.datetime] = {}
    with connection.cursor() as cursor:
        for part in chunks(cve_ids):
            marks = ", ".join(["%s"] * len(part))
            for number, query in enumerate(queries):
                cursor.execute(query.format(marks), list(part))  # table names from _meta, values as parameters
                for row in cursor.fetchall():
                    rows[row[0]].append((str(number), *(str(v) for v in row[1:])))
                    if number == 0:
                        changed[row[0]] = _aware(row[2])
    return rows, changed


def plan_run(items: list[LedgerItem], indexes: Indexes, started: dt.datetime, *, everything: bool = False
             ) -> MatchPlan:
    """Compare the ledger and the catalogue with the digests of the last full run.

    A record that an import changed after the run `started` (PostgreSQL lets an import commit while a run reads)
    may be older in the index than in the catalogue: its digest is not kept, so the next run re-evaluates it."""
    held_rows = _held_vulnerabilities()
    cve_ids = detected_cves(items, indexes) | set(held_rows.values())
    rows, changed_at = _signal_rows(sorted(cve_ids))
    cve_states = {c: _digest((MATCH_STATE_VERSION, sorted(r))) for c, r in rows.items()}
    for cve_id, when in changed_at.items():
        if when >= started:
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
    changed_pks = sorted(by_cve[c] for c in changed_cves if c in by_cve)
    # Past a few thousand changed CVEs (new EPSS scores move them all) asking which assets hold them costs more
    # than assuming every asset does: an asset without any of them is only matched once more.
    holding = _holding(changed_pks) if len(changed_pks) <= _HOLDING_QUERY_LIMIT else set(asset_states)
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
