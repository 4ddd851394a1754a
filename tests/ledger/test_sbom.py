"""Attaching a CycloneDX SBOM: components become the asset's software; a bad file stores nothing."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mamori import cli
from mamori.accounts.models import ApiToken
from mamori.ledger.models import AssetSbom, SbomComponent
from mamori.ledger.sboms import current_components
from tests import access_world, factories
from tests.engines.sbom.cyclonedx_samples import MONITOR_SBOM, as_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> access_world.World:
    return access_world.build()


def _upload(data: bytes, name: str = "cns9701.cdx.json") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/json")


def test_page_upload_lists_components_and_keeps_the_file_hash(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    url = reverse("ledger:asset_sbom", args=[world.asset_a.key])
    response = client.post(url, {"sbom": _upload(as_bytes(MONITOR_SBOM))}, follow=True)
    page = response.content.decode()
    assert "SBOMを添付しました: 4件の構成要素" in page
    assert "cpe:2.3:a:openssl:openssl:1.1.1k" in page and "libpng" in page
    sbom = AssetSbom.objects.get(asset=world.asset_a)
    with sbom.file.open("rb") as stored:
        assert len(sbom.sha256) == 64 and stored.read() == as_bytes(MONITOR_SBOM)
    assert [c.name for c in current_components(world.asset_a)][:2] == ["Windows 10 IoT Enterprise LTSC", "openssl"]


def test_a_broken_sbom_is_refused_whole_with_the_path(client: Client, world: access_world.World) -> None:
    broken = copy.deepcopy(MONITOR_SBOM)
    broken["components"][1]["cpe"] = "openssl 1.1.1k"
    factories.login(client, world.users["it_staff"])
    response = client.post(reverse("ledger:asset_sbom", args=[world.asset_a.key]),
                           {"sbom": _upload(as_bytes(broken), "bad.json")}, follow=True)
    page = response.content.decode()
    assert "SBOMを添付できませんでした" in page and "bad.json, components[1].cpe: not a CPE name" in page
    assert AssetSbom.objects.count() == 0 and SbomComponent.objects.count() == 0


@pytest.mark.parametrize(("who", "status"), [("vendor_a", 403), ("inspector", 403), ("other_it_staff", 404)])
def test_only_those_who_may_change_the_asset_can_attach(client: Client, world: access_world.World, who: str,
                                                       status: int) -> None:
    factories.login(client, world.users[who])
    response = client.post(reverse("ledger:asset_sbom", args=[world.asset_a.key]),
                           {"sbom": _upload(as_bytes(MONITOR_SBOM))})
    assert response.status_code == status
    assert AssetSbom.objects.count() == 0


def test_api_attach_and_validation_error(world: access_world.World) -> None:
    _t, clear = ApiToken.issue(world.users["it_staff"], "t")
    api = Client(HTTP_AUTHORIZATION=f"Token {clear}")
    url = reverse("api:asset-sbom", args=[world.asset_a.pk])
    created = api.post(url, {"sbom": _upload(as_bytes(MONITOR_SBOM))})
    assert created.status_code == 201 and created.json()["component_count"] == 4
    refused = api.post(url, {"sbom": _upload(b'{"bomFormat": "SPDX"}', "x.json")})
    assert refused.status_code == 400 and "x.json, bomFormat: not a CycloneDX document" in str(refused.json())
    _v, vendor_token = ApiToken.issue(world.users["vendor_a"], "t")
    vendor = Client(HTTP_AUTHORIZATION=f"Token {vendor_token}")
    assert vendor.post(url, {"sbom": _upload(as_bytes(MONITOR_SBOM))}).status_code == 403


def test_cli_attach_respects_the_user_and_reports_errors(tmp_path: Path, world: access_world.World,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "cns.cdx.json"
    good.write_bytes(as_bytes(MONITOR_SBOM))
    assert cli.main(["ledger", "attach-sbom", world.asset_a.key, str(good), "--user",
                     world.users["vendor_a"].username]) == 2
    assert cli.main(["ledger", "attach-sbom", world.asset_a.key, str(good), "--user",
                     world.users["it_staff"].username]) == 0
    assert "4 components" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"{not json")
    assert cli.main(["ledger", "attach-sbom", world.asset_a.key, str(bad)]) == 1
    assert "bad.json, line 1: invalid JSON" in capsys.readouterr().err
