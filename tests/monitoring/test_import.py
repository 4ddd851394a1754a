"""Importing a file: stored in the Parquet store and matched whole, or rejected whole with its place named."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mamori.audit.models import AuditEntry
from mamori.demo.logs import WinlogbeatLog, logon
from mamori.monitoring.choices import ImportState
from mamori.monitoring.ingest import event_store, import_file
from mamori.monitoring.models import Alert, LogImport
from tests.monitoring.helpers import T0, shadow_copy_deletion, site, write

pytestmark = pytest.mark.django_db


def test_a_shadow_copy_deletion_logged_as_4688_is_stored_and_alerted_with_its_author(tmp_path: Path) -> None:
    s = site()
    path = write(tmp_path / "ehr.jsonl", shadow_copy_deletion())
    result = import_file(s.source, path, file_name="ehr-security.jsonl", imported_by="tanaka")
    assert result.state == ImportState.IMPORTED and result.events == 21 and result.error == ""
    assert event_store().count(s.source.store_name) == 21
    s.source.refresh_from_db()
    assert s.source.events == 21 and s.source.first_event == T0
    alert = Alert.objects.get(facility=s.facility, rule_title__icontains="shadow")
    assert alert.host == "EHR-AP1.HOSP.LOCAL" and alert.count == 1
    assert alert.rule_author  # DRL 1.1: the rule's author travels with every alert
    assert "attack.t1490" in alert.tags
    assert ["CommandLine", "vssadmin.exe delete shadows /all /quiet"] in alert.matched or any(
        k == "CommandLine" for k, _v in alert.matched)
    assert alert.samples[0]["EventID"] == 4688 and alert.samples[0]["_source"] == "ehr-security.jsonl"
    assert AuditEntry.objects.filter(action="create", object_type__icontains="alert").exists()


def test_a_file_broken_in_the_middle_is_rejected_whole_and_nothing_is_stored(tmp_path: Path) -> None:
    s = site()
    lines = shadow_copy_deletion().text().splitlines()
    lines.insert(12, '{"winlog": {"channel": "Security", "event_id": "4624"')  # cut off mid-object
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_file(s.source, path, file_name="broken.jsonl")
    assert result.state == ImportState.REJECTED and result.events == 0
    assert "broken.jsonl" in result.error and "line 13" in result.error
    assert str(tmp_path) not in result.error  # the server's temporary path is not shown
    assert event_store().count(s.source.store_name) == 0
    assert not Alert.objects.filter(facility=s.facility).exists()
    s.source.refresh_from_db()
    assert s.source.events == 0 and LogImport.objects.get().state == ImportState.REJECTED


def test_a_cp932_csv_export_is_decoded(tmp_path: Path) -> None:
    s = site(kind="csv")
    text = "日時,ホスト名,ユーザー,送信元IP,操作\n2026/11/30 10:00:00,ehr-ap1,看護師01,10.20.1.5,ログオン失敗\n"
    path = tmp_path / "export.csv"
    path.write_bytes(text.encode("cp932"))
    result = import_file(s.source, path, file_name="export.csv")
    assert result.state == ImportState.IMPORTED, result.error
    rows = event_store().query("SELECT \"user\", fields FROM events WHERE source = ?", [s.source.store_name])
    assert rows[0]["user"] == "看護師01" and "ログオン失敗" in rows[0]["fields"]


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path, settings: object) -> None:
    s = site()
    settings.MAMORI_LOG_UPLOAD_MAX_MB = 1  # type: ignore[attr-defined]
    path = tmp_path / "big.jsonl"
    path.write_bytes(b" " * (1024 * 1024 + 1))
    result = import_file(s.source, path, file_name="big.jsonl")
    assert result.state == ImportState.REJECTED and "more than" in result.error
    assert event_store().count(s.source.store_name) == 0


def test_repeated_detections_are_one_alert_with_a_count(tmp_path: Path) -> None:
    s = site()
    import_file(s.source, write(tmp_path / "a.jsonl", shadow_copy_deletion()), file_name="a.jsonl")
    later = shadow_copy_deletion(at=T0 + dt.timedelta(hours=5))
    import_file(s.source, write(tmp_path / "b.jsonl", later), file_name="b.jsonl")
    alert = Alert.objects.get(facility=s.facility, rule_title__icontains="shadow")
    assert alert.count == 2 and alert.first_seen < alert.last_seen
    assert len(alert.samples) == 2


def test_a_resolved_alert_is_not_reopened_by_a_new_occurrence(tmp_path: Path) -> None:
    s = site()
    import_file(s.source, write(tmp_path / "a.jsonl", shadow_copy_deletion()), file_name="a.jsonl")
    Alert.objects.filter(facility=s.facility).update(status="resolved")
    import_file(s.source, write(tmp_path / "b.jsonl", shadow_copy_deletion(at=T0 + dt.timedelta(days=1))),
                file_name="b.jsonl")
    found = Alert.objects.filter(facility=s.facility, rule_title__icontains="shadow").order_by("created")
    assert [a.status for a in found] == ["resolved", "new"]


def test_rdp_from_the_maintenance_segment_is_tagged_with_its_zone(tmp_path: Path) -> None:
    s = site()
    log = WinlogbeatLog("ehr-ap1.hosp.local")
    logon(log, T0, "ehr-admin", "10.90.20.15", 10)
    logon(log, T0 + dt.timedelta(minutes=1), "kango01", "10.20.1.5", 10)
    import_file(s.source, write(tmp_path / "rdp.jsonl", log), file_name="rdp.jsonl")
    rows = event_store().query("SELECT src_ip, fields FROM events WHERE source = ? ORDER BY time",
                               [s.source.store_name])
    first, second = (json.loads(r["fields"]) for r in rows)
    assert first["SourceZone"] == "maintenance" and first["_src_ip"] == "10.90.20.15"
    assert "SourceZone" not in second
    assert first["TargetCritical"].startswith("ehr|")  # the EHR server from the ledger


def test_retention_deletes_only_days_older_than_the_source_policy(tmp_path: Path) -> None:
    from mamori.monitoring.retention import apply_retention

    s = site()
    s.source.retention_days = 30
    s.source.save()
    import_file(s.source, write(tmp_path / "a.jsonl", shadow_copy_deletion()), file_name="a.jsonl")
    assert event_store().count(s.source.store_name) == 21
    assert list(apply_retention(today=T0.date() + dt.timedelta(days=30))) == ["nothing older than its retention"]
    lines = list(apply_retention(today=T0.date() + dt.timedelta(days=32)))
    assert lines[0].startswith(s.source.store_name) and "1 day(s)" in lines[0]
    assert event_store().count(s.source.store_name) == 0
