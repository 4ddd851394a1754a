"""Sign-in with lockout, TOTP enrolment for required roles, verification, backup codes, sign-out."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.audit.models import AuditEntry
from tests import factories

pytestmark = pytest.mark.django_db


def _post_login(client: Client, username: str, password: str) -> object:
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def test_login_page_is_japanese_by_default(client: Client) -> None:
    page = client.get(reverse("accounts:login"))
    assert page.status_code == 200
    assert "ログイン" in page.content.decode()


def test_it_staff_signs_in_without_two_factor(client: Client) -> None:
    u = factories.user("it_staff", factories.facility())
    response = _post_login(client, u.username, factories.PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEntry.objects.filter(action="login", object_id=str(u.pk), actor_username=u.username).exists()


def test_account_locks_after_five_failures_even_with_the_right_password(client: Client) -> None:
    u = factories.user("it_staff")
    for _ in range(5):
        _post_login(client, u.username, "wrong-password-123")
    locked = _post_login(client, u.username, factories.PASSWORD)
    assert locked.status_code == 429
    assert "ロック" in locked.content.decode()
    assert client.get(reverse("web:home")).status_code == 302  # still signed out
    assert AuditEntry.objects.filter(action="login_failed", object_repr=u.username).count() >= 5


def test_admin_must_enrol_totp_then_is_verified(client: Client) -> None:
    admin = factories.user("admin")
    assert _post_login(client, admin.username, factories.PASSWORD).status_code == 302
    home = client.get(reverse("web:home"))
    assert home.status_code == 302 and reverse("accounts:mfa_setup") in home["Location"]
    setup = client.get(reverse("accounts:mfa_setup"))
    assert setup.status_code == 200 and "data:image/svg+xml" in setup.content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    bad = client.post(reverse("accounts:mfa_setup"), {"otp_token": "000000" if _code(device) != "000000" else "111111"})
    assert "有効ではありません" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(reverse("accounts:mfa_setup"), {"otp_token": _code(device)})
    codes = re.findall(r"<code>([0-9a-f]{8})</code>", done.content.decode())
    assert len(codes) == 10
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEntry.objects.filter(action="mfa_enrolled", object_id=str(admin.pk)).exists()


def test_enrolled_user_must_verify_after_password(client: Client) -> None:
    u = factories.user("security_manager", mfa=True)
    device = TOTPDevice.objects.get(user=u)
    _post_login(client, u.username, factories.PASSWORD)
    assert reverse("accounts:mfa_verify") in client.get(reverse("web:home"))["Location"]
    assert client.get(reverse("api:asset-list")).status_code in (401, 403)  # session not verified yet
    wrong = client.post(reverse("accounts:mfa_verify"), {"otp_token": "12345"})
    assert wrong.status_code == 200
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # django-otp throttles guessing
    device.throttle_reset()
    ok = client.post(reverse("accounts:mfa_verify"), {"otp_token": _code(device), "next": "/ledger/assets/"})
    assert ok.status_code == 302 and ok["Location"] == "/ledger/assets/"
    assert client.get(reverse("web:home")).status_code == 200


def test_backup_code_works_once(client: Client) -> None:
    from mamori.accounts.mfa import issue_backup_codes

    u = factories.user("security_manager", mfa=True)
    code = issue_backup_codes(u)[0]
    _post_login(client, u.username, factories.PASSWORD)
    assert client.post(reverse("accounts:mfa_verify"), {"otp_token": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    _post_login(client, u.username, factories.PASSWORD)
    reused = client.post(reverse("accounts:mfa_verify"), {"otp_token": code})
    assert reused.status_code == 200  # refused: stays on the form


def test_open_redirect_is_refused(client: Client) -> None:
    u = factories.user("security_manager", mfa=True)
    device = TOTPDevice.objects.get(user=u)
    _post_login(client, u.username, factories.PASSWORD)
    ok = client.post(reverse("accounts:mfa_verify"), {"otp_token": _code(device), "next": "https://evil.example/"})
    assert ok["Location"] == reverse("web:home")


def test_logout_requires_post_and_ends_the_session(client: Client) -> None:
    factories.login(client, factories.user("it_staff"))
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("web:home")).status_code == 302


def test_password_change_applies_the_guideline(client: Client) -> None:
    u = factories.user("it_staff")
    factories.login(client, u)
    refused = client.post(reverse("accounts:password_change"), {
        "old_password": factories.PASSWORD, "new_password1": "Short1abc", "new_password2": "Short1abc"})
    assert refused.status_code == 200 and "13" in refused.content.decode()
    accepted = client.post(reverse("accounts:password_change"), {
        "old_password": factories.PASSWORD, "new_password1": "Vq7-lantern-Orbit-52",
        "new_password2": "Vq7-lantern-Orbit-52"})
    assert accepted.status_code == 302
    assert AuditEntry.objects.filter(action="update", object_id=str(u.pk), changes__has_key="password").exists()
