"""Backup pages: who may open and change what, the forms, uploads, and what the pages show."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mamori.audit.models import AuditEntry
from mamori.backups.forms import MAX_PROCEDURE_BYTES
from mamori.backups.models import BackupCopy, BackupJob, RestoreDrill, VerificationRun
from tests import factories
from tests.backups.helpers import Site, healthy, recorded_run, site

pytestmark = pytest.mark.django_db


@pytest.fixture
def s() -> Site:
    found = site()
    healthy(found.job)
    recorded_run(found.job, ["clean", "clean", "encrypted"], hours_apart=6)
    return found


def _as(client: Client, role: str, s: Site) -> Client:
    return factories.login(client, factories.user(role, s.facility, mfa=role in ("security_manager", "admin")))


def test_anonymous_is_sent_to_sign_in(client: Client, s: Site) -> None:
    for url in (reverse("backups:job_list"), s.job.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["privacy_officer", "executive"])
def test_roles_without_backup_permission_get_403(client: Client, s: Site, role: str) -> None:
    _as(client, role, s)
    assert client.get(reverse("backups:job_list")).status_code == 403
    assert client.get(s.job.get_absolute_url()).status_code == 403


def test_a_vendor_sees_no_backup_page(client: Client, s: Site) -> None:
    factories.login(client, factories.user("vendor", s.facility, factories.vendor(s.facility)))
    assert client.get(reverse("backups:job_list")).status_code == 403


def test_another_facility_s_job_does_not_exist_for_the_user(client: Client, s: Site) -> None:
    other = site()
    factories.login(client, factories.user("it_staff", other.facility))
    assert client.get(s.job.get_absolute_url()).status_code == 404
    assert client.post(reverse("backups:job_verify", args=[s.job.pk])).status_code == 404
    page = client.get(reverse("backups:job_list")).content.decode()
    assert f'data-testid="job-{s.job.code}"' in page  # the other facility's job has the same code…
    assert s.job.get_absolute_url() not in page  # …but this one is not listed


def test_the_list_shows_the_restore_point_state_and_checks(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    page = client.get(reverse("backups:job_list"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "snap0001" in page and "state-encrypted" in page
    assert 'data-code="snapshot_encrypted"' in page
    assert 'data-testid="checklist-evidence"' in page


def test_the_detail_page_names_the_restore_point_and_marks_it(client: Client, s: Site) -> None:
    _as(client, "security_manager", s)
    page = client.get(s.job.get_absolute_url()).content.decode()
    row = page[page.index('data-testid="snapshot-snap0001"'):]
    row = row[: row.index("</tr>")]
    assert "badge state-clean" in row and "state-encrypted" not in row  # the restore point, marked on its row
    assert 'data-testid="snapshot-snap0002"' in page
    assert 'data-testid="verify"' not in page  # a job recorded by hand cannot be verified by Mamori


def test_an_inspector_reads_but_changes_nothing(client: Client, s: Site) -> None:
    _as(client, "inspector", s)
    assert client.get(s.job.get_absolute_url()).status_code == 200
    runs = VerificationRun.objects.count()
    assert client.post(reverse("backups:job_verify", args=[s.job.pk])).status_code == 403
    assert client.post(reverse("backups:job_drill_record", args=[s.job.pk]), {}).status_code == 403
    assert client.post(reverse("backups:copy_create", args=[s.job.pk]), {}).status_code == 403
    assert client.get(reverse("backups:job_edit", args=[s.job.pk])).status_code == 403
    assert VerificationRun.objects.count() == runs


def _job_form(s: Site, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "facility": s.facility.pk, "code": "BK-NEW", "name": "オーダリング 日次", "system": s.server.pk,
        "backup_host": s.host.pk, "tool": "restic", "repository": "/srv/restic/ordering",
        "password_file": "/etc/mamori/restic-ordering.pass", "password_env": "", "schedule": "毎日 01:00",
        "rpo_hours": 24, "generations_required": 7, "rto_hours": "", "restore_procedure": "手順書",
        "restore_procedure_reviewed": "", "last_integrity_check": "", "integrity_ok": "unknown", "active": "on",
        "notes": ""}
    data.update(overrides)
    return data


def test_it_staff_registers_a_job_and_the_audit_trail_has_it(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    response = client.post(reverse("backups:job_create"), _job_form(s))
    assert response.status_code == 302, response.content.decode()[:2000]
    job = BackupJob.objects.get(code="BK-NEW")
    assert response["Location"] == job.get_absolute_url()
    assert AuditEntry.objects.filter(object_type="backups.backupjob", object_id=str(job.pk)).exists()


@pytest.mark.parametrize(("overrides", "field"), [
    ({"password_file": "hunter2"}, "password_file"),  # a password typed where the path goes
    ({"password_file": "", "password_env": ""}, "password_file"),
    ({"password_env": "RESTIC_PASSWORD"}, "password_env"),  # both
    ({"repository": ""}, "repository"),
    ({"rpo_hours": 0}, "rpo_hours"),
])
def test_a_job_form_with_a_mistake_is_refused_with_the_field(client: Client, s: Site, overrides: dict[str, object],
                                                              field: str) -> None:
    _as(client, "it_staff", s)
    response = client.post(reverse("backups:job_create"), _job_form(s, **overrides))
    assert response.status_code == 200 and field in response.context["form"].errors
    assert not BackupJob.objects.filter(code="BK-NEW").exists()
    assert "hunter2" not in str(list(AuditEntry.objects.values_list("changes", flat=True)))


def test_a_system_of_another_facility_cannot_be_chosen(client: Client, s: Site) -> None:
    other = site()
    _as(client, "it_staff", s)
    response = client.post(reverse("backups:job_create"), _job_form(s, system=other.server.pk))
    assert response.status_code == 200 and "system" in response.context["form"].errors


def test_the_restore_procedure_is_uploaded_kept_and_downloaded_by_those_who_may(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    document = SimpleUploadedFile("復旧手順書.pdf", b"%PDF-1.7\n...", content_type="application/pdf")
    response = client.post(reverse("backups:job_edit", args=[s.job.pk]),
                           _job_form(s, code=s.job.code, tool="other", repository="", password_file="",
                                     restore_procedure_file=document))
    assert response.status_code == 302
    s.job.refresh_from_db()
    assert s.job.restore_procedure_file
    download = client.get(reverse("backups:job_procedure", args=[s.job.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.7\n..."  # type: ignore[attr-defined]
    other = site()
    factories.login(client, factories.user("it_staff", other.facility))
    assert client.get(reverse("backups:job_procedure", args=[s.job.pk])).status_code == 404


def test_an_oversized_procedure_document_is_refused(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    big = SimpleUploadedFile("huge.pdf", b"0" * (MAX_PROCEDURE_BYTES + 1), content_type="application/pdf")
    response = client.post(reverse("backups:job_edit", args=[s.job.pk]),
                           _job_form(s, code=s.job.code, tool="other", repository="", password_file="",
                                     restore_procedure_file=big))
    assert response.status_code == 200 and "restore_procedure_file" in response.context["form"].errors
    s.job.refresh_from_db()
    assert not s.job.restore_procedure_file


def test_a_copy_and_a_hand_recorded_drill_are_added_from_the_job_page(client: Client, s: Site) -> None:
    user = factories.user("it_staff", s.facility)
    factories.login(client, user)
    response = client.post(reverse("backups:copy_create", args=[s.job.pk]),
                           {"kind": "immutable", "medium": "S3 object lock", "location": "委託先",
                            "last_verified": "2026-12-01T09:00", "notes": ""})
    assert response.status_code == 302 and BackupCopy.objects.filter(job=s.job, kind="immutable").exists()
    response = client.post(reverse("backups:job_drill_record", args=[s.job.pk]), {
        "performed_at": "2026-12-01T10:00", "snapshot_id": "snap0001", "restored_what": "電子カルテDB",
        "restored_to": "待機系", "files_restored": 3, "hashes_matched": 3, "hashes_mismatched": 0,
        "application_check": "カルテ表示", "application_ok": "true", "measured_rto_minutes": 240, "notes": ""})
    assert response.status_code == 302
    drill = RestoreDrill.objects.filter(job=s.job).latest("created")
    assert drill.performed_by == user.username and drill.ok and drill.measured_rto_minutes == 240
    bad = client.post(reverse("backups:copy_create", args=[s.job.pk]), {"kind": "floppy", "medium": ""})
    assert bad.status_code == 400 and BackupCopy.objects.filter(job=s.job).count() == 2


def test_home_page_shows_the_backup_todos(client: Client, s: Site) -> None:
    _as(client, "it_staff", s)
    page = client.get(reverse("web:home")).content.decode()
    assert s.job.get_absolute_url() in page and "3-②" in page
