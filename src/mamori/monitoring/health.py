"""Log health in the application: the engine's findings (`mamori.engines.logs.health`) recorded as alerts of kind
"health", and each source's state for the sources page (history held against its retention, silence)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mamori.engines.logs.health import HealthFinding, HealthPolicy, HealthTracker
from mamori.engines.logs.hits import SEVERITY_LEVELS, Hit, jsonable
from mamori.monitoring.choices import OPEN_STATUSES, AlertKind
from mamori.monitoring.models import Alert, LogSource

RULE_PREFIX = "mamori-health-"
TITLES = {
    "silent_source": _("Log source silent"),
    "record_gap": _("Event records missing without a log-clear event"),
    "record_gaps_many": _("Many gaps in event record numbers"),
    "record_reset": _("Event record numbers restarted"),
    "log_cleared": _("Event log cleared"),
    "clock_drift": _("Clock drift"),
    "clock_tz_offset": _("Event times off by the time zone (JST sent as UTC)"),
    "future_events": _("Events dated in the future"),
    "retention_short": _("Log history shorter than the retention policy"),
    "no_process_audit": _("Process creation is not audited (no 4688)"),
    "no_process_cmdline": _("Process creation events without command lines"),
    "no_ps_scriptblock": _("No PowerShell script block logging (4104)"),
    "time_from_header": _("Events without a readable time"),
}


def title_for(rule_id: str, stored: str) -> str:
    code = rule_id.removeprefix(RULE_PREFIX)
    return str(TITLES[code]) if rule_id.startswith(RULE_PREFIX) and code in TITLES else stored


def message_for(description: str) -> str:
    """Health alerts keep the Japanese and the English message (first and second paragraph): show the user's."""
    ja, _sep, en = description.partition("\n\n")
    return ja if (get_language() or "ja").startswith("ja") or not en else en


def policy_for(source: LogSource, *, live: bool) -> HealthPolicy:
    silent = {} if source.silent_after_minutes is None else {
        source.store_name: dt.timedelta(minutes=source.silent_after_minutes)}
    return HealthPolicy(check_silence=live, silent_after=silent, default_retention_days=source.retention_days)


def to_hit(finding: HealthFinding) -> Hit:
    params, evidence = jsonable(finding.params), jsonable(finding.evidence)
    moment = finding.params.get("last") or finding.params.get("after") or finding.params.get("first")
    return Hit(kind=AlertKind.HEALTH.value, rule_id=RULE_PREFIX + finding.code,
               title=str(TITLES.get(finding.code, finding.code)), level=SEVERITY_LEVELS.get(finding.severity, "medium"),
               time=moment if isinstance(moment, dt.datetime) else timezone.now(), host=finding.host,
               author="Mamori project", description=f"{finding.message_ja}\n\n{finding.message_en}",
               group={"channel": finding.channel, "source": finding.source, "code": finding.code},
               matched=tuple((str(k), v) for k, v in params.items() if not isinstance(v, (dict, list))),
               samples=(evidence,) if evidence else ())


def tracker_hits(tracker: HealthTracker, source: LogSource, *, live: bool) -> list[Hit]:
    return [to_hit(f) for f in tracker.findings(now=timezone.now(), policy=policy_for(source, live=live))]


def coverage_days(source: LogSource) -> int | None:
    """Days of history the store holds for the source (oldest stored day to today)."""
    from mamori.monitoring.ingest import event_store

    found = event_store().coverage(source.store_name, source.retention_days, timezone.localdate())
    return None if found.oldest is None else (timezone.localdate() - found.oldest).days + 1


def source_health(source: LogSource) -> dict[str, Any]:
    """The source, the days of history held, and its open health findings (silence computed now)."""
    findings: list[dict[str, str]] = []
    now = timezone.now()
    if source.active and source.last_event is not None and source.silent_after_minutes:
        quiet = now - source.last_event
        if quiet > dt.timedelta(minutes=source.silent_after_minutes):
            findings.append({"level": "high", "text": str(_("No event for %(hours)d hours (limit %(limit)d minutes).")
                                                          % {"hours": quiet.total_seconds() // 3600,
                                                             "limit": source.silent_after_minutes})})
    for alert in Alert.objects.filter(source=source, kind=AlertKind.HEALTH, status__in=OPEN_STATUSES)[:20]:
        findings.append({"level": alert.level, "text": message_for(alert.description) or alert.display_title})
    return {"source": source, "coverage_days": coverage_days(source), "findings": findings}
