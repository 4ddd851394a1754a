"""User administration: only administrators change users; every change is in the audit trail."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts.models import User
from mamori.audit.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def test_admin_creates_a_vendor_user_with_a_one_time_password(client: Client) -> None:
    fac = factories.facility()
    ven = factories.vendor(fac)
    admin = factories.user("admin", mfa=True)
    factories.login(client, admin)
    response = client.post(reverse("accounts:user_create"), {
        "username": "vendor-tanaka", "first_name": "田中", "email": "", "role": "vendor",
        "facility": fac.pk, "vendor": ven.pk, "is_active": "on"})
    assert response.status_code == 200
    password = response.content.decode().split('data-testid="one-time-password">')[1].split("<")[0]
    created = User.objects.get(username="vendor-tanaka")
    assert created.check_password(password) and len(password) >= 13
    entry = AuditEntry.objects.filter(action="create", object_id=str(created.pk)).get()
    assert entry.actor_username == admin.username
    assert password not in str(entry.changes)


def test_vendor_role_without_a_vendor_is_refused(client: Client) -> None:
    factories.login(client, factories.user("admin", mfa=True))
    response = client.post(reverse("accounts:user_create"), {"username": "x", "role": "vendor", "is_active": "on"})
    assert response.status_code == 200
    assert "事業者ユーザーには事業者の指定が必要です" in response.content.decode()
    assert not User.objects.filter(username="x").exists()


@pytest.mark.parametrize(("role", "list_status", "create_status"), [
    ("security_manager", 200, 403), ("it_staff", 403, 403), ("vendor", 403, 403), ("inspector", 403, 403)])
def test_only_administrators_change_users(client: Client, role: str, list_status: int, create_status: int) -> None:
    fac = factories.facility()
    ven = factories.vendor(fac) if role == "vendor" else None
    factories.login(client, factories.user(role, fac, ven, mfa=role == "security_manager"))
    assert client.get(reverse("accounts:user_list")).status_code == list_status
    assert client.get(reverse("accounts:user_create")).status_code == create_status
    victim = factories.user("it_staff", fac)
    assert client.post(reverse("accounts:user_action", args=[victim.pk, "reset-mfa"])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    assert client.get(reverse("accounts:user_list")).status_code == 302


def test_reset_two_factor_is_audited_and_forces_enrolment(client: Client) -> None:
    admin = factories.user("admin", mfa=True)
    manager = factories.user("security_manager", mfa=True)
    factories.login(client, admin)
    client.post(reverse("accounts:user_action", args=[manager.pk, "reset-mfa"]))
    assert not TOTPDevice.objects.filter(user=manager).exists()
    assert AuditEntry.objects.filter(action="mfa_reset", object_id=str(manager.pk), actor_username=admin.username)
    other = Client()
    other.force_login(manager)
    assert reverse("accounts:mfa_setup") in other.get(reverse("web:home"))["Location"]


def test_role_change_is_recorded_with_old_and_new_values(client: Client) -> None:
    fac = factories.facility()
    target = factories.user("it_staff", fac)
    factories.login(client, factories.user("admin", mfa=True))
    response = client.post(reverse("accounts:user_update", args=[target.pk]), {
        "username": target.username, "first_name": "", "email": "", "role": "inspector", "facility": fac.pk,
        "is_active": "on"})
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="update", object_id=str(target.pk)).latest("seq")
    assert entry.changes["role"] == ["it_staff", "inspector"]


def test_administrator_cannot_deactivate_themself(client: Client) -> None:
    admin = factories.user("admin", mfa=True)
    factories.login(client, admin)
    response = client.post(reverse("accounts:user_update", args=[admin.pk]), {
        "username": admin.username, "first_name": "", "email": "", "role": "admin"})
    assert response.status_code == 403
    admin.refresh_from_db()
    assert admin.is_active
