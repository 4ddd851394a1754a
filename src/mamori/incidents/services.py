"""Opening a case (from alerts or from a report), taking more alerts in, writing the timeline, moving the phase.

Every change is one transaction and lands in the audit trail through the models; the timeline is only added to.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.incidents.choices import OPEN_PHASES, USER_ENTRY_KINDS, CareImpact, Category, EntryKind, Phase
from mamori.incidents.models import SEVERITY_ORDER, Incident, IncidentAlert, TimelineEntry
from mamori.monitoring.choices import OPEN_STATUSES, AlertKind, AlertStatus
from mamori.monitoring.models import Alert

__all__ = ["IncidentError", "add_alerts", "add_entry", "affected_assets", "change_phase", "may_escalate",
           "open_incident",
           "related_alerts", "set_assets", "severity_for", "suggest_category"]

MIN_LESSONS = 10  # characters: "none" is not a lesson


class IncidentError(ValueError):
    """A change the case does not allow; the message is for the user."""


def may_escalate(user: Any) -> bool:
    """May this user take alerts into a case (which also changes the alerts' status)?"""
    from mamori.accounts.policy import allows

    return allows(user, IncidentAlert, "add") and allows(user, Alert, "change")


def severity_for(levels: Iterable[str]) -> str:
    """The case's starting severity: the most severe alert level (informational counts as low)."""
    ranked = [SEVERITY_ORDER.index(lv) for lv in levels if lv in SEVERITY_ORDER]
    return SEVERITY_ORDER[min(ranked)] if ranked else "low"


_RANSOMWARE_TAGS = ("attack.t1486", "attack.t1490")
_VPN_TAGS = ("attack.t1133",)
_ACCESS_TAGS = ("attack.t1110", "attack.t1021", "attack.t1219", "attack.t1078", "attack.t1569")
_PHISHING_TAGS = ("attack.t1566", "attack.t1204")
_RANSOMWARE_WORDS = re.compile(r"ransomware|shadow copy|ランサム", re.IGNORECASE)
_VPN_WORDS = re.compile(r"\bvpn\b|fortigate", re.IGNORECASE)


def _tagged(alert: Alert, prefixes: tuple[str, ...]) -> bool:
    return any(str(t).lower().startswith(prefixes) for t in alert.tags)


def suggest_category(alerts: Sequence[Alert]) -> str:
    """The kind of incident the alerts point to, most serious first: backups or shadow copies deleted (or the
    ransomware chain) is ransomware; a VPN brute force or vendor access out of hours is a remote-access compromise."""
    if any(_tagged(a, _RANSOMWARE_TAGS) or _RANSOMWARE_WORDS.search(a.rule_title) for a in alerts):
        return Category.RANSOMWARE
    if any(a.kind == AlertKind.VENDOR_WINDOW or _tagged(a, _VPN_TAGS) or _VPN_WORDS.search(a.rule_title)
           for a in alerts):
        return Category.VPN_COMPROMISE
    if any(_tagged(a, _PHISHING_TAGS) for a in alerts):
        return Category.PHISHING_MALWARE
    if any(_tagged(a, _ACCESS_TAGS) for a in alerts):
        return Category.UNAUTHORISED_ACCESS
    return Category.OTHER


def _same_host(field: str, hosts: Iterable[str]) -> Q:
    """`field` names one of the hosts: in full, by its short name, or as the short name's FQDN."""
    query = Q(pk__in=[])
    for host in {h.strip().lower() for h in hosts if h and h.strip()}:
        short = host.split(".", 1)[0]
        query |= (Q(**{f"{field}__iexact": host}) | Q(**{f"{field}__iexact": short})
                  | Q(**{f"{field}__istartswith": f"{short}."}))
        if field == "hostname" and re.fullmatch(r"[0-9.]+|[0-9a-f:]+", host):
            query |= Q(ip_address=host)  # an alert's host may be the address the ledger holds
    return query


def affected_assets(facility: Any, alerts: Sequence[Alert]) -> list[Any]:
    """The ledger assets the alerts name: their hosts (full or short name, or address) and their log sources'
    assets."""
    from mamori.ledger.models import Asset

    named = Asset.objects.filter(_same_host("hostname", (al.host for al in alerts)), facility=facility)
    found = {a.pk: a for a in named}
    for alert in alerts:
        asset = alert.source.asset if alert.source_id is not None and alert.source is not None else None
        if asset is not None and asset.facility_id == facility.pk and not alert.host:
            found.setdefault(asset.pk, asset)
    return list(found.values())


def _username(user: Any) -> str:
    return str(user.get_username()) if user is not None else ""


def _next_number(facility: Any, year: int) -> str:
    prefix = f"IR-{year}-"
    taken = Incident.objects.filter(facility=facility, number__startswith=prefix).values_list("number", flat=True)
    last = max((int(n[len(prefix):]) for n in taken if n[len(prefix):].isdigit()), default=0)
    return f"{prefix}{last + 1:03d}"


def _alert_text(alert: Alert) -> str:
    return f"{alert.display_title} — {alert.host or '-'} ({alert.count})"


def set_assets(incident: Incident, assets: Iterable[Any]) -> None:
    """Set the affected assets; a change is an audit entry with the asset numbers before and after (the audit of
    model saves does not see many-to-many fields)."""
    from mamori.audit.recording import record

    assets = list(assets)
    before = sorted(incident.assets.values_list("key", flat=True))
    after = sorted({a.key for a in assets})
    if before != after:
        incident.assets.set(assets)
        record("incident_assets", instance=incident, changes={"assets": [before, after]})


def _check_alerts(facility: Any, alerts: Sequence[Alert]) -> None:
    for alert in alerts:
        if alert.facility_id != facility.pk:
            raise IncidentError(_("Alert %(id)s belongs to another facility.") % {"id": alert.pk})
        link = IncidentAlert.objects.filter(alert=alert).select_related("incident").first()
        if link is not None:
            raise IncidentError(_("Alert %(id)s is already in incident %(number)s.")
                                % {"id": alert.pk, "number": link.incident.number})


def _link(incident: Incident, alerts: Sequence[Alert], user: Any, now: dt.datetime) -> None:
    name = _username(user)
    for alert in alerts:
        IncidentAlert.objects.create(incident=incident, alert=alert, added_by=name)
        alert.status = AlertStatus.ESCALATED
        alert.handled_by = name
        alert.handled_at = now
        alert.save(update_fields=["status", "handled_by", "handled_at", "updated"])
        TimelineEntry.objects.create(incident=incident, occurred_at=alert.first_seen, kind=EntryKind.ALERT,
                                     text=_alert_text(alert), recorded_by=name, alert=alert)


def open_incident(*, facility: Any, user: Any, title: str, category: str, severity: str,
                  detected_at: dt.datetime | None = None, alerts: Sequence[Alert] = (), assets: Iterable[Any] = (),
                  lead: str = "", summary: str = "", care_impact: str = CareImpact.UNKNOWN,
                  now: dt.datetime | None = None) -> Incident:
    """A new case in the detection phase with its alerts (marked escalated) and assets; numbered IR-year-NNN.
    `now`: when it was opened (default: now)."""
    now = now or timezone.now()
    alerts = list(alerts)
    if detected_at is None:
        detected_at = min((a.first_seen for a in alerts), default=now)
    for attempt in range(5):
        try:
            with transaction.atomic():
                _check_alerts(facility, alerts)
                incident = Incident.objects.create(
                    facility=facility, number=_next_number(facility, timezone.localtime(detected_at).year),
                    title=title, category=category, severity=severity, care_impact=care_impact,
                    detected_at=detected_at, lead=lead, summary=summary, created_by=_username(user))
                set_assets(incident, assets)
                TimelineEntry.objects.create(incident=incident, occurred_at=now, kind=EntryKind.PHASE,
                                             phase=Phase.DETECTION, text=_("Case opened."),
                                             recorded_by=_username(user))
                _link(incident, alerts, user, now)
                return incident
        except IntegrityError:
            if attempt == 4 or IncidentAlert.objects.filter(alert__in=alerts).exists():
                raise IncidentError(_("Another user changed these alerts or numbers at the same time; "
                                      "try again.")) from None
    raise AssertionError("unreachable")


def add_alerts(incident: Incident, alerts: Sequence[Alert], user: Any) -> int:
    """Take alerts into an open case; their hosts' ledger assets join the affected assets."""
    if not incident.is_open:
        raise IncidentError(_("Incident %(number)s is closed: reopen it first.") % {"number": incident.number})
    alerts = list(alerts)
    try:
        with transaction.atomic():
            _check_alerts(incident.facility, alerts)
            _link(incident, alerts, user, timezone.now())
            set_assets(incident, [*incident.assets.all(), *affected_assets(incident.facility, alerts)])
    except IntegrityError:  # another user took one of the alerts into a case at the same moment
        raise IncidentError(_("Another user changed these alerts or numbers at the same time; try again.")) from None
    return len(alerts)


def add_entry(incident: Incident, *, kind: str, text: str, occurred_at: dt.datetime, user: Any) -> TimelineEntry:
    text = text.strip()
    if kind not in USER_ENTRY_KINDS:  # alerts and phase changes are written by Mamori, with what they refer to
        raise IncidentError(_("Unknown kind of entry."))
    if not text:
        raise IncidentError(_("Write what happened."))
    if occurred_at > timezone.now() + dt.timedelta(minutes=5):
        raise IncidentError(_("The time is in the future."))
    return TimelineEntry.objects.create(incident=incident, occurred_at=occurred_at, kind=kind, text=text,
                                        recorded_by=_username(user))


def change_phase(incident: Incident, phase: str, user: Any, *, note: str = "", lessons_learned: str = "",
                 now: dt.datetime | None = None) -> None:
    """Move the case to another phase (forward or back); closing needs the lessons learned, reopening clears the
    closing time. The move is a timeline entry at `now` (default: now)."""
    if phase not in Phase.values:
        raise IncidentError(_("Unknown phase."))
    if phase == incident.phase:
        raise IncidentError(_("The incident is already in this phase."))
    lessons = lessons_learned.strip() or incident.lessons_learned
    if phase == Phase.CLOSED and len(lessons.strip()) < MIN_LESSONS:
        raise IncidentError(_("Write the lessons learned before closing: what to change so it does not happen "
                              "again."))
    now = now or timezone.now()
    with transaction.atomic():
        incident.phase = phase
        incident.lessons_learned = lessons
        incident.closed_at = now if phase == Phase.CLOSED else None
        incident.save()
        TimelineEntry.objects.create(incident=incident, occurred_at=now, kind=EntryKind.PHASE, phase=phase,
                                     text=note.strip(), recorded_by=_username(user))


def related_alerts(incident: Incident, user: Any) -> list[Alert]:
    """Open alerts on the case's hosts since a day before it was detected that are not in any case yet."""
    hosts = {a.alert.host for a in incident.alert_links.select_related("alert") if a.alert.host}
    hosts |= {asset.hostname for asset in incident.assets.all() if asset.hostname}
    if not hosts or incident.phase not in OPEN_PHASES:
        return []
    since = incident.detected_at - dt.timedelta(days=1)
    return list(Alert.objects.restrict(user, "view").filter(_same_host("host", hosts), facility=incident.facility,
                                                           status__in=OPEN_STATUSES,
                                                           last_seen__gte=since, incident_link__isnull=True)
                .order_by("first_seen")[:50])
