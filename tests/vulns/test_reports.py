"""The weekly run: inbox import, re-match, the report's sections, its Japanese Markdown and e-mail, the scheduler."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from mamori.tenancy.models import Facility
from mamori.vulns.matching import run_match
from mamori.vulns.models import Finding, ScheduledJob, WeeklyReport
from mamori.vulns.reports import build_report, render_markdown
from mamori.vulns.scheduler import JST, WEEKLY_JOB, claim, next_weekly, parse_schedule, run_due_jobs, weekly_run
from tests import factories
from tests.vulns.conftest import case_asset, feed, imported

pytestmark = pytest.mark.django_db


@pytest.fixture
def first_week(fac: Facility) -> dict[str, object]:
    """Week 1: the 2020 CVE-2018-13379 record and CVE-2022-42475; a report is written."""
    imported(feed("nvd11_two_records.json"))
    old = case_asset(fac, "VPN-54", "o:fortinet:fortios:5.4.12", category="vpn", internet_exposed=True)
    new = case_asset(fac, "VPN-60", "o:fortinet:fortios:6.0.4", category="vpn", internet_exposed=True)
    manager = factories.user("security_manager", fac, mfa=True)
    manager.email = "anzen@hospital.example.jp"
    manager.save()
    run = run_match()
    report = build_report(fac, run, timezone.now() - dt.timedelta(minutes=1))
    return {"old": old, "new": new, "report": report}


def _second_week(tmp_path: Path) -> None:
    """Week 2: NVD changed CVE-2018-13379 (5.4.x added), CVE-2022-42475 is new, and KEV lists it."""
    record = tmp_path / "changed.json"
    source = feed("nvd11_two_records.json").read_text(encoding="utf-8")
    # the same record as NVD re-issued it: a later lastModified and the 5.4.6–5.4.12 range
    changed = source.replace('"lastModifiedDate": "2020-01-22T17:15Z"', '"lastModifiedDate": "2021-06-01T10:00Z"', 1)
    changed = changed.replace('"versionStartIncluding": "5.6.3"', '"versionStartIncluding": "5.4.6"', 1)
    record.write_text(changed, encoding="utf-8")
    imported(record, feed("api20_fortios_cve-2022-42475.json"), feed("kev_epss_cve5/kev_three_entries.json"))


def test_the_report_tells_a_new_cve_from_a_changed_record_and_names_the_kev_hits(
        first_week: dict[str, object], fac: Facility, tmp_path: Path) -> None:
    assert "CVE-2018-13379" not in set(Finding.objects.filter(asset=first_week["old"])
                                       .values_list("vulnerability__cve_id", flat=True))
    _second_week(tmp_path)
    run = run_match()
    report = build_report(fac, run)
    new = report.data["new"]
    assert {(i["cve"], i["asset"]) for i in new["record_changed"]["items"]} >= {("CVE-2018-13379", "VPN-54")}
    assert ("CVE-2022-42475", "VPN-60") in {(i["cve"], i["asset"]) for i in new["new_cve"]["items"]}
    assert not any(i["cve"] == "CVE-2022-42475" for i in new["record_changed"]["items"])
    kev = {k["cve"]: k for k in report.data["kev"]}
    assert set(kev["CVE-2022-42475"]["assets"]) == {"VPN-54", "VPN-60"} and kev["CVE-2022-42475"]["ransomware"]
    assert report.period_start == first_week["report"].period_end  # since the previous report
    assert report.data["top"][0]["priority"] == "critical"


def test_overdue_findings_are_listed(first_week: dict[str, object], fac: Facility) -> None:
    Finding.objects.update(due_date=timezone.localdate() - dt.timedelta(days=3))
    report = build_report(fac)
    assert report.data["summary"]["overdue"] == report.data["overdue"]["count"] > 0


def test_markdown_is_japanese_by_default_and_links_each_finding(first_week: dict[str, object], fac: Facility,
                                                              tmp_path: Path) -> None:
    _second_week(tmp_path)
    report = build_report(fac, run_match())
    text = render_markdown(report)
    assert "今週の脆弱性" in text and "記録の変更により新たに該当" in text
    changed = Finding.objects.get(asset=first_week["old"], vulnerability__cve_id="CVE-2018-13379")
    assert f"/vulns/findings/{changed.pk}/" in text
    assert "This week in vulnerabilities" in render_markdown(report, "en")


def test_weekly_run_imports_the_inbox_matches_reports_and_mails(first_week: dict[str, object], fac: Facility,
                                                              tmp_path: Path) -> None:
    inbox = tmp_path / "feeds" / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(feed("api20_fortios_cve-2022-42475.json"), inbox / "nvdcve-2.0-modified.json")
    (inbox / "broken.json").write_text('{"format": "NVD_CVE", "vulnerabilities": [', encoding="utf-8")
    with override_settings(MAMORI_FEED_INBOX=str(inbox)):
        outcome = weekly_run()
    assert outcome.imported == ["nvdcve-2.0-modified.json"]
    assert len(outcome.rejected) == 1 and outcome.rejected[0].startswith("broken.json")
    assert (tmp_path / "feeds" / "imported" / "nvdcve-2.0-modified.json").is_file()
    assert (tmp_path / "feeds" / "rejected" / "broken.json").is_file() and not any(inbox.iterdir())
    assert outcome.run is not None and outcome.run.trigger == "weekly"
    assert [m.to for m in mail.outbox] == [["anzen@hospital.example.jp"]]
    assert "[Mamori]" in mail.outbox[0].subject and "今週の脆弱性" in mail.outbox[0].body
    assert WeeklyReport.objects.filter(facility=fac).count() == 2


def test_schedule_is_in_jst_and_strictly_after() -> None:
    assert parse_schedule("Mon 06:00") == (0, dt.time(6, 0))
    with pytest.raises(ValueError, match="mon 06:00"):
        parse_schedule("every monday")
    sunday_night = dt.datetime(2026, 11, 29, 23, 0, tzinfo=JST)
    assert next_weekly(sunday_night, "mon 06:00") == dt.datetime(2026, 11, 30, 6, 0, tzinfo=JST)
    at_six = dt.datetime(2026, 11, 30, 6, 0, tzinfo=JST)
    assert next_weekly(at_six, "mon 06:00") == dt.datetime(2026, 12, 7, 6, 0, tzinfo=JST)
    utc_evening = dt.datetime(2026, 11, 29, 22, 0, tzinfo=dt.UTC)  # already Monday 07:00 in Japan
    assert next_weekly(utc_evening, "mon 06:00") == dt.datetime(2026, 12, 7, 6, 0, tzinfo=JST)


def test_a_due_job_is_claimed_once_and_runs(first_week: dict[str, object], tmp_path: Path) -> None:
    now = timezone.now()
    assert not claim(WEEKLY_JOB, now, "mon 06:00")  # first sight: scheduled for next Monday, not run
    ScheduledJob.objects.filter(name=WEEKLY_JOB).update(next_run=now - dt.timedelta(minutes=1))
    assert claim(WEEKLY_JOB, now, "mon 06:00")
    assert not claim(WEEKLY_JOB, now, "mon 06:00")  # a second process finds it taken
    ScheduledJob.objects.filter(name=WEEKLY_JOB).update(next_run=now - dt.timedelta(minutes=1))
    with override_settings(MAMORI_FEED_INBOX=str(tmp_path / "none")):
        assert run_due_jobs(now)
    job = ScheduledJob.objects.get(name=WEEKLY_JOB)
    assert job.last_finished is not None and job.last_error == "" and job.next_run > now
