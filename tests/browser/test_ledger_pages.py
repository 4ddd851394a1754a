"""In a real browser: import a CP932 ledger file through the preview, then register a host found by nmap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mamori.accounts.models import User
from mamori.demo.loader import load_demo
from mamori.ledger.models import Asset
from mamori.tenancy.models import Facility
from tests import factories
from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = ("資産番号,分類,名称,IPアドレス,ネットワークセグメント,所在,使用可否\r\n"
       "NEW-100,端末PC,髙橋医師の外来端末,10.10.9.100,EHR,外来棟2F 診察室1,はい\r\n"
       "NEW-101,サーバ,山﨑さんの検査サーバ,10.20.9.101,DEPT,本館1F 検査室,はい\r\n")


def test_import_preview_confirm_and_discovery_register(live_server: Any, page: Any, tmp_path: Path) -> None:
    load_demo(assets_target=300)
    User.objects.create_user("joho", password=factories.PASSWORD, role="it_staff", facility=Facility.objects.get())
    base = live_server.url
    sign_in(page, base, "joho")

    source = tmp_path / "追加分.csv"
    source.write_bytes(CSV.encode("cp932"))
    page.goto(f"{base}/ledger/assets/import/")
    page.set_input_files("input[name=file]", str(source))
    page.click("[data-testid=import-form] button")
    preview = page.locator("[data-testid=import-preview]").inner_text()
    assert "2件を新規登録" in preview and "髙橋医師の外来端末" in preview
    page.screenshot(path=str(SCREENSHOTS / "import_preview.png"), full_page=True)
    page.click("[data-testid=import-confirm] button")
    page.wait_for_load_state()
    assert "取り込みました" in page.locator(".messages").inner_text()
    assert Asset.objects.filter(key__in=["NEW-100", "NEW-101"]).count() == 2

    page.click("text=機器探索（nmap）")
    page.click("[data-testid=discovery-runs] tbody a")
    page.wait_for_load_state()
    assert page.locator("[data-testid=unregistered] tbody tr").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "discovery.png"), full_page=True)
    page.click("[data-testid=unregistered] button")
    page.wait_for_load_state()
    assert "/edit/" in page.url and "DISC-00001" in page.locator("h1").inner_text()
    assert page.console_errors == []
