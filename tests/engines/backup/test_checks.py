"""The checks of a backup job: each rule flips when its fact changes, and a sound job passes them all."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from mamori.engines.backup.checks import CopyFacts, CopyKind, JobFacts, Limits, Severity, check_job
from mamori.engines.backup.verdict import SnapshotState

NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


def sound() -> JobFacts:
    """An EHR backup that passes: daily, 30 generations, a verified tape in the safe, checked, drilled."""
    return JobFacts(
        name="電子カルテ DB", rpo=dt.timedelta(hours=24), generations_required=14,
        copies=(CopyFacts(CopyKind.ONLINE, "NAS", NOW - dt.timedelta(days=1)),
                CopyFacts(CopyKind.OFFLINE, "LTO-8 テープ", NOW - dt.timedelta(days=20))),
        last_good_backup=NOW - dt.timedelta(hours=9), generations=30,
        last_integrity_check=NOW - dt.timedelta(days=2), integrity_ok=True,
        last_drill=NOW - dt.timedelta(days=200), newest_state=SnapshotState.CLEAN,
        backup_host="BK-01", backup_host_segment="backup", production_segments=("server", "terminal"),
        backup_host_domain="", production_domains=("hospital.local",))


def codes(job: JobFacts, limits: Limits | None = None) -> list[str]:
    return [c.code for c in check_job(job, NOW, limits)]


def test_a_sound_job_passes_every_check() -> None:
    assert codes(sound()) == []


@pytest.mark.parametrize(("change", "code"), [
    ({"last_good_backup": NOW - dt.timedelta(hours=30)}, "rpo_exceeded"),
    ({"last_good_backup": None}, "no_backup"),
    ({"generations": 7}, "generations_short"),
    ({"copies": (CopyFacts(CopyKind.ONLINE, "NAS", NOW), CopyFacts(CopyKind.OFFSITE, "別棟 NAS", NOW))},
     "no_safe_copy"),
    ({"copies": (CopyFacts(CopyKind.OFFLINE, "LTO-8", None),)}, "safe_copy_unverified"),
    ({"copies": (CopyFacts(CopyKind.IMMUTABLE, "S3 Object Lock", NOW - dt.timedelta(days=120)),)},
     "safe_copy_unverified"),
    ({"integrity_ok": False}, "integrity_failed"),
    ({"last_integrity_check": NOW - dt.timedelta(days=8)}, "integrity_overdue"),
    ({"backup_host_segment": "server"}, "same_segment"),
    ({"backup_host_domain": "HOSPITAL.local"}, "same_domain"),
    ({"last_drill": None}, "drill_overdue"),
    ({"last_drill": NOW - dt.timedelta(days=400)}, "drill_overdue"),
    ({"newest_state": SnapshotState.ENCRYPTED}, "snapshot_encrypted"),
    ({"newest_state": SnapshotState.SUSPICIOUS}, "snapshot_suspicious"),
])
def test_each_check_flips_when_its_fact_changes(change: dict[str, object], code: str) -> None:
    assert codes(dataclasses.replace(sound(), **change)) == [code]  # type: ignore[arg-type]


def test_the_reasons_name_what_was_found() -> None:
    job = dataclasses.replace(sound(), last_good_backup=NOW - dt.timedelta(days=3), backup_host_segment="server",
                              copies=(CopyFacts(CopyKind.OFFLINE, "LTO-8 テープ", None),))
    found = check_job(job, NOW)
    texts = {c.code: c.text for c in found}
    assert texts["rpo_exceeded"] == "the last good backup is 3 days old, beyond the RPO of 24 hours"
    assert texts["same_segment"] == "the backup host BK-01 is in the production segment server"
    assert "LTO-8 テープ" in texts["safe_copy_unverified"] and "never verified" in texts["safe_copy_unverified"]
    assert [c.severity for c in found][:2] == [Severity.CRITICAL, Severity.CRITICAL]  # critical first


def test_limits_are_the_hospitals_to_set() -> None:
    job = dataclasses.replace(sound(), last_integrity_check=NOW - dt.timedelta(days=10))
    assert codes(job) == ["integrity_overdue"]
    assert codes(job, Limits(integrity_days=14)) == []
