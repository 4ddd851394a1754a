"""In a real browser: the demo hospital's log monitoring — the critical alerts on the home page, the alert list,
the VPN compromise (already in the demo's incident case) explained with its rule author, the EHR server's timeline,
log health on the sources page, a status change, and no exclusion button for IT staff."""

from __future__ import annotations

from typing import Any

import pytest

from mamori.accounts.models import User
from mamori.demo.loader import load_demo
from mamori.monitoring.models import Alert, LogSource
from mamori.tenancy.models import Facility
from tests import factories
from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VPN = "FortiGate SSL-VPN Brute Force Followed by a Tunnel (Mamori)"
CHAIN = "Ransomware Attack Chain on One Host (Mamori)"


def test_it_staff_follows_the_vpn_compromise_to_the_ehr_server(live_server: Any, page: Any) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    User.objects.create_user("joho", password=factories.PASSWORD, role="it_staff", facility=facility)
    vpn = Alert.objects.get(rule_title=VPN)
    chain = Alert.objects.get(rule_title=CHAIN)
    base = live_server.url
    sign_in(page, base, "joho")

    todos = page.locator("[data-testid=todos]")
    assert "緊急レベルのログアラート" in todos.inner_text()

    page.click("nav.sidenav >> text=ログ監視")
    page.wait_for_url(f"{base}/monitoring/")
    table = page.locator("[data-testid=alert-table]")
    first_rows = table.locator("tbody tr").all_inner_texts()[:4]
    assert all("緊急" in row for row in first_rows), first_rows  # critical first
    assert table.locator(f"[data-testid=alert-{vpn.pk}]").count() == 0  # in the demo's incident case, not open
    assert "Mamori project" in table.locator(f"[data-testid=alert-{chain.pk}]").inner_text()
    counts = page.locator("[data-testid=level-counts]").inner_text()
    assert "緊急" in counts
    page.screenshot(path=str(SCREENSHOTS / "monitoring_alerts.png"), full_page=True)

    page.select_option("form.filters select[name=status]", "escalated")
    page.click("form.filters button[type=submit]")
    table.locator(f"[data-testid=alert-{vpn.pk}] a").first.click()
    page.wait_for_url(f"{base}{vpn.get_absolute_url()}")
    assert "IR-2026-001" in page.locator("[data-testid=alert-incident]").inner_text()
    explanation = page.locator("[data-testid=explanation]").inner_text()
    assert "203.0.113.77" in explanation and "remip" in explanation
    assert page.locator("[data-testid=rule-author]").inner_text().strip() == "Mamori project"
    assert "attack.t1110" in page.locator("[data-testid=rule-meta]").inner_text()
    assert page.locator("[data-testid=samples] tbody tr").count() >= 2
    page.screenshot(path=str(SCREENSHOTS / "monitoring_alert_vpn.png"), full_page=True)

    assert page.locator("[data-testid=exclude]").count() == 0  # IT staff may not silence a rule

    page.goto(f"{base}{chain.get_absolute_url()}")
    page.select_option("[data-testid=status-form] select[name=status]", "investigating")
    page.fill("input[name=assignee]", "情報システム係")
    page.click("[data-testid=status-form] button[type=submit]")
    page.wait_for_url(f"{base}{chain.get_absolute_url()}")
    page.wait_for_load_state()  # the same URL as before the post: wait for the page the redirect brings
    assert page.locator("[data-testid=alert-status]").inner_text().strip() == "調査中"
    chain.refresh_from_db()
    assert chain.status == "investigating" and chain.handled_by == "joho"
    assert "EHR server" in page.locator("[data-testid=level-raised]").inner_text() or "電子カルテ" in page.locator(
        "[data-testid=level-raised]").inner_text()
    page.click("[data-testid=host-link]")
    page.wait_for_load_state()
    events = page.locator("[data-testid=host-events]")
    text = events.inner_text()
    assert "vssadmin.exe delete shadows /all /quiet" in text and "AnyDesk" in text
    assert events.locator("tbody tr").count() >= 10
    detected = events.locator("tbody tr.detected")  # the chain's events carry the rule that caught them
    assert detected.count() >= 3
    deletion = detected.filter(has_text="vssadmin.exe delete shadows")
    assert deletion.count() == 1 and "Mamori project" in deletion.inner_text()
    assert "attack.t1490" in deletion.locator("[data-testid=detection]").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "monitoring_host_timeline.png"), full_page=True)

    page.goto(f"{base}/monitoring/sources/")
    backup = page.locator("[data-testid=source-backup-security]").inner_text()
    assert "EventRecordID" in backup and "欠けて" in backup
    fortigate = LogSource.objects.get(code="fgt-ehr-vpn")
    assert page.locator("[data-testid=senders-fgt-ehr-vpn]").inner_text() == f"syslog 送信元: {fortigate.senders}"
    page.screenshot(path=str(SCREENSHOTS / "monitoring_sources.png"), full_page=True)

    page.click("text=ログソースを追加")  # the floor switches send syslog to the same listener
    page.wait_for_url(f"{base}/monitoring/sources/new/")
    page.fill("input[name=code]", "switches")
    page.fill("input[name=name]", "フロアスイッチ")
    page.select_option("select[name=kind]", "syslog")
    page.fill("textarea[name=senders]", "10.20.0.0/24\n10.20.1.300")
    page.click("[data-testid=edit-form] button[type=submit]")
    page.wait_for_load_state()
    refused = page.locator("[data-testid=edit-form]").inner_text()
    assert "10.20.1.300 は IP アドレスでもネットワークでもありません" in refused
    page.screenshot(path=str(SCREENSHOTS / "monitoring_source_senders.png"), full_page=True)
    page.console_errors.clear()  # type: ignore[attr-defined]  # the refused form is a 400
    page.fill("textarea[name=senders]", "10.20.0.0/24\n10.20.1.0/24")
    page.click("[data-testid=edit-form] button[type=submit]")
    page.wait_for_load_state()
    switches = LogSource.objects.get(code="switches")
    assert switches.sender_list == ["10.20.0.0/24", "10.20.1.0/24"]
    page.goto(f"{base}/monitoring/sources/")
    assert "10.20.0.0/24, 10.20.1.0/24" in page.locator("[data-testid=senders-switches]").inner_text()

    page.click("nav.subnav >> text=ルール")
    page.wait_for_url(f"{base}/monitoring/rules/")
    assert "使用中のルール" in page.locator("[data-testid=rule-summary]").inner_text()
    page.fill("input[name=q]", "t1490")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"{base}/monitoring/rules/?q=t1490")  # count() does not wait for the filtered page
    rules = page.locator("[data-testid=rules] tbody tr")
    rules.first.wait_for()
    texts = "".join(rules.all_inner_texts())
    assert rules.count() >= 2 and "Shadow Copy or Backup Catalogue Deletion (Mamori)" in texts
    page.screenshot(path=str(SCREENSHOTS / "monitoring_rules.png"), full_page=True)
    assert not page.console_errors  # type: ignore[attr-defined]

