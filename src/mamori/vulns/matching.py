"""One match run: every asset of the ledger against the catalogue, kept as findings (the UI, API, CLI and the
weekly job all call `run_match`).

A run matches the whole ledger, and re-evaluates (priorities, evidence, findings) what changed since the last
one (match_state): a CVE whose record or signals changed (a new lastModified, a new CSAF release, a KEV
addition, new EPSS scores) on every asset, a new or changed asset against every CVE. Each new finding says
why it appeared: a new CVE, a changed record, a new or changed asset. Findings that are no longer detected
keep their status and history. The writing side (finding_writer.FindingWriter) touches only rows that change.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mamori.audit.recording import record
from mamori.engines.vulns import Hit
from mamori.engines.vulns.csaf_match import NameMatch
from mamori.ledger.models import Asset
from mamori.vulns.choices import MatchTier, RunTrigger
from mamori.vulns.evidence import name_tier
from mamori.vulns.finding_writer import FindingWriter
from mamori.vulns.indexes import Indexes, build_indexes
from mamori.vulns.inventory import LedgerItem, ledger_items, ledger_products
from mamori.vulns.match_state import MatchPlan, plan_run, store_states
from mamori.vulns.models import CsafAdvisory, Finding, MatchRun

__all__ = ["Detection", "detect", "run_match"]

_TIER_RANK: dict[str, int] = {MatchTier.EXACT: 0, MatchTier.POSSIBLE: 1, MatchTier.NAME: 2}
ASSET_CHUNK = 500
DETECTION_CHUNK = 100_000


@dataclass
class Detection:
    """All that the engines found for one (asset, CVE) in this run, strongest tier first. `parts` are the
    engines' result objects, shared between identical assets, so their evidence is built and stored once."""

    tier: str  # a MatchTier value
    source: str
    reason_code: str
    parts: list[Hit | NameMatch] = field(default_factory=list)

    def add(self, part: Hit | NameMatch, tier: str, source: str, reason_code: str) -> None:
        self.parts.append(part)
        if _TIER_RANK[tier] < _TIER_RANK[self.tier]:
            self.tier, self.source, self.reason_code = tier, source, reason_code


def detect(item: LedgerItem, indexes: Indexes, publishers: dict[str, str],
           only: frozenset[str] | None = None) -> dict[str, Detection]:
    """Per CVE id, what the engines found for one asset (of the CVEs in `only`, when given)."""
    found: dict[str, Detection] = {}
    hits: tuple[Hit, ...] = indexes.nvd.match(item.engine) if item.engine.cpes else ()
    for hit in hits:
        if only is not None and hit.cve_id not in only:
            continue
        first = hit.evidence[0]  # the strongest (evidence is ordered by tier)
        tier = hit.tier.value  # "exact" / "possible", as MatchTier's values
        detection = found.setdefault(hit.cve_id, Detection(tier, first.source, first.reason_code))
        detection.add(hit, tier, first.source, first.reason_code)
    for match in indexes.csaf.match(item.device):
        if not match.cve_id or (only is not None and match.cve_id not in only):
            continue  # vendor advisories without a CVE cannot be joined to the catalogue
        tier = name_tier(match, publishers.get(match.tracking_id, ""))
        detection = found.setdefault(match.cve_id, Detection(tier, "CSAF", match.version_verdict))
        detection.add(match, tier, "CSAF", match.version_verdict)
    return found


def _batches(items: list[LedgerItem], indexes: Indexes, publishers: dict[str, str], plan: MatchPlan
             ) -> Iterator[tuple[list[LedgerItem], list[dict[str, Detection]], list[frozenset[str] | None]]]:
    """The assets with something to re-evaluate, with their detections and what was re-evaluated (None: every
    CVE), in chunks of at most ASSET_CHUNK assets or DETECTION_CHUNK detections (500 phones can hold a million
    findings between them: memory follows the detections, not the assets)."""
    batch: list[LedgerItem] = []
    found: list[dict[str, Detection]] = []
    limits: list[frozenset[str] | None] = []
    size = 0
    for item in items:
        limit = plan.limit(item)
        if limit is not None and not limit:
            continue  # unchanged, and nothing it may match changed
        detections = detect(item, indexes, publishers, limit)
        if not plan.needs(item, bool(detections)):
            continue
        batch.append(item)
        found.append(detections)
        limits.append(limit)
        size += len(detections)
        if len(batch) >= ASSET_CHUNK or size >= DETECTION_CHUNK:
            yield batch, found, limits
            batch, found, limits, size = [], [], [], 0
    if batch:
        yield batch, found, limits


@transaction.atomic
def run_match(trigger: str = RunTrigger.MANUAL, actor: str = "", assets: QuerySet[Asset] | None = None,
              indexes: Indexes | None = None, *, full: bool = False) -> MatchRun:
    """Match the ledger (or `assets`) against the catalogue and update the findings.

    A run over the whole ledger re-evaluates what changed since the last one (match_state); `full=True`
    re-evaluates every asset against every CVE, as does a run limited to `assets`.
    """
    started = time.perf_counter()
    now = timezone.now()
    previous = MatchRun.objects.filter(finished__isnull=False).order_by("-started").first()
    run = MatchRun.objects.create(trigger=trigger, started=now, actor=actor[:150])
    scope = (assets if assets is not None else Asset.objects.all()).exclude(in_use=False)
    items, skipped = ledger_items(scope)
    indexes = indexes or build_indexes(ledger_products(items))
    publishers = dict(CsafAdvisory.objects.values_list("tracking_id", "publisher"))
    whole = assets is None
    plan = plan_run(items, indexes, now, everything=full) if whole else MatchPlan.all_of(items)
    writer = FindingWriter(run, previous, now, publishers)
    writer.expire_acceptances()
    for batch, found, limits in _batches(items, indexes, publishers, plan):
        writer.write(batch, found, limits)
    writer.finish()
    if whole:
        store_states(plan)
    run.finished = timezone.now()
    run.assets, run.skipped = len(items), skipped
    run.records = indexes.nvd_records + indexes.jvn_records + indexes.advisories
    run.findings = Finding.objects.filter(detected=True, asset__in=scope).count()
    run.new, run.gone, run.origins = writer.created, writer.gone, writer.origins
    run.reevaluated, run.changed_cves = writer.assets, 0 if plan.everything else len(plan.changed_cves)
    run.duration = round(time.perf_counter() - started, 3)
    run.save()
    record("vulns_match", instance=run, changes={
        "assets": run.assets, "reevaluated": run.reevaluated, "changed_cves": run.changed_cves,
        "findings": run.findings, "new": run.new, "gone": run.gone, "origins": run.origins})
    return run
