"""MDS/SDS per vendor (checklist 2-③): recorded with a risk assessment for every 「いいえ」."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mamori.ledger.models import VendorDisclosure
from mamori.ledger.services import ledger_todos
from tests import access_world, factories

pytestmark = pytest.mark.django_db

FORM: dict[str, Any] = {"kind": "sds", "form_version": "Ver.5.0", "subject": "電子カルテ保守",
                        "received_on": "2026-10-01", "no_answers": "0", "reviewed_on": "", "review_notes": ""}


@pytest.fixture
def world() -> access_world.World:
    return access_world.build()


def test_security_manager_records_an_sds_and_the_todo_shrinks(client: Client, world: access_world.World) -> None:
    manager = world.users["security_manager"]
    with translation.override("en"):
        before = {t.title: t.count for t in ledger_todos(manager)}["Vendors that have not provided an MDS/SDS"]
    factories.login(client, manager)
    response = client.post(reverse("ledger:vendor_disclosure", args=[world.vendor_a.pk]), FORM)
    assert response.status_code == 302
    with translation.override("en"):
        after = {t.title: t.count for t in ledger_todos(manager)}["Vendors that have not provided an MDS/SDS"]
    assert after == before - 1
    assert "電子カルテ保守" in client.get(world.vendor_a.get_absolute_url()).content.decode()


def test_no_answers_need_a_risk_assessment(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["security_manager"])
    refused = client.post(reverse("ledger:vendor_disclosure", args=[world.vendor_a.pk]), {**FORM, "no_answers": "2"})
    assert refused.status_code == 400 and "リスク評価" in refused.content.decode()
    assert not VendorDisclosure.objects.exists()


def test_a_vendor_submits_its_own_but_not_anothers(client: Client, world: access_world.World) -> None:
    factories.login(client, world.users["vendor_a"])
    assert client.post(reverse("ledger:vendor_disclosure", args=[world.vendor_a.pk]), FORM).status_code == 302
    assert client.post(reverse("ledger:vendor_disclosure", args=[world.vendor_b.pk]), FORM).status_code == 404
    assert list(VendorDisclosure.objects.values_list("vendor_id", flat=True)) == [world.vendor_a.pk]
    client.logout()
    factories.login(client, world.users["vendor_b"])
    assert "電子カルテ保守" not in client.get(world.vendor_b.get_absolute_url()).content.decode()


@pytest.mark.parametrize(("who", "status"), [("inspector", 403), ("privacy_officer", 403), ("other_it_staff", 404)])
def test_others_cannot_record(client: Client, world: access_world.World, who: str, status: int) -> None:
    factories.login(client, world.users[who])
    assert client.post(reverse("ledger:vendor_disclosure", args=[world.vendor_a.pk]), FORM).status_code == status


def test_anonymous_is_sent_to_sign_in(client: Client, world: access_world.World) -> None:
    assert client.post(reverse("ledger:vendor_disclosure", args=[world.vendor_a.pk]), FORM).status_code == 302
