"""REST API of vulnerability intelligence: same permissions, restriction, filters and workflow as the pages."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mamori.accounts.models import ApiToken
from mamori.vulns.matching import run_match
from mamori.vulns.models import FeedImport, Finding
from tests import access_world
from tests.vulns.conftest import feed, imported

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> access_world.World:
    w = access_world.build()
    imported(feed("api20_fortios_cve-2022-42475.json"), feed("api20_medical_devices.json"))
    for asset, cpe in ((w.asset_a, "o:fortinet:fortios:6.0.4"), (w.asset_b, "a:offis:dcmtk:3.6.6")):
        asset.cpes = [f"cpe:2.3:{cpe}:*:*:*:*:*:*:*"]
        asset.save()
    run_match()
    return w


def _client(user: object) -> Client:
    _token, clear = ApiToken.issue(user, "test")  # type: ignore[arg-type]
    return Client(HTTP_AUTHORIZATION=f"Token {clear}")


@pytest.mark.parametrize("name", ["api:finding-list", "api:vulnerability-list", "api:feedimport-list",
                                  "api:matchrun-list", "api:weeklyreport-list"])
def test_anonymous_401_and_no_permission_403(client: Client, world: access_world.World, name: str) -> None:
    assert client.get(reverse(name)).status_code == 401
    assert _client(world.users["privacy_officer"]).get(reverse(name)).status_code == 403


def test_findings_are_restricted_and_explained(world: access_world.World) -> None:
    mine = _client(world.users["vendor_a"]).get(reverse("api:finding-list")).json()["results"]
    assert {f["asset_key"] for f in mine} == {world.asset_a.key}
    finding = mine[0]
    assert finding["cve_id"] == "CVE-2022-42475" and finding["tier"] == "exact"
    assert finding["evidence"][0]["criteria"].startswith("cpe:2.3:o:fortinet:fortios")
    assert finding["priority_text"] and "CVSS 9.8" in " ".join(finding["priority_text"])
    every = _client(world.users["it_staff"]).get(reverse("api:finding-list"), {"q": "CVE-2022-2119"}).json()
    assert [f["asset_key"] for f in every["results"]] == [world.asset_b.key]


def test_vulnerability_lookup_by_cve_id(world: access_world.World) -> None:
    body = _client(world.users["vendor_a"]).get(
        reverse("api:vulnerability-detail", args=["CVE-2022-42475"])).json()
    assert body["cvss_max"] == 9.8 and body["in_nvd"] is True


def test_status_change_through_the_api_follows_the_workflow(world: access_world.World) -> None:
    finding = Finding.objects.get(asset=world.asset_b)
    url = reverse("api:finding-change", args=[finding.pk])
    it = _client(world.users["it_staff"])
    refused = it.post(url, {"status": "false_positive"}, content_type="application/json")
    assert refused.status_code == 400
    assert "理由" in refused.json()["status"]  # the refusal in the default language, Japanese
    done = it.post(url, {"status": "false_positive", "reason": "DICOM 受信を無効化済み"},
                   content_type="application/json")
    assert done.status_code == 200 and done.json()["status"] == "false_positive"
    vendor = _client(world.users["vendor_b"])
    assert vendor.post(url, {"status": "open", "reason": "x"}, content_type="application/json").status_code == 403


def test_feed_import_endpoint(world: access_world.World) -> None:
    it = _client(world.users["it_staff"])
    upload = SimpleUploadedFile("feed.json", feed("nvd11_two_records.json").read_bytes())
    response = it.post(reverse("api:feedimport-import-file"), {"file": upload})
    assert response.status_code == 201
    body = response.json()
    assert body["imports"][0]["kind"] == "nvd" and body["match_run"]["findings"] >= 2
    broken = SimpleUploadedFile("x.json", b"{")
    refused = it.post(reverse("api:feedimport-import-file"), {"file": broken})
    assert refused.status_code == 400 and "x.json" in refused.json()["file"][0]
    assert FeedImport.objects.count() == 3  # the two of the fixture and this one
    inspector = _client(world.users["inspector"])
    assert inspector.post(reverse("api:feedimport-import-file"), {"file": upload}).status_code == 403


def test_match_run_endpoint(world: access_world.World) -> None:
    response = _client(world.users["security_manager"]).post(reverse("api:matchrun-list"))
    assert response.status_code == 201 and response.json()["findings"] >= 2
    assert _client(world.users["inspector"]).post(reverse("api:matchrun-list")).status_code == 403
