"""Ledger import/export: lossless round trips, CP932 from Excel, all-or-nothing with every problem named."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mamori import cli
from mamori.accounts.models import ApiToken
from mamori.audit.models import AuditEntry
from mamori.demo.loader import load_demo
from mamori.ledger.imports import apply_import, export_assets, plan_import
from mamori.ledger.models import Asset
from mamori.tenancy.models import Facility
from tests import factories

pytestmark = pytest.mark.django_db

EXCEL_CSV = (
    "資産番号,分類,名称,IPアドレス,ネットワークセグメント,所在,使用可否,事業者,サポート終了日,二要素認証\r\n"
    "NEW-001,サーバ,電子カルテ予備サーバ,10.10.9.1,電子カルテ系,本館1F サーバ室,はい,株式会社まもりメディカルシステムズ,令和11年3月31日,未設定\r\n"
    "NEW-002,端末PC,髙橋先生の診察室PC,10.10.9.2,EHR,外来棟2F 診察室3,○,V-EHR,2031/10/14,Not enabled\r\n"
)


@pytest.fixture
def hospital() -> Facility:
    load_demo(assets_target=300)
    return Facility.objects.get()


def _rows(assets: object) -> list[tuple[object, ...]]:
    return list(Asset.objects.order_by("key").values_list(
        "key", "category", "name", "ip_address", "segment_id", "location", "in_use", "vendor_id", "cpes",
        "end_of_support", "av_installed", "mfa", "renewal_year", "notes"))


@pytest.mark.parametrize(("fmt", "encoding"), [("xlsx", "utf-8-sig"), ("csv", "utf-8-sig"), ("csv", "cp932")])
def test_export_then_import_changes_nothing(hospital: Facility, fmt: str, encoding: str) -> None:
    before = _rows(Asset.objects.all())
    data = export_assets(Asset.objects.all(), fmt, encoding)
    plan = plan_import(data, f"ledger.{fmt}", hospital)
    assert plan.errors == []
    assert (len(plan.creates), len(plan.updates), plan.unchanged) == (0, 0, 300)
    assert _rows(Asset.objects.all()) == before


def test_excel_cp932_file_creates_assets_resolving_names_and_codes(hospital: Facility) -> None:
    plan = plan_import(EXCEL_CSV.encode("cp932"), "追加.csv", hospital)
    assert plan.errors == []
    apply_import(plan)
    first, second = Asset.objects.get(key="NEW-001"), Asset.objects.get(key="NEW-002")
    assert first.segment is not None and first.segment.code == "EHR" and first.vendor is not None
    assert second.name == "髙橋先生の診察室PC" and second.vendor == first.vendor and second.mfa == "no"
    assert str(first.end_of_support) == "2029-03-31"
    entry = AuditEntry.objects.get(action="ledger_import")
    assert entry.changes["created"] == ["NEW-001", "NEW-002"] and entry.changes["file"] == "追加.csv"
    assert len(entry.changes["sha256"]) == 64


def test_updates_are_applied_and_audited_with_old_and_new_values(hospital: Facility) -> None:
    target = Asset.objects.get(key="VPN-00001")
    data = "資産番号,OS・ファームウェアのバージョン,所在\r\nVPN-00001,6.0.18,本館1F サーバ室 ラック9\r\n".encode("cp932")
    plan = plan_import(data, "fix.csv", hospital)
    assert [(a.key, c) for a, c in plan.updates] == [
        ("VPN-00001", {"os_version": "6.0.18", "location": "本館1F サーバ室 ラック9"})]
    apply_import(plan)
    target.refresh_from_db()
    assert (target.os_version, target.name) == ("6.0.18", "電子カルテ保守用VPN装置")  # other columns untouched
    changes = AuditEntry.objects.get(action="ledger_import").changes["updated"]["VPN-00001"]
    assert changes["os_version"] == ["6.0.4", "6.0.18"]


def test_a_broken_file_imports_nothing_and_names_every_problem(hospital: Facility) -> None:
    lines = EXCEL_CSV.splitlines()
    lines.insert(2, "NEW-009,宇宙船,,999.1.1.1,どこにもない系,,たぶん,,,")
    lines.append("NEW-001,サーバ,重複,,,,,,,")
    with translation.override("en"):
        plan = plan_import("\r\n".join(lines).encode("cp932"), "bad.csv", hospital)
    assert plan.creates == [] and plan.updates == []
    assert plan.errors == [
        "bad.csv, row 3, 分類: not one of サーバ、端末PC、ネットワーク機器、VPN・リモート接続機器、医療機器、IoMT・設備機器、職員用・モバイル端末、その他: '宇宙船'",
        "bad.csv, row 3, IPアドレス: not an IP address: '999.1.1.1'",
        "bad.csv, row 3, 使用可否: not yes/no: 'たぶん' (use はい/いいえ)",
    ]
    fixed_types = "\r\n".join(lines).replace("宇宙船", "サーバ").replace("999.1.1.1", "").replace("たぶん", "はい")
    with translation.override("en"):
        plan = plan_import(fixed_types.encode("cp932"), "bad.csv", hospital)
    assert plan.errors == ["bad.csv, row 3, ネットワークセグメント: not registered: どこにもない系",
                           "bad.csv, row 3, 名称: required for a new asset",
                           "bad.csv, row 5, 資産番号: also on row 2"]
    assert not Asset.objects.filter(key__startswith="NEW-").exists()


def test_ten_thousand_rows_import_in_one_go(hospital: Facility) -> None:
    header = "資産番号,分類,名称,IPアドレス,ネットワークセグメント,所在,使用可否\r\n"
    body = "".join(f"BULK-{n:05d},端末PC,端末{n},10.50.{n // 250}.{n % 250 + 1},EHR,本館{n % 5 + 1}F,はい\r\n"
                   for n in range(10_000))
    plan = plan_import((header + body).encode("cp932"), "10k.csv", hospital)
    assert plan.errors == [] and len(plan.creates) == 10_000
    assert apply_import(plan)["created"] == 10_000
    assert Asset.objects.filter(key__startswith="BULK-").count() == 10_000
    assert Asset.objects.get(key="BULK-09999").completeness < 100  # no OS recorded


def _upload(data: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_page_preview_then_confirm(client: Client, hospital: Facility) -> None:
    factories.login(client, factories.user("it_staff", hospital))
    preview = client.post(reverse("ledger:asset_import"),
                          {"file": _upload(EXCEL_CSV.encode("cp932"), "追加.csv"), "facility": hospital.pk})
    page = preview.content.decode()
    assert preview.status_code == 200 and "2件を新規登録" in page and "NEW-002 髙橋先生の診察室PC" in page
    assert not Asset.objects.filter(key="NEW-001").exists()  # preview writes nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    done = client.post(reverse("ledger:asset_import"), {"token": token}, follow=True)
    assert "取り込みました" in done.content.decode()
    assert Asset.objects.filter(key__in=["NEW-001", "NEW-002"]).count() == 2
    again = client.post(reverse("ledger:asset_import"), {"token": token}, follow=True)
    assert "有効期限が切れました" in again.content.decode()


def test_page_lists_every_problem_and_imports_nothing(client: Client, hospital: Facility) -> None:
    factories.login(client, factories.user("it_staff", hospital))
    bad = EXCEL_CSV.replace("10.10.9.2", "10.10.9.256").encode("cp932")
    response = client.post(reverse("ledger:asset_import"), {"file": _upload(bad, "bad.csv"), "facility": hospital.pk})
    assert response.status_code == 400
    assert "bad.csv、3行目、IPアドレス: IPアドレスではありません: &#x27;10.10.9.256&#x27;" in response.content.decode()
    assert 'name="token"' not in response.content.decode()
    broken = client.post(reverse("ledger:asset_import"), {"file": _upload(b"\x85\xff\xfe", "x.csv"),
                                                          "facility": hospital.pk})
    assert broken.status_code == 400 and "UTF-8 でも CP932（Shift_JIS）でもありません" in broken.content.decode()


@pytest.mark.parametrize(("who", "import_status", "export_status"), [
    ("inspector", 403, 200), ("privacy_officer", 403, 403), ("vendor", 403, 200)])
def test_roles(client: Client, hospital: Facility, who: str, import_status: int, export_status: int) -> None:
    vendor = hospital.vendors.get(code="V-EHR") if who == "vendor" else None
    factories.login(client, factories.user(who, hospital, vendor))
    assert client.get(reverse("ledger:asset_import")).status_code == import_status
    export = client.get(reverse("ledger:asset_export") + "?format=xlsx")
    assert export.status_code == export_status
    if who == "vendor":
        sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
        assert sheet is not None
        keys = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert keys == set(Asset.objects.filter(vendor=vendor).values_list("key", flat=True))


def test_export_follows_the_list_filters_and_shift_jis(client: Client, hospital: Facility) -> None:
    factories.login(client, factories.user("it_staff", hospital))
    response = client.get(reverse("ledger:asset_export") + "?category=vpn&format=csv&encoding=cp932")
    assert response["Content-Type"] == "text/csv; charset=shift_jis"
    text = response.content.decode("cp932")
    assert text.startswith("資産番号,分類,名称") and text.count("\r\n") == 7  # header + 6 VPN appliances


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    assert client.get(reverse("ledger:asset_import")).status_code == 302
    assert client.get(reverse("ledger:asset_export")).status_code == 302


def test_api_import_dry_run_then_real(hospital: Facility) -> None:
    _t, clear = ApiToken.issue(factories.user("it_staff", hospital), "t")
    api = Client(HTTP_AUTHORIZATION=f"Token {clear}")
    url = reverse("api:asset-import-file")
    dry = api.post(url, {"file": _upload(EXCEL_CSV.encode("cp932"), "a.csv"), "facility": hospital.pk,
                         "dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["created"] == 2 and not Asset.objects.filter(key="NEW-001")
    real = api.post(url, {"file": _upload(EXCEL_CSV.encode("cp932"), "a.csv"), "facility": hospital.pk})
    assert real.status_code == 200 and Asset.objects.filter(key="NEW-001").exists()
    bad = api.post(url, {"file": _upload(b"\xe8\xb3\x87\xe7\x94\xa3\xe7\x95\xaa\xe5\x8f\xb7\nA,\n", "b.csv"),
                         "facility": hospital.pk})
    assert bad.status_code == 400


def test_cli_import_and_export(tmp_path: Path, hospital: Facility, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "追加.csv"
    source.write_bytes(EXCEL_CSV.encode("cp932"))
    assert cli.main(["ledger", "import", str(source), "--facility", hospital.code, "--dry-run"]) == 0
    assert "2 to create" in capsys.readouterr().out and not Asset.objects.filter(key="NEW-001").exists()
    assert cli.main(["ledger", "import", str(source), "--facility", hospital.code]) == 0
    assert Asset.objects.filter(key="NEW-001").exists()
    out = tmp_path / "export.csv"
    assert cli.main(["ledger", "export", str(out), "--encoding", "cp932"]) == 0
    assert "髙橋先生の診察室PC" in out.read_bytes().decode("cp932")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(EXCEL_CSV.replace("サーバ,", "宇宙船,").encode("cp932"))
    assert cli.main(["ledger", "import", str(bad), "--facility", hospital.code]) == 1
    assert "bad.csv、2行目、分類: サーバ、端末PC" in capsys.readouterr().err


def test_other_addresses_round_trip_and_are_validated(hospital: Facility) -> None:
    data = ("資産番号,その他のIPアドレス\r\nVPN-00001,203.0.113.5\n198.51.100.7\r\n".replace("5\n198", "5;198")
            ).encode("cp932")
    plan = plan_import(data, "wan.csv", hospital)
    assert plan.errors == []
    apply_import(plan)
    assert Asset.objects.get(key="VPN-00001").other_addresses == ["203.0.113.5", "198.51.100.7"]
    again = plan_import(export_assets(Asset.objects.all(), "xlsx"), "x.xlsx", hospital)
    assert again.unchanged == Asset.objects.count()
    with translation.override("en"):
        bad = plan_import("資産番号,その他のIPアドレス\r\nVPN-00001,wan-side\r\n".encode("cp932"), "bad.csv", hospital)
    assert bad.errors == ["bad.csv, row 2, その他のIPアドレス: not an IP address: wan-side"]
