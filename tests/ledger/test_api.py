"""Every API endpoint: anonymous 401, no permission 403, permission 200/201, restricted to own objects."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from mamori.accounts.models import ApiToken
from mamori.audit.models import AuditEntry
from tests import access_world, factories

pytestmark = pytest.mark.django_db

LIST_ENDPOINTS = ("api:asset-list", "api:vendor-list", "api:remoteaccesspath-list", "api:networksegment-list",
                  "api:user-list", "api:auditentry-list")


@pytest.fixture
def world() -> access_world.World:
    return access_world.build()


def _token_client(user: object) -> Client:
    _token, clear = ApiToken.issue(user, "test")  # type: ignore[arg-type]
    return Client(HTTP_AUTHORIZATION=f"Token {clear}")


@pytest.mark.parametrize("name", [*LIST_ENDPOINTS, "api:me"])
def test_anonymous_gets_401(client: Client, world: access_world.World, name: str) -> None:
    assert client.get(reverse(name)).status_code == 401


@pytest.mark.parametrize("name", LIST_ENDPOINTS)
def test_role_without_permission_gets_403(world: access_world.World, name: str) -> None:
    assert _token_client(world.users["privacy_officer"]).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(("who", "name"), [
    ("it_staff", "api:asset-list"), ("it_staff", "api:vendor-list"), ("it_staff", "api:remoteaccesspath-list"),
    ("it_staff", "api:networksegment-list"), ("security_manager", "api:user-list"),
    ("security_manager", "api:auditentry-list"), ("inspector", "api:asset-list"), ("vendor_a", "api:asset-list"),
    ("admin", "api:user-list"),
])
def test_permitted_role_gets_200(world: access_world.World, who: str, name: str) -> None:
    assert _token_client(world.users[who]).get(reverse(name)).status_code == 200


def test_vendor_sees_only_its_own_objects_through_the_api(world: access_world.World) -> None:
    api = _token_client(world.users["vendor_a"])
    assets = api.get(reverse("api:asset-list")).json()["results"]
    assert [a["key"] for a in assets] == [world.asset_a.key]
    assert api.get(reverse("api:asset-detail", args=[world.asset_b.pk])).status_code == 404
    assert api.get(reverse("api:vendor-detail", args=[world.vendor_b.pk])).status_code == 404
    paths = api.get(reverse("api:remoteaccesspath-list")).json()["results"]
    assert [p["id"] for p in paths] == [world.path_a.pk]
    assert api.get(reverse("api:user-list")).status_code == 403


def test_vendor_and_inspector_cannot_write(world: access_world.World) -> None:
    url = reverse("api:asset-detail", args=[world.asset_a.pk])
    for who in ("vendor_a", "inspector"):
        api = _token_client(world.users[who])
        assert api.patch(url, {"name": "x"}, content_type="application/json").status_code == 403
        assert api.delete(url).status_code == 403
    world.asset_a.refresh_from_db()
    assert world.asset_a.name == "A社の装置"


def test_it_staff_creates_an_asset_and_the_audit_trail_names_them(world: access_world.World) -> None:
    user = world.users["it_staff"]
    api = _token_client(user)
    created = api.post(reverse("api:asset-list"), {
        "facility": world.fac.pk, "key": "VPN-0001", "category": "vpn", "name": "FortiGate 60E",
        "os_name": "FortiOS", "os_version": "6.0.4", "internet_exposed": True,
        "cpes": ["cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*"]}, content_type="application/json")
    assert created.status_code == 201, created.content
    entry = AuditEntry.objects.filter(action="create", object_type="ledger.asset").latest("seq")
    assert (entry.actor_username, entry.source) == (user.username, "api")
    assert entry.changes["os_version"] == [None, "6.0.4"]


def test_it_staff_cannot_create_in_another_facility(world: access_world.World) -> None:
    api = _token_client(world.users["it_staff"])
    refused = api.post(reverse("api:asset-list"), {"facility": world.other_fac.pk, "key": "X-1", "category": "server",
                                                   "name": "x"}, content_type="application/json")
    assert refused.status_code == 400
    assert "facility" in refused.json()


def test_bad_and_expired_tokens_are_refused(world: access_world.World) -> None:
    assert Client(HTTP_AUTHORIZATION="Token nope.nope").get(reverse("api:me")).status_code == 401
    from datetime import timedelta

    from django.utils import timezone

    _t, clear = ApiToken.issue(world.users["it_staff"], "old", expires=timezone.now() - timedelta(minutes=1))
    assert Client(HTTP_AUTHORIZATION=f"Token {clear}").get(reverse("api:me")).status_code == 401


def test_session_of_an_mfa_user_must_be_verified_for_the_api(client: Client, world: access_world.World) -> None:
    user = world.users["security_manager"]
    client.force_login(user)  # password step only
    assert client.get(reverse("api:asset-list")).status_code in (401, 403)
    factories.login(client, user)
    assert client.get(reverse("api:asset-list")).status_code == 200
    assert client.get(reverse("api:me")).json()["mfa_enrolled"] is True


def test_openapi_schema_lists_the_endpoints(world: access_world.World) -> None:
    api = _token_client(world.users["it_staff"])
    schema = api.get(reverse("api-schema") + "?format=json").json()
    assert schema["info"]["title"] == "Mamori API"
    for path in ("/api/v1/assets/", "/api/v1/vendors/", "/api/v1/remote-paths/", "/api/v1/audit/"):
        assert path in schema["paths"]
    assert Client().get(reverse("api-schema")).status_code == 401


def test_list_endpoints_apply_the_same_filters_as_the_pages(world: access_world.World) -> None:
    world.asset_b.category = "vpn"
    world.asset_b.save()
    body = _token_client(world.users["it_staff"]).get(reverse("api:asset-list"), {"category": "vpn"}).json()
    assert [a["key"] for a in body["results"]] == [world.asset_b.key]
