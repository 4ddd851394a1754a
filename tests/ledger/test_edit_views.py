"""Editing the ledger: allowed roles only, within their facility, with validation and an audit entry."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from mamori.audit.models import AuditEntry
from mamori.ledger.models import Asset, RemoteAccessPath
from tests import access_world, factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> access_world.World:
    return access_world.build()


def _asset_form(world: access_world.World, **changes: Any) -> dict[str, Any]:
    a = world.asset_a
    data = {"facility": world.fac.pk, "key": a.key, "category": a.category, "name": a.name, "location": "3F サーバ室",
            "os_name": "FortiOS", "os_version": "6.0.4", "patient_safety_impact": "none", "mfa": "no",
            "update_responsibility": "vendor", "in_use": "true", "av_installed": "unknown",
            "cpes": "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*", "vendor": world.vendor_a.pk}
    data.update(changes)
    return data


def test_it_staff_edits_an_asset_and_the_change_is_audited(client: Client, world: access_world.World) -> None:
    user = world.users["it_staff"]
    factories.login(client, user)
    url = reverse("ledger:asset_edit", args=[world.asset_a.key])
    assert client.get(url).status_code == 200
    response = client.post(url, _asset_form(world))
    assert response.status_code == 302, response.content.decode()[-2000:]
    world.asset_a.refresh_from_db()
    assert world.asset_a.cpes == ["cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*"]
    entry = AuditEntry.objects.filter(action="update", object_type="ledger.asset").latest("seq")
    assert entry.actor_username == user.username and entry.changes["os_version"] == ["2019", "6.0.4"]


def test_invalid_cpe_and_foreign_segment_are_refused(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    other_segment = factories.segment(world.other_fac)
    response = client.post(reverse("ledger:asset_edit", args=[world.asset_a.key]),
                           _asset_form(world, cpes="fortios 6.0.4", segment=other_segment.pk))
    page = response.content.decode()
    assert response.status_code == 200
    assert "CPE 2.3 の名前ではありません: fortios 6.0.4" in page
    assert "候補にありません" in page  # another facility's segment is not even a choice
    world.asset_a.refresh_from_db()
    assert world.asset_a.os_version == "2019"


@pytest.mark.parametrize("who", ["vendor_a", "inspector", "privacy_officer"])
def test_read_only_roles_cannot_edit(client: Client, world: access_world.World, who: str) -> None:
    factories.login(client, world.users[who])
    url = reverse("ledger:asset_edit", args=[world.asset_a.key])
    assert client.get(url).status_code == 403
    assert client.post(url, _asset_form(world, name="changed")).status_code == 403
    assert client.get(reverse("ledger:asset_create")).status_code == 403
    assert Asset.objects.get(pk=world.asset_a.pk).name == "A社の装置"


def test_other_facility_cannot_edit(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["other_it_staff"])
    assert client.get(reverse("ledger:asset_edit", args=[world.asset_a.key])).status_code == 404


def test_anonymous_is_sent_to_sign_in(client: Client, world: access_world.World) -> None:
    assert client.get(reverse("ledger:asset_edit", args=[world.asset_a.key])).status_code == 302


def test_create_a_path_requires_allowed_sources_when_restricted(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["security_manager"])
    data = {"facility": world.fac.pk, "code": "NEW1", "name": "新しい保守回線", "vendor": world.vendor_a.pk,
            "method": "ipsec_vpn", "source_ip_restricted": "on", "allowed_sources": "", "mfa": "on"}
    refused = client.post(reverse("ledger:remotepath_create"), data)
    assert refused.status_code == 200 and "許可する接続元アドレスを記入してください" in refused.content.decode()
    data["allowed_sources"] = "203.0.113.10/32"
    created = client.post(reverse("ledger:remotepath_create"), data)
    assert created.status_code == 302
    assert RemoteAccessPath.objects.get(code="NEW1").allowed_sources == "203.0.113.10/32"


def test_cpe_suggestions_appear_until_added(client: Client, world: access_world.World) -> None:
    asset = world.asset_a
    asset.manufacturer, asset.os_name, asset.os_version = "Fortinet", "FortiOS", "6.0.4"
    asset.model_name = "FortiGate 60E"
    asset.save()
    factories.login(client, world.users["it_staff"])
    page = client.get(asset.get_absolute_url()).content.decode()
    assert "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*" in page and "cpe:2.3:h:fortinet:fortigate_60e" in page
    edit = client.get(reverse("ledger:asset_edit", args=[asset.key])).content.decode()
    assert "cpe:2.3:o:fortinet:fortios:6.0.4" in edit
    asset.cpes = ["cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*"]
    asset.save()
    assert asset.suggested_cpes() == ["cpe:2.3:h:fortinet:fortigate_60e:-:*:*:*:*:*:*:*"]


def test_installed_software_is_edited_one_per_line(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    software = "Mirth Connect | 4.4.0 | cpe:2.3:a:nextgen:mirth_connect:4.4.0:*:*:*:*:*:*:*\nTeamViewer | 15.51.5"
    url = reverse("ledger:asset_edit", args=[world.asset_a.key])
    response = client.post(url, _asset_form(world, software=software))
    assert response.status_code == 302
    world.asset_a.refresh_from_db()
    assert world.asset_a.software == [
        {"name": "Mirth Connect", "version": "4.4.0", "cpe": "cpe:2.3:a:nextgen:mirth_connect:4.4.0:*:*:*:*:*:*:*"},
        {"name": "TeamViewer", "version": "15.51.5", "cpe": ""}]
    refused = client.post(reverse("ledger:asset_edit", args=[world.asset_a.key]),
                          _asset_form(world, software="DCMTK | 3.6.6 | dcmtk"))
    assert refused.status_code == 200 and "CPE 2.3 の名前ではありません: dcmtk" in refused.content.decode()
