"""In a real browser: sign in, enrol TOTP, see the home page with real to-dos, sign out, verify again."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django_otp.oath import totp

from mamori.accounts.models import User
from mamori.demo.loader import load_demo
from tests import factories
from tests.browser.conftest import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _code(secret_b32: str, drift: int = 0) -> str:
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=drift):06d}"


def test_admin_signs_in_enrols_totp_and_sees_this_weeks_todos(live_server: Any, page: Any) -> None:
    load_demo(assets_target=300)
    User.objects.create_user("kanri", password=factories.PASSWORD, role="admin")
    base = live_server.url

    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
    assert page.locator("h1").inner_text() == "ログイン"
    page.fill("input[name=username]", "kanri")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button.primary")

    assert "/accounts/mfa/setup/" in page.url  # the administrator role must enrol first
    assert page.locator("[data-testid=totp-qr]").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "mfa_setup.png"), full_page=True)
    secret = page.locator("[data-testid=totp-secret]").inner_text().strip()
    page.fill("input[name=otp_token]", _code(secret))
    page.click("[data-testid=otp-setup-form] button")
    page.wait_for_load_state()
    assert page.locator("[data-testid=backup-codes] li").count() == 10
    page.click("[data-testid=continue]")
    page.wait_for_load_state()

    todos = page.locator("[data-testid=todos] > li")
    assert page.locator("h1").inner_text() == "今週のやること"
    assert todos.count() >= 3
    # the critical ones first: the demo's intrusion in the logs, exploited VPNs, paths open to any address
    first = "".join(todos.nth(n).inner_text() for n in range(3))
    assert "緊急レベルのログアラート" in first
    assert "接続元IP制限のないリモート保守経路" in first and "2-⑬" in first
    assert "CVE-2018-13379 @ VPN-00001" in first
    assert page.locator("[data-testid=stat-assets]").inner_text() == "300"
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)

    page.click("text=台帳")
    page.wait_for_load_state()
    assert page.locator("[data-testid=asset-table] tbody tr").count() == 50
    page.fill("input[name=q]", "FortiGate")
    page.click("[data-testid=filters] button")
    page.wait_for_load_state()
    assert page.locator("[data-testid=asset-table] tbody tr").count() >= 1
    page.screenshot(path=str(SCREENSHOTS / "ledger.png"), full_page=True)

    page.click("[data-testid=lang-en]")
    assert page.locator("h1").inner_text().startswith("Ledger")

    page.click("[data-testid=logout]")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "kanri")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("button.primary")
    page.wait_for_load_state()
    assert "/accounts/mfa/verify/" in page.url
    page.fill("input[name=otp_token]", _code(secret, drift=1))  # next time step: a used code is not replayable
    page.click("[data-testid=otp-form] button")
    page.wait_for_load_state()
    assert page.url.rstrip("/") == base
    assert page.console_errors == []  # no CSP violation or script error
