"""Vulnerability pages: who may open what, vendors see only their own devices, the workflow form, feed upload."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mamori.vulns.choices import FindingStatus
from mamori.vulns.matching import run_match
from mamori.vulns.models import FeedImport, Finding, Vulnerability
from mamori.vulns.reports import build_report
from tests import access_world, factories
from tests.vulns.conftest import feed, imported

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> access_world.World:
    w = access_world.build()
    imported(feed("api20_fortios_cve-2022-42475.json"), feed("api20_medical_devices.json"),
             feed("kev_epss_cve5/kev_three_entries.json"))
    for asset, cpe in ((w.asset_a, "o:fortinet:fortios:6.0.4"), (w.asset_b, "a:offis:dcmtk:3.6.6"),
                       (w.asset_other_fac, "o:fortinet:fortios:6.0.4")):
        asset.cpes = [f"cpe:2.3:{cpe}:*:*:*:*:*:*:*"]
        asset.save()
    run = run_match()
    build_report(w.fac, run)
    return w


def _pages(world: access_world.World) -> dict[str, str]:
    finding = Finding.objects.get(asset=world.asset_a)
    return {
        "findings": reverse("vulns:finding_list"), "by_cve": reverse("vulns:vulnerability_list"),
        "finding": finding.get_absolute_url(), "cve": reverse("vulns:cve_detail", args=["CVE-2022-42475"]),
        "feeds": reverse("vulns:feed_list"), "reports": reverse("vulns:report_list"),
    }


def _get(client: Client, world: access_world.World, who: str, url: str) -> int:
    factories.login(client, world.users[who])
    return client.get(url).status_code


@pytest.mark.parametrize("page", ["findings", "by_cve", "finding", "cve", "feeds", "reports"])
def test_anonymous_is_sent_to_sign_in(client: Client, world: access_world.World, page: str) -> None:
    response = client.get(_pages(world)[page])
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["privacy_officer", "executive"])
@pytest.mark.parametrize("page", ["findings", "by_cve", "finding", "cve", "feeds"])
def test_roles_without_vulnerability_permission_get_403(client: Client, world: access_world.World, who: str,
                                                        page: str) -> None:
    assert _get(client, world, who, _pages(world)[page]) == 403


@pytest.mark.parametrize("who", ["admin", "security_manager", "it_staff", "inspector"])
@pytest.mark.parametrize("page", ["findings", "by_cve", "finding", "cve", "feeds", "reports"])
def test_permitted_roles_see_the_page(client: Client, world: access_world.World, who: str, page: str) -> None:
    assert _get(client, world, who, _pages(world)[page]) == 200


def test_vendor_sees_only_findings_on_its_own_devices(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["vendor_a"])
    listing = client.get(reverse("vulns:finding_list")).content.decode()
    assert world.asset_a.key in listing and world.asset_b.key not in listing
    other = Finding.objects.get(asset=world.asset_b)
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(reverse("vulns:feed_list")).status_code == 403
    cve = client.get(reverse("vulns:cve_detail", args=["CVE-2022-42475"])).content.decode()
    assert world.asset_a.key in cve and world.asset_other_fac.key not in cve


def test_staff_of_another_facility_do_not_see_these_findings(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["other_it_staff"])
    listing = client.get(reverse("vulns:finding_list")).content.decode()
    assert world.asset_other_fac.key in listing and world.asset_a.key not in listing
    assert client.get(Finding.objects.get(asset=world.asset_a).get_absolute_url()).status_code == 404


def test_list_is_most_urgent_first_and_filters(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["security_manager"])
    rows = list(client.get(reverse("vulns:finding_list")).context["object_list"])
    assert [f.priority_score for f in rows] == sorted((f.priority_score for f in rows), reverse=True)
    kev_only = client.get(reverse("vulns:finding_list"), {"kev": "true", "status": "active"}).context["object_list"]
    assert {f.vulnerability.cve_id for f in kev_only} == {"CVE-2022-42475"}
    search = client.get(reverse("vulns:finding_list"), {"q": "CVE-2022-2119"}).context["object_list"]
    assert {f.asset for f in search} == {world.asset_b}


def test_status_form_applies_the_workflow_and_shows_its_refusal(client: Client, world: access_world.World) -> None:
    finding = Finding.objects.get(asset=world.asset_b)
    factories.login(client, world.users["it_staff"])
    refused = client.post(finding.get_absolute_url(), {"status": FindingStatus.FALSE_POSITIVE, "reason": ""})
    assert refused.status_code == 200 and "form-errors" in refused.content.decode()
    done = client.post(finding.get_absolute_url(), {"status": FindingStatus.ACCEPTED, "reason": "閉域網のみ",
                                                    "approver": world.users["security_manager"].pk,
                                                    "accepted_until": (dt.date.today() + dt.timedelta(days=60))})
    assert done.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ACCEPTED
    factories.login(client, world.users["inspector"])
    assert client.post(finding.get_absolute_url(), {"status": "open", "reason": "x"}).status_code == 403


def test_feed_upload_imports_and_rematches_or_refuses_whole(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    before = FeedImport.objects.count()
    bad = SimpleUploadedFile("broken.json", b'{"format": "NVD_CVE", "vulnerabilities": [{"cve": ')
    page = client.post(reverse("vulns:feed_list"), {"file": bad}, follow=True).content.decode()
    assert "broken.json" in page and FeedImport.objects.count() == before
    good = SimpleUploadedFile("nvd11.json", feed("nvd11_two_records.json").read_bytes())
    client.post(reverse("vulns:feed_list"), {"file": good}, follow=True)
    assert FeedImport.objects.count() == before + 1
    assert Vulnerability.objects.filter(cve_id="CVE-2018-13379").exists()
    assert Finding.objects.filter(asset=world.asset_a, vulnerability__cve_id="CVE-2018-13379").exists()
    factories.login(client, world.users["inspector"])
    assert client.post(reverse("vulns:feed_list"), {"file": good}).status_code == 403


def test_asset_page_lists_its_vulnerabilities(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    page = client.get(reverse("ledger:asset_detail", kwargs={"key": world.asset_a.key})).content.decode()
    assert 'data-testid="asset-findings"' in page and "CVE-2022-42475" in page


def test_home_page_shows_the_critical_vulnerability_to_do(client: Client, world: access_world.World) -> None:
    world.asset_a.category, world.asset_a.internet_exposed = "vpn", True
    world.asset_a.save()
    run_match()
    factories.login(client, world.users["security_manager"])
    todos = client.get(reverse("web:home")).context["todos"]
    critical = [t for t in todos if t.link.startswith(reverse("vulns:finding_list")) and t.severity == "critical"]
    assert critical and critical[0].count == 1
    factories.login(client, world.users["executive"])
    exec_todos = client.get(reverse("web:home")).context["todos"]
    assert any(t.severity == "critical" and not t.examples for t in exec_todos)


def test_report_page_and_markdown(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["security_manager"])
    response = client.post(reverse("vulns:report_list"), {"facility": world.fac.pk}, follow=True)
    assert response.status_code == 200 and 'data-testid="report-summary"' in response.content.decode()
    report = response.context["object"]
    markdown = client.get(reverse("vulns:report_markdown", args=[report.pk]))
    assert markdown["Content-Type"].startswith("text/markdown") and "CVE-2022-42475" in markdown.content.decode()
    factories.login(client, world.users["other_it_staff"])
    assert client.get(report.get_absolute_url()).status_code == 404


def test_the_list_shows_what_is_to_be_done_also_on_another_page(client: Client, world: access_world.World) -> None:
    Finding.objects.filter(asset=world.asset_b).update(status=FindingStatus.FALSE_POSITIVE)
    factories.login(client, world.users["it_staff"])
    for query in ({}, {"page": "1"}):
        shown = {f.asset for f in client.get(reverse("vulns:finding_list"), query).context["object_list"]}
        assert world.asset_b not in shown and world.asset_a in shown, query
    every = client.get(reverse("vulns:finding_list"), {"status": ""}).context["object_list"]
    assert world.asset_b in {f.asset for f in every}
