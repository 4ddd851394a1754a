"""In a real browser: the demo hospital's vulnerabilities — the FortiGate at the top, its evidence, a risk
acceptance through the form, the weekly report and a refused feed upload."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from mamori.accounts.models import User
from mamori.demo.loader import load_demo
from mamori.tenancy.models import Facility
from mamori.vulns.models import Finding, WeeklyReport
from tests import factories
from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_vulnerability_pages_in_the_browser(live_server: Any, page: Any, tmp_path: Path) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    User.objects.create_user("joho", password=factories.PASSWORD, role="it_staff", facility=facility)
    manager = factories.user("security_manager", facility, mfa=True, username="anzen")
    base = live_server.url
    sign_in(page, base, "joho")

    home = page.locator("[data-testid=todos]").inner_text()
    assert "緊急" in home and "CVE-2018-13379" in home
    page.screenshot(path=str(SCREENSHOTS / "home_vulns.png"), full_page=True)

    page.click("nav.sidenav >> text=脆弱性")
    first = page.locator("[data-testid=finding-row]").first
    assert "VPN-00001" in first.inner_text() and "KEV" in first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "finding_list.png"), full_page=True)

    first.locator("a").first.click()
    page.wait_for_load_state()
    reasons = page.locator("[data-testid=priority-reasons]").inner_text()
    assert "ランサムウェア" in reasons
    evidence = page.locator("[data-testid=evidence]").inner_text()
    assert "cpe:2.3:o:fortinet:fortios" in evidence
    assert page.locator("[data-testid=credential-leak]").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "finding_detail.png"), full_page=True)

    page.goto(f"{base}/vulns/?q=CVE-2022-2119")
    page.locator("[data-testid=finding-row] a").first.click()
    page.select_option("select[name=status]", "accepted")
    page.fill("textarea[name=reason]", "検査系の閉域網内のみ。次回保守で更新")
    page.click("[data-testid=status-form] button")
    page.wait_for_load_state()
    assert page.locator("[data-testid=form-errors]").count() == 1  # no approver and no expiry
    page.select_option("select[name=approver]", str(manager.pk))
    page.fill("input[name=accepted_until]", (dt.date.today() + dt.timedelta(days=90)).isoformat())
    page.click("[data-testid=status-form] button")
    page.wait_for_load_state()
    assert "リスク受容" in page.locator("[data-testid=status]").inner_text()
    assert Finding.objects.filter(vulnerability__cve_id="CVE-2022-2119", status="accepted").exists()

    page.goto(f"{base}/vulns/reports/")
    page.locator("[data-testid=report-table] tbody a").first.click()
    assert "今週の脆弱性" in page.locator("h1").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "weekly_report.png"), full_page=True)
    assert WeeklyReport.objects.exists()

    page.goto(f"{base}/vulns/feeds/")
    broken = tmp_path / "nvdcve-2.0-2026.json"
    broken.write_text('{"format": "NVD_CVE", "vulnerabilities": [{"cve": {"id": "CVE-2026-0001",', encoding="utf-8")
    page.set_input_files("input[name=file]", str(broken))
    page.click("[data-testid=feed-form] button")
    message = page.locator(".messages").inner_text()
    assert "nvdcve-2.0-2026.json" in message and "取り込みませんでした" in message
    page.screenshot(path=str(SCREENSHOTS / "feeds.png"), full_page=True)
    assert page.console_errors == []
