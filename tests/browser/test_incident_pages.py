"""In a real browser: IT staff take over the demo hospital's VPN intrusion case — the to-do on the home page, the
case with its phases and timeline, the EHR server's ransomware alerts taken in, an action written down, closing
refused without lessons learned — and open a second case from a ticked alert in the alert list."""

from __future__ import annotations

from typing import Any

import pytest

from mamori.accounts.models import User
from mamori.demo.loader import load_demo
from mamori.incidents.models import Incident
from mamori.monitoring.models import Alert
from mamori.tenancy.models import Facility
from tests import factories
from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHAIN = "Ransomware Attack Chain on One Host (Mamori)"
SHADOW = "Shadow Copy or Backup Catalogue Deletion (Mamori)"
SPRAY = "Password Spraying from One Source (Mamori)"


def test_it_staff_run_the_vpn_intrusion_case(live_server: Any, page: Any) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    User.objects.create_user("joho", password=factories.PASSWORD, role="it_staff", facility=facility)
    case = Incident.objects.get()
    chain, shadow, spray = (Alert.objects.get(rule_title=t) for t in (CHAIN, SHADOW, SPRAY))
    base = live_server.url
    sign_in(page, base, "joho")

    assert "対応中のインシデント" in page.locator("[data-testid=todos]").inner_text()
    page.click("nav.sidenav >> text=インシデント")
    page.wait_for_url(f"{base}/incidents/")
    row = page.locator(f"[data-testid=incident-{case.pk}]")
    assert "IR-2026-001" in row.inner_text() and "封じ込め" in row.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "incidents_list.png"), full_page=True)

    row.locator("a").first.click()
    page.wait_for_url(f"{base}{case.get_absolute_url()}")
    assert page.locator("[data-testid=phases] li[aria-current=step]").inner_text().strip() == "封じ込め"
    assert "SV-90008" in page.locator("[data-testid=incident-assets]").inner_text()
    timeline = page.locator("[data-testid=incident-timeline]")
    assert "FortiGate SSL-VPN Brute Force" in timeline.inner_text() and "Mamori project" in timeline.inner_text()

    related = page.locator("[data-testid=related-alerts]")
    assert CHAIN in related.inner_text()
    related.locator(f"input[value='{chain.pk}']").check()
    related.locator(f"input[value='{shadow.pk}']").check()
    page.click("[data-testid=add-related]")
    page.wait_for_url(f"{base}{case.get_absolute_url()}")
    alerts = page.locator("[data-testid=incident-alerts]").inner_text()
    assert CHAIN in alerts and SHADOW in alerts
    assert timeline.locator("tr[data-kind=alert]").count() == 3
    chain.refresh_from_db()
    assert chain.status == "escalated"

    page.select_option("[data-testid=entry-form] select[name=kind]", "action")
    page.fill("[data-testid=entry-form] textarea[name=text]", "電子カルテAPサーバのLANケーブルを抜き、メモリを保全")
    page.click("[data-testid=add-entry]")
    page.wait_for_url(f"{base}{case.get_absolute_url()}#timeline")
    assert "メモリを保全" in timeline.inner_text()

    page.select_option("[data-testid=phase-form] select[name=phase]", "closed")
    page.click("[data-testid=change-phase]")
    assert "教訓" in page.locator("[data-testid=phase-form] .errors").inner_text()
    case.refresh_from_db()
    assert case.phase == "containment"
    assert page.console_errors == [  # type: ignore[attr-defined]
        "Failed to load resource: the server responded with a status of 400 (Bad Request)"]  # the refusal
    page.console_errors.clear()  # type: ignore[attr-defined]
    page.goto(f"{base}{case.get_absolute_url()}")
    page.screenshot(path=str(SCREENSHOTS / "incident_detail.png"), full_page=True)
    page.emulate_media(media="print")  # printed for the director or the report: the record, not the forms
    assert not page.locator("[data-testid=entry-form]").is_visible()
    assert not page.locator("[data-testid=related-alerts]").is_visible()
    assert not page.locator("nav.sidenav").is_visible()
    assert timeline.is_visible() and page.locator(".print-only").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "incident_print.png"), full_page=True)
    page.emulate_media(media="screen")

    page.goto(f"{base}/monitoring/")
    page.locator(f"[data-testid=alert-{spray.pk}] input[type=checkbox]").check()
    page.click("[data-testid=open-incident-ticked]")
    page.wait_for_url(f"{base}/incidents/new/?alert={spray.pk}")
    assert SPRAY in page.locator("[data-testid=from-alerts]").inner_text()
    assert page.locator("select[name=category]").input_value() == "unauthorised_access"
    assert "SV-90010" in page.locator("textarea[name=asset_refs]").input_value()
    page.screenshot(path=str(SCREENSHOTS / "incident_new.png"), full_page=True)
    page.click("[data-testid=save-incident]")
    second = Incident.objects.exclude(pk=case.pk).get()
    page.wait_for_url(f"{base}{second.get_absolute_url()}")
    assert page.locator("[data-testid=incident-number]").inner_text() == "IR-2026-002"
    page.goto(f"{base}{spray.get_absolute_url()}")
    assert "IR-2026-002" in page.locator("[data-testid=alert-incident]").inner_text()
    assert not page.console_errors  # type: ignore[attr-defined]
