"""Verifying a registered job's real restic and borg repositories from the database: verdicts and the restore
point stored, the integrity check recorded on the job, errors kept whole, the password nowhere, drills run."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.core import serializers

from mamori.audit.models import AuditEntry
from mamori.backups.choices import BackupTool
from mamori.backups.facts import job_status
from mamori.backups.models import RestoreDrill, SnapshotVerdict, VerificationRun
from mamori.backups.verification import NotReadable, run_drill_for_job, verify_job
from tests.backups.helpers import site
from tests.engines.backup.test_verify import PASSWORD, Tool, edits, history, lockbit, tool  # noqa: F401

pytestmark = pytest.mark.django_db


def registered(tool: Tool, repo: Path, **fields: object) -> object:  # noqa: F811
    s = site(tool=BackupTool(tool.name), repository=str(repo), password_file=str(tool.password_file), **fields)
    return s.job


def test_verification_stores_every_verdict_and_names_the_last_clean_snapshot(
        tool: Tool, caplog: pytest.LogCaptureFixture) -> None:  # noqa: F811
    repo, _files = history(tool, edits, lockbit)
    job = registered(tool, repo)
    caplog.set_level(logging.DEBUG)
    run = verify_job(job, sample_size=50)
    assert not run.failed, run.error
    verdicts = list(run.verdicts.order_by("time"))
    assert [v.state for v in verdicts] == ["clean", "clean", "encrypted"]
    assert run.newest_state == "encrypted" and run.last_clean_id == verdicts[1].snapshot_id
    assert run.last_clean_short_id == verdicts[1].short_id and run.last_clean_time == verdicts[1].time
    codes = {r["code"] for r in verdicts[2].reasons}
    assert {"mass_rename", "ransom_note"} <= codes
    assert all(r["examples"] for r in verdicts[2].reasons)
    job.refresh_from_db()
    assert job.integrity_ok is True and job.last_integrity_check is not None  # restic check / borg check ran
    status = job_status(job)
    assert status.checks[0].code == "snapshot_encrypted"
    # The password is read by the tool from the file: nowhere in the database, the audit trail or the log.
    stored = serializers.serialize("json", [job, run, *verdicts, *AuditEntry.objects.all()])
    assert PASSWORD not in stored and PASSWORD not in caplog.text
    assert AuditEntry.objects.filter(action="backup_verified", object_id=str(job.pk)).exists()


def test_a_wrong_password_is_a_failed_run_with_the_reason_and_no_verdicts(tool: Tool, tmp_path: Path) -> None:  # noqa: F811
    repo, _files = history(tool)
    wrong = tmp_path / "wrong-password"
    wrong.write_text("not the password\n", encoding="utf-8")
    job = registered(tool, repo)
    job.password_file = str(wrong)
    job.save()
    run = verify_job(job)
    assert run.failed and run.error_code == "wrong_password" and run.finished is not None
    assert not SnapshotVerdict.objects.filter(run=run).exists()
    assert "not the password" not in run.error
    status = job_status(job)
    assert status.run is None  # a failed run says nothing about the snapshots
    assert status.checks[0].code == "repository_unreadable" and dict(status.checks[0].args)["error"] == "wrong_password"
    job.password_file = str(tool.password_file)
    job.save()
    assert not verify_job(job, sample_size=5).failed
    assert "repository_unreadable" not in {c.code for c in job_status(job).checks}


def test_a_missing_repository_is_a_failed_run(tool: Tool, tmp_path: Path) -> None:  # noqa: F811
    job = registered(tool, tmp_path / "nowhere")
    run = verify_job(job)
    assert run.failed and run.error_code == "repository_missing"
    assert VerificationRun.objects.filter(job=job).count() == 1


def test_mamori_runs_a_sample_restore_drill_of_the_last_clean_snapshot(tool: Tool) -> None:  # noqa: F811
    repo, _files = history(tool, edits)
    job = registered(tool, repo, production_root="/")  # the share was backed up from this machine's own folders
    verify_job(job, sample_size=20)
    drill = run_drill_for_job(job, files=10)
    assert drill.automated and drill.files_restored == 10 and drill.bytes_restored > 0
    # the share was not touched after the last backup: every restored file matches production byte for byte
    assert drill.hashes_matched == 10 and drill.hashes_mismatched == 0 and drill.ok
    assert drill.snapshot_id == job_status(job).run.last_clean_short_id  # type: ignore[union-attr]
    assert "drill_overdue" not in {c.code for c in job_status(job).checks}
    assert RestoreDrill.objects.filter(job=job).count() == 1
    unseen = run_drill_for_job(registered_again(job), files=10)  # production not visible: types checked only
    assert unseen.files_restored == 10 and unseen.hashes_matched == 0 and unseen.not_comparable == 0 and unseen.ok


def registered_again(job: object) -> object:
    job.production_root = ""  # type: ignore[attr-defined]
    job.save()  # type: ignore[attr-defined]
    return job


def test_a_job_recorded_by_hand_cannot_be_verified_or_drilled() -> None:
    job = site().job
    run = verify_job(job)
    assert run.failed and run.error_code == "unreadable"
    with pytest.raises(NotReadable):
        run_drill_for_job(job)
