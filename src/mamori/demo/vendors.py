"""The demo hospital's vendors (事業者) and the MDS/SDS disclosures some of them have provided.

Contacts are fictional: addresses on example.jp and phone numbers in the unassigned 03-0000 block.
"""

from __future__ import annotations

from datetime import date, timedelta

from mamori.demo.records import DemoDisclosure, DemoVendor

__all__ = ["make_disclosures", "make_vendors"]

# (code, name, contact, responsibility, contract summary, contract end: years after this one or None)
_VENDORS: tuple[tuple[str, str, str, str, str, int | None], ...] = (
    ("V-EHR", "株式会社まもりメディカルシステムズ", "山田 健一", "vendor",
     "電子カルテ・医事会計システム一式の保守。平日9～18時のオンサイト対応とSSL-VPN経由のリモート保守。"
     "OS・ミドルウェアの更新はベンダーが検証後に適用（時期はベンダー判断）", 2),
    ("V-PACS", "東都画像システム株式会社", "佐藤 直樹", "shared",
     "PACS・放射線RIS・画像ビューアの保守。アプリケーションはベンダー、OS更新は病院が実施", 1),
    ("V-LAB", "株式会社ラボネット", "鈴木 由美", "vendor",
     "臨床検査システム・部門システム・医療機器連携サーバの保守。専用線によるリモート保守を含む", 1),
    ("V-FOOD", "株式会社みなと給食サービス", "髙橋 誠", "unknown",
     "患者給食業務委託。栄養管理サーバと委託業者データセンター間の常時接続を含む。"
     "セキュリティ更新の責任分界は契約書に記載なし", None),
    ("V-MON", "メディモニタ販売株式会社", "伊藤 彩", "vendor",
     "生体情報モニタ・セントラルモニタ・人工呼吸器の保守。メーカー設置の保守用VPN機器による遠隔監視を含む", 2),
    ("V-PUMP", "輸液システムサービス株式会社", "渡辺 剛", "shared",
     "輸液ポンプ・薬剤ライブラリ管理サーバの保守。リモート操作ツールによる支援を含む", 1),
    ("V-CALL", "ケアコール東日本株式会社", "中村 陽子", "vendor", "ナースコール設備・ナースコールサーバの保守", 3),
    ("V-NET", "株式会社ネットワークまもり", "小林 拓也", "vendor",
     "院内ネットワーク・境界ファイアウォール・保守回線ルータの運用保守。ファームウェア更新を含む", 1),
    ("V-MOD", "画像診断機器サービス株式会社", "加藤 大輔", "vendor",
     "CT・MRI・一般撮影装置・超音波診断装置・遠隔読影ゲートウェイの保守", 2),
    ("V-PHARM", "ファーマシステム株式会社", "吉田 恵", "hospital",
     "薬剤部門システムのアプリケーション保守（OSは病院管理）", 1),
    ("V-BLDG", "まもり設備管理株式会社", "山﨑 翔太", "unknown",
     "空調・入退室管理・防犯カメラ設備の保守。契約期間満了後は自動更新（更新後の書面は未確認）", 0),
    ("V-PRINT", "オフィス機器リース株式会社", "松本 香織", "hospital", "複合機・プリンタのリースと保守", 2),
)


def make_vendors(today: date) -> tuple[DemoVendor, ...]:
    """Twelve vendors; contracts end on 31 March, V-BLDG's in the current year (lapsed, renewed tacitly)
    and V-FOOD's not stated at all."""
    vendors = []
    for number, (code, name, contact, responsibility, summary, years) in enumerate(_VENDORS, start=1):
        end = None if years is None else date(today.year + years, 3, 31)
        vendors.append(DemoVendor(
            code=code, name=name, contact_name=contact, contact_email=f"support-{code[2:].lower()}@example.jp",
            contact_phone=f"03-0000-{number:04d}", contract_summary=summary, contract_end=end,
            update_responsibility=responsibility))
    return tuple(vendors)


def make_disclosures(today: date) -> tuple[DemoDisclosure, ...]:
    """MDS/SDS from seven of the twelve vendors; two with 「いいえ」 answers and their risk assessment."""
    def ago(days: int) -> date:
        return today - timedelta(days=days)

    return (
        DemoDisclosure("V-EHR", "sds", "電子カルテシステム保守サービス", ago(220), 3,
                       "リモート保守のアクセスログ提供・二要素認証が「いいえ」。次回更新（2028年）で対応を契約条件にする。"),
        DemoDisclosure("V-EHR", "mds", "電子カルテシステム", ago(220), 0, ""),
        DemoDisclosure("V-PACS", "mds", "PACS・読影ビューア", ago(150), 0, ""),
        DemoDisclosure("V-LAB", "sds", "臨床検査システム保守", ago(400), 1,
                       "保守作業後のデータ消去手順が未整備。作業報告書で消去を確認する運用で受容。"),
        DemoDisclosure("V-MOD", "mds", "CT・MRI 装置", ago(90), 0, ""),
        DemoDisclosure("V-NET", "sds", "ネットワーク運用保守", ago(60), 0, ""),
        DemoDisclosure("V-PUMP", "mds", "輸液ポンプ管理システム", ago(300), 0, ""),
        DemoDisclosure("V-PHARM", "sds", "薬剤部門システム保守", ago(30), 0, ""),
    )
