"""Which Sigma rules the application runs, and the page that shows them: Mamori's own, the folders of
MAMORI_SIGMA_RULES, only the statuses of MAMORI_SIGMA_STATUSES (experimental SigmaHQ rules stay out unless asked
for), what was left out and the rule files that could not be read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings

from mamori.monitoring.ruleset import current_rules

RULE = """title: Test rule of status {status}
id: {id}
status: {status}
author: Mamori tests
level: low
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4799
    condition: sel
"""
pytestmark = pytest.mark.django_db

IDS = {"stable": "0a5d0c55-8a8f-4f6c-9b5a-1a2b3c4d5e01", "test": "0a5d0c55-8a8f-4f6c-9b5a-1a2b3c4d5e02",
       "experimental": "0a5d0c55-8a8f-4f6c-9b5a-1a2b3c4d5e03"}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "rules"
    folder.mkdir()
    for status, rule_id in IDS.items():
        (folder / f"{status}.yml").write_text(RULE.format(status=status, id=rule_id), encoding="utf-8")
    return folder


def test_experimental_rules_run_only_when_the_setting_names_them(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    with override_settings(MAMORI_SIGMA_RULES=[str(folder)], MAMORI_RULE_CACHE=str(tmp_path / "cache.pickle"),
                           MAMORI_SIGMA_STATUSES=["stable", "test"]):
        loaded = {r.id for r in current_rules().ruleset.rules}
    assert {IDS["stable"], IDS["test"]} <= loaded and IDS["experimental"] not in loaded
    with override_settings(MAMORI_SIGMA_RULES=[str(folder)], MAMORI_RULE_CACHE=str(tmp_path / "cache.pickle"),
                           MAMORI_SIGMA_STATUSES=["experimental", "stable", "test"]):
        loaded = {r.id for r in current_rules().ruleset.rules}
    assert set(IDS.values()) <= loaded  # the same cache file, but another key: recompiled, not reused
    with override_settings(MAMORI_SIGMA_RULES=[str(folder)], MAMORI_RULE_CACHE=str(tmp_path / "cache.pickle"),
                           MAMORI_SIGMA_STATUSES=["stable"]):
        loaded = {r.id for r in current_rules().ruleset.rules}
    assert IDS["stable"] in loaded and IDS["test"] not in loaded


def test_an_unknown_status_in_the_setting_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()"], capture_output=True, text=True,
                          check=False, env={"DJANGO_SETTINGS_MODULE": "mamori.settings", "PATH": "/usr/bin:/bin",
                                            "MAMORI_SIGMA_STATUSES": "stable,nightly",
                                            "MAMORI_SECRET_KEY": "x" * 50, "MAMORI_DATA_DIR": str(tmp_path)})
    assert done.returncode != 0 and "MAMORI_SIGMA_STATUSES" in done.stderr and "nightly" in done.stderr


def test_the_rules_page_lists_the_rules_in_use_those_left_out_and_the_broken_files(client: Client,
                                                                                    tmp_path: Path) -> None:
    from django.urls import reverse

    from tests import factories

    folder = _folder(tmp_path)
    (folder / "broken.yml").write_text("title: broken\ndetection:\n  sel:\n    EventID: [\n", encoding="utf-8")
    facility = factories.facility()
    factories.login(client, factories.user("it_staff", facility))
    with override_settings(MAMORI_SIGMA_RULES=[str(folder)], MAMORI_RULE_CACHE=str(tmp_path / "cache.pickle"),
                           MAMORI_SIGMA_STATUSES=["stable", "test"]):
        page = client.get(reverse("monitoring:rule_list")).content.decode()
        found = client.get(reverse("monitoring:rule_list") + "?q=t1070").content.decode()
        mine = client.get(reverse("monitoring:rule_list") + "?q=status+stable").content.decode()
    assert "Test rule of status stable" in page and "Test rule of status experimental" not in page.split(
        'data-testid="rules"')[1]
    assert "broken.yml" in page.split('data-testid="rule-errors"')[1]  # named, with the parser's message
    left_out = page.split('data-testid="rules-skipped"')[1]
    assert "Test rule of status experimental" in left_out and "Mamori project" in page
    assert "Windows Event Log Cleared (Mamori)" in found and "Test rule of status stable" not in found
    assert "Test rule of status stable" in mine and "Windows Event Log Cleared" not in mine


def test_a_role_without_log_permission_gets_no_rules_page(client: Client) -> None:
    from django.urls import reverse

    from tests import factories

    facility = factories.facility()
    factories.login(client, factories.user("executive", facility))
    assert client.get(reverse("monitoring:rule_list")).status_code == 403

