"""In a real browser: the demo hospital's backups — the to-dos on the home page, the job list with its checks,
the file server's encrypted newest snapshot and its last clean restore point, a verification started from the
page, a restore drill recorded by hand, and an inspector who reads everything and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from mamori.accounts.models import User
from mamori.backups.models import BackupJob, RestoreDrill, SnapshotVerdict, VerificationRun
from mamori.demo.backups import LOCKBIT_EXTENSION
from mamori.demo.loader import load_demo
from mamori.tenancy.models import Facility
from tests import factories
from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

JOBS = ("BK-EHR", "BK-IJI", "BK-FILE")


def _last_clean(job: BackupJob) -> SnapshotVerdict:
    """The newest clean snapshot of the job's newest successful verification, straight from the database."""
    run = VerificationRun.objects.filter(job=job, error_code="", finished__isnull=False).order_by("-started").first()
    assert run is not None
    verdict = SnapshotVerdict.objects.filter(run=run, state="clean").order_by("-time").first()
    assert verdict is not None
    return verdict


def _codes(scope: Any) -> set[str]:
    return {c.get_attribute("data-code") for c in scope.locator("li.check").all()}


def test_it_staff_sees_the_encrypted_backup_verifies_it_and_records_a_drill(live_server: Any, page: Any) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    User.objects.create_user("joho", password=factories.PASSWORD, role="it_staff", facility=facility)
    jobs = {j.code: j for j in BackupJob.objects.filter(facility=facility)}
    assert set(jobs) == set(JOBS)
    base = live_server.url
    sign_in(page, base, "joho")

    # The home page: backup to-dos under checklist 3-②, the encrypted job and the one with no offline copy linked.
    todos = page.locator("[data-testid=todos]")
    assert "3-②" in todos.inner_text()
    for code in ("BK-FILE", "BK-EHR"):
        assert todos.locator(f"a[href='{jobs[code].get_absolute_url()}']").count() >= 1, code
    assert todos.locator(f"a[href='{jobs['BK-IJI'].get_absolute_url()}']").count() == 0  # healthy: no to-do

    # The list, reached through the side navigation.
    page.click("nav.sidenav >> text=バックアップ")
    page.wait_for_url(f"{base}/backups/")
    table = page.locator("[data-testid=job-table]")
    assert table.locator("tbody tr").count() == 3
    for code in JOBS:
        assert table.locator(f"[data-testid=job-{code}]").count() == 1, code
    file_row = table.locator("[data-testid=job-BK-FILE]")
    restore_point = _last_clean(jobs["BK-FILE"]).short_id
    assert file_row.locator(".state-encrypted").count() == 1
    assert file_row.locator("[data-testid=restore-point] code").inner_text().strip() == restore_point
    assert "snapshot_encrypted" in _codes(file_row)
    iji_row = table.locator("[data-testid=job-BK-IJI]")
    assert iji_row.locator(".ok-text").count() == 1 and iji_row.locator("li.check").count() == 0
    assert iji_row.locator(".state-encrypted").count() == 0
    ehr_row = table.locator("[data-testid=job-BK-EHR]")
    assert {"no_safe_copy", "same_segment", "same_domain"} <= _codes(ehr_row)
    evidence = page.locator("[data-testid=checklist-evidence]")
    assert "3-②" in evidence.inner_text()
    assert evidence.locator(".badge.sev-critical").count() == 1  # not every job answers yes
    page.screenshot(path=str(SCREENSHOTS / "backup_list.png"), full_page=True)

    # The file server: its newest snapshot encrypted, the restore point the snapshot before.
    file_row.locator("td a").first.click()
    page.wait_for_url(f"{base}{jobs['BK-FILE'].get_absolute_url()}")
    assert page.locator("[data-testid=restore-point] code").inner_text().strip() == restore_point
    rows = page.locator("[data-testid=snapshots] tbody tr")
    newest = rows.nth(0)
    assert newest.locator(".state-encrypted").count() == 1
    assert LOCKBIT_EXTENSION in newest.locator("ul.reasons").inner_text()
    assert rows.nth(1).get_attribute("data-testid") == f"snapshot-{restore_point}"  # the one before the attack
    assert rows.nth(1).locator(".state-encrypted").count() == 0
    assert "snapshot_encrypted" in _codes(page.locator("[data-testid=checks]"))
    assert page.locator("a[href$='/edit/']").count() >= 1  # what the inspector below must not have
    assert page.locator("main form[method=post]").count() >= 3  # verify, record a copy, record a drill
    page.screenshot(path=str(SCREENSHOTS / "backup_encrypted_job.png"), full_page=True)

    # Verify again from the page: a second run, the same restore point.
    assert VerificationRun.objects.filter(job=jobs["BK-FILE"]).count() == 1
    page.click("[data-testid=verify]")
    page.wait_for_load_state()
    assert restore_point in page.locator(".messages .msg-success").inner_text()
    runs = VerificationRun.objects.filter(job=jobs["BK-FILE"]).order_by("-started")
    assert runs.count() == 2
    assert runs[0].started_by == "joho" and not runs[0].failed and runs[0].last_clean_short_id == restore_point
    assert page.locator("[data-testid=restore-point] code").inner_text().strip() == restore_point
    assert _last_clean(jobs["BK-FILE"]).short_id == restore_point

    # The EHR: a full restore onto the standby server, recorded by hand.
    page.goto(f"{base}/backups/")
    page.locator("[data-testid=job-BK-EHR] td a").first.click()
    page.wait_for_url(f"{base}{jobs['BK-EHR'].get_absolute_url()}")
    drills = page.locator("[data-testid=drills] tbody tr")
    before = drills.count()
    assert before == RestoreDrill.objects.filter(job=jobs["BK-EHR"]).count() == 1
    overdue_before = "drill_overdue" in _codes(page.locator("[data-testid=checks]"))
    form = page.locator("form[action$='/drills/']")
    assert not form.is_visible()
    page.locator("details:has(form[action$='/drills/']) > summary").click()
    performed = timezone.localtime() - dt.timedelta(hours=3)
    form.locator("input[name=performed_at]").fill(performed.strftime("%Y-%m-%dT%H:%M"))
    form.locator("input[name=restored_what]").fill("電子カルテDB フルバックアップ（前日分）")
    form.locator("input[name=restored_to]").fill("待機系サーバ SV-90007")
    form.locator("input[name=files_restored]").fill("14")
    form.locator("input[name=hashes_matched]").fill("14")
    form.locator("textarea[name=application_check]").fill("テスト患者のカルテと検査結果を表示できた")
    form.locator("select[name=application_ok]").select_option("true")
    form.locator("input[name=measured_rto_minutes]").fill("380")
    form.locator("button[type=submit]").click()
    page.locator(".messages .msg-success").wait_for()
    page.wait_for_url(f"{base}{jobs['BK-EHR'].get_absolute_url()}")
    assert drills.count() == before + 1
    new_row = drills.nth(0)  # newest first
    assert "joho" in new_row.inner_text() and "待機系サーバ SV-90007" in new_row.inner_text()
    assert new_row.locator(".badge.state-clean").count() == 1  # the drill succeeded
    drill = RestoreDrill.objects.filter(job=jobs["BK-EHR"]).order_by("-performed_at").first()
    assert drill is not None and drill.performed_by == "joho" and not drill.automated
    assert drill.files_restored == 14 and drill.hashes_matched == 14 and drill.application_ok is True
    assert drill.measured_rto_minutes == 380 and drill.ok
    assert abs(drill.performed_at - performed.replace(second=0, microsecond=0)) < dt.timedelta(minutes=1)
    after = _codes(page.locator("[data-testid=checks]"))
    assert "drill_overdue" not in after
    assert overdue_before or {"no_safe_copy", "same_segment", "same_domain"} <= after  # the drill fixes no copy
    assert page.console_errors == []  # no CSP violation or script error


