"""The demo hospital's backups: one healthy job, one with no offline copy, one whose newest snapshot captured
encrypted files: judged by the real engine from the manifests the demo writes."""

from __future__ import annotations

import pytest

from mamori.backups.facts import job_status
from mamori.backups.models import BackupJob
from mamori.demo.backups import LOCKBIT_EXTENSION
from mamori.demo.loader import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_shows_the_three_jobs_the_issue_asks_for() -> None:
    load_demo(assets_target=300)
    status = {job.code: job_status(job) for job in BackupJob.objects.all()}
    assert set(status) == {"BK-EHR", "BK-IJI", "BK-FILE"}
    assert status["BK-IJI"].checks == [] and status["BK-IJI"].run.newest_state == "clean"  # type: ignore[union-attr]
    assert {c.code for c in status["BK-EHR"].checks} == {"no_safe_copy", "same_segment", "same_domain"}
    encrypted = status["BK-FILE"]
    assert encrypted.checks[0].code == "snapshot_encrypted"
    run = encrypted.run
    assert run is not None and run.newest_state == "encrypted" and run.snapshots == 8
    verdicts = list(run.verdicts.order_by("time"))
    assert [v.state for v in verdicts] == ["clean"] * 7 + ["encrypted"]
    assert run.last_clean_id == verdicts[6].snapshot_id  # the night before is the restore point
    reasons = {r["code"]: r for r in verdicts[-1].reasons}
    assert {"mass_rename", "ransom_note"} <= set(reasons)
    assert reasons["mass_rename"]["args"]["extension"] == LOCKBIT_EXTENSION  # as the files have it
    assert "mass_deletion" not in reasons  # renamed files are not deleted ones
