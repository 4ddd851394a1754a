"""Checklist pages: answering with dates and 目標日, evidence with its hash, the suggestion shown changing with its
evidence, vendors limited to their own form, inspectors reading only, and the exports."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from mamori.accounts.models import User
from mamori.audit.models import AuditEntry
from mamori.checklist import services
from mamori.checklist.models import ChecklistResponse, EvidenceFile, ItemAnswer
from mamori.engines.checklist import loader
from mamori.ledger.models import Vendor
from mamori.tenancy.models import Facility
from tests import factories

pytestmark = pytest.mark.django_db


@dataclass
class World:
    facility: Facility
    hospital: ChecklistResponse
    vendor_a: Vendor
    vendor_b: Vendor
    form_a: ChecklistResponse
    form_b: ChecklistResponse
    users: dict[str, User]


@pytest.fixture
def w() -> World:
    facility = factories.facility()
    va, vb = factories.vendor(facility, name="A社"), factories.vendor(facility, name="B社")
    hospital = services.start(facility, 2025, "hospital")
    form_a, form_b = services.assign_vendor_forms(facility, 2025, [va, vb])
    users = {"it_staff": factories.user("it_staff", facility), "inspector": factories.user("inspector", facility),
             "vendor_a": factories.user("vendor", facility, va), "vendor_b": factories.user("vendor", facility, vb),
             "other_it": factories.user("it_staff", factories.facility()),
             "privacy_officer": factories.user("privacy_officer", facility)}
    return World(facility, hospital, va, vb, form_a, form_b, users)


def _as(client: Client, w: World, who: str) -> Client:
    return factories.login(client, w.users[who])


def _answer(client: Client, response: ChecklistResponse, number: str, **fields: str) -> object:
    data = {f"{number}-{k}": v for k, v in {"first_answer": "", "first_date": "", "target_date": "",
                                               "second_answer": "", "second_date": "", "notes": "", **fields}.items()}
    return client.post(reverse("checklist:answer", args=[response.pk, number]), data)


def test_it_staff_answers_an_item_with_its_date_and_the_audit_trail_has_it(client: Client, w: World) -> None:
    _as(client, w, "it_staff")
    result = _answer(client, w.hospital, "2-⑬", first_answer="no", first_date="2025-06-10",
                     target_date="2026-02-27", notes="接続元制限を保守事業者に依頼済み")
    assert result.status_code == 302  # type: ignore[attr-defined]
    answer = ItemAnswer.objects.get(response=w.hospital, item_number="2-⑬")
    assert (answer.first_answer, answer.first_date, answer.target_date) == ("no", dt.date(2025, 6, 10),
                                                                             dt.date(2026, 2, 27))
    assert answer.answered_by == w.users["it_staff"]
    assert AuditEntry.objects.filter(object_type="checklist.itemanswer", object_id=str(answer.pk)).exists()


@pytest.mark.parametrize(("fields", "error_field"), [
    ({"first_answer": "no", "first_date": "2025-06-10"}, "target_date"),  # いいえ needs a 目標日
    ({"first_answer": "no", "first_date": "2025-06-10", "target_date": "2026-06-30"}, "target_date"),  # after FY
    ({"first_answer": "yes"}, "first_date"),  # an answer needs its date
    ({"first_answer": "yes", "first_date": "2025-06-10", "second_answer": "yes", "second_date": "2025-05-01"},
     "second_date"),  # the 2nd before the 1st
])
def test_a_bad_answer_is_refused_with_its_field_and_nothing_saved(client: Client, w: World, fields: dict[str, str],
                                                                  error_field: str) -> None:
    _as(client, w, "it_staff")
    result = _answer(client, w.hospital, "2-⑬", **fields)
    assert result.status_code == 400  # type: ignore[attr-defined]
    assert 'role="alert"' in result.content.decode()  # type: ignore[attr-defined]
    assert ItemAnswer.objects.get(response=w.hospital, item_number="2-⑬").first_answer == ""


def test_the_2fa_item_may_aim_beyond_the_fiscal_year_up_to_its_own_deadline(client: Client, w: World) -> None:
    _as(client, w, "it_staff")
    item = services.definition_of(w.hospital).item("2-⑩")
    assert item.deadline is not None and item.deadline > dt.date(2026, 3, 31)
    ok = _answer(client, w.hospital, "2-⑩", first_answer="no", first_date="2025-06-10",
                 target_date=item.deadline.isoformat())
    assert ok.status_code == 302  # type: ignore[attr-defined]


def test_evidence_is_stored_with_its_sha256_uploader_and_dates_and_downloads(client: Client, w: World) -> None:
    _as(client, w, "it_staff")
    data = "連絡体制図 令和7年6月版".encode()
    upload = SimpleUploadedFile("連絡体制図.pdf", data, content_type="application/pdf")
    result = client.post(reverse("checklist:evidence_upload", args=[w.hospital.pk, "3-①"]),
                         {"file": upload, "description": "院内・事業者・厚労省・警察", "effective_on": "2025-06-01"})
    assert result.status_code == 302
    evidence = EvidenceFile.objects.get()
    assert evidence.sha256 == hashlib.sha256(data).hexdigest() and evidence.size == len(data)
    assert evidence.uploaded_by == w.users["it_staff"] and evidence.effective_on == dt.date(2025, 6, 1)
    download = client.get(reverse("checklist:evidence_download", args=[evidence.pk]))
    assert b"".join(download.streaming_content) == data  # type: ignore[attr-defined]


def test_the_suggestion_is_shown_changed_only_when_its_evidence_changes(client: Client, w: World) -> None:
    vendor = w.vendor_a
    factories.remote_path(w.facility, vendor, None, name="PACS保守", source_ip_restricted=True,
                          allowed_sources="203.0.113.1")
    _as(client, w, "it_staff")
    client.get(w.hospital.get_absolute_url())
    answer = ItemAnswer.objects.get(response=w.hospital, item_number="2-⑬")
    assert answer.suggestion == "yes" and answer.suggestion_changed is None
    client.get(w.hospital.get_absolute_url())  # nothing changed: no change shown
    assert ItemAnswer.objects.get(pk=answer.pk).suggestion_changed is None
    factories.remote_path(w.facility, vendor, None, name="検査システム保守", source_ip_restricted=False)
    page = client.get(w.hospital.get_absolute_url()).content.decode()
    answer.refresh_from_db()
    assert answer.suggestion == "no" and answer.previous_suggestion == "yes"
    assert answer.suggestion_changed is not None and "検査システム保守" in " ".join(answer.suggestion_reasons)
    assert 'data-testid="suggestion-changed-2-⑬"' in page


def test_a_vendor_sees_and_answers_only_its_own_form(client: Client, w: World) -> None:
    _as(client, w, "vendor_a")
    assert client.get(w.form_a.get_absolute_url()).status_code == 200
    assert client.get(w.form_b.get_absolute_url()).status_code == 404
    assert client.get(w.hospital.get_absolute_url()).status_code == 404
    listing = client.get(reverse("checklist:response_list")).content.decode()
    assert w.form_a.get_absolute_url() in listing and w.form_b.get_absolute_url() not in listing
    assert w.hospital.get_absolute_url() not in listing
    number = services.definition_of(w.form_a).items[0].number
    assert _answer(client, w.form_a, number, first_answer="yes", first_date="2025-07-01").status_code == 302  # type: ignore[attr-defined]
    assert _answer(client, w.form_b, number, first_answer="yes", first_date="2025-07-01").status_code == 404  # type: ignore[attr-defined]


def test_a_vendor_cannot_see_the_hospital_s_evidence(client: Client, w: World) -> None:
    answer = ItemAnswer.objects.get(response=w.hospital, item_number="3-①")
    evidence = EvidenceFile(answer=answer, filename="連絡体制図.pdf", sha256="0" * 64, size=3)
    evidence.file.save("x", SimpleUploadedFile("x", b"abc"), save=False)
    evidence.save()
    _as(client, w, "vendor_a")
    assert client.get(reverse("checklist:evidence_download", args=[evidence.pk])).status_code == 404
    assert client.get(reverse("checklist:export", args=[w.hospital.pk, "zip"])).status_code == 404


def test_an_inspector_reads_everything_and_changes_nothing(client: Client, w: World) -> None:
    _as(client, w, "inspector")
    page = client.get(w.hospital.get_absolute_url())
    assert page.status_code == 200 and "answer-form" not in page.content.decode()
    assert _answer(client, w.hospital, "2-⑬", first_answer="yes", first_date="2025-07-01").status_code == 403  # type: ignore[attr-defined]
    upload = SimpleUploadedFile("x.pdf", b"x")
    assert client.post(reverse("checklist:evidence_upload", args=[w.hospital.pk, "3-①"]),
                       {"file": upload}).status_code == 403
    assert client.post(reverse("checklist:start"), {"year_form": "2025|pharmacy"}).status_code == 403
    assert client.post(reverse("checklist:assign_vendors"), {"year": "2025"}).status_code == 403
    assert client.get(reverse("checklist:export", args=[w.hospital.pk, "xlsx"])).status_code == 200
    assert ItemAnswer.objects.filter(response=w.hospital).exclude(first_answer="").count() == 0


def test_roles_without_checklist_permission_and_other_facilities_are_kept_out(client: Client, w: World) -> None:
    _as(client, w, "privacy_officer")
    assert client.get(reverse("checklist:response_list")).status_code == 403
    _as(client, w, "other_it")
    assert client.get(w.hospital.get_absolute_url()).status_code == 404


def test_the_xlsx_export_reopens_with_every_item_answer_and_date(client: Client, w: World) -> None:
    _as(client, w, "it_staff")
    _answer(client, w.hospital, "2-⑬", first_answer="no", first_date="2025-06-10", target_date="2026-02-27")
    _answer(client, w.hospital, "1-①", first_answer="yes", first_date="2025-05-20")
    data = client.get(reverse("checklist:export", args=[w.hospital.pk, "xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    texts = {str(c.value) for c in cells}
    for item in services.definition_of(w.hospital).items:
        assert item.number in texts and item.wording in texts
    assert "はい" in texts and "いいえ" in texts and w.facility.name in " ".join(texts)
    dates = {c.value.date() for c in cells if isinstance(c.value, dt.datetime)}
    assert {dt.date(2025, 6, 10), dt.date(2026, 2, 27), dt.date(2025, 5, 20)} <= dates


def test_the_evidence_pack_holds_the_checklist_files_and_a_manifest_of_hashes(client: Client, w: World) -> None:
    _as(client, w, "it_staff")
    data = b"%PDF-1.4 appointment"
    client.post(reverse("checklist:evidence_upload", args=[w.hospital.pk, "1-①"]),
                {"file": SimpleUploadedFile("辞令.pdf", data), "effective_on": "2025-04-01"})
    pack = zipfile.ZipFile(io.BytesIO(client.get(reverse("checklist:export", args=[w.hospital.pk, "zip"])).content))
    names = pack.namelist()
    assert {"checklist.xlsx", "checklist.pdf", "manifest.csv", "manifest.json"} <= set(names)
    manifest = json.loads(pack.read("manifest.json"))
    for entry in manifest["files"]:
        assert hashlib.sha256(pack.read(entry["path"])).hexdigest() == entry["sha256"]
    evidence = [e for e in manifest["files"] if e["item"] == "1-①"]
    assert len(evidence) == 1 and pack.read(evidence[0]["path"]) == data and evidence[0]["uploaded_by"]


def test_a_tampered_evidence_file_stops_the_pack(client: Client, w: World) -> None:
    _as(client, w, "it_staff")
    client.post(reverse("checklist:evidence_upload", args=[w.hospital.pk, "1-①"]),
                {"file": SimpleUploadedFile("辞令.pdf", b"original")})
    evidence = EvidenceFile.objects.get()
    with open(evidence.file.path, "wb") as handle:
        handle.write(b"changed")
    with pytest.raises(ValueError, match="SHA-256"):
        services.evidence_pack(w.hospital)


def test_the_vendor_table_shows_every_vendor_with_its_form(client: Client, w: World) -> None:
    factories.vendor(w.facility, name="C社")
    _as(client, w, "it_staff")
    page = client.get(reverse("checklist:response_list") + "?year=2025").content.decode()
    for name in ("A社", "B社", "C社"):
        assert name in page
    assert page.count('name="vendor"') == 1  # only C社 can still be sent one


def test_year_over_year_comparison_marks_what_improved_and_what_the_new_year_changed(
        client: Client, w: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 令和8年度 file added as data only: one wording changed, 2-⑭ dropped; the comparison shows both."""
    shipped = Path(loader.__file__).parents[2] / "checklist_data"
    shutil.copytree(shipped, tmp_path / "data")
    text = (tmp_path / "data" / "fy2025" / "hospital.yaml").read_text(encoding="utf-8")
    (tmp_path / "data" / "fy2026").mkdir()
    text = text.replace("fiscal_year: 2025", "fiscal_year: 2026", 1).replace(
        "接続元制限を実施している。", "接続元制限を実施し、定期的に見直している。")
    head, _sep, _rest = text.partition("  - number: \"2-⑭\"")
    tail = _rest[_rest.index("\n  - number:"):] if "\n  - number:" in _rest else ""
    (tmp_path / "data" / "fy2026" / "hospital.yaml").write_text(head + tail.lstrip("\n"), encoding="utf-8")
    real_find = loader.find
    monkeypatch.setattr(loader, "find", lambda year, form, folder=None: real_find(year, form, tmp_path / "data"))
    older = w.hospital
    ItemAnswer.objects.filter(response=older, item_number="2-⑬").update(first_answer="no")
    ItemAnswer.objects.filter(response=older, item_number="1-①").update(first_answer="yes")
    newer = services.start(w.facility, 2026, "hospital")
    ItemAnswer.objects.filter(response=newer, item_number="2-⑬").update(first_answer="yes")
    ItemAnswer.objects.filter(response=newer, item_number="1-①").update(first_answer="no")
    rows = {r["number"]: r for r in services.compare(older, newer)}
    assert rows["2-⑬"]["change"] == "better" and rows["2-⑬"]["wording_changed"]
    assert rows["1-①"]["change"] == "worse"
    assert rows["2-⑭"]["only_in"] == "old"
    _as(client, w, "it_staff")
    page = client.get(reverse("checklist:compare") + f"?older={older.pk}&newer={newer.pk}").content.decode()
    assert 'data-testid="compare-2-⑬"' in page and "state-clean" in page