def test_an_inspector_reads_the_backups_but_cannot_verify(live_server: Any, page: Any) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    inspector = factories.user("inspector", facility, username="kansa")
    job = BackupJob.objects.get(facility=facility, code="BK-FILE")
    base = live_server.url
    sign_in(page, base, "kansa")

    page.click("nav.sidenav >> text=バックアップ")
    page.wait_for_url(f"{base}/backups/")
    for code in JOBS:
        assert page.locator(f"[data-testid=job-table] [data-testid=job-{code}]").count() == 1, code
    assert page.locator(f"a[href='{base}/backups/new/'], a[href='/backups/new/']").count() == 0

    page.locator("[data-testid=job-BK-FILE] td a").first.click()
    page.wait_for_url(f"{base}{job.get_absolute_url()}")
    assert page.locator("[data-testid=restore-point] code").inner_text().strip() == _last_clean(job).short_id
    assert page.locator("[data-testid=verify]").count() == 0
    assert page.locator("[data-testid=run-drill]").count() == 0
    assert page.locator("a[href$='/edit/']").count() == 0
    assert page.locator("main form[method=post]").count() == 0  # no copy or drill form either
    assert page.console_errors == []

    runs, drills = VerificationRun.objects.count(), RestoreDrill.objects.count()
    client = factories.login(Client(), inspector)
    assert client.post(f"/backups/{job.pk}/verify/").status_code == 403
    assert client.post(f"/backups/{job.pk}/drills/", {
        "performed_at": "2026-01-10T10:00", "restored_what": "x", "restored_to": "y", "files_restored": "1",
        "hashes_matched": "1", "hashes_mismatched": "0", "application_ok": "true"}).status_code == 403
    assert VerificationRun.objects.count() == runs and RestoreDrill.objects.count() == drills
