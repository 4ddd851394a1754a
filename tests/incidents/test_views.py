"""Incident pages: who may see and change what, opening a case from an alert imported for real, the timeline and
phase forms, and the alert pages' way into a case."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from mamori.incidents.models import Incident
from mamori.incidents.services import open_incident
from mamori.monitoring.models import Alert
from tests import factories
from tests.incidents.helpers import SPRAY, alert
from tests.monitoring.helpers import (
    Site,
    login_as,
    shadow_copy_alert,
    site,
    site_with_shadow_copy_alert,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(tmp_path: Path) -> Site:
    return site_with_shadow_copy_alert(tmp_path)


_as = login_as
_shadow = shadow_copy_alert


def _case(s: Site, alerts: list[Alert] | None = None) -> Incident:
    return open_incident(facility=s.facility, user=factories.user("admin"), title="シャドウコピー削除",
                         category="ransomware", severity="high", alerts=alerts or [])


def test_opening_a_case_from_an_imported_alert(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    shadow = _shadow(s)
    page = client.get(shadow.get_absolute_url()).content.decode()
    assert reverse("incidents:incident_create") + f"?alert={shadow.pk}" in page
    form = client.get(reverse("incidents:incident_create") + f"?alert={shadow.pk}")
    initial = form.context["form"].initial
    assert initial["category"] == "ransomware" and initial["severity"] == shadow.level
    assert initial["asset_refs"] == s.ehr.key  # the alert's host found in the ledger
    response = client.post(reverse("incidents:incident_create"), {
        "facility": s.facility.pk, "title": initial["title"], "category": "ransomware", "severity": "critical",
        "care_impact": "degraded", "detected_at": initial["detected_at"].strftime("%Y-%m-%dT%H:%M"),
        "lead": "情報システム 田中", "summary": "電子カルテAPサーバでvssadminによるシャドウコピー削除",
        "asset_refs": s.ehr.key, "alert": [shadow.pk]})
    assert response.status_code == 302
    incident = Incident.objects.get(facility=s.facility)
    assert response["Location"] == incident.get_absolute_url()
    assert list(incident.assets.all()) == [s.ehr]
    shadow.refresh_from_db()
    assert shadow.status == "escalated"
    detail = client.get(incident.get_absolute_url()).content.decode()
    assert incident.number in detail and shadow.display_title in detail and shadow.rule_author in detail
    assert "attack.t1490"[7:] in detail
    back = client.get(shadow.get_absolute_url()).content.decode()
    assert 'data-testid="alert-incident"' in back and incident.number in back
    assert 'data-testid="open-incident"' not in back


def test_unknown_asset_names_are_reported_and_nothing_is_opened(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    response = client.post(reverse("incidents:incident_create"), {
        "facility": s.facility.pk, "title": "電子カルテが開けない", "category": "other", "severity": "high",
        "care_impact": "unknown", "detected_at": "2026-12-01T08:30", "asset_refs": f"{s.ehr.key}\nNO-SUCH-HOST"})
    assert response.status_code == 400
    assert "NO-SUCH-HOST" in response.content.decode()
    assert not Incident.objects.exists()


def test_a_case_from_a_report_with_no_alert(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    response = client.post(reverse("incidents:incident_create"), {
        "facility": s.facility.pk, "title": "外来受付で電子カルテが開けない（電話連絡）", "category": "other",
        "severity": "high", "care_impact": "degraded", "detected_at": "2026-12-01T08:30", "asset_refs": "ehr-ap1"})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert list(incident.assets.all()) == [s.ehr] and incident.number == "IR-2026-001"


def test_editing_the_affected_assets_is_audited(client: Client, s: Site) -> None:
    from mamori.audit.models import AuditEntry

    _as(client, "it_staff", s)
    incident = _case(s, [_shadow(s)])
    assert list(incident.assets.all()) == []  # _case names none
    response = client.post(reverse("incidents:incident_edit", args=[incident.pk]), {
        "title": incident.title, "category": "ransomware", "severity": "critical", "care_impact": "suspended",
        "detected_at": "2026-12-01T02:14", "lead": "田中", "summary": "", "asset_refs": f"{s.ehr.key}\ndc01"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert {a.pk for a in incident.assets.all()} == {s.ehr.pk, s.dc.pk}
    assert (incident.severity, incident.care_impact, incident.facility_id) == ("critical", "suspended", s.facility.pk)
    entry = AuditEntry.objects.filter(action="incident_assets").latest("seq")
    assert entry.changes["assets"] == [[], sorted([s.ehr.key, s.dc.key])]
    assert any("care_impact" in str(e.changes) for e in AuditEntry.objects.filter(action="update"))


def test_the_timeline_and_phase_forms(client: Client, s: Site) -> None:
    _as(client, "security_manager", s)
    incident = _case(s, [_shadow(s)])
    url = incident.get_absolute_url()
    response = client.post(reverse("incidents:entry_add", args=[incident.pk]),
                           {"kind": "contact", "occurred_at": "2026-12-01T09:10",
                            "text": "県警サイバー犯罪相談窓口へ電話"})
    assert response.status_code == 302
    assert client.post(reverse("incidents:entry_add", args=[incident.pk]),
                       {"kind": "phase", "occurred_at": "2026-12-01T09:10", "text": "x"}).status_code == 400
    refused = client.post(reverse("incidents:phase_change", args=[incident.pk]), {"phase": "closed", "note": ""})
    assert refused.status_code == 400
    assert "lessons learned before closing" in refused.content.decode() or "教訓" in refused.content.decode()
    incident.refresh_from_db()
    assert incident.phase == "detection"
    assert client.post(reverse("incidents:phase_change", args=[incident.pk]),
                       {"phase": "containment", "note": "LAN遮断"}).status_code == 302
    incident.refresh_from_db()
    assert incident.phase == "containment"
    page = client.get(url).content.decode()
    assert "県警サイバー犯罪相談窓口へ電話" in page and "LAN遮断" in page
    assert client.get(reverse("incidents:entry_add", args=[incident.pk])).status_code == 405


def test_related_alerts_join_from_the_case_page(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    shadow = _shadow(s)
    incident = _case(s, [shadow])
    cleared = alert(s.facility, title="Windows Event Log Cleared (Mamori)", host=shadow.host,
                    at=shadow.first_seen)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert 'data-testid="related-alerts"' in page and cleared.display_title in page
    response = client.post(reverse("incidents:alerts_add", args=[incident.pk]), {"alert": [cleared.pk]})
    assert response.status_code == 302
    cleared.refresh_from_db()
    assert cleared.incident_link.incident == incident and cleared.status == "escalated"


def test_an_alert_joins_an_open_case_from_its_own_page(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    incident = _case(s)
    spray = alert(s.facility, **SPRAY)
    page = client.get(spray.get_absolute_url()).content.decode()
    assert 'data-testid="incident-select"' in page and incident.number in page
    response = client.post(reverse("incidents:alerts_add_any"), {"incident": incident.pk, "alert": spray.pk,
                                                                 "back": "alert"})
    assert response.status_code == 302
    assert spray.__class__.objects.get(pk=spray.pk).incident_link.incident == incident


def test_escalated_is_not_a_status_one_sets_by_hand(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    shadow = _shadow(s)
    response = client.post(shadow.get_absolute_url(), {"status": "escalated", "assignee": "", "note": ""})
    assert response.status_code == 400
    shadow.refresh_from_db()
    assert shadow.status == "new"


def test_the_alert_list_opens_a_case_from_ticked_alerts(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    shadow = _shadow(s)
    page = client.get(reverse("monitoring:alert_list")).content.decode()
    assert f'name="alert" value="{shadow.pk}" form="to-incident"' in page
    _as(client, "inspector", s)
    assert 'form="to-incident"' not in client.get(reverse("monitoring:alert_list")).content.decode()


def test_another_facility_s_case_does_not_exist_for_the_user(client: Client, s: Site) -> None:
    incident = _case(s)
    other = site()
    factories.login(client, factories.user("it_staff", other.facility))
    assert client.get(incident.get_absolute_url()).status_code == 404
    assert incident.number not in client.get(reverse("incidents:incident_list")).content.decode()
    assert client.post(reverse("incidents:entry_add", args=[incident.pk]),
                       {"kind": "note", "occurred_at": "2026-12-01T09:10", "text": "x"}).status_code == 404
    # nor can its alerts be pulled into one's own case
    own = open_incident(facility=other.facility, user=factories.user("admin"), title="t", category="other",
                        severity="low")
    client.post(reverse("incidents:alerts_add", args=[own.pk]), {"alert": [_shadow(s).pk]})
    assert not own.alert_links.exists()


@pytest.mark.parametrize(("role", "view", "write", "change"), [
    ("security_manager", 200, 302, 302), ("it_staff", 200, 302, 302), ("inspector", 200, 403, 403),
    ("executive", 200, 403, 403), ("privacy_officer", 200, 302, 403)])
def test_roles(client: Client, s: Site, role: str, view: int, write: int, change: int) -> None:
    incident = _case(s, [_shadow(s)])
    _as(client, role, s)
    assert client.get(incident.get_absolute_url()).status_code == view
    page = client.get(incident.get_absolute_url()).content.decode()
    if role in ("executive", "privacy_officer"):  # the case, not the alert's rule and host behind it
        assert _shadow(s).rule_title not in page
    assert client.post(reverse("incidents:entry_add", args=[incident.pk]),
                       {"kind": "note", "occurred_at": "2026-12-01T09:10", "text": "所見"}).status_code == write
    assert client.post(reverse("incidents:phase_change", args=[incident.pk]),
                       {"phase": "containment"}).status_code == change
    assert client.get(reverse("incidents:incident_create")).status_code == (200 if change == 302 else 403)


def test_a_vendor_sees_no_case(client: Client, s: Site) -> None:
    incident = _case(s)
    factories.login(client, factories.user("vendor", s.facility, factories.vendor(s.facility)))
    assert client.get(incident.get_absolute_url()).status_code == 403
    assert client.get(reverse("incidents:incident_list")).status_code == 403


def test_open_cases_are_home_page_to_dos(client: Client, s: Site) -> None:
    incident = _case(s)
    _as(client, "security_manager", s)
    home = client.get(reverse("web:home")).content.decode()
    assert str(incident) in home


def test_the_case_page_in_japanese_and_in_english(client: Client, s: Site) -> None:
    from django.conf import settings

    incident = _case(s, [_shadow(s)])
    _as(client, "it_staff", s)
    japanese = client.get(incident.get_absolute_url()).content.decode()
    assert "封じ込め" in japanese and "時系列" in japanese and "ランサムウェア" in japanese
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(incident.get_absolute_url()).content.decode()
    assert "Containment" in english and "Timeline" in english and "封じ込め" not in english
