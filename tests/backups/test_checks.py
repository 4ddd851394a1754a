"""Each job check flips when the data it reads changes, and says why in the user's language."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from mamori.backups.facts import job_status
from mamori.backups.models import BackupCopy, BackupJob, RestoreDrill
from mamori.backups.status import backup_todos, checklist_3_2
from mamori.backups.texts import check_text
from tests import factories
from tests.backups.helpers import healthy, recorded_run, site

pytestmark = pytest.mark.django_db


def codes(job: BackupJob) -> set[str]:
    return {c.code for c in job_status(job).checks}


def test_a_job_with_everything_passes_every_check() -> None:
    s = site()
    healthy(s.job)
    assert codes(s.job) == set()


def test_a_job_never_verified_has_no_backup_and_no_safe_copy() -> None:
    s = site()
    assert {"no_backup", "no_safe_copy", "drill_overdue", "generations_short"} <= codes(s.job)


def test_an_online_copy_only_is_no_safe_copy_until_an_offline_one_is_recorded() -> None:
    s = site()
    healthy(s.job)
    BackupCopy.objects.filter(job=s.job).update(kind="online")
    assert "no_safe_copy" in codes(s.job)
    BackupCopy.objects.create(job=s.job, kind="immutable", medium="S3 object lock", last_verified=timezone.now())
    assert "no_safe_copy" not in codes(s.job)


def test_an_offline_copy_not_verified_for_a_quarter_is_flagged() -> None:
    s = site()
    healthy(s.job)
    BackupCopy.objects.filter(job=s.job).update(last_verified=timezone.now() - dt.timedelta(days=120))
    assert codes(s.job) == {"safe_copy_unverified"}
    BackupCopy.objects.filter(job=s.job).update(last_verified=None)
    assert codes(s.job) == {"safe_copy_unverified"}


def test_the_backup_host_in_the_production_segment_or_domain_is_critical() -> None:
    s = site()
    healthy(s.job)
    s.host.segment = s.ehr
    s.host.save()
    assert codes(s.job) == {"same_segment"}
    s.host.ad_domain = "hosp.local"  # AD domain names are case-insensitive
    s.host.save()
    status = job_status(s.job)
    assert {c.code for c in status.checks} == {"same_segment", "same_domain"}
    assert all(c.severity == "critical" for c in status.checks)
    s.host.segment, s.host.ad_domain = s.backup_segment, ""
    s.host.save()
    assert codes(s.job) == set()


def test_a_newest_good_snapshot_older_than_the_rpo_is_flagged_and_suspected_ones_do_not_count() -> None:
    s = site()
    healthy(s.job)
    recorded_run(s.job, ["clean", "clean", "suspicious"], hours_apart=30)
    found = codes(s.job)
    assert {"rpo_exceeded", "snapshot_suspicious"} <= found  # the newest good one is 31 h old, RPO 24 h
    recorded_run(s.job, ["clean", "clean", "clean", "encrypted"], hours_apart=12)
    status = job_status(s.job)
    assert status.checks[0].code == "snapshot_encrypted"  # the critical ones first
    assert "rpo_exceeded" not in {c.code for c in status.checks}  # the clean one before is 13 h old


def test_encrypted_snapshots_are_not_generations() -> None:
    s = site(generations_required=3)
    healthy(s.job)
    recorded_run(s.job, ["clean", "clean", "encrypted"])
    assert "generations_short" in codes(s.job)


def test_a_failed_drill_does_not_count_as_a_drill() -> None:
    s = site()
    healthy(s.job)
    RestoreDrill.objects.all().delete()
    RestoreDrill.objects.create(job=s.job, performed_at=timezone.now(), performed_by="t", restored_what="DB",
                                restored_to="検証機", files_restored=5, hashes_matched=4, hashes_mismatched=1)
    assert "drill_overdue" in codes(s.job)
    RestoreDrill.objects.create(job=s.job, performed_at=timezone.now(), performed_by="t", restored_what="DB",
                                restored_to="検証機", application_check="カルテ表示", application_ok=True)
    assert "drill_overdue" not in codes(s.job)


def test_a_failed_integrity_check_is_critical() -> None:
    s = site()
    healthy(s.job)
    BackupJob.objects.filter(pk=s.job.pk).update(integrity_ok=False)
    s.job.refresh_from_db()
    assert codes(s.job) == {"integrity_failed"}


def test_check_texts_are_japanese_and_name_the_host_and_segment() -> None:
    s = site()
    healthy(s.job)
    s.host.segment = s.ehr
    s.host.save()
    status = job_status(s.job)
    with translation.override("ja"):
        text = check_text(status.checks[0], status.facts)
    assert "bk01" in text and s.ehr.code in text and "本番" in text


def test_home_todos_and_checklist_evidence_follow_the_jobs() -> None:
    s = site()
    user = factories.user("it_staff", s.facility)
    run = healthy(s.job)
    assert backup_todos(user) == []
    evidence = checklist_3_2(BackupJob.objects.filter(facility=s.facility))
    assert evidence.answer is None or evidence.answer == "no"  # no restore procedure written down yet
    s.job.restore_procedure = "電子カルテ復旧手順書"
    s.job.save()
    assert checklist_3_2(BackupJob.objects.filter(facility=s.facility)).answer == "yes"
    BackupCopy.objects.filter(job=s.job).delete()
    todos = backup_todos(user)
    assert [t.title for t in todos] and todos[0].severity == "critical" and todos[0].examples == (s.job,)
    evidence = checklist_3_2(BackupJob.objects.filter(facility=s.facility))
    assert evidence.answer == "no" and s.job.name in evidence.reasons[0]
    assert run.pk  # the run stays; only the copies changed


def test_todos_are_for_the_users_facility_only_and_not_for_roles_without_access() -> None:
    s, other = site(), site()
    assert backup_todos(factories.user("privacy_officer", s.facility)) == []
    todos = backup_todos(factories.user("it_staff", other.facility))
    assert todos and all(e.facility_id == other.facility.pk for t in todos for e in t.examples)


def test_no_job_at_all_is_a_todo() -> None:
    facility = factories.facility()
    todos = backup_todos(factories.user("security_manager", facility, mfa=True))
    assert len(todos) == 1 and todos[0].severity == "high"


def test_servers_holding_patient_data_without_a_job_are_a_todo_until_one_protects_them() -> None:
    s = site()
    user = factories.user("it_staff", s.facility)
    healthy(s.job)
    s.job.restore_procedure = "手順書"
    s.job.save()
    pacs = factories.asset(s.facility, name="PACSサーバ", data_held="医用画像")
    factories.asset(s.facility, name="印刷サーバ", data_held="印刷キュー")
    factories.asset(s.facility, name="旧レセプトサーバ", data_held="会計・レセプト", in_use=False)
    todos = backup_todos(user)
    assert [t.examples for t in todos] == [(pacs,)]  # the EHR server has its job; retired, print servers not
    BackupJob.objects.create(facility=s.facility, code="BK-PACS", name="PACS", system=pacs, tool="other",
                             schedule="毎日", rpo_hours=24)
    assert all(pacs not in t.examples for t in backup_todos(user))


def test_the_limits_come_from_the_settings(settings: object) -> None:
    s = site()
    healthy(s.job)  # the offline copy was verified 3 days ago, the drill 30 days ago
    settings.MAMORI_BACKUP_COPY_DAYS = 2  # type: ignore[attr-defined]
    settings.MAMORI_BACKUP_DRILL_DAYS = 20  # type: ignore[attr-defined]
    assert codes(s.job) == {"safe_copy_unverified", "drill_overdue"}
    with translation.override("en"):
        todo = {t.title: t.reason for t in backup_todos(factories.user("it_staff", s.facility))}
    assert "within 20 days" in todo["Restore drills overdue"]


def test_a_failed_drill_after_a_successful_one_does_not_make_the_drill_overdue() -> None:
    s = site()
    healthy(s.job)  # a successful drill 30 days ago
    RestoreDrill.objects.create(job=s.job, performed_at=timezone.now(), performed_by="t", restored_what="DB",
                                restored_to="検証機", files_restored=5, hashes_matched=3, hashes_mismatched=2)
    assert "drill_overdue" not in codes(s.job)
