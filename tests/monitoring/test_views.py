"""Monitoring pages: who may see and change what, the upload, the explanation and the host timeline."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mamori.audit.models import AuditEntry
from tests import factories
from tests.monitoring.helpers import (
    Site,
    login_as,
    shadow_copy_alert,
    shadow_copy_deletion,
    site,
    site_with_shadow_copy_alert,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(tmp_path: Path) -> Site:
    return site_with_shadow_copy_alert(tmp_path)


_as = login_as
_alert = shadow_copy_alert


@pytest.mark.parametrize("role", ["privacy_officer", "executive"])
def test_roles_without_log_permission_get_403(client: Client, s: Site, role: str) -> None:
    _as(client, role, s)
    assert client.get(reverse("monitoring:alert_list")).status_code == 403
    assert client.get(_alert(s).get_absolute_url()).status_code == 403


def test_a_vendor_sees_no_log_page(client: Client, s: Site) -> None:
    factories.login(client, factories.user("vendor", s.facility, factories.vendor(s.facility)))
    assert client.get(reverse("monitoring:alert_list")).status_code == 403


def test_another_facility_s_alert_does_not_exist_for_the_user(client: Client, s: Site) -> None:
    other = site()
    factories.login(client, factories.user("it_staff", other.facility))
    assert client.get(_alert(s).get_absolute_url()).status_code == 404
    assert "shadow" not in client.get(reverse("monitoring:alert_list") + "?status=all").content.decode().lower()


def test_the_alert_page_explains_the_match_and_names_the_author(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    alert = _alert(s)
    page = client.get(alert.get_absolute_url()).content.decode()
    assert "vssadmin.exe delete shadows /all /quiet" in page
    assert alert.rule_author in page and "attack.t1490" in page
    listing = client.get(reverse("monitoring:alert_list")).content.decode()
    assert alert.display_title in listing and alert.rule_author in listing


def test_the_status_workflow_is_audited_and_a_false_positive_needs_a_reason(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    alert = _alert(s)
    response = client.post(alert.get_absolute_url(), {"status": "false_positive", "assignee": "", "note": ""})
    assert response.status_code == 400
    alert.refresh_from_db()
    assert alert.status == "new"
    response = client.post(alert.get_absolute_url(), {"status": "investigating", "assignee": "田中", "note": "確認中"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.assignee, alert.handled_by) == ("investigating", "田中", alert.handled_by)
    assert alert.handled_by and alert.handled_at is not None
    entry = AuditEntry.objects.filter(object_type__icontains="alert", action="update").latest("seq")
    assert "status" in str(entry.changes)


def test_an_inspector_reads_but_cannot_change_an_alert(client: Client, s: Site) -> None:
    _as(client, "inspector", s)
    alert = _alert(s)
    assert client.get(alert.get_absolute_url()).status_code == 200
    assert client.post(alert.get_absolute_url(), {"status": "resolved"}).status_code == 403


def test_it_staff_cannot_create_an_exclusion_the_security_manager_can(client: Client, s: Site) -> None:
    alert = _alert(s)
    _as(client, "it_staff", s)
    assert client.get(reverse("monitoring:exclusion_create") + f"?alert={alert.pk}").status_code == 403
    client.logout()
    _as(client, "security_manager", s)
    page = client.get(reverse("monitoring:exclusion_create") + f"?alert={alert.pk}")
    assert page.status_code == 200 and alert.rule_id in page.content.decode()


def test_uploading_a_file_imports_it_and_a_broken_one_is_reported(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    url = s.source.get_absolute_url()
    good = SimpleUploadedFile("dc01.jsonl", shadow_copy_deletion("DC01.hosp.local").text().encode())
    response = client.post(url, {"file": good})
    assert response.status_code == 302
    s.source.refresh_from_db()
    assert s.source.events == 42
    bad = SimpleUploadedFile("bad.jsonl", b'{"winlog": {"channel": "Security"}}\n')
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "bad.jsonl" in response.content.decode()
    s.source.refresh_from_db()
    assert s.source.events == 42


def test_the_host_timeline_shows_the_stored_events_of_that_host_only(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    page = client.get(reverse("monitoring:host_timeline", args=["ehr-ap1"]) + "?days=3660").content.decode()
    assert "vssadmin.exe delete shadows" in page and page.count("<tr") >= 22
    other = client.get(reverse("monitoring:host_timeline", args=["dc01"]) + "?days=3660").content.decode()
    assert "vssadmin" not in other


def test_the_timeline_row_of_an_alert_s_event_names_its_rule_level_author_and_attack(client: Client, s: Site) -> None:
    import re

    _as(client, "it_staff", s)
    alert = _alert(s)
    page = client.get(reverse("monitoring:host_timeline", args=["ehr-ap1"]) + f"?days=3660&around={alert.pk}")
    html = page.content.decode()
    marked = re.findall(r'<tr class="detected">(.*?)</tr>', html, flags=re.S)
    assert len(marked) == 1, marked  # the deletion, not the 20 ordinary events around it
    row = marked[0]
    assert "vssadmin.exe delete shadows" in row and alert.display_title in row and alert.rule_id in row
    assert alert.rule_author in row and "attack.t1490" in row and alert.get_absolute_url() in row


def test_the_sources_page_shows_the_history_held(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    page = client.get(reverse("monitoring:source_list")).content.decode()
    assert s.source.name in page and ">21<" in page.replace(" ", "")


def test_the_security_manager_excludes_a_rule_for_one_host_and_it_is_audited(client: Client, s: Site) -> None:
    import datetime as dt

    from django.utils import timezone

    from mamori.monitoring.models import RuleExclusion

    alert = _alert(s)
    _as(client, "security_manager", s)
    form = client.get(reverse("monitoring:exclusion_create") + f"?alert={alert.pk}").content.decode()
    assert alert.rule_id in form and alert.host in form
    expires = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(reverse("monitoring:exclusion_create"), {
        "facility": s.facility.pk, "rule_id": alert.rule_id, "rule_title": alert.rule_title, "host": alert.host,
        "field": "", "value": "", "reason": "検証環境の再構築（保守依頼 #42）", "expires": expires})
    assert response.status_code == 302
    found = RuleExclusion.objects.get()
    assert found.created_by and found.host == alert.host
    assert AuditEntry.objects.filter(object_type__icontains="ruleexclusion", action="create").exists()
    listing = client.get(reverse("monitoring:exclusion_list")).content.decode()
    assert "検証環境の再構築" in listing
