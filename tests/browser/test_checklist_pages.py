"""In a real browser: the demo hospital's 令和7年度 checklist — the list with the vendors' 事業者確認用, the
suggestion from the remote-maintenance paths next to item 2-⑬, a 2nd check answered and a bad answer refused,
evidence attached with its SHA-256, the official Excel layout downloaded; a vendor that sees only its own form;
and an inspector who reads and exports but answers nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from mamori.accounts.models import User
from mamori.checklist.models import ChecklistResponse, EvidenceFile, ItemAnswer
from mamori.demo.loader import load_demo
from mamori.ledger.models import RemoteAccessPath, Vendor
from mamori.tenancy.models import Facility
from tests import factories
from tests.browser.conftest import SCREENSHOTS, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR = 2025
ITEM = "2-⑬"  # remote maintenance restricted by source address: いいえ in the demo, 目標日 2026-02-27
EVIDENCE_NAME = "接続元制限_設定.pdf"
EVIDENCE_DATA = b"%PDF-1.4\n% RP-01 / RP-03 / RP-07: source address restriction requested\n%%EOF\n"


def _failed_load(status: int) -> str:
    """What Chromium logs for a page the server answered with an error status."""
    name = {400: "Bad Request", 404: "Not Found"}[status]
    return f"Failed to load resource: the server responded with a status of {status} ({name})"


def _hospital(facility: Facility) -> ChecklistResponse:
    return ChecklistResponse.objects.get(facility=facility, fiscal_year=YEAR, form="hospital", vendor=None)


def _answer(response: ChecklistResponse, number: str) -> ItemAnswer:
    return ItemAnswer.objects.get(response=response, item_number=number)


def _download(page: Any, testid: str, target: Path) -> bytes:
    with page.expect_download() as info:
        page.click(f"[data-testid={testid}]")
    download = info.value
    assert download.failure() is None
    download.save_as(str(target))
    return target.read_bytes()


def _sheet_rows(data: bytes) -> list[tuple[str, ...]]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [tuple("" if v is None else str(v) for v in row) for ws in book.worksheets
            for row in ws.iter_rows(values_only=True)]


def test_it_staff_answers_the_2nd_check_attaches_evidence_and_exports(live_server: Any, page: Any,
                                                                       tmp_path: Path) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    joho = User.objects.create_user("joho", password=factories.PASSWORD, role="it_staff", facility=facility)
    hospital = _hospital(facility)
    vendor_forms = {r.vendor.code: r for r in ChecklistResponse.objects.filter(facility=facility, form="vendor")
                    .select_related("vendor") if r.vendor is not None}
    assert set(vendor_forms) == {"V-EHR", "V-NET"}
    open_paths = list(RemoteAccessPath.objects.filter(facility=facility, source_ip_restricted=False)
                      .values_list("name", flat=True))
    assert open_paths  # the demo's FortiGate and the monitor vendor's VPN accept any source
    base = live_server.url
    sign_in(page, base, "joho")

    # The list, reached through the side navigation: the FY2025 hospital form and the vendors' forms.
    page.click("nav.sidenav >> text=チェックリスト")
    page.wait_for_url(f"{base}/checklist/")
    responses = page.locator("[data-testid=responses]")
    link = responses.locator(f"a[href='{hospital.get_absolute_url()}']")
    assert link.count() == 1 and "令和7年度" in link.inner_text()
    assert "医療機関確認用" in responses.inner_text()
    vendors = page.locator("[data-testid=vendor-forms]")
    assert vendors.count() == 1
    for code, form in vendor_forms.items():
        row = vendors.locator(f"[data-testid=vendor-{code}]")
        assert row.count() == 1, code
        assert row.locator(f"a[href='{form.get_absolute_url()}']").count() == 1, code
        assert form.sent_on is not None and form.sent_on.isoformat() in row.inner_text(), code
        assert row.locator("input[type=checkbox]").count() == 0, code  # already sent
    assert "4 / 14" in vendors.locator("[data-testid=vendor-V-EHR]").inner_text()  # the demo answered four
    unsent = Vendor.objects.filter(facility=facility).exclude(code__in=vendor_forms).order_by("code").first()
    assert unsent is not None
    assert vendors.locator(f"[data-testid=vendor-{unsent.code}] input[type=checkbox]").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "checklist_list.png"), full_page=True)

    # The hospital checklist: nine of eighteen answered, 2-⑬ suggested いいえ from the open paths.
    link.click()
    page.wait_for_url(f"{base}{hospital.get_absolute_url()}")
    progress = page.locator("[data-testid=progress]").inner_text()
    total = hospital.answers.count()
    answered = hospital.answers.exclude(first_answer="").count()
    assert answered == 9
    assert f"{total} 項目中 {answered} 項目回答済み" in progress, progress
    item = page.locator(f"[data-testid=item-{ITEM}]")
    suggestion = item.locator(f"[data-testid=suggestion-{ITEM}]")
    assert suggestion.get_attribute("data-answer") == "no"
    said = suggestion.inner_text()
    assert "「いいえ」を提案" in said
    assert any(name in said for name in open_paths), said
    assert suggestion.locator("a[href*='source_ip_restricted=false']").count() == 1
    assert item.locator(f"select[name='{ITEM}-first_answer']").input_value() == "no"
    assert item.locator(f"input[name='{ITEM}-target_date']").input_value() == "2026-02-27"
    assert page.locator("form.answer-form").count() == total
    page.screenshot(path=str(SCREENSHOTS / "checklist_detail.png"), full_page=True)

    # The 2nd check of 2-⑬: はい, after the 1st (2025-07-01) and within the fiscal year.
    item.locator(f"select[name='{ITEM}-second_answer']").select_option("yes")
    item.locator(f"input[name='{ITEM}-second_date']").fill("2026-03-10")
    page.click(f"[data-testid=save-{ITEM}]")
    page.locator(".messages .msg-success").wait_for()
    assert f"{ITEM} を保存しました" in page.locator(".messages").inner_text()
    page.wait_for_url(f"{base}{hospital.get_absolute_url()}#item-{ITEM}")
    saved = _answer(hospital, ITEM)
    assert saved.second_answer == "yes" and saved.second_date == dt.date(2026, 3, 10)
    assert saved.first_answer == "no" and saved.target_date == dt.date(2026, 2, 27)  # the 1st check untouched
    assert saved.answered_by == joho
    item = page.locator(f"[data-testid=item-{ITEM}]")
    assert item.locator(f"select[name='{ITEM}-second_answer']").input_value() == "yes"
    assert "joho" in item.locator("form.answer-form").inner_text()  # last answered by
    # The standing answer (はい) now differs from the data's いいえ: the page says to explain it.
    assert item.locator(f"[data-testid=suggestion-{ITEM}] .errors").count() == 1

    # A bad answer: いいえ without a 目標日 is refused on its field and nothing is saved.
    bad = "2-⑫"
    before = _answer(hospital, bad)
    assert before.first_answer == ""
    item = page.locator(f"[data-testid=item-{bad}]")
    item.locator(f"select[name='{bad}-first_answer']").select_option("no")
    item.locator(f"input[name='{bad}-first_date']").fill("2025-08-01")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.click(f"[data-testid=save-{bad}]")
        page.wait_for_load_state()
    assert posted.value.status == 400
    item = page.locator(f"[data-testid=item-{bad}]")
    alert = item.locator(".has-error [role=alert]")
    assert alert.count() == 1
    assert "目標日" in alert.inner_text()
    assert item.locator(f".has-error input[name='{bad}-target_date']").count() == 1
    assert item.locator(f"select[name='{bad}-first_answer']").input_value() == "no"  # the input kept
    assert page.locator("[role=alert]").count() == 1  # no other item flagged
    item.screenshot(path=str(SCREENSHOTS / "checklist_item_error.png"))
    after = _answer(hospital, bad)
    assert (after.first_answer, after.first_date, after.target_date, after.answered_by_id) == ("", None, None, None)
    assert after.updated == before.updated

    # Evidence for 2-⑬ through its 「根拠を添付」 form, kept with its SHA-256.
    page.goto(f"{base}{hospital.get_absolute_url()}")
    evidence = page.locator(f"[data-testid=evidence-{ITEM}]")
    assert evidence.locator("li").count() == 0
    upload = evidence.locator("form[enctype='multipart/form-data']")
    assert not upload.is_visible()
    evidence.locator("details > summary", has_text="根拠を添付").click()
    upload.locator("input[name=file]").set_input_files(
        files=[{"name": EVIDENCE_NAME, "mimeType": "application/pdf", "buffer": EVIDENCE_DATA}])
    upload.locator("input[name=description]").fill("UTM の接続元制限（RP-01・RP-03・RP-07）")
    upload.locator("input[name=effective_on]").fill("2026-03-10")
    upload.locator("button[type=submit]").click()
    page.locator(".messages .msg-success").wait_for()
    digest = hashlib.sha256(EVIDENCE_DATA).hexdigest()
    message = page.locator(".messages").inner_text()
    assert EVIDENCE_NAME in message and digest[:16] in message
    evidence = page.locator(f"[data-testid=evidence-{ITEM}]")
    assert evidence.locator("a", has_text=EVIDENCE_NAME).count() == 1
    assert digest[:8] in evidence.inner_text()
    stored = EvidenceFile.objects.get(answer__response=hospital, answer__item_number=ITEM)
    assert stored.filename == EVIDENCE_NAME and stored.sha256 == digest and stored.size == len(EVIDENCE_DATA)
    assert stored.uploaded_by == joho and stored.effective_on == dt.date(2026, 3, 10)
    with stored.file.open("rb") as handle:
        assert handle.read() == EVIDENCE_DATA
    assert EvidenceFile.objects.filter(answer__response=hospital).count() == 3  # the demo's two and this one
    page.locator(f"[data-testid=item-{ITEM}]").screenshot(path=str(SCREENSHOTS / "checklist_item_answered.png"))

    # The official Excel layout: 2-⑬ with its いいえ, 目標日 and the 2nd check's はい.
    data = _download(page, "export-xlsx", tmp_path / "checklist.xlsx")
    rows = _sheet_rows(data)
    item_rows = [r for r in rows if ITEM in r]
    assert item_rows, "2-⑬ is not in the workbook"
    cells = " ".join(" ".join(r) for r in item_rows)
    assert "はい" in cells and "いいえ" in cells
    assert "2026" in cells  # the dates
    assert any(EVIDENCE_NAME in " ".join(r) for r in rows)  # the evidence sheet names the new file
    # Only the refused answer's own 400, which the browser logs as a failed load; no CSP violation or script error.
    assert page.console_errors == [_failed_load(400)]


def test_a_vendor_answers_only_its_own_form(live_server: Any, page: Any) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    ehr = Vendor.objects.get(facility=facility, code="V-EHR")
    factories.user("vendor", facility, ehr, username="ehr-vendor")
    hospital = _hospital(facility)
    own = ChecklistResponse.objects.get(facility=facility, form="vendor", vendor=ehr)
    other = ChecklistResponse.objects.get(facility=facility, form="vendor", vendor__code="V-NET")
    base = live_server.url
    sign_in(page, base, "ehr-vendor")

    page.click("nav.sidenav >> text=チェックリスト")
    page.wait_for_url(f"{base}/checklist/")
    rows = page.locator("[data-testid=responses] tbody tr")
    assert rows.count() == 1
    assert ehr.name in rows.first.inner_text() and "事業者確認用" in rows.first.inner_text()
    assert rows.first.locator(f"a[href='{own.get_absolute_url()}']").count() == 1
    body = page.locator("main").inner_html()
    assert hospital.get_absolute_url() not in body and other.get_absolute_url() not in body
    assert page.locator("[data-testid=vendor-forms]").count() == 0  # the other vendors stay hidden
    assert page.locator("[data-testid=start-form]").count() == 0

    rows.first.locator("a").click()
    page.wait_for_url(f"{base}{own.get_absolute_url()}")
    answered = own.answers.exclude(first_answer="").count()
    assert answered == 4
    progress = page.locator("[data-testid=progress]")
    assert f"{own.answers.count()} 項目中 {answered} 項目回答済み" in progress.inner_text()
    assert page.locator(".suggestion").count() == 0  # Mamori holds no vendor-side data
    number = next(a.item_number for a in own.answers.order_by("id") if not a.first_answer)
    item = page.locator(f"[data-testid=item-{number}]")
    item.locator(f"select[name='{number}-first_answer']").select_option("yes")
    item.locator(f"input[name='{number}-first_date']").fill("2025-09-10")
    item.locator(f"textarea[name='{number}-notes']").fill("保守端末は全台 EDR 導入済み")
    page.click(f"[data-testid=save-{number}]")
    page.locator(".messages .msg-success").wait_for()
    assert f"{number} を保存しました" in page.locator(".messages").inner_text()
    saved = _answer(own, number)
    assert (saved.first_answer, saved.first_date) == ("yes", dt.date(2025, 9, 10))
    assert saved.answered_by is not None and saved.answered_by.username == "ehr-vendor"
    assert f"{own.answers.count()} 項目中 {answered + 1} 項目回答済み" in progress.inner_text()

    # The hospital's checklist and the other vendor's form do not exist for this vendor.
    failed: list[str] = []
    page.on("console", lambda msg: failed.append(msg.location.get("url", "")) if msg.type == "error" else None)
    refused = []
    for response in (hospital, other):
        for path in (response.get_absolute_url(), f"/checklist/{response.pk}/export/xlsx/"):
            result = page.goto(f"{base}{path}")
            assert result is not None and result.status == 404, path
            refused.append(f"{base}{path}")
    page.screenshot(path=str(SCREENSHOTS / "checklist_vendor_404.png"), full_page=True)
    assert _answer(hospital, number).answered_by_id is None
    # Only the refused pages themselves fail (and the favicon the bare 404 page does not link); no script error.
    assert set(page.console_errors) == {_failed_load(404)}
    assert set(refused) <= set(failed) <= {*refused, f"{base}/favicon.ico"}


def test_an_inspector_reads_and_exports_but_answers_nothing(live_server: Any, page: Any, tmp_path: Path) -> None:
    load_demo(assets_target=300)
    facility = Facility.objects.get()
    factories.user("inspector", facility, username="kansa")
    hospital = _hospital(facility)
    base = live_server.url
    sign_in(page, base, "kansa")

    page.click("nav.sidenav >> text=チェックリスト")
    page.wait_for_url(f"{base}/checklist/")
    assert page.locator("[data-testid=start-form]").count() == 0
    vendors = page.locator("[data-testid=vendor-forms]")
    assert vendors.locator("[data-testid=vendor-V-EHR]").count() == 1
    assert vendors.locator("input[type=checkbox]").count() == 0 and vendors.locator("button").count() == 0

    page.locator(f"[data-testid=responses] a[href='{hospital.get_absolute_url()}']").click()
    page.wait_for_url(f"{base}{hospital.get_absolute_url()}")
    assert "閲覧のみ" in page.locator("[data-testid=progress]").inner_text()
    assert page.locator("form.answer-form").count() == 0
    assert page.locator("main form[method=post]").count() == 0
    assert page.locator("details > summary", has_text="根拠を添付").count() == 0
    assert page.locator("form[enctype='multipart/form-data'], input[type=file]").count() == 0
    item = page.locator(f"[data-testid=item-{ITEM}]")
    assert "いいえ" in item.locator("dl").inner_text() and "2026-02-27" in item.locator("dl").inner_text()
    assert item.locator(f"[data-testid=suggestion-{ITEM}]").get_attribute("data-answer") == "no"
    assert page.locator("[data-testid=evidence-1-①] a", has_text="安全管理責任者_辞令.pdf").count() == 1

    rows = _sheet_rows(_download(page, "export-xlsx", tmp_path / "checklist.xlsx"))
    assert any(ITEM in r and "いいえ" in r for r in rows)
    pdf = _download(page, "export-pdf", tmp_path / "checklist.pdf")
    assert pdf.startswith(b"%PDF")
    pack = zipfile.ZipFile(io.BytesIO(_download(page, "export-zip", tmp_path / "evidence.zip")))
    names = pack.namelist()
    assert {"checklist.xlsx", "checklist.pdf", "manifest.csv", "manifest.json"} <= set(names)
    assert any(n.startswith("evidence/3-①/") and n.endswith("連絡体制図_R7.pdf") for n in names), names
    assert page.console_errors == []
    assert ItemAnswer.objects.filter(response=hospital).exclude(first_answer="").count() == 9
