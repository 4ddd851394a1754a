"""One match run: every asset of the ledger against the catalogue, kept as findings (the UI, API, CLI and the
weekly job all call `run_match`).

A run re-matches everything, so a CVE whose record changed (a new lastModified, a new CSAF release) is
re-evaluated for every asset, and each new finding says why it appeared: a new CVE, a changed record, a
new or changed asset. Findings that are no longer detected keep their status and history. The writing
side (findings.FindingWriter) touches only what changed, so a second run over an unchanged ledger costs
the matching and one UPDATE per chunk of assets.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mamori.audit.recording import record
from mamori.engines.vulns import Evidence, Hit
from mamori.engines.vulns.csaf_match import NameMatch
from mamori.ledger.models import Asset
from mamori.vulns.choices import MatchTier, RunTrigger
from mamori.vulns.finding_writer import FindingWriter
from mamori.vulns.imports.bulk import chunks
from mamori.vulns.indexes import Indexes, build_indexes
from mamori.vulns.inventory import LedgerItem, ledger_items
from mamori.vulns.models import CsafAdvisory, MatchRun
from mamori.vulns.priorities import plain

__all__ = ["Detection", "detect", "run_match"]

_TIER_RANK = {MatchTier.EXACT: 0, MatchTier.POSSIBLE: 1, MatchTier.NAME: 2}
ASSET_CHUNK = 500


@dataclass
class Detection:
    """All evidence for one (asset, CVE) in this run, strongest tier first. `parts` are the engines' result
    objects, shared between identical assets, so that their evidence is built and stored once."""

    tier: MatchTier
    source: str
    reason_code: str
    parts: list[object] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def add(self, part: object, rows: list[tuple[MatchTier, str, str, dict[str, Any]]]) -> None:
        self.parts.append(part)
        for tier, source, reason_code, evidence in rows:
            if _TIER_RANK[tier] < _TIER_RANK[self.tier]:
                self.tier, self.source, self.reason_code = tier, source, reason_code
            self.evidence.append(evidence)


def _reasons(reasons: Any) -> list[dict[str, Any]]:
    return [{"code": r.code, "args": {k: plain(v) for k, v in r.args}} for r in reasons]


def _nvd_evidence(e: Evidence) -> dict[str, Any]:
    return {"source": e.source, "tier": str(e.tier), "criteria": e.criteria, "match_criteria_id": e.match_criteria_id,
            "bounds": str(e.bounds) if e.bounds else "", "asset_cpe": e.asset_cpe, "platform": e.platform,
            "reason_code": e.reason_code, "reasons": _reasons(e.reasons), "configuration": e.configuration,
            "record_last_modified": e.record_last_modified.isoformat()}


def _name_tier(m: NameMatch, publisher: str) -> MatchTier:
    """A vendor's own advisory listing the exact version is as good as a CPE match; everything else is 要確認."""
    own = m.name_exact and publisher and m.vendor.lower() in publisher.lower()
    return MatchTier.EXACT if own and m.version_verdict == "equal" else MatchTier.NAME


def _csaf_evidence(m: NameMatch, tier: MatchTier) -> dict[str, Any]:
    return {"source": "CSAF", "tier": str(tier), "advisory": m.tracking_id, "product_id": m.product_id,
            "vendor": m.vendor, "product": m.product, "version_text": m.version_text,
            "matched_name": m.matched_name, "matched_version": m.matched_version,
            "reason_code": m.version_verdict, "reasons": _reasons(m.reasons),
            "record_last_modified": m.advisory_last_modified.isoformat()}


class EvidenceCache:
    """Evidence rows per engine result object; the object is kept so its id is not reused during the run."""

    def __init__(self, publishers: dict[str, str]) -> None:
        self.publishers = publishers
        self._rows: dict[int, tuple[object, list[tuple[MatchTier, str, str, dict[str, Any]]]]] = {}

    def hit(self, hit: Hit) -> list[tuple[MatchTier, str, str, dict[str, Any]]]:
        found = self._rows.get(id(hit))
        if found is None:
            rows = [(MatchTier(str(e.tier)), e.source, e.reason_code, _nvd_evidence(e)) for e in hit.evidence]
            found = self._rows[id(hit)] = (hit, rows)
        return found[1]

    def name(self, match: NameMatch) -> list[tuple[MatchTier, str, str, dict[str, Any]]]:
        found = self._rows.get(id(match))
        if found is None:
            tier = _name_tier(match, self.publishers.get(match.tracking_id, ""))
            found = self._rows[id(match)] = (match, [(tier, "CSAF", match.version_verdict,
                                                      _csaf_evidence(match, tier))])
        return found[1]


def detect(item: LedgerItem, indexes: Indexes, cache: EvidenceCache) -> dict[str, Detection]:
    """Per CVE id, what the engines found for one asset."""
    found: dict[str, Detection] = {}
    hits: tuple[Hit, ...] = indexes.nvd.match(item.engine) if item.engine.cpes else ()
    for hit in hits:
        rows = cache.hit(hit)
        detection = found.setdefault(hit.cve_id, Detection(rows[0][0], rows[0][1], rows[0][2]))
        detection.add(hit, rows)
    for match in indexes.csaf.match(item.device):
        if not match.cve_id:  # vendor advisories without a CVE cannot be joined to the catalogue
            continue
        rows = cache.name(match)
        detection = found.setdefault(match.cve_id, Detection(rows[0][0], rows[0][1], rows[0][2]))
        detection.add(match, rows)
    return found


def _batches(items: list[LedgerItem]) -> Iterator[list[LedgerItem]]:
    for part in chunks(items, ASSET_CHUNK):
        yield list(part)


@transaction.atomic
def run_match(trigger: str = RunTrigger.MANUAL, actor: str = "", assets: QuerySet[Asset] | None = None,
              indexes: Indexes | None = None) -> MatchRun:
    """Match the ledger (or `assets`) against the whole catalogue and update the findings."""
    started = time.perf_counter()
    now = timezone.now()
    previous = MatchRun.objects.filter(finished__isnull=False).order_by("-started").first()
    run = MatchRun.objects.create(trigger=trigger, started=now, actor=actor[:150])
    indexes = indexes or build_indexes()
    scope = assets if assets is not None else Asset.objects.all()
    items, skipped = ledger_items(scope.exclude(in_use=False))
    writer = FindingWriter(run, previous, now)
    writer.expire_acceptances()
    cache = EvidenceCache(dict(CsafAdvisory.objects.values_list("tracking_id", "publisher")))
    for batch in _batches(items):
        writer.write(batch, [detect(item, indexes, cache) for item in batch])
    writer.finish([i.pk for i in items])
    run.finished = timezone.now()
    run.assets, run.skipped = len(items), skipped
    run.records = indexes.nvd_records + indexes.jvn_records + indexes.advisories
    run.findings, run.new, run.gone, run.origins = writer.detected, writer.created, writer.gone, writer.origins
    run.duration = round(time.perf_counter() - started, 3)
    run.save()
    record("vulns_match", instance=run, changes={"assets": run.assets, "findings": run.findings, "new": run.new,
                                                 "gone": run.gone, "origins": run.origins})
    return run
