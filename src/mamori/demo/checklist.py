"""The demo hospital's 令和7年度 checklist: half filled in, the suggestions of Mamori's data next to the answers,
several いいえ with their 目標日, evidence files with their hashes, and two vendors' 事業者確認用 sent out (one
answered in part)."""

from __future__ import annotations

import datetime as dt

from mamori.checklist import services
from mamori.checklist.choices import FormKind
from mamori.ledger.models import Vendor
from mamori.tenancy.models import Facility

__all__ = ["load_demo_checklist"]

YEAR = 2025
# item: (1st answer, date of the 1st check, 目標日 for いいえ, notes); dates within 令和7年度
ANSWERS: dict[str, tuple[str, dt.date, dt.date | None, str]] = {
    "1-①": ("yes", dt.date(2025, 5, 20), None,
            "情報システム課長を医療情報システム安全管理責任者に任命（辞令 令和7年4月1日）"),
    "2-①": ("yes", dt.date(2025, 5, 30), None, "台帳は Mamori で管理。所在・使用可否を全件入力済み"),
    "2-②": ("yes", dt.date(2025, 6, 9), None, "保守事業者 12 社に照会済み"),
    "2-③": ("no", dt.date(2025, 6, 9), dt.date(2026, 1, 30), "MDS/SDS 未提出の事業者に督促中"),
    "2-⑥": ("no", dt.date(2025, 6, 16), dt.date(2025, 12, 26),
            "電子カルテ保守用 VPN 装置のファームウェア更新を保守事業者と調整中"),
    "2-⑦": ("yes", dt.date(2025, 6, 23), None, "ドメインのパスワードポリシーを 13 文字以上に変更済み"),
    "2-⑩": ("no", dt.date(2025, 6, 23), dt.date(2027, 3, 31), "電子カルテ更新（令和9年度）で二要素認証を導入予定"),
    "2-⑬": ("no", dt.date(2025, 7, 1), dt.date(2026, 2, 27),
            "RP-03（生体情報モニタ メーカー保守VPN）の接続元 IP 制限を依頼済み"),
    "3-①": ("yes", dt.date(2025, 7, 1), None, "連絡体制図（令和7年6月改訂）"),
}
EVIDENCE = {
    "1-①": ("安全管理責任者_辞令.pdf", b"%PDF-1.4\n% demo: appointment letter\n"),
    "3-①": ("連絡体制図_R7.pdf", b"%PDF-1.4\n% demo: incident contact chart\n"),
}
VENDOR_CODES = ("V-EHR", "V-NET")


def load_demo_checklist(facility: Facility, today: dt.date) -> dict[str, int]:
    response = services.start(facility, YEAR, FormKind.HOSPITAL)
    answers = {a.item_number: a for a in response.answers.all()}
    for number, (answer, checked, target, notes) in ANSWERS.items():
        row = answers.get(number)
        if row is None:
            continue
        row.first_answer, row.first_date = answer, checked
        row.target_date, row.notes = target, notes
        row.save()
    for number, (name, data) in EVIDENCE.items():
        if number in answers:
            services.attach_evidence(answers[number], name, data, effective_on=ANSWERS[number][1],
                                     description="デモ用の証跡ファイル")
    services.refresh_suggestions(response)  # with today's date, as the pages compute them
    vendors = list(Vendor.objects.filter(facility=facility, code__in=VENDOR_CODES).order_by("code"))
    sent = services.assign_vendor_forms(facility, YEAR, vendors)
    if sent:
        first = sent[0]
        for row in list(first.answers.all())[:4]:
            row.first_answer, row.first_date = "yes", dt.date(2025, 9, 1)
            row.save()
    return {"checklist_items": len(answers), "checklist_answered": len(ANSWERS), "vendor_forms": len(sent)}
