"""The home page's to-dos come from real data and change when the data changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mamori.ledger.services import ledger_todos
from tests import factories

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


def _titles(user: object) -> dict[str, int]:
    with translation.override("en"):
        return {t.title: t.count for t in ledger_todos(user, today=TODAY)}


def test_path_without_source_ip_restriction_is_a_critical_todo_until_fixed(client: Client) -> None:
    fac = factories.facility()
    ven = factories.vendor(fac, name="電子カルテ保守")
    vpn = factories.asset(fac, ven, category="vpn", name="FortiGate 60E")
    path = factories.remote_path(fac, ven, vpn, name="電カル保守VPN", source_ip_restricted=False)
    manager = factories.user("security_manager", fac, mfa=True)
    factories.login(client, manager)
    page = client.get(reverse("web:home")).content.decode()
    assert "接続元IP制限のないリモート保守経路" in page and "電カル保守VPN" in page and "2-⑬" in page
    first_todo = page[page.index('data-testid="todos"'):]
    assert first_todo[first_todo.index("todo sev-"):].startswith("todo sev-critical")  # critical comes first
    path.source_ip_restricted = True
    path.save()
    assert "接続元IP制限のないリモート保守経路" not in client.get(reverse("web:home")).content.decode()


def test_each_rule_counts_only_matching_assets() -> None:
    fac = factories.facility()
    ven = factories.vendor(fac)
    factories.asset(fac, category="server", av_installed=False)
    factories.asset(fac, category="server", av_installed=False, in_use=False)  # not in use: ignored
    factories.asset(fac, category="terminal", av_installed=True, av_definitions_date=TODAY - dt.timedelta(days=30))
    factories.asset(fac, category="terminal", av_installed=True, av_definitions_date=TODAY - dt.timedelta(days=2))
    factories.asset(fac, end_of_support=dt.date(2025, 10, 14))
    factories.asset(fac, mfa="no", renewal_year=2029)
    factories.asset(fac, mfa="no", renewal_year=2026)
    factories.asset(fac, location="")
    factories.remote_path(fac, ven, None, mfa=False)
    titles = _titles(factories.user("it_staff", fac))
    assert titles["Servers and PCs without antivirus"] == 1
    assert titles["Antivirus definitions older than 7 days"] == 1
    assert titles["Assets in use past their end of support"] == 1
    assert titles["Systems without two-factor authentication renewed after 令和9年4月1日"] == 1
    assert titles["Ledger entries missing fields the checklist expects"] == 8  # none has IP, CPE or model
    assert titles["Remote-maintenance paths whose appliance is not in the ledger"] == 1
    assert titles["Remote-maintenance paths without two-factor authentication"] == 1
    assert "Remote-maintenance paths without source-IP restriction" not in titles


def test_executive_sees_counts_but_no_objects(client: Client) -> None:
    fac = factories.facility()
    ven = factories.vendor(fac)
    factories.remote_path(fac, ven, None, name="見えてはいけない経路", source_ip_restricted=False)
    factories.login(client, factories.user("executive", fac))
    page = client.get(reverse("web:home")).content.decode()
    assert "接続元IP制限のないリモート保守経路" in page
    assert "見えてはいけない経路" not in page


def test_vendor_home_counts_only_its_own_objects() -> None:
    fac = factories.facility()
    mine, theirs = factories.vendor(fac), factories.vendor(fac)
    factories.remote_path(fac, mine, None, source_ip_restricted=False)
    factories.remote_path(fac, theirs, None, source_ip_restricted=False)
    factories.remote_path(fac, theirs, None, source_ip_restricted=False)
    titles = _titles(factories.user("vendor", fac, mine))
    assert titles["Remote-maintenance paths without source-IP restriction"] == 1


def test_admins_without_two_factor_are_listed_for_security_roles(client: Client) -> None:
    fac = factories.facility()
    factories.user("admin", fac, username="mfa-missing-admin")
    factories.login(client, factories.user("security_manager", fac, mfa=True))
    page = client.get(reverse("web:home")).content.decode()
    assert "二要素認証を設定していない管理者" in page and "mfa-missing-admin" in page


def test_completeness_is_stored_on_save_and_shown_with_what_is_missing(client: Client) -> None:
    fac = factories.facility()
    complete = factories.asset(fac, category="network", ip_address="10.1.0.1", manufacturer="Cisco",
                               model_name="C9300")
    gap = factories.asset(fac, category="network", ip_address=None, location="", manufacturer="Cisco",
                          model_name="C9300")
    assert complete.completeness == 100
    assert (gap.completeness, gap.missing_fields) == (60, ["location", "ip"])  # 3 of 5 expected fields
    gap.location = "本館1F"
    gap.save(update_fields=["location"])
    gap.refresh_from_db()
    assert gap.missing_fields == ["ip"]
    factories.login(client, factories.user("it_staff", fac))
    home = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="stat-completeness">90%' in home  # (100 + 80) / 2
    assert "IPアドレス (1)" in home
    detail = client.get(gap.get_absolute_url()).content.decode()
    assert "80%" in detail and "IPアドレス" in detail
    listing = client.get(reverse("ledger:asset_list") + "?incomplete=true").content.decode()
    assert gap.key in listing and complete.key not in listing
