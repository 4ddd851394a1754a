"""Each suggestion rule flips when the data it reads changes, names what made it flip, and says which data would
answer an item Mamori holds nothing for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from mamori.checklist.rules import suggest
from mamori.ledger.models import VendorDisclosure
from tests import factories
from tests.backups.helpers import healthy, site

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 20)


@pytest.fixture(autouse=True)
def english() -> object:
    with translation.override("en"):
        yield


def test_2_13_a_path_without_source_ip_restriction_turns_it_to_no_with_the_path_named() -> None:
    facility = factories.facility()
    vendor = factories.vendor(facility)
    appliance = factories.asset(facility, vendor)
    factories.remote_path(facility, vendor, appliance, name="PACS 保守 VPN", source_ip_restricted=True,
                          allowed_sources="203.0.113.10")
    before = suggest("source_ip_restricted", facility, TODAY)
    assert before is not None and before.answer == "yes"
    factories.remote_path(facility, vendor, appliance, name="検査システム リモート保守", source_ip_restricted=False)
    after = suggest("source_ip_restricted", facility, TODAY)
    assert after is not None and after.answer == "no" and "検査システム リモート保守" in after.reasons[0]
    assert after.digest != before.digest


def test_2_13_and_2_2_say_what_data_would_answer_them_when_there_is_none() -> None:
    facility = factories.facility()
    for rule in ("source_ip_restricted", "remote_paths_confirmed"):
        found = suggest(rule, facility, TODAY)
        assert found is not None and found.answer is None and "register" in found.reasons[0].lower()


def test_2_2_every_path_must_be_confirmed_with_its_vendor_within_a_year() -> None:
    facility = factories.facility()
    vendor = factories.vendor(facility, name="保守会社A")
    path = factories.remote_path(facility, vendor, None, name="電子カルテ保守",
                                 confirmed_with_vendor=TODAY - dt.timedelta(days=30))
    assert suggest("remote_paths_confirmed", facility, TODAY).answer == "yes"  # type: ignore[union-attr]
    path.confirmed_with_vendor = TODAY - dt.timedelta(days=400)
    path.save()
    found = suggest("remote_paths_confirmed", facility, TODAY)
    assert found is not None and found.answer == "no" and "電子カルテ保守（保守会社A）" in found.reasons[0]


def test_2_1_a_device_without_location_or_in_use_turns_it_to_no() -> None:
    facility = factories.facility()
    factories.asset(facility, name="電子カルテサーバ")
    assert suggest("ledger_complete", facility, TODAY).answer == "yes"  # type: ignore[union-attr]
    factories.asset(facility, key="PC-0001", name="受付PC", location="")
    found = suggest("ledger_complete", facility, TODAY)
    assert found is not None and found.answer == "no" and "PC-0001" in found.reasons[0]


def test_2_3_a_vendor_of_a_device_without_mds_sds_turns_it_to_no() -> None:
    facility = factories.facility()
    vendor = factories.vendor(facility, name="検査機器株式会社")
    factories.asset(facility, vendor)
    found = suggest("mds_sds_received", facility, TODAY)
    assert found is not None and found.answer == "no" and "検査機器株式会社" in found.reasons[0]
    VendorDisclosure.objects.create(vendor=vendor, kind="mds", subject="検査装置", received_on=TODAY)
    assert suggest("mds_sds_received", facility, TODAY).answer == "yes"  # type: ignore[union-attr]


def test_2_6_no_antivirus_or_stale_definitions_turn_it_to_no() -> None:
    facility = factories.facility()
    pc = factories.asset(facility, category="terminal", av_installed=True, av_definitions_date=TODAY)
    assert suggest("patch_state", facility, TODAY).answer == "yes"  # type: ignore[union-attr]
    pc.av_definitions_date = TODAY - dt.timedelta(days=20)
    pc.save()
    found = suggest("patch_state", facility, TODAY)
    assert found is not None and found.answer == "no" and "older than 7 days" in " ".join(found.reasons)


def test_2_10_a_system_without_2fa_renewed_after_the_reference_date_turns_it_to_no() -> None:
    facility = factories.facility()
    server = factories.asset(facility, name="電子カルテDB", mfa="no", renewal_year=2027)
    assert suggest("two_factor", facility, TODAY).answer == "yes"  # type: ignore[union-attr]
    server.renewal_year = 2030
    server.save()
    found = suggest("two_factor", facility, TODAY)
    assert found is not None and found.answer == "no" and "電子カルテDB" in found.reasons[0]


def test_3_2_follows_the_backup_jobs() -> None:
    s = site()
    assert suggest("backups", s.facility, TODAY).answer == "no"  # type: ignore[union-attr]  # never verified
    healthy(s.job)
    s.job.restore_procedure = "電子カルテ復旧手順書"
    s.job.save()
    assert suggest("backups", s.facility, TODAY).answer == "yes"  # type: ignore[union-attr]
    s.job.copies.all().delete()
    found = suggest("backups", s.facility, TODAY)
    assert found is not None and found.answer == "no" and s.job.name in found.reasons[0]


def test_items_without_data_say_which_data_would_answer_them() -> None:
    facility = factories.facility()
    for rule in ("password_policy", "password_reuse", "contact_chart"):
        found = suggest(rule, facility, TODAY)
        assert found is not None and found.answer is None and found.reasons
    assert suggest("no_such_rule", facility, TODAY) is None


def test_the_digest_changes_only_when_the_evidence_changes() -> None:
    facility = factories.facility()
    vendor = factories.vendor(facility)
    factories.remote_path(facility, vendor, None, source_ip_restricted=False)
    first = suggest("source_ip_restricted", facility, TODAY)
    again = suggest("source_ip_restricted", facility, TODAY + dt.timedelta(days=3))
    assert first is not None and again is not None and first.digest == again.digest
