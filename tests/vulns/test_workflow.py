"""The finding workflow: what each status needs, who may do it, and what the match run does afterwards."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone, translation

from mamori.audit.models import AuditEntry
from mamori.ledger.models import Asset
from mamori.tenancy.models import Facility
from mamori.vulns.choices import FindingStatus
from mamori.vulns.matching import run_match
from mamori.vulns.models import Finding
from mamori.vulns.workflow import Change, WorkflowError, change_status, record_credentials_rotated
from tests import factories
from tests.vulns.conftest import case_asset, feed, imported

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """The refusals are pinned in English (the Japanese catalogue is checked in tests/web/test_i18n.py)."""
    with translation.override("en"):
        yield

TODAY = dt.date.today()


@pytest.fixture
def setup(fac: Facility) -> dict[str, object]:
    imported(feed("api20_fortios_cve-2022-42475.json"), feed("nvd11_two_records.json"),
             feed("api20_medical_devices.json"))
    fortigate = case_asset(fac, "VPN-1", "o:fortinet:fortios:6.0.4", category="vpn", os_name="FortiOS",
                           os_version="6.0.4")
    dcmtk = case_asset(fac, "SV-1", "a:offis:dcmtk:3.6.6")
    run_match()
    return {
        "fortigate": fortigate, "dcmtk": dcmtk,
        "manager": factories.user("security_manager", fac, mfa=True),
        "it": factories.user("it_staff", fac), "inspector": factories.user("inspector", fac),
        "other_it": factories.user("it_staff", factories.facility()),
    }


def _finding(asset: object, cve: str) -> Finding:
    return Finding.objects.select_related("asset", "vulnerability").get(asset=asset, vulnerability__cve_id=cve)


def _update_version(asset: Asset, version: str) -> None:
    asset.cpes = [f"cpe:2.3:o:fortinet:fortios:{version}:*:*:*:*:*:*:*"] if asset.category == "vpn" else \
        [f"cpe:2.3:a:offis:dcmtk:{version}:*:*:*:*:*:*:*"]
    asset.os_version = version
    asset.save()


def test_accepting_a_risk_needs_reason_approver_and_an_expiry_within_a_year(setup: dict[str, object]) -> None:
    finding = _finding(setup["dcmtk"], "CVE-2022-2119")
    it, manager = setup["it"], setup["manager"]
    with pytest.raises(WorkflowError, match="Say why"):
        change_status(finding, it, Change(FindingStatus.ACCEPTED, approver=manager,
                                          accepted_until=TODAY + dt.timedelta(days=30)))
    with pytest.raises(WorkflowError, match="security manager"):
        change_status(finding, it, Change(FindingStatus.ACCEPTED, reason="isolated", approver=it,
                                          accepted_until=TODAY + dt.timedelta(days=30)))
    with pytest.raises(WorkflowError, match="twelve months"):
        change_status(finding, it, Change(FindingStatus.ACCEPTED, reason="isolated", approver=manager,
                                          accepted_until=TODAY + dt.timedelta(days=400)))
    change_status(finding, it, Change(FindingStatus.ACCEPTED, reason="検査系の閉域網のみ、更新はベンダー次回訪問時",
                                      approver=manager, accepted_until=TODAY + dt.timedelta(days=90)))
    finding.refresh_from_db()
    assert (finding.status, finding.risk_approved_by) == (FindingStatus.ACCEPTED, manager)
    entry = AuditEntry.objects.filter(object_type="vulns.finding", object_id=str(finding.pk)).latest("seq")
    assert entry.changes["status"] == ["open", "accepted"]


def test_an_expired_acceptance_is_reopened_by_the_next_run(setup: dict[str, object]) -> None:
    finding = _finding(setup["dcmtk"], "CVE-2022-2119")
    change_status(finding, setup["it"], Change(FindingStatus.ACCEPTED, reason="isolated", approver=setup["manager"],
                                               accepted_until=TODAY + dt.timedelta(days=1)))
    Finding.objects.filter(pk=finding.pk).update(risk_accepted_until=TODAY - dt.timedelta(days=1))
    run_match()
    finding.refresh_from_db()
    assert (finding.status, finding.status_reason) == (FindingStatus.OPEN, "the risk acceptance expired")
    assert AuditEntry.objects.filter(action="finding_reopened", object_id=str(finding.pk)).exists()


def test_a_false_positive_needs_a_reason_and_survives_a_version_change(setup: dict[str, object]) -> None:
    finding = _finding(setup["dcmtk"], "CVE-2022-2119")
    with pytest.raises(WorkflowError, match="Say why"):
        change_status(finding, setup["it"], Change(FindingStatus.FALSE_POSITIVE))
    change_status(finding, setup["it"], Change(FindingStatus.FALSE_POSITIVE, reason="DICOM サービス無効化済み"))
    _update_version(setup["dcmtk"], "3.6.5")  # still vulnerable, another version
    run_match()
    finding.refresh_from_db()
    assert finding.detected and finding.status == FindingStatus.FALSE_POSITIVE


def test_patched_needs_the_version_changed_in_the_ledger_and_the_post_patch_check(setup: dict[str, object]) -> None:
    finding = _finding(setup["dcmtk"], "CVE-2022-2119")
    check = Change(FindingStatus.PATCHED, checked_on=TODAY, check_note="画像受信と検索を確認、正常")
    with pytest.raises(WorkflowError, match="version in the ledger has not changed"):
        change_status(finding, setup["it"], check)
    _update_version(setup["dcmtk"], "3.6.7")
    with pytest.raises(WorkflowError, match="post-patch check"):
        change_status(finding, setup["it"], Change(FindingStatus.PATCHED))
    change_status(finding, setup["it"], check)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.PATCHED and finding.post_patch_checked_by == setup["it"].username
    run_match()  # 3.6.7 is the fix: no longer detected, stays patched
    finding.refresh_from_db()
    assert not finding.detected and finding.status == FindingStatus.PATCHED


def test_a_patch_that_did_not_fix_it_is_reopened(setup: dict[str, object]) -> None:
    finding = _finding(setup["dcmtk"], "CVE-2022-2119")
    _update_version(setup["dcmtk"], "3.6.6a")
    change_status(finding, setup["it"], Change(FindingStatus.PATCHED, checked_on=TODAY, check_note="動作確認済み"))
    _update_version(setup["dcmtk"], "3.6.5")
    run_match()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN and "still detected" in finding.status_reason


def test_credential_leak_stays_in_progress_until_passwords_are_changed(setup: dict[str, object]) -> None:
    finding = _finding(setup["fortigate"], "CVE-2018-13379")
    _update_version(setup["fortigate"], "6.0.18")
    change_status(finding, setup["it"], Change(FindingStatus.PATCHED, checked_on=TODAY,
                                               check_note="SSL-VPN 接続試験 OK"))
    finding.refresh_from_db()
    assert finding.status == FindingStatus.IN_PROGRESS and "credentials" in finding.status_reason
    with pytest.raises(WorkflowError, match="future"):
        record_credentials_rotated(finding, setup["it"], TODAY + dt.timedelta(days=2))
    record_credentials_rotated(finding, setup["it"], TODAY)
    finding.refresh_from_db()
    assert finding.status == FindingStatus.PATCHED and finding.credentials_rotated_on == TODAY
    assert finding.post_patch_note == "SSL-VPN 接続試験 OK"  # the check recorded with the patch is kept


def test_only_writers_within_reach_may_change(setup: dict[str, object]) -> None:
    finding = _finding(setup["dcmtk"], "CVE-2022-2119")
    for who in ("inspector", "other_it"):
        with pytest.raises(WorkflowError, match="may not change"):
            change_status(finding, setup[who], Change(FindingStatus.IN_PROGRESS))
    finding.refresh_from_db()
    assert finding.status == FindingStatus.OPEN


def test_a_new_asset_version_that_no_longer_matches_marks_the_finding_not_detected(setup: dict[str, object]) -> None:
    finding = _finding(setup["fortigate"], "CVE-2022-42475")
    _update_version(setup["fortigate"], "7.2.3")
    run = run_match()
    finding.refresh_from_db()
    assert not finding.detected and finding.status == FindingStatus.OPEN and run.gone >= 1
    assert finding.last_seen < timezone.now()
