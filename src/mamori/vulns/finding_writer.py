"""Writing a match run's detections as findings, chunk by chunk of assets, touching only what changed.

Per chunk: the chunk's findings are read as plain tuples; new pairs are inserted; pairs whose tier,
evidence, priority, due date or asset state changed are updated; the rest are left alone (one UPDATE at
the end marks every detected finding as seen by this run). Evidence and priority reasons are stored once
per distinct content (FindingDetail), so a fleet of identical PCs does not repeat them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import msgspec
from django.db import connection
from django.utils import timezone

from mamori.audit.recording import record
from mamori.engines.vulns.priority import Priority
from mamori.ledger.models import Asset
from mamori.vulns.choices import FindingOrigin, FindingStatus, MatchTier
from mamori.vulns.evidence import evidence_rows
from mamori.vulns.imports.bulk import chunks, held, raw_insert, raw_update
from mamori.vulns.inventory import LedgerItem
from mamori.vulns.models import Finding, FindingDetail, MatchRun, Vulnerability
from mamori.vulns.priorities import CveSignals, load_signals, prioritise, reason_rows

if TYPE_CHECKING:
    from mamori.vulns.matching import Detection


__all__ = ["FindingWriter"]

_ENCODE = msgspec.json.Encoder(order="sorted")
_MATCHED = ("tier", "source", "reason_code", "detail", "detected", "detected_fingerprint", "priority",
            "priority_score", "due_date", "origin", "last_seen", "last_run")
_STATUS = ("status", "status_reason", "status_changed_at", "status_changed_by")
_NEW = ("asset", "vulnerability", "first_seen", "last_seen", "last_run", "origin", "due_date", "tier", "source",
        "reason_code", "detail", "detected", "detected_fingerprint", "priority", "priority_score", "status",
        "created", "updated", "status_reason", "status_changed_by", "post_patch_checked_by", "post_patch_note",
        "patched_fingerprint")  # in the order FindingWriter._store builds the values
_VALUE_FIELDS = ("tier", "source", "reason_code", "detail_id", "detected", "detected_fingerprint", "priority",
                 "priority_score")
# Up to this many changed CVEs, the findings of an unchanged asset are read with the CVEs in the query.
_FILTER_IN_SQL = 5000
_EXISTING = ("id", "asset_id", "vulnerability_id", "status", "detected", "detail_id", "tier", "source",
             "reason_code", "priority_score", "due_date", "detected_fingerprint", "first_seen", "origin")


@dataclass(slots=True)
class _Row:
    """A finding as held, before this run."""

    pk: int
    asset_id: int
    vulnerability_id: int
    status: str
    detected: bool
    detail_id: int
    tier: str
    source: str
    reason_code: str
    priority_score: int
    due_date: str  # ISO date: compared, never computed with
    detected_fingerprint: str
    first_seen: object  # as the database returns it: the key of FindingWriter._local_date
    origin: str


@dataclass
class _Pending:
    item: LedgerItem
    cve_id: str
    detection: Detection
    priority: Priority
    digest: str


@dataclass
class FindingWriter:
    run: MatchRun
    previous: MatchRun | None
    now: dt.datetime
    publishers: dict[str, str]
    signals: dict[str, CveSignals] = field(default_factory=dict)  # the run's, filled as chunks need them
    created: int = 0
    assets: int = 0  # re-evaluated
    gone: int = 0
    origins: dict[str, int] = field(default_factory=dict)
    _details: dict[str, int] = field(default_factory=dict)  # digest → FindingDetail id
    _digests: dict[tuple[Any, ...], str] = field(default_factory=dict)
    _content: dict[str, tuple[list[Any], list[dict[str, Any]]]] = field(default_factory=dict)  # digest → parts, reasons
    _priorities: dict[tuple[Any, ...], Priority] = field(default_factory=dict)
    _kept: list[Sequence[object]] = field(default_factory=list)  # keeps the ids in `_digests` keys valid
    _dates: dict[object, dt.date] = field(default_factory=dict)
    _limit_pks: dict[frozenset[str], frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.today = timezone.localdate(self.now)

    # --- what a detection becomes --------------------------------------------------------------------------

    def _priority(self, key: tuple[Any, ...], signals: CveSignals | None) -> Priority:
        """key: (cve, tier, internet exposed, remote access, patient safety, in use): all the priority reads."""
        found = self._priorities.get(key)
        if found is None:
            _cve, tier, exposed, remote, safety, in_use = key
            found = self._priorities[key] = prioritise(
                signals, internet_exposed=exposed, remote_access=remote, patient_safety=safety,
                confirmed=tier == MatchTier.EXACT, in_use=in_use)
        return found

    def _digest(self, detection: Detection, priority: Priority, priority_key: tuple[Any, ...]) -> str:
        """The digest of the detection's evidence and reasons, from the engines' structs (no dicts built)."""
        key = (tuple(id(p) for p in detection.parts), priority_key)
        digest = self._digests.get(key)
        if digest is None:
            reasons = reason_rows(priority)
            digest = hashlib.sha1(_ENCODE.encode((detection.parts, reasons)), usedforsecurity=False).hexdigest()
            self._digests[key] = digest
            self._kept.append(detection.parts)
            self._content.setdefault(digest, (detection.parts, reasons))
        return digest

    def _resolve_details(self, pending: list[_Pending]) -> None:
        wanted = {p.digest for p in pending} - set(self._details)
        if not wanted:
            return
        self._details.update(held(FindingDetail, "digest", sorted(wanted), "pk"))
        missing = sorted(wanted - set(self._details))
        FindingDetail.objects.bulk_create(
            (FindingDetail(digest=d, evidence=evidence_rows(self._content[d][0], self.publishers),
                           priority_reasons=self._content[d][1]) for d in missing),
            batch_size=200, ignore_conflicts=True)
        self._details.update(held(FindingDetail, "digest", missing, "pk"))
        for digest in wanted:
            self._content.pop(digest, None)  # stored: the content is not needed again

    # --- writing ---------------------------------------------------------------------------------------------

    def _origin(self, vulnerability: tuple[dt.datetime, dt.datetime], asset: tuple[dt.datetime, dt.datetime],
                reappeared: bool) -> str:
        if self.previous is None:
            return FindingOrigin.FIRST_RUN
        since = self.previous.started
        first_seen, changed_at = vulnerability
        created, updated = asset
        if reappeared:
            return FindingOrigin.REAPPEARED
        if first_seen > since:
            return FindingOrigin.NEW_CVE
        if created > since:
            return FindingOrigin.NEW_ASSET
        if changed_at > since:
            return FindingOrigin.RECORD_CHANGED
        if updated > since:
            return FindingOrigin.ASSET_CHANGED
        return FindingOrigin.RECORD_CHANGED

    def _count(self, origin: str) -> None:
        self.origins[origin] = self.origins.get(origin, 0) + 1

    def write(self, batch: list[LedgerItem], detections: list[dict[str, Detection]],
              limits: list[frozenset[str] | None] | None = None) -> None:
        """Store the detections of one chunk of assets. `limits`: per asset, the CVEs that were re-evaluated on
        it (None: every CVE; its findings of other CVEs are left as they are)."""
        limits = limits or [None] * len(batch)
        cve_ids = sorted({cve for found in detections for cve in found})
        vulns: dict[str, tuple[int, dt.datetime, dt.datetime]] = held(
            Vulnerability, "cve_id", cve_ids, "pk", "first_seen", "changed_at")
        load_signals(self.signals, cve_ids)
        pending = []
        for item, found in zip(batch, detections, strict=True):
            for cve_id, detection in found.items():
                if cve_id not in vulns:
                    continue
                key = (cve_id, detection.tier, item.internet_exposed, item.remote_access, item.patient_safety,
                       item.in_use)
                priority = self._priority(key, self.signals.get(cve_id))
                pending.append(_Pending(item, cve_id, detection, priority, self._digest(detection, priority, key)))
        self._resolve_details(pending)
        asset_times = {a: (c, u) for a, c, u in Asset.objects.filter(pk__in=[i.pk for i in batch])
                       .values_list("pk", "created", "updated")}
        self._store(pending, vulns, asset_times, self._existing(batch, limits))
        self.assets += len(batch)
        self._digests.clear()  # the engines' result objects may be freed after this chunk, and their ids reused
        self._kept.clear()

    def _pks(self, limit: frozenset[str]) -> frozenset[int]:
        found = self._limit_pks.get(limit)
        if found is None:
            found = self._limit_pks[limit] = frozenset(held(Vulnerability, "cve_id", sorted(limit), "pk").values())
        return found

    def _existing(self, batch: list[LedgerItem], limits: list[frozenset[str] | None]) -> dict[tuple[int, int], _Row]:
        """The findings of these assets as plain rows, read without the ORM (a chunk holds hundreds of thousands);
        of an asset with a limit, only the findings of its limit's CVEs."""
        whole = [item.pk for item, limit in zip(batch, limits, strict=True) if limit is None]
        found = self._rows(whole, None) if whole else {}
        by_limit: dict[frozenset[str], list[int]] = {}
        for item, limit in zip(batch, limits, strict=True):
            if limit is not None:
                by_limit.setdefault(limit, []).append(item.pk)
        for limit, asset_pks in by_limit.items():
            pks = self._pks(limit)
            if len(pks) <= _FILTER_IN_SQL:
                found.update(self._rows(asset_pks, sorted(pks)))
            else:
                found.update((k, r) for k, r in self._rows(asset_pks, None).items() if r.vulnerability_id in pks)
        return found

    @staticmethod
    def _rows(asset_pks: list[int], vulnerability_pks: list[int] | None) -> dict[tuple[int, int], _Row]:
        table = connection.ops.quote_name(Finding._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in _EXISTING)
        where = f"asset_id IN ({', '.join(['%s'] * len(asset_pks))})"
        params: list[int] = list(asset_pks)
        if vulnerability_pks is not None:
            if not vulnerability_pks:
                return {}
            where += f" AND vulnerability_id IN ({', '.join(['%s'] * len(vulnerability_pks))})"
            params += vulnerability_pks
        found: dict[tuple[int, int], _Row] = {}
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {table} WHERE {where}", params)  # noqa: S608
            for r in cursor.fetchall():
                found[(r[1], r[2])] = _Row(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7], r[8], r[9], str(r[10]),
                                           r[11], r[12], r[13])
        return found

    def _local_date(self, when: object) -> dt.date:
        """The JST date of a first detection, from the value the database gave (cached: a run shares one)."""
        found = self._dates.get(when)
        if found is None:
            moment = when if isinstance(when, dt.datetime) else dt.datetime.fromisoformat(str(when))
            if timezone.is_naive(moment):
                moment = moment.replace(tzinfo=dt.UTC)  # SQLite keeps UTC without the offset
            found = self._dates[when] = timezone.localdate(moment)
        return found

    def _store(self, pending: list[_Pending], vulns: dict[str, tuple[int, dt.datetime, dt.datetime]],
               asset_times: dict[int, tuple[dt.datetime, dt.datetime]], existing: dict[tuple[int, int], _Row]) -> None:
        new: list[tuple[Any, ...]] = []
        changed: list[tuple[Any, ...]] = []  # the values of _MATCHED, then the pk
        reopened = []
        seen: set[int] = set()
        for p in pending:
            vuln_pk, first_seen, changed_at = vulns[p.cve_id]
            row = existing.get((p.item.pk, vuln_pk))
            detection, priority = p.detection, p.priority
            values = (detection.tier, detection.source, detection.reason_code[:32], self._details[p.digest], True,
                      p.item.fingerprint, str(priority.level), priority.score)
            if row is None:
                origin = self._origin((first_seen, changed_at), asset_times[p.item.pk], False)
                self._count(origin)
                new.append((p.item.pk, vuln_pk, self.now, self.now, self.run.pk, origin, priority.due(self.today),
                            *values, FindingStatus.OPEN, self.now, self.now, "", "", "", "", ""))
                continue
            seen.add(row.pk)
            origin = row.origin
            if not row.detected:
                origin = self._origin((first_seen, changed_at), asset_times[p.item.pk], True)
                self._count(origin)
            due = priority.due(self._local_date(row.first_seen))
            before = (row.tier, row.source, row.reason_code, row.detail_id, row.detected, row.detected_fingerprint,
                      row.priority_score, row.due_date, row.origin)
            after = (*values[:6], priority.score, due.isoformat(), origin)  # the level follows from the score
            if row.status != FindingStatus.PATCHED:
                if before != after:  # unchanged: nothing is written (a detected finding was seen by the newest run)
                    changed.append((*values, due, origin, self.now, self.run.pk, row.pk))
                continue
            finding = Finding(pk=row.pk, origin=origin, due_date=due, last_seen=self.now, last_run=self.run,
                              **dict(zip(_VALUE_FIELDS, values, strict=True)))
            finding.status = FindingStatus.OPEN  # a recorded patch that did not fix it
            finding.status_reason = "still detected after the recorded patch (the ledger's version still matches)"
            finding.status_changed_at, finding.status_changed_by = self.now, "mamori"
            reopened.append(finding)
        if new:
            raw_insert(Finding, _NEW, new)
        self.created += len(new)
        raw_update(Finding, _MATCHED, changed)
        Finding.objects.bulk_update(reopened, [*_MATCHED, *_STATUS], batch_size=500)
        for finding in reopened:
            record("finding_reopened", object_type="vulns.finding", object_id=str(finding.pk),
                   object_repr=f"finding {finding.pk}",
                   changes={"status": [FindingStatus.PATCHED, FindingStatus.OPEN],
                            "status_reason": [None, finding.status_reason]})
        gone = [r.pk for r in existing.values() if r.detected and r.pk not in seen]
        last_seen = self.previous.started if self.previous else self.now  # the last run that still saw them
        for part in chunks(gone):
            Finding.objects.filter(pk__in=part).update(detected=False, last_seen=last_seen)
        self.gone += len(gone)

    def expire_acceptances(self) -> None:
        """Accepted risks past their expiry are open again, each in the audit trail."""
        today = timezone.localdate(self.now)
        expired = list(Finding.objects.filter(status=FindingStatus.ACCEPTED, risk_accepted_until__lt=today)
                       .values_list("pk", flat=True))
        reason = "the risk acceptance expired"
        for part in chunks(expired):
            Finding.objects.filter(pk__in=part).update(status=FindingStatus.OPEN, status_reason=reason,
                                                       status_changed_at=self.now, status_changed_by="mamori")
        for pk in expired:
            record("finding_reopened", object_type="vulns.finding", object_id=str(pk), object_repr=f"finding {pk}",
                   changes={"status": [FindingStatus.ACCEPTED, FindingStatus.OPEN], "status_reason": [None, reason]})

    def finish(self) -> None:
        """Details no finding refers to any more go."""
        FindingDetail.objects.filter(findings__isnull=True).delete()
