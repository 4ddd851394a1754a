"""Incident cases: opening from alerts, numbering, one case per alert, the append-only timeline and the phases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from mamori.audit.models import AuditEntry
from mamori.incidents.models import Incident, TimelineEntry
from mamori.incidents.services import (
    IncidentError,
    add_alerts,
    add_entry,
    affected_assets,
    change_phase,
    open_incident,
    related_alerts,
    severity_for,
    suggest_category,
)
from mamori.monitoring.models import Alert
from tests import factories
from tests.incidents.helpers import SPRAY, T0, VPN_BRUTEFORCE, alert

pytestmark = pytest.mark.django_db


def _open(facility, user, alerts=(), **kw):  # type: ignore[no-untyped-def]
    values = {"title": "電子カルテサーバでシャドウコピー削除", "category": suggest_category(list(alerts)),
              "severity": severity_for(a.level for a in alerts)}
    values.update(kw)
    return open_incident(facility=facility, user=user, alerts=list(alerts), **values)


def test_the_category_follows_the_most_serious_sign() -> None:
    fac = factories.facility()
    shadow, vpn, spray = alert(fac), alert(fac, **VPN_BRUTEFORCE), alert(fac, **SPRAY)
    assert suggest_category([spray, vpn, shadow]) == "ransomware"
    assert suggest_category([spray, vpn]) == "vpn_compromise"
    assert suggest_category([spray]) == "unauthorised_access"
    assert suggest_category([alert(fac, kind="vendor_window", title="Remote access outside approved hours",
                                   tags=())]) == "vpn_compromise"
    assert suggest_category([alert(fac, title="Suspicious Outlook Child Process", tags=("attack.t1566.001",))]
                            ) == "phishing_malware"
    assert suggest_category([alert(fac, title="Something Else", tags=("attack.discovery",))]) == "other"
    assert suggest_category([]) == "other"


def test_severity_starts_at_the_worst_alert_level() -> None:
    assert severity_for(["medium", "critical", "high"]) == "critical"
    assert severity_for(["informational"]) == "low"
    assert severity_for(["low", "medium"]) == "medium"


def test_opening_from_alerts_escalates_them_and_starts_the_timeline_at_their_first_events() -> None:
    fac = factories.facility()
    user = factories.user("it_staff", fac)
    vpn = alert(fac, at=T0, **VPN_BRUTEFORCE)
    shadow = alert(fac, at=T0 + dt.timedelta(hours=2))
    incident = _open(fac, user, [shadow, vpn])
    assert incident.number == "IR-2026-001"
    assert (incident.category, incident.severity, incident.phase) == ("ransomware", "critical", "detection")
    assert incident.detected_at == T0  # the first sign, not when the case was written
    for a in (vpn, shadow):
        a.refresh_from_db()
        assert (a.status, a.handled_by) == ("escalated", user.username)
        assert a.incident_link.incident == incident
    kinds = [(e.kind, e.alert_id) for e in incident.entries.all()]
    assert kinds == [("alert", vpn.pk), ("alert", shadow.pk), ("phase", None)]  # in time order
    assert incident.entries.get(alert=vpn).occurred_at == T0


def test_numbers_run_per_facility_and_year() -> None:
    fac, other = factories.facility(), factories.facility()
    user = factories.user("admin")
    first = _open(fac, user, severity="high", category="other", detected_at=T0)
    second = _open(fac, user, severity="high", category="other", detected_at=T0)
    elsewhere = _open(other, user, severity="high", category="other", detected_at=T0)
    next_year = _open(fac, user, severity="low", category="other",
                      detected_at=dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=9))))
    assert [first.number, second.number, elsewhere.number, next_year.number] == [
        "IR-2026-001", "IR-2026-002", "IR-2026-001", "IR-2027-001"]


def test_an_alert_joins_one_case_only_and_a_refused_case_leaves_nothing_behind() -> None:
    fac = factories.facility()
    user = factories.user("it_staff", fac)
    shadow, spray = alert(fac), alert(fac, **SPRAY)
    first = _open(fac, user, [shadow])
    with pytest.raises(IncidentError, match=first.number):
        _open(fac, user, [spray, shadow])
    assert Incident.objects.count() == 1
    spray.refresh_from_db()
    assert spray.status == "new"  # untouched: the whole case was refused
    with pytest.raises(IncidentError, match=first.number):
        add_alerts(first, [shadow], user)


def test_an_alert_of_another_facility_is_refused() -> None:
    fac, other = factories.facility(), factories.facility()
    with pytest.raises(IncidentError):
        _open(fac, factories.user("admin"), [alert(other)])
    assert not Incident.objects.exists()


def test_affected_assets_come_from_the_alert_hosts_by_full_or_short_name_or_address() -> None:
    fac = factories.facility()
    ehr = factories.asset(fac, name="電子カルテAPサーバ1", hostname="ehr-ap1.hosp.local")
    dc = factories.asset(fac, name="DC1", hostname="DC01", ip_address="10.1.0.10")
    fw = factories.asset(fac, name="FortiGate", category="network", hostname="vpn-00001")
    factories.asset(fac, name="関係ない", hostname="ehr-ap10.hosp.local")
    factories.asset(factories.facility(), name="他院", hostname="ehr-ap1.hosp.local")
    found = affected_assets(fac, [alert(fac), alert(fac, host="dc01.hosp.local"),
                                  alert(fac, host="10.1.0.10"), alert(fac, **VPN_BRUTEFORCE)])
    assert {a.pk for a in found} == {ehr.pk, dc.pk, fw.pk}


def test_adding_alerts_later_adds_their_assets() -> None:
    fac = factories.facility()
    dc = factories.asset(fac, name="DC1", hostname="dc01.hosp.local")
    user = factories.user("it_staff", fac)
    incident = _open(fac, user, [alert(fac)])
    spray = alert(fac, **SPRAY)
    assert add_alerts(incident, [spray], user) == 1
    assert list(incident.assets.all()) == [dc]
    assert incident.entries.filter(kind="alert").count() == 2


def test_related_alerts_are_open_ones_on_the_case_hosts_not_yet_in_a_case() -> None:
    fac = factories.facility()
    user = factories.user("it_staff", fac)
    incident = _open(fac, user, [alert(fac)])
    same_host = alert(fac, title="Windows Event Log Cleared (Mamori)", host="ehr-ap1", at=T0 + dt.timedelta(hours=1))
    alert(fac, **SPRAY)  # another host
    alert(fac, at=T0 - dt.timedelta(days=5), last_seen=T0 - dt.timedelta(days=5))  # long before
    alert(fac, status="false_positive")  # dismissed
    assert related_alerts(incident, user) == [same_host]


def test_the_timeline_takes_entries_but_not_from_the_future_and_not_empty() -> None:
    fac = factories.facility()
    user = factories.user("it_staff", fac)
    incident = _open(fac, user, severity="high", category="ransomware")
    entry = add_entry(incident, kind="action", text="電子カルテAPサーバのLANケーブルを抜いた",
                      occurred_at=T0 + dt.timedelta(hours=3), user=user)
    assert (entry.recorded_by, entry.kind) == (user.username, "action")
    with pytest.raises(IncidentError):
        add_entry(incident, kind="note", text="   ", occurred_at=T0, user=user)
    with pytest.raises(IncidentError):
        add_entry(incident, kind="note", text="x", occurred_at=timezone.now() + dt.timedelta(hours=1), user=user)
    with pytest.raises(IncidentError):  # phase changes and alerts are Mamori's entries, with what they refer to
        add_entry(incident, kind="phase", text="閉じた", occurred_at=T0, user=user)
    assert incident.entries.filter(kind="action").count() == 1
    entry.text = "書き換え"
    with pytest.raises(ValueError, match="only added"):
        entry.save()
    with pytest.raises(ValueError, match="never deleted"):
        entry.delete()
    entry.refresh_from_db()
    assert entry.text == "電子カルテAPサーバのLANケーブルを抜いた"


def test_closing_needs_lessons_learned_and_reopening_clears_the_closing_time() -> None:
    fac = factories.facility()
    user = factories.user("security_manager", fac)
    incident = _open(fac, user, severity="critical", category="ransomware")
    change_phase(incident, "containment", user, note="保守VPNを停止")
    with pytest.raises(IncidentError):
        change_phase(incident, "closed", user, lessons_learned="なし")
    incident.refresh_from_db()
    assert (incident.phase, incident.closed_at) == ("containment", None)
    with pytest.raises(IncidentError):
        change_phase(incident, "containment", user)
    change_phase(incident, "closed", user, lessons_learned="VPN装置のファームウェア更新を月次の確認項目にする。")
    incident.refresh_from_db()
    assert incident.phase == "closed" and incident.closed_at is not None and not incident.is_open
    with pytest.raises(IncidentError, match=incident.number):  # "closed: reopen it first"
        add_alerts(incident, [alert(fac)], user)
    change_phase(incident, "recovery", user, note="再感染の疑い")
    incident.refresh_from_db()
    assert (incident.phase, incident.closed_at) == ("recovery", None)
    assert "ファームウェア" in incident.lessons_learned  # kept for the next closing
    phases = list(incident.entries.filter(kind="phase").values_list("phase", "text"))
    assert phases == [("detection", phases[0][1]), ("containment", "保守VPNを停止"), ("closed", ""),
                      ("recovery", "再感染の疑い")]


def test_every_change_to_a_case_is_in_the_audit_trail() -> None:
    fac = factories.facility()
    user = factories.user("security_manager", fac)
    incident = _open(fac, user, [alert(fac)])
    change_phase(incident, "containment", user)
    types = set(AuditEntry.objects.values_list("object_type", flat=True))
    assert {"incidents.incident", "incidents.incidentalert", "incidents.timelineentry"} <= {t.lower() for t in types}
    updates = AuditEntry.objects.filter(object_type__iexact="incidents.incident", action="update")
    assert any("phase" in str(u.changes) for u in updates)
    assert TimelineEntry.objects.filter(incident=incident).count() == 3


def test_two_people_taking_the_same_alert_at_once_get_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from mamori.incidents import services

    fac = factories.facility()
    user = factories.user("it_staff", fac)
    shadow = alert(fac)
    first = _open(fac, user, [shadow])
    second = _open(fac, user, severity="high", category="other")
    monkeypatch.setattr(services, "_check_alerts", lambda *_: None)  # both passed the check before either wrote
    with pytest.raises(IncidentError):
        add_alerts(second, [shadow], user)
    assert Alert.objects.get(pk=shadow.pk).incident_link.incident == first and not second.alert_links.exists()
    assert not second.entries.filter(kind="alert").exists()  # nothing half-written
