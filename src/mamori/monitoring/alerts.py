"""Record hits as alerts: exclusions first, then de-duplication (one open alert per rule, host and group; a
repeat raises its count and keeps up to 20 sample events), then the level raise for critical hosts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from mamori.engines.logs.hits import Hit, jsonable
from mamori.engines.logs.zones import NetworkMap
from mamori.monitoring.choices import OPEN_STATUSES, raised
from mamori.monitoring.models import Alert, LogSource, RuleExclusion

MAX_SAMPLES = 20


@dataclass
class Recorded:
    created: int = 0
    updated: int = 0
    suppressed: int = 0
    alerts: list[Alert] = field(default_factory=list)


def exclusion_for(hit: Hit, exclusions: Iterable[RuleExclusion]) -> RuleExclusion | None:
    """The exclusion in force that covers this hit (rule, and host and field value when the exclusion names them)."""
    for ex in exclusions:
        if ex.rule_id != hit.rule_id:
            continue
        if ex.host and ex.host.casefold() not in (hit.host.casefold(), hit.host.casefold().split(".", 1)[0]):
            continue
        if ex.field and str(hit.event.get(ex.field, "")).casefold() != ex.value.casefold():
            continue
        return ex
    return None


def _level(hit: Hit, network: NetworkMap) -> tuple[str, str]:
    reason = network.critical_reason(hit.host) if hit.kind in ("rule", "correlation") else None
    if reason is None:
        return hit.level, ""
    return raised(hit.level), reason


def _merge(alert: Alert, hit: Hit) -> None:
    alert.count += hit.count
    last = hit.last_time or hit.time
    if last is not None and (alert.last_seen is None or last > alert.last_seen):
        alert.last_seen = last
    if hit.time is not None and hit.time < alert.first_seen:
        alert.first_seen = hit.time
    room = MAX_SAMPLES - len(alert.samples)
    if room > 0:
        alert.samples = [*alert.samples, *jsonable(hit.samples[:room])]


def record_hits(source: LogSource | None, hits: Iterable[Hit], *, facility: Any, network: NetworkMap) -> Recorded:
    """Write the hits as alerts in one transaction (the caller calls this only once a file imported whole)."""
    out = Recorded()
    today = timezone.localdate()
    exclusions = [e for e in RuleExclusion.objects.filter(facility=facility) if e.in_force(today)]
    suppressed: dict[int, int] = {}
    pending: dict[str, Alert] = {}
    now = timezone.now()
    with transaction.atomic():
        for hit in hits:
            ex = exclusion_for(hit, exclusions)
            if ex is not None:
                suppressed[ex.pk] = suppressed.get(ex.pk, 0) + hit.count
                out.suppressed += hit.count
                continue
            key = hit.dedupe_key
            alert = pending.get(key)
            if alert is None:
                alert = (Alert.objects.filter(facility=facility, dedupe_key=key, status__in=OPEN_STATUSES)
                         .order_by("-last_seen").first())
            if alert is not None:
                _merge(alert, hit)
                pending[key] = alert
                continue
            level, reason = _level(hit, network)
            first = hit.time or now
            alert = Alert(facility=facility, kind=hit.kind, dedupe_key=key, rule_id=hit.rule_id[:100],
                          rule_title=hit.title[:300], rule_author=hit.author[:300], rule_status=hit.status[:20],
                          rule_source=hit.rule_source[-300:], description=hit.description,
                          rule_level=hit.level, level=level, level_reason=reason, tags=list(hit.tags),
                          references=list(hit.references), falsepositives=list(hit.falsepositives),
                          host=hit.host[:255], source=source, first_seen=first, last_seen=hit.last_time or first,
                          count=hit.count, matched=jsonable(hit.matched), group=jsonable(hit.group),
                          samples=jsonable(hit.samples[:MAX_SAMPLES]))
            pending[key] = alert
        for alert in pending.values():
            if alert.pk is None:
                alert.save()
                out.created += 1
            else:
                alert.save(update_fields=["count", "first_seen", "last_seen", "samples", "updated"])
                out.updated += 1
            out.alerts.append(alert)
        for pk, n in suppressed.items():
            RuleExclusion.objects.filter(pk=pk).update(suppressed=F("suppressed") + n)
    return out
