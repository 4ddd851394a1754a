"""Every page: anonymous → sign-in; no permission → 403; permission → 200; restricted → only own objects."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests import access_world, factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> access_world.World:
    return access_world.build()


def _get(client: Client, world: access_world.World, who: str, url: str) -> int:
    if who != "anonymous":
        factories.login(client, world.users[who])
    return client.get(url).status_code


def _urls(world: access_world.World) -> dict[str, str]:
    return {
        "asset_list": reverse("ledger:asset_list"),
        "asset_detail": reverse("ledger:asset_detail", kwargs={"key": world.asset_a.key}),
        "vendor_list": reverse("ledger:vendor_list"),
        "vendor_detail": reverse("ledger:vendor_detail", kwargs={"pk": world.vendor_a.pk}),
        "path_list": reverse("ledger:remotepath_list"),
        "path_detail": reverse("ledger:remotepath_detail", kwargs={"pk": world.path_a.pk}),
    }


LEDGER_PAGES = ("asset_list", "asset_detail", "vendor_list", "vendor_detail", "path_list", "path_detail")


@pytest.mark.parametrize("page", LEDGER_PAGES)
def test_anonymous_is_sent_to_sign_in(client: Client, world: access_world.World, page: str) -> None:
    response = client.get(_urls(world)[page])
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("who", ["privacy_officer", "executive"])
@pytest.mark.parametrize("page", LEDGER_PAGES)
def test_roles_without_ledger_permission_get_403(client: Client, world: access_world.World, who: str,
                                                 page: str) -> None:
    assert _get(client, world, who, _urls(world)[page]) == 403


@pytest.mark.parametrize("who", ["admin", "security_manager", "it_staff", "inspector", "vendor_a"])
@pytest.mark.parametrize("page", LEDGER_PAGES)
def test_permitted_roles_see_the_page(client: Client, world: access_world.World, who: str, page: str) -> None:
    assert _get(client, world, who, _urls(world)[page]) == 200


def test_vendor_cannot_open_another_vendors_objects(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["vendor_a"])
    for url in (reverse("ledger:asset_detail", kwargs={"key": world.asset_b.key}),
                reverse("ledger:vendor_detail", kwargs={"pk": world.vendor_b.pk}),
                reverse("ledger:remotepath_detail", kwargs={"pk": world.path_b.pk})):
        assert client.get(url).status_code == 404, url
    listing = client.get(reverse("ledger:asset_list")).content.decode()
    assert "A社の装置" in listing and "B社の装置" not in listing and "別施設の装置" not in listing
    vendors = client.get(reverse("ledger:vendor_list")).content.decode()
    assert "A社" in vendors and "B社" not in vendors


def test_staff_of_one_facility_cannot_see_another(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["other_it_staff"])
    assert client.get(reverse("ledger:asset_detail", kwargs={"key": world.asset_a.key})).status_code == 404
    listing = client.get(reverse("ledger:asset_list")).content.decode()
    assert "別施設の装置" in listing and "A社の装置" not in listing


def test_home_page_needs_sign_in_and_works_for_every_role(client: Client, world: access_world.World) -> None:
    assert client.get(reverse("web:home")).status_code == 302
    for who in world.users:
        client.logout()
        assert _get(client, world, who, reverse("web:home")) == 200, who


def test_audit_trail_page_is_for_security_roles_only(client: Client, world: access_world.World) -> None:
    url = reverse("web:audit_list")
    assert client.get(url).status_code == 302
    for who, expected in (("it_staff", 403), ("vendor_a", 403), ("inspector", 403), ("security_manager", 200),
                          ("admin", 200)):
        client.logout()
        assert _get(client, world, who, url) == expected, who


def test_navigation_hides_sections_the_role_cannot_open(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["privacy_officer"])
    page = client.get(reverse("web:home")).content.decode()
    assert reverse("ledger:asset_list") not in page
    client.logout()
    factories.login(client, world.users["it_staff"])
    assert reverse("ledger:asset_list") in client.get(reverse("web:home")).content.decode()
