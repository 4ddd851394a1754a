"""REST API of incident cases: the facility's cases only, each endpoint's own grant, opening through the service
(alerts escalated, unknown assets or foreign alerts refused with nothing written), the timeline only added to, the
phase rules, and the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mamori.accounts.choices import Role
from mamori.accounts.models import ApiToken, User
from mamori.accounts.policy import GRANTS, READ
from mamori.audit.models import AuditEntry
from mamori.incidents.models import Incident, IncidentAlert, TimelineEntry
from mamori.incidents.services import add_entry, open_incident
from mamori.ledger.models import Asset
from mamori.monitoring.models import Alert
from mamori.tenancy.models import Facility
from tests import factories
from tests.incidents.helpers import T0, VPN_BRUTEFORCE, alert

pytestmark = pytest.mark.django_db

LIST = reverse("api:incident-list")


def _api(user: User) -> Client:
    _token, clear = ApiToken.issue(user, "test")
    return Client(HTTP_AUTHORIZATION=f"Token {clear}")


def _detail(incident: Incident, what: str = "") -> str:
    return reverse(f"api:incident-{what or 'detail'}", args=[incident.pk])


def _post(api: Client, url: str, body: dict[str, Any]) -> Any:
    return api.post(url, body, content_type="application/json")


@dataclass
class World:
    fac: Facility
    ehr: Asset
    shadow: Alert  # in the case
    loose: Alert  # not in any case yet
    case: Incident
    other_fac: Facility
    other_alert: Alert
    other_case: Incident


@pytest.fixture
def w() -> World:
    fac, other = factories.facility(), factories.facility()
    admin = factories.user("admin")
    ehr = factories.asset(fac, key="EHR-AP1", hostname="ehr-ap1.hosp.local")
    shadow = alert(fac)
    case = open_incident(facility=fac, user=admin, title="シャドウコピー削除", category="ransomware",
                         severity="high", alerts=[shadow], assets=[ehr])
    other_alert = alert(other, host="vpn-00009")
    other_case = open_incident(facility=other, user=admin, title="他院のVPN侵入", category="vpn_compromise",
                               severity="critical", alerts=[alert(other)])
    return World(fac, ehr, shadow, alert(fac, **VPN_BRUTEFORCE), case, other, other_alert, other_case)


def _rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return list(response.json()["results"])


def test_a_case_reads_with_its_assets_alerts_and_timeline_and_only_the_facility_s_cases_are_listed(w: World) -> None:
    api = _api(factories.user("it_staff", w.fac))
    rows = _rows(api.get(LIST))
    assert [r["number"] for r in rows] == [w.case.number]  # not the other facility's case
    body = api.get(_detail(w.case)).json()
    assert (body["title"], body["category"], body["severity"], body["phase"]) == (
        "シャドウコピー削除", "ransomware", "high", "detection")
    assert body["assets"] == ["EHR-AP1"] and body["alerts"] == [w.shadow.pk]
    assert [(e["kind"], e["alert"]) for e in body["entries"]] == [("alert", w.shadow.pk), ("phase", None)]
    assert body["entries"][1]["phase"] == "detection" and body["closed_at"] is None
    for url in (_detail(w.other_case), _detail(w.other_case, "entries"), _detail(w.other_case, "phase")):
        response = api.get(url) if url == _detail(w.other_case) else _post(api, url, {"kind": "note", "text": "x",
                                                                                       "phase": "containment"})
        assert response.status_code == 404, url
    assert w.other_case.entries.count() == 2  # nothing written into the other facility's case
    w.other_case.refresh_from_db()
    assert w.other_case.phase == "detection"


def test_filters_by_phase_category_and_severity(w: World) -> None:
    admin = factories.user("admin")
    second = open_incident(facility=w.fac, user=admin, title="VPN総当たり", category="vpn_compromise",
                           severity="critical", detected_at=T0 + dt.timedelta(hours=1))
    api = _api(factories.user("security_manager", w.fac))
    assert [r["number"] for r in _rows(api.get(LIST, {"category": "vpn_compromise"}))] == [second.number]
    assert [r["number"] for r in _rows(api.get(LIST, {"severity": "high"}))] == [w.case.number]
    assert [r["number"] for r in _rows(api.get(LIST))] == [second.number, w.case.number]  # newest first
    assert _rows(api.get(LIST, {"phase": "closed"})) == []
    assert api.get(LIST, {"phase": "nonsense"}).status_code == 400


def test_the_executive_sees_the_case_but_not_the_alerts_behind_it(w: World) -> None:
    body = _api(factories.user("executive", w.fac)).get(_detail(w.case)).json()
    assert body["number"] == w.case.number
    assert body["alerts"] is None
    assert [e["alert"] for e in body["entries"]] == [None, None]  # the alert entry is there, its alert id is not
    assert w.shadow.pk in _api(factories.user("inspector", w.fac)).get(_detail(w.case)).json()["alerts"]


def test_the_inspector_reads_only_and_the_vendor_gets_nothing(w: World) -> None:
    inspector = _api(factories.user("inspector", w.fac))
    assert [r["number"] for r in _rows(inspector.get(LIST))] == [w.case.number]
    assert _post(inspector, LIST, {"title": "x", "category": "other", "severity": "low"}).status_code == 403
    assert _post(inspector, _detail(w.case, "entries"), {"kind": "note", "text": "見た"}).status_code == 403
    assert _post(inspector, _detail(w.case, "phase"), {"phase": "containment"}).status_code == 403
    vendor = _api(factories.user("vendor", w.fac, factories.vendor(w.fac)))
    assert vendor.get(LIST).status_code == 403
    assert vendor.get(_detail(w.case)).status_code == 403
    assert Client().get(LIST).status_code == 401
    assert Incident.objects.filter(facility=w.fac).count() == 1
    assert w.case.entries.count() == 2
    w.case.refresh_from_db()
    assert w.case.phase == "detection"


def test_the_privacy_officer_writes_the_timeline_but_neither_opens_cases_nor_moves_the_phase(w: World) -> None:
    api = _api(factories.user("privacy_officer", w.fac))
    response = _post(api, _detail(w.case, "entries"), {"kind": "contact", "text": "個人情報保護委員会へ報告"})
    assert response.status_code == 201, response.content
    assert response.json()["kind"] == "contact"
    assert _post(api, LIST, {"title": "x", "category": "data_leak", "severity": "low"}).status_code == 403
    assert _post(api, _detail(w.case, "phase"), {"phase": "containment"}).status_code == 403
    assert list(w.case.entries.values_list("kind", flat=True)) == ["alert", "phase", "contact"]


def test_opening_a_case_with_alerts_escalates_them(w: World) -> None:
    user = factories.user("it_staff", w.fac)
    response = _post(_api(user), LIST, {
        "title": "FortiGate総当たりの後にトンネル", "category": "vpn_compromise", "severity": "critical",
        "care_impact": "none", "lead": "情報システム 田中", "summary": "保守回線から", "alerts": [w.loose.pk],
        "assets": ["EHR-AP1"]})
    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(pk=body["id"])
    assert (incident.facility, incident.number, incident.created_by) == (w.fac, "IR-2026-002", user.username)
    assert incident.detected_at == w.loose.first_seen  # no time given: the alert's first event
    assert body["alerts"] == [w.loose.pk] and body["assets"] == ["EHR-AP1"]
    assert [e["kind"] for e in body["entries"]] == ["alert", "phase"]
    w.loose.refresh_from_db()
    assert (w.loose.status, w.loose.handled_by) == ("escalated", user.username)
    assert w.loose.incident_link.incident == incident
    entry = AuditEntry.objects.filter(action="create", object_type="incidents.incident").latest("seq")
    assert (entry.actor_username, entry.source) == (user.username, "api")


def test_an_alert_already_in_a_case_is_refused_with_the_service_s_message(w: World) -> None:
    api = _api(factories.user("it_staff", w.fac))
    response = _post(api, LIST, {"title": "同じアラート", "category": "ransomware", "severity": "high",
                                 "alerts": [w.shadow.pk]})
    assert response.status_code == 400
    assert w.case.number in response.json()["detail"]
    assert Incident.objects.filter(facility=w.fac).count() == 1


def test_another_facility_s_alerts_cannot_be_attached(w: World) -> None:
    api = _api(factories.user("it_staff", w.fac))
    response = _post(api, LIST, {"title": "x", "category": "other", "severity": "low",
                                 "alerts": [w.loose.pk, w.other_alert.pk]})
    assert response.status_code == 400
    assert str(w.other_alert.pk) in response.json()["alerts"][0]
    assert str(w.loose.pk) not in response.json()["alerts"][0]
    assert Incident.objects.count() == 2 and not IncidentAlert.objects.filter(alert=w.loose).exists()
    for a in (w.loose, w.other_alert):
        a.refresh_from_db()
        assert a.status == "new"
    foreign = _post(api, LIST, {"facility": w.other_fac.pk, "title": "x", "category": "other", "severity": "low"})
    assert foreign.status_code == 400 and "facility" in foreign.json()
    assert Incident.objects.count() == 2


def test_an_unknown_asset_key_is_named_and_nothing_is_created(w: World) -> None:
    factories.asset(w.other_fac, key="PACS-01")  # known, but in the other facility
    api = _api(factories.user("it_staff", w.fac))
    response = _post(api, LIST, {"title": "x", "category": "other", "severity": "low", "alerts": [w.loose.pk],
                                 "assets": ["EHR-AP1", "NOPE-9", "PACS-01"]})
    assert response.status_code == 400
    message = response.json()["assets"][0]
    assert "NOPE-9" in message and "PACS-01" in message and "EHR-AP1" not in message
    assert Incident.objects.count() == 2 and TimelineEntry.objects.filter(alert=w.loose).count() == 0
    w.loose.refresh_from_db()
    assert w.loose.status == "new"


def test_alerts_need_the_right_to_escalate_them(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(GRANTS[Role.IT_STAFF], "monitoring.alert", READ)
    api = _api(factories.user("it_staff", w.fac))
    assert _post(api, LIST, {"title": "x", "category": "other", "severity": "low",
                             "alerts": [w.loose.pk]}).status_code == 403
    w.loose.refresh_from_db()
    assert w.loose.status == "new"
    assert _post(api, LIST, {"title": "電話連絡", "category": "other", "severity": "low"}).status_code == 201


def test_a_user_without_a_facility_names_the_case_s_facility() -> None:
    fac = factories.facility()
    api = _api(factories.user("admin"))
    body = {"title": "電子カルテが開かない", "category": "other", "severity": "medium"}
    refused = _post(api, LIST, body)
    assert refused.status_code == 400 and "facility" in refused.json()
    created = _post(api, LIST, {**body, "facility": fac.pk})
    assert created.status_code == 201 and created.json()["facility"] == fac.pk


def test_a_time_in_the_future_is_refused(w: World) -> None:
    api = _api(factories.user("it_staff", w.fac))
    later = (timezone.now() + dt.timedelta(hours=1)).isoformat()
    assert _post(api, LIST, {"title": "x", "category": "other", "severity": "low",
                             "detected_at": later}).status_code == 400
    assert _post(api, _detail(w.case, "entries"), {"kind": "note", "text": "x",
                                                   "occurred_at": later}).status_code == 400
    assert Incident.objects.count() == 2 and w.case.entries.count() == 2


def test_timeline_entries_are_only_the_kinds_a_person_writes(w: World) -> None:
    user = factories.user("it_staff", w.fac)
    api = _api(user)
    at = (T0 + dt.timedelta(minutes=20)).isoformat()
    response = _post(api, _detail(w.case, "entries"), {"kind": "action", "text": "LANケーブルを抜いた",
                                                       "occurred_at": at})
    assert response.status_code == 201, response.content
    entry = TimelineEntry.objects.get(pk=response.json()["id"])
    assert (entry.kind, entry.text, entry.recorded_by, entry.occurred_at) == (
        "action", "LANケーブルを抜いた", user.username, T0 + dt.timedelta(minutes=20))
    for kind in ("phase", "alert"):
        refused = _post(api, _detail(w.case, "entries"), {"kind": kind, "text": "偽の記録"})
        assert refused.status_code == 400 and "kind" in refused.json()
    assert _post(api, _detail(w.case, "entries"), {"kind": "note", "text": ""}).status_code == 400
    assert w.case.entries.count() == 3


def test_closing_needs_the_lessons_learned(w: World) -> None:
    api = _api(factories.user("security_manager", w.fac))
    url = _detail(w.case, "phase")
    refused = _post(api, url, {"phase": "closed", "note": "終わり", "lessons_learned": "なし"})
    assert refused.status_code == 400 and refused.json()["detail"]
    w.case.refresh_from_db()
    assert (w.case.phase, w.case.closed_at, w.case.lessons_learned) == ("detection", None, "")
    assert _post(api, url, {"phase": "detection"}).status_code == 400  # already there
    assert _post(api, url, {"phase": "nonsense"}).status_code == 400
    assert w.case.entries.count() == 2
    lessons = "保守VPNにMFAを入れ、バックアップをオフラインにも取る"
    closed = _post(api, url, {"phase": "closed", "note": "復旧済み", "lessons_learned": lessons})
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert (body["phase"], body["lessons_learned"]) == ("closed", lessons) and body["closed_at"]
    assert (body["entries"][-1]["kind"], body["entries"][-1]["phase"], body["entries"][-1]["text"]) == (
        "phase", "closed", "復旧済み")
    reopened = _post(api, url, {"phase": "recovery"}).json()
    assert (reopened["phase"], reopened["closed_at"], reopened["lessons_learned"]) == ("recovery", None, lessons)


@pytest.mark.parametrize("role", ["it_staff", "security_manager", "admin"])
def test_cases_are_never_changed_or_deleted_and_the_timeline_is_append_only(w: World, role: str) -> None:
    user = factories.user(role, None if role == "admin" else w.fac, mfa=role in ("security_manager", "admin"))
    api = _api(user)
    entry = add_entry(w.case, kind="note", text="最初の所見", occurred_at=T0, user=user)
    url = _detail(w.case)
    for method in ("put", "patch"):
        response = getattr(api, method)(url, {"title": "書き換え", "phase": "closed"}, content_type="application/json")
        assert response.status_code in (403, 405), (method, response.status_code)
    assert api.delete(url).status_code in (403, 405)
    entries_url = _detail(w.case, "entries")
    for method in ("put", "patch", "delete"):
        response = getattr(api, method)(entries_url, {"kind": "note", "text": "書き換え"},
                                        content_type="application/json")
        assert response.status_code in (403, 405), (method, response.status_code)
    assert api.delete(LIST).status_code in (403, 405)
    w.case.refresh_from_db()
    entry.refresh_from_db()
    assert (w.case.title, w.case.phase) == ("シャドウコピー削除", "detection")
    assert entry.text == "最初の所見" and w.case.entries.count() == 3


def test_the_openapi_schema_lists_the_case_endpoints_without_changing_or_deleting(w: World) -> None:
    response = _api(factories.user("it_staff", w.fac)).get(reverse("api-schema") + "?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert set(paths["/api/v1/incidents/"]) == {"get", "post"}
    assert set(paths["/api/v1/incidents/{id}/"]) == {"get"}
    assert set(paths["/api/v1/incidents/{id}/entries/"]) == {"post"}
    assert set(paths["/api/v1/incidents/{id}/phase/"]) == {"post"}
    opened = paths["/api/v1/incidents/"]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = response.json()["components"]["schemas"][opened.rsplit("/", 1)[-1]]["properties"]
    assert {"alerts", "assets", "title", "category", "severity"} <= set(fields)
