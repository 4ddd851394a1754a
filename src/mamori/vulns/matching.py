"""One match run: every asset of the ledger against the catalogue, kept as findings (the UI, API, CLI and the
weekly job all call `run_match`).

A run re-matches everything, so a CVE whose record changed (a new lastModified, a new CSAF release) is
re-evaluated for every asset, and each new finding says why it appeared: a new CVE, a changed record, a
new or changed asset. Findings that are no longer detected keep their status and history.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mamori.audit.recording import record
from mamori.engines.vulns import Evidence, Hit
from mamori.engines.vulns.csaf_match import NameMatch
from mamori.ledger.models import Asset
from mamori.vulns.choices import FindingOrigin, FindingStatus, MatchTier, RunTrigger
from mamori.vulns.imports.bulk import chunks, held
from mamori.vulns.indexes import Indexes, build_indexes
from mamori.vulns.inventory import LedgerItem, ledger_items
from mamori.vulns.models import Finding, MatchRun, Vulnerability
from mamori.vulns.priorities import cve_signals, plain, prioritise, reason_rows

_TIER_RANK = {MatchTier.EXACT: 0, MatchTier.POSSIBLE: 1, MatchTier.NAME: 2}
_UPDATED = ("tier", "source", "reason_code", "evidence", "detected", "last_seen", "last_run", "detected_fingerprint",
            "priority", "priority_score", "priority_reasons", "due_date", "status", "status_reason",
            "status_changed_at", "status_changed_by")


@dataclass
class Detection:
    """All evidence for one (asset, CVE) in this run, strongest tier first."""

    tier: MatchTier
    source: str
    reason_code: str
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def add(self, tier: MatchTier, source: str, reason_code: str, evidence: dict[str, Any]) -> None:
        if _TIER_RANK[tier] < _TIER_RANK[self.tier]:
            self.tier, self.source, self.reason_code = tier, source, reason_code
        self.evidence.append(evidence)


def _reasons(reasons: Iterable[Any]) -> list[dict[str, Any]]:
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


def detect(item: LedgerItem, indexes: Indexes, publishers: dict[str, str]) -> dict[str, Detection]:
    """Per CVE id, what the engines found for one asset."""
    found: dict[str, Detection] = {}
    hits: tuple[Hit, ...] = indexes.nvd.match(item.engine) if item.engine.cpes else ()
    for hit in hits:
        tier = MatchTier(str(hit.tier))
        first = hit.evidence[0]
        detection = found.setdefault(hit.cve_id, Detection(tier, first.source, first.reason_code))
        for e in hit.evidence:
            detection.add(MatchTier(str(e.tier)), e.source, e.reason_code, _nvd_evidence(e))
    for m in indexes.csaf.match(item.device):
        if not m.cve_id:
            continue
        tier = _name_tier(m, publishers.get(m.tracking_id, ""))
        detection = found.setdefault(m.cve_id, Detection(tier, "CSAF", m.version_verdict))
        detection.add(tier, "CSAF", m.version_verdict, _csaf_evidence(m, tier))
    return found


def _origin(previous: MatchRun | None, vulnerability: tuple[dt.datetime, dt.datetime], asset: Asset,
            reappeared: bool) -> FindingOrigin:
    if previous is None:
        return FindingOrigin.FIRST_RUN
    since = previous.started
    first_seen, changed_at = vulnerability
    if reappeared:
        return FindingOrigin.REAPPEARED
    if first_seen > since:
        return FindingOrigin.NEW_CVE
    if asset.created > since:
        return FindingOrigin.NEW_ASSET
    if changed_at > since:
        return FindingOrigin.RECORD_CHANGED
    if asset.updated > since:
        return FindingOrigin.ASSET_CHANGED
    return FindingOrigin.RECORD_CHANGED


@dataclass
class _RunState:
    run: MatchRun
    previous: MatchRun | None
    now: dt.datetime
    today: dt.date
    new: list[Finding] = field(default_factory=list)
    updated: dict[int, Finding] = field(default_factory=dict)
    reopened: list[tuple[Finding, str, str]] = field(default_factory=list)  # finding, old status, reason
    origins: dict[str, int] = field(default_factory=dict)


def _reopen(finding: Finding, state: _RunState, reason: str) -> None:
    state.reopened.append((finding, finding.status, reason))
    finding.status = FindingStatus.OPEN
    finding.status_reason = reason
    finding.status_changed_at = state.now
    finding.status_changed_by = "mamori"


def _apply(state: _RunState, item: LedgerItem, asset: Asset, cve_id: str, detection: Detection,
           vulns: dict[str, tuple[int, dt.datetime, dt.datetime]], existing: dict[tuple[int, int], Finding],
           signals: dict[str, Any]) -> None:
    vuln_pk, first_seen, changed_at = vulns[cve_id]
    priority = prioritise(signals.get(cve_id), internet_exposed=item.internet_exposed,
                          remote_access=item.remote_access, patient_safety=item.patient_safety,
                          confirmed=detection.tier == MatchTier.EXACT, in_use=item.in_use)
    finding = existing.get((item.pk, vuln_pk))
    if finding is None:
        finding = Finding(asset_id=item.pk, vulnerability_id=vuln_pk, first_seen=state.now,
                          origin=_origin(state.previous, (first_seen, changed_at), asset, False))
        state.new.append(finding)
        state.origins[finding.origin] = state.origins.get(finding.origin, 0) + 1
    else:
        if not finding.detected:
            finding.origin = _origin(state.previous, (first_seen, changed_at), asset, True)
            state.origins[finding.origin] = state.origins.get(finding.origin, 0) + 1
        if finding.status == FindingStatus.PATCHED:
            _reopen(finding, state, "still detected after the recorded patch (the ledger's version still matches)")
        state.updated[finding.pk] = finding
    finding.tier, finding.source, finding.reason_code = detection.tier, detection.source, detection.reason_code[:32]
    finding.evidence = detection.evidence
    finding.detected, finding.last_seen, finding.last_run = True, state.now, state.run
    finding.detected_fingerprint = item.fingerprint
    finding.priority, finding.priority_score = str(priority.level), priority.score
    finding.priority_reasons = reason_rows(priority)
    finding.due_date = priority.due(timezone.localdate(finding.first_seen))


def _expire_acceptances(state: _RunState, existing: dict[tuple[int, int], Finding]) -> None:
    """Accepted risks past their expiry are open again (the findings of assets not matched now, too)."""
    for finding in existing.values():
        if finding.status == FindingStatus.ACCEPTED and finding.risk_accepted_until \
                and finding.risk_accepted_until < state.today:
            _reopen(finding, state, "the risk acceptance expired")
            state.updated[finding.pk] = finding
    others = Finding.objects.filter(status=FindingStatus.ACCEPTED, risk_accepted_until__lt=state.today) \
        .exclude(pk__in=list(state.updated))
    for finding in others:
        _reopen(finding, state, "the risk acceptance expired")
    Finding.objects.filter(pk__in=[f.pk for f in others]).update(
        status=FindingStatus.OPEN, status_reason="the risk acceptance expired", status_changed_at=state.now,
        status_changed_by="mamori")


def _vulnerabilities(cve_ids: list[str]) -> dict[str, tuple[int, dt.datetime, dt.datetime]]:
    return held(Vulnerability, "cve_id", cve_ids, "pk", "first_seen", "changed_at")


def _persist(state: _RunState, matched_pks: list[int]) -> int:
    seen = {pk for pk, f in state.updated.items() if f.last_run is state.run}
    gone = [pk for part in chunks(matched_pks)
            for pk in Finding.objects.filter(asset_id__in=part, detected=True).values_list("pk", flat=True)
            if pk not in seen]
    Finding.objects.bulk_create(state.new, batch_size=500)
    Finding.objects.bulk_update(state.updated.values(), _UPDATED, batch_size=500)
    for part in chunks(gone):
        Finding.objects.filter(pk__in=part).update(detected=False)
    for finding, old, reason in state.reopened:
        record("finding_reopened", instance=finding, changes={"status": [old, FindingStatus.OPEN],
                                                              "status_reason": [None, reason]})
    return len(gone)


def _finish(state: _RunState, items: list[LedgerItem], skipped: list[dict[str, str]], indexes: Indexes,
            gone: int, started: float) -> MatchRun:
    run = state.run
    run.finished = timezone.now()
    run.assets, run.skipped = len(items), skipped
    run.records = indexes.nvd_records + indexes.jvn_records + indexes.advisories
    run.findings = len(state.new) + sum(1 for f in state.updated.values() if f.last_run is state.run)
    run.new, run.gone, run.origins = len(state.new), gone, state.origins
    run.duration = round(time.perf_counter() - started, 3)
    run.save()
    record("vulns_match", instance=run, changes={"assets": run.assets, "findings": run.findings, "new": run.new,
                                                 "gone": run.gone, "origins": run.origins})
    return run


@transaction.atomic
def run_match(trigger: str = RunTrigger.MANUAL, actor: str = "", assets: QuerySet[Asset] | None = None,
              indexes: Indexes | None = None) -> MatchRun:
    """Match the ledger (or `assets`) against the whole catalogue and update the findings."""
    started = time.perf_counter()
    now = timezone.now()
    previous = MatchRun.objects.filter(finished__isnull=False).order_by("-started").first()
    run = MatchRun.objects.create(trigger=trigger, started=now, actor=actor[:150])
    state = _RunState(run, previous, now, timezone.localdate(now))
    indexes = indexes or build_indexes()
    scope = assets if assets is not None else Asset.objects.all()
    items, skipped = ledger_items(scope.exclude(in_use=False))
    rows = {a.pk: a for a in Asset.objects.filter(pk__in=[i.pk for i in items]).only("id", "created", "updated")}
    from mamori.vulns.models import CsafAdvisory

    publishers = dict(CsafAdvisory.objects.values_list("tracking_id", "publisher"))
    detections = [(item, detect(item, indexes, publishers)) for item in items]
    cve_ids = sorted({cve for _, found in detections for cve in found})
    vulns = _vulnerabilities(cve_ids)
    signals = cve_signals(cve_ids)
    pks = [i.pk for i in items]
    existing = {(f.asset_id, f.vulnerability_id): f for part in chunks(pks)
                for f in Finding.objects.filter(asset_id__in=part)}
    _expire_acceptances(state, existing)
    for item, found in detections:
        for cve_id, detection in found.items():
            if cve_id in vulns:
                _apply(state, item, rows[item.pk], cve_id, detection, vulns, existing, signals)
    gone = _persist(state, pks)
    return _finish(state, items, skipped, indexes, gone, started)
