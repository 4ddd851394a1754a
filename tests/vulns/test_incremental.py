"""Incremental match runs: only what changed since the last full run is re-evaluated, and the result is the same
as re-evaluating everything (checked by a `full=True` run that must then find nothing to change)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from mamori.ledger.models import Asset
from mamori.tenancy.models import Facility
from mamori.vulns import match_state
from mamori.vulns.matching import run_match
from mamori.vulns.models import AssetMatchState, CveMatchState, Finding, MatchRun, Vulnerability
from tests.vulns.conftest import case_asset, feed, imported

pytestmark = pytest.mark.django_db

Snapshot = dict[tuple[str, str], tuple[Any, ...]]


def snapshot() -> Snapshot:
    """Every finding with everything a run may write (`updated` moves on any write)."""
    return {(f.asset.key, f.vulnerability.cve_id): (
        f.tier, f.source, f.reason_code, f.detail_id, f.detected, f.detected_fingerprint, f.priority,
        f.priority_score, f.due_date, f.origin, f.status, f.last_run_id, f.updated)
        for f in Finding.objects.select_related("asset", "vulnerability")}


def changed_record(tmp_path: Path, old: str = '"versionStartIncluding": "5.6.3"',
                   new: str = '"versionStartIncluding": "5.4.6"') -> Path:
    """CVE-2018-13379 as NVD re-issued it: a later lastModified and (by default) the 5.4.6–5.4.12 range added."""
    source = feed("nvd11_two_records.json").read_text(encoding="utf-8")
    text = source.replace('"lastModifiedDate": "2020-01-22T17:15Z"', '"lastModifiedDate": "2021-06-01T10:00Z"', 1)
    assert old in text
    text = text.replace(old, new, 1)
    path = tmp_path / "changed.json"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ledger(fac: Facility) -> dict[str, Asset]:
    imported(feed("nvd11_two_records.json"), feed("api20_fortios_cve-2022-42475.json"),
             feed("api20_medical_devices.json"))
    assets = {
        "old": case_asset(fac, "VPN-54", "o:fortinet:fortios:5.4.12", category="vpn", internet_exposed=True),
        "new": case_asset(fac, "VPN-60", "o:fortinet:fortios:6.0.4", category="vpn", internet_exposed=True),
        "dcmtk": case_asset(fac, "SV-1", "a:offis:dcmtk:3.6.6"),
    }
    first = run_match()
    assert first.reevaluated == 3 and first.findings >= 3
    return assets


def assert_full_run_changes_nothing() -> None:
    before = snapshot()
    full = run_match(full=True)
    assert (full.new, full.gone) == (0, 0)
    assert full.reevaluated == Asset.objects.count()
    assert snapshot() == before, "an incremental run left something a full re-evaluation would change"


def test_an_unchanged_ledger_and_catalogue_reevaluates_nothing(ledger: dict[str, Asset]) -> None:
    before = snapshot()
    again = run_match()
    assert (again.reevaluated, again.changed_cves, again.new, again.gone) == (0, 0, 0, 0)
    assert again.findings == len([v for v in before.values() if v[4]])
    assert snapshot() == before
    assert AssetMatchState.objects.count() == 3
    assert CveMatchState.objects.filter(cve_id="CVE-2018-13379").exists()


def test_a_changed_record_is_reevaluated_on_every_asset_and_nothing_else(ledger: dict[str, Asset],
                                                                         tmp_path: Path) -> None:
    before = snapshot()
    assert ("VPN-54", "CVE-2018-13379") not in before
    imported(changed_record(tmp_path))
    run = run_match()
    after = snapshot()
    assert run.changed_cves == 1
    assert run.reevaluated == 2  # both FortiGates: one now matches, one held the CVE; the DCMTK server is untouched
    assert after[("VPN-54", "CVE-2018-13379")][9] == "record_changed"
    assert {k: v for k, v in after.items() if k[0] == "SV-1"} == {k: v for k, v in before.items() if k[0] == "SV-1"}
    assert after[("VPN-60", "CVE-2022-42475")] == before[("VPN-60", "CVE-2022-42475")]
    assert_full_run_changes_nothing()


def test_a_narrowed_record_clears_the_finding_of_an_unchanged_asset(ledger: dict[str, Asset],
                                                                   tmp_path: Path) -> None:
    imported(changed_record(tmp_path, '"versionEndIncluding": "6.0.4"', '"versionEndIncluding": "6.0.3"'))
    run = run_match()
    assert (run.changed_cves, run.reevaluated, run.gone) == (1, 1, 1)
    finding = Finding.objects.get(asset__key="VPN-60", vulnerability__cve_id="CVE-2018-13379")
    assert not finding.detected
    assert_full_run_changes_nothing()


def test_a_kev_addition_changes_the_priority_of_an_unchanged_asset(ledger: dict[str, Asset]) -> None:
    before = snapshot()
    imported(feed("kev_epss_cve5/kev_three_entries.json"))  # CVE-2022-42475 is in it
    run = run_match()
    after = snapshot()
    assert (run.changed_cves, run.reevaluated) == (1, 2)  # both FortiGates hold it; the DCMTK server is untouched
    assert {k: v for k, v in after.items() if k[0] == "SV-1"} == {k: v for k, v in before.items() if k[0] == "SV-1"}
    key = ("VPN-60", "CVE-2022-42475")
    assert after[key][7] > before[key][7]
    assert after[key][11] == run.pk
    assert after[("VPN-60", "CVE-2018-13379")] == before[("VPN-60", "CVE-2018-13379")]
    assert_full_run_changes_nothing()


def test_new_epss_scores_are_signals_too(ledger: dict[str, Asset]) -> None:
    imported(feed("kev_epss_cve5/epss_scores-2024-06-01.csv.gz"))
    run = run_match()
    assert run.changed_cves >= 2 and run.reevaluated == 2  # CVE-2018-13379 and CVE-2022-42475 on the FortiGates
    reasons = Finding.objects.get(asset__key="VPN-60", vulnerability__cve_id="CVE-2018-13379").detail.priority_reasons
    assert any("epss" in r["code"] for r in reasons)
    assert_full_run_changes_nothing()


def test_a_changed_asset_is_reevaluated_against_everything_and_alone(ledger: dict[str, Asset]) -> None:
    before = snapshot()
    fortigate = ledger["new"]
    fortigate.cpes = ["cpe:2.3:o:fortinet:fortios:7.2.5:*:*:*:*:*:*:*"]
    fortigate.save()
    run = run_match()
    after = snapshot()
    assert (run.reevaluated, run.changed_cves) == (1, 0)
    assert after[("VPN-60", "CVE-2018-13379")][4] is False  # 7.2.5 is past the range
    assert {k: v for k, v in after.items() if k[0] != "VPN-60"} == {k: v for k, v in before.items()
                                                                   if k[0] != "VPN-60"}
    assert_full_run_changes_nothing()


def test_a_new_asset_is_matched_against_everything(ledger: dict[str, Asset], fac: Facility) -> None:
    case_asset(fac, "VPN-61", "o:fortinet:fortios:6.0.4", category="vpn")
    run = run_match()
    assert run.reevaluated == 1
    assert set(Finding.objects.filter(asset__key="VPN-61").values_list("vulnerability__cve_id", flat=True)) >= {
        "CVE-2018-13379", "CVE-2022-42475"}
    assert_full_run_changes_nothing()


def test_a_run_limited_to_some_assets_keeps_the_others_due(ledger: dict[str, Asset], tmp_path: Path) -> None:
    imported(changed_record(tmp_path))
    limited = run_match(assets=Asset.objects.filter(key="VPN-60"))
    assert limited.reevaluated == 1
    assert not Finding.objects.filter(asset__key="VPN-54", vulnerability__cve_id="CVE-2018-13379").exists()
    whole = run_match()  # the changed record still has to reach VPN-54
    assert whole.changed_cves == 1
    assert Finding.objects.filter(asset__key="VPN-54", vulnerability__cve_id="CVE-2018-13379", detected=True).exists()
    assert_full_run_changes_nothing()


def test_a_new_release_of_the_matching_rules_reevaluates_everything(ledger: dict[str, Asset],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(match_state, "MATCH_STATE_VERSION", "next")
    run = run_match()
    assert run.reevaluated == 3
    assert run.changed_cves == CveMatchState.objects.count()


def test_the_run_says_what_it_reevaluated_in_the_audit_trail(ledger: dict[str, Asset]) -> None:
    from mamori.audit.models import AuditEntry

    run = run_match()
    entry = AuditEntry.objects.filter(action="vulns_match").latest("id")
    assert entry.changes["reevaluated"] == run.reevaluated == 0
    assert MatchRun.objects.count() == 2


def test_a_record_changed_while_a_run_reads_is_reevaluated_by_the_next(ledger: dict[str, Asset]) -> None:
    """An import that commits during a run (PostgreSQL) may have changed a record after the index was built."""
    later = timezone.now() + dt.timedelta(minutes=5)
    Vulnerability.objects.filter(cve_id="CVE-2018-13379").update(changed_at=later)
    first = run_match()
    assert first.changed_cves == 1
    assert CveMatchState.objects.get(cve_id="CVE-2018-13379").state == "-"
    second = run_match()
    assert second.changed_cves == 1 and second.reevaluated == 1  # VPN-60 holds it
