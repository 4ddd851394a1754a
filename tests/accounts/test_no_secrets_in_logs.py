"""Passwords, one-time codes and API tokens never appear in log records."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.urls import reverse

from mamori.accounts.models import ApiToken
from tests import factories

pytestmark = pytest.mark.django_db


def test_failed_sign_ins_codes_and_tokens_are_not_logged(client: Client, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    user = factories.user("security_manager", mfa=True)
    wrong_password = "Wrong-Secret-Value-77x"
    for _ in range(6):  # past the lockout, so axes logs its warning too
        client.post(reverse("accounts:login"), {"username": user.username, "password": wrong_password})
    client.post(reverse("accounts:login"), {"username": user.username, "password": factories.PASSWORD})
    client.post(reverse("accounts:mfa_verify"), {"otp_token": "493817"})
    _token, clear = ApiToken.issue(factories.user("it_staff"), "t")
    Client(HTTP_AUTHORIZATION=f"Token {clear}x").get(reverse("api:me"))
    logged = "\n".join(f"{r.getMessage()} {r.args!r} {getattr(r, 'request', '')}" for r in caplog.records)
    assert caplog.records, "expected the lockout to be logged"
    for secret in (wrong_password, factories.PASSWORD, "493817", clear.split(".")[1]):
        assert secret not in logged
