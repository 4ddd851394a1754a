"""Bulk edit: the same change on many assets, all or nothing, each change in the audit trail."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mamori.audit.models import AuditEntry
from mamori.ledger.models import Asset
from tests import access_world, factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> access_world.World:
    return access_world.build()


def test_selected_assets_get_the_filled_fields_only(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    pks = [world.asset_a.pk, world.asset_b.pk]
    form = client.get(reverse("ledger:asset_bulk_edit"), {"pk": pks})
    assert form.status_code == 200 and world.asset_b.key in form.content.decode()
    before = AuditEntry.objects.count()
    response = client.post(reverse("ledger:asset_bulk_edit"), {
        "pk": pks, "location": "新館2F サーバ室", "mfa": "yes", "in_use": "", "renewal_year": "2027",
        "segment": world.segment.pk})
    assert response.status_code == 302
    for asset in Asset.objects.filter(pk__in=pks):
        assert (asset.location, asset.mfa, asset.renewal_year, asset.segment_id) == (
            "新館2F サーバ室", "yes", 2027, world.segment.pk)
        assert asset.in_use is True  # left blank: unchanged
    assert AuditEntry.objects.count() == before + 2


def test_nothing_changes_when_one_asset_is_out_of_reach(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    response = client.post(reverse("ledger:asset_bulk_edit"), {
        "pk": [world.asset_a.pk, world.asset_other_fac.pk], "location": "どこか"})
    assert response.status_code == 200
    assert "変更できない資産が含まれています" in response.content.decode()
    assert not Asset.objects.filter(location="どこか").exists()


def test_an_empty_change_is_refused(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["it_staff"])
    response = client.post(reverse("ledger:asset_bulk_edit"), {"pk": [world.asset_a.pk]})
    assert "少なくとも1つ" in response.content.decode()


@pytest.mark.parametrize("who", ["vendor_a", "inspector", "executive"])
def test_read_only_roles_cannot_bulk_edit(client: Client, world: access_world.World, who: str) -> None:
    factories.login(client, world.users[who])
    assert client.get(reverse("ledger:asset_bulk_edit"), {"pk": [world.asset_a.pk]}).status_code == 403
    assert client.post(reverse("ledger:asset_bulk_edit"), {"pk": [world.asset_a.pk], "owner": "x"}).status_code == 403


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    assert client.get(reverse("ledger:asset_bulk_edit")).status_code == 302
