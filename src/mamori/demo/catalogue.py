"""The demo hospital's catalogue of ordinary devices: kinds generated in proportion to their weight.

Weights are per ~1,000 assets (terminal PCs are about 60%). CPE 2.3 names are given where NVD has a
product name for the device's software (Windows, iOS, Android, Cisco IOS XE, VMware ESXi); devices
with no NVD product name (most medical devices, Allied Telesis and YAMAHA firmware) have none, as in
a real ledger. End-of-support dates are the manufacturers' published dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["EOS", "TEMPLATES", "WINDOWS", "Template", "cpe"]


def cpe(part: str, vendor: str, product: str, version: str, update: str = "*") -> str:
    """A CPE 2.3 formatted string with the remaining attributes set to ANY."""
    return f"cpe:2.3:{part}:{vendor}:{product}:{version}:{update}:*:*:*:*:*:*"


WINDOWS: dict[str, str] = {
    "10_22h2": cpe("o", "microsoft", "windows_10_22h2", "-"),
    "10_1809": cpe("o", "microsoft", "windows_10_1809", "-"),  # Enterprise LTSC 2019
    "10_21h2": cpe("o", "microsoft", "windows_10_21h2", "-"),  # Enterprise LTSC 2021
    "11_23h2": cpe("o", "microsoft", "windows_11_23h2", "-"),
    "11_24h2": cpe("o", "microsoft", "windows_11_24h2", "-"),
    "2012r2": cpe("o", "microsoft", "windows_server_2012", "r2"),
    "2016": cpe("o", "microsoft", "windows_server_2016", "-"),
    "2019": cpe("o", "microsoft", "windows_server_2019", "-"),
    "2022": cpe("o", "microsoft", "windows_server_2022", "-"),
}
EOS: dict[str, date] = {
    "10_22h2": date(2025, 10, 14), "10_1809": date(2029, 1, 9), "10_21h2": date(2027, 1, 12),
    "11_23h2": date(2026, 11, 10), "11_24h2": date(2027, 10, 12), "2012r2": date(2023, 10, 10),
    "2016": date(2027, 1, 12), "2019": date(2029, 1, 9), "2022": date(2031, 10, 14), "esxi7": date(2025, 10, 2),
}


@dataclass(frozen=True, slots=True)
class Template:
    """An ordinary kind of device. `segment` is a segment kind; `software` holds (name, version, CPE)."""

    category: str
    prefix: str
    name: str
    segment: str
    weight: int
    manufacturer: str
    model: str
    os_name: str
    os_version: str
    cpes: tuple[str, ...] = ()
    vendor: str | None = None
    impact: str = "none"
    data: str = ""
    end_of_support: date | None = None
    antivirus: bool = False  # whether antivirus applies (Windows servers and PCs)
    mfa: str = "na"
    renewal_years: tuple[int, ...] = ()
    departments: tuple[str, ...] = ("SYS",)
    software: tuple[tuple[str, str, str], ...] = ()


_WARDS = ("3E", "3W", "4E", "4W", "5E", "5W", "ICU", "OPE", "GAIRAI")
_OUTPATIENT = ("NAI", "JUNKAN", "GEKA", "SEIKEI", "NOUGE", "SHONI", "SANFU", "KYUKYU")
_TECH = ("HOSHA", "KENSA", "YAKU", "RIHA", "EIYO", "CE")
_OFFICE = ("IJI", "SOMU", "KEIRI", "KANGO", "SYS")
_EHR = "電子カルテ端末"


def _server(name: str, weight: int, segment: str, key: str, maker_model: str, *, vendor: str | None = None,
            impact: str = "none", data: str = "", mfa: str = "no", renewal_years: tuple[int, ...] = (),
            departments: tuple[str, ...] = ("SYS",)) -> Template:
    """A Windows server; `key` names the Windows release, `maker_model` is "manufacturer model"."""
    maker, model = maker_model.split(" ", 1)
    version = "2012 R2" if key == "2012r2" else key
    return Template("server", "SV", name, segment, weight, maker, model, "Windows Server", version, (WINDOWS[key],),
                    vendor, impact, data, EOS[key], True, mfa, renewal_years, departments)


def _pc(name: str, weight: int, segment: str, key: str, os_name: str, maker_model: str, *,
        vendor: str | None = None, impact: str = "none", data: str = "", mfa: str = "no",
        renewal_years: tuple[int, ...] = (), departments: tuple[str, ...] = ("SYS",)) -> Template:
    """A Windows PC; `key` names the Windows release, `maker_model` is "manufacturer model"."""
    maker, model = maker_model.split(" ", 1)
    return Template("terminal", "PC", name, segment, weight, maker, model, os_name, key.split("_", 1)[1].upper(),
                    (WINDOWS[key],), vendor, impact, data, EOS[key], True, mfa, renewal_years, departments)


_SERVERS = (
    _server("部門システムサーバ", 14, "departmental", "2019", "HPE ProLiant DL360 Gen10", vendor="V-LAB",
            impact="indirect", data="検査・部門データ", mfa="no", renewal_years=(2027, 2028), departments=_TECH),
    _server("部門システムサーバ", 9, "departmental", "2016", "NEC Express5800/R120h-1M", vendor="V-LAB",
            impact="indirect", data="検査・部門データ", mfa="no", renewal_years=(2027,), departments=_TECH),
    _server("旧オーダリングサーバ", 4, "departmental", "2012r2", "NEC Express5800/R120f-1M", vendor="V-EHR",
            impact="indirect", data="オーダ履歴（参照用）", mfa="no", renewal_years=(2029,)),
    _server("ファイルサーバ", 4, "office", "2019", "Dell PowerEdge R650", data="共有フォルダ（患者一覧を含む）",
            mfa="yes"),
    Template("server", "SV", "仮想化基盤ホスト", "ehr", 4, "富士通", "PRIMERGY RX2540 M6", "VMware ESXi",
             "7.0 Update 3c", (cpe("o", "vmware", "esxi", "7.0", "update_3c"),), "V-EHR", "indirect",
             "電子カルテ仮想サーバ群", EOS["esxi7"], mfa="no", renewal_years=(2028,)),
)

_TERMINALS = (
    _pc(_EHR, 180, "ehr", "11_24h2", "Windows 11 Enterprise", "富士通 ESPRIMO D7012/MX", vendor="V-EHR",
        impact="indirect", data="診療録", mfa="no", renewal_years=(2028, 2029), departments=_WARDS + _OUTPATIENT),
    _pc(_EHR, 95, "ehr", "10_1809", "Windows 10 Enterprise LTSC 2019", "NEC Mate MKM34B-7", vendor="V-EHR",
        impact="indirect", data="診療録", mfa="no", renewal_years=(2028, 2029), departments=_WARDS + _OUTPATIENT),
    _pc(_EHR, 100, "ehr", "10_22h2", "Windows 10 Pro", "NEC Mate MKM30B-6", vendor="V-EHR", impact="indirect",
        data="診療録", mfa="no", renewal_years=(2028,), departments=_WARDS + _OUTPATIENT),
    _pc("回診用ノートPC", 40, "ehr", "11_23h2", "Windows 11 Enterprise", "Panasonic Let's note FV4",
        vendor="V-EHR", impact="indirect", data="診療録", mfa="planned", renewal_years=(2027,), departments=_WARDS),
    _pc("医事会計端末", 30, "ehr", "11_24h2", "Windows 11 Enterprise", "富士通 ESPRIMO D7012/MX", vendor="V-EHR",
        data="会計・レセプト", mfa="no", renewal_years=(2028, 2029), departments=("IJI",)),
    _pc("部門システム端末", 60, "departmental", "11_24h2", "Windows 11 Pro", "Dell OptiPlex 7010", vendor="V-LAB",
        impact="indirect", data="検査結果", mfa="no", renewal_years=(2027,), departments=_TECH),
    _pc("画像ビューア端末", 25, "departmental", "10_21h2", "Windows 10 Enterprise LTSC 2021", "HP Z2 G9",
        vendor="V-PACS", impact="indirect", data="医用画像", mfa="no", renewal_years=(2027,),
        departments=("HOSHA", *_OUTPATIENT)),
    _pc("事務用PC", 75, "office", "11_24h2", "Windows 11 Pro", "Lenovo ThinkCentre M75q Gen 5", mfa="yes",
        departments=_OFFICE),
)

_NETWORK = (
    Template("network", "NW", "フロアスイッチ", "ehr", 30, "Allied Telesis", "x230-28GT", "AlliedWare Plus",
             "5.5.2-2.1", vendor="V-NET", impact="indirect", mfa="no", renewal_years=(2028,)),
    Template("network", "NW", "フロアスイッチ（部門系）", "departmental", 8, "Allied Telesis", "x230-18GT",
             "AlliedWare Plus", "5.5.1-0.3", vendor="V-NET", impact="indirect", mfa="no", renewal_years=(2028,)),
    Template("network", "NW", "ディストリビューションスイッチ", "ehr", 4, "Cisco", "Catalyst 9300-48P", "IOS XE",
             "17.9.4", (cpe("o", "cisco", "ios_xe", "17.9.4"),), "V-NET", "indirect", mfa="yes"),
    Template("network", "NW", "無線LANアクセスポイント", "ehr", 14, "Aruba", "AP-515", "ArubaOS", "8.10.0.12",
             vendor="V-NET", impact="indirect", mfa="na"),
    Template("network", "NW", "拠点ルータ", "office", 4, "YAMAHA", "RTX830", "RTX firmware", "Rev.15.02.30",
             vendor="V-NET", mfa="no", renewal_years=(2027,)),
)

_MEDICAL = (
    Template("medical", "ME", "ベッドサイドモニタ", "medical_device", 35, "日本光電", "BSM-3562", "Firmware", "08-12",
             vendor="V-MON", impact="direct", data="生体情報", departments=_WARDS),
    Template("medical", "ME", "患者モニタ", "medical_device", 15, "Philips", "IntelliVue MX450",
             "IntelliVue firmware", "M.00.03", vendor="V-MON", impact="direct", data="生体情報",
             departments=("ICU", "OPE", "KYUKYU")),
    Template("medical", "ME", "輸液ポンプ", "medical_device", 30, "テルモ", "TE-281A", "Firmware", "2.10",
             vendor="V-PUMP", impact="life_sustaining", data="投与記録", departments=_WARDS),
    Template("medical", "ME", "輸液ポンプ（Alaris）", "medical_device", 10, "BD", "Alaris 8015 PC Unit", "Firmware",
             "12.1.3", vendor="V-PUMP", impact="life_sustaining", data="投与記録", departments=("ICU", "OPE")),
    Template("medical", "ME", "人工呼吸器", "medical_device", 8, "日本光電", "NKV-550", "Firmware", "03-04",
             vendor="V-MON", impact="life_sustaining", data="換気データ", departments=("ICU", "KYUKYU", "CE")),
    Template("medical", "ME", "超音波診断装置", "medical_device", 8, "GE HealthCare", "LOGIQ E10",
             "Windows 10 IoT Enterprise LTSC 2019", "1809", (WINDOWS["10_1809"],), "V-MOD", "indirect", "医用画像",
             EOS["10_1809"], departments=("NAI", "JUNKAN", "SANFU", "KENSA")),
    Template("medical", "ME", "超音波診断装置", "medical_device", 4, "キヤノンメディカルシステムズ", "Aplio i800",
             "Windows 10 IoT Enterprise LTSC 2019", "1809", (WINDOWS["10_1809"],), "V-MOD", "indirect", "医用画像",
             EOS["10_1809"], departments=("JUNKAN", "KENSA")),
    Template("medical", "ME", "心電計", "medical_device", 10, "フクダ電子", "FCP-8800", "Firmware", "3.02",
             vendor="V-MON", impact="indirect", data="心電図", departments=("NAI", "JUNKAN", "KENSA", "GAIRAI")),
    Template("medical", "ME", "一般撮影装置（FPD）", "medical_device", 6, "富士フイルム", "FDR Smart X",
             "Windows 10 IoT Enterprise LTSC 2019", "1809", (WINDOWS["10_1809"],), "V-MOD", "indirect", "医用画像",
             EOS["10_1809"], departments=("HOSHA",)),
    Template("medical", "ME", "回診用X線撮影装置", "medical_device", 3, "キヤノンメディカルシステムズ",
             "MobileDaRt Evolution MX8", "Firmware", "4.10", vendor="V-MOD", impact="indirect", data="医用画像",
             departments=("HOSHA",)),
    Template("medical", "ME", "内視鏡システム", "medical_device", 3, "オリンパス", "EVIS X1 CV-1500", "Firmware",
             "1.05", vendor="V-MOD", impact="indirect", data="内視鏡画像", departments=("NAI", "GEKA")),
    Template("medical", "ME", "生化学自動分析装置", "medical_device", 3, "日立ハイテク", "LABOSPECT 008 α", "Firmware",
             "2.1", vendor="V-LAB", impact="indirect", data="検査結果", departments=("KENSA",)),
)

_BUILDING = (
    Template("iomt", "IO", "ナースコール親機", "medical_device", 12, "ケアコム", "Vi-nurse", "Linux", "4.19",
             vendor="V-CALL", impact="direct", data="呼出履歴", departments=_WARDS),
    Template("iomt", "IO", "空調コントローラ", "office", 10, "ダイキン", "iTM DCM601A51", "Firmware", "3.9",
             vendor="V-BLDG", departments=("SOMU",)),
    Template("iomt", "IO", "入退室管理装置", "office", 8, "パナソニック", "eX-SG", "Firmware", "2.4",
             vendor="V-BLDG", data="入退室記録", departments=("SOMU",)),
    Template("iomt", "IO", "ネットワークカメラ", "office", 12, "i-PRO", "WV-S1536L", "Firmware", "2.80",
             vendor="V-BLDG", data="監視映像", departments=("SOMU",)),
    Template("iomt", "IO", "温度監視ロガー（薬品保冷庫）", "office", 6, "T&D", "TR-71nw", "Firmware", "1.13",
             data="温度記録", departments=("YAKU", "KENSA")),
)

_STAFF_DEVICES = (
    Template("staff_device", "SD", "看護用スマートフォン", "ehr", 30, "Apple", "iPhone SE (第3世代)", "iOS", "17.6.1",
             (cpe("o", "apple", "iphone_os", "17.6.1"),), None, "indirect", "看護記録", mfa="yes",
             departments=_WARDS),
    Template("staff_device", "SD", "看護用PDA（患者認証）", "ehr", 15, "Zebra", "TC52", "Android", "11",
             (cpe("o", "google", "android", "11.0"),), "V-EHR", "indirect", "患者認証・実施記録", mfa="no",
             departments=_WARDS),
    Template("staff_device", "SD", "回診用タブレット", "ehr", 10, "Apple", "iPad (第10世代)", "iPadOS", "17.6.1",
             (cpe("o", "apple", "ipados", "17.6.1"),), None, "indirect", "診療録", mfa="yes",
             departments=("NAI", "GEKA", "SEIKEI")),
)

_OTHER = (
    Template("other", "OT", "複合機", "office", 15, "キヤノン", "imageRUNNER ADVANCE DX C5840F", "Firmware", "89.05",
             vendor="V-PRINT", data="印刷・スキャンデータ", departments=_OFFICE),
    Template("other", "OT", "電子カルテ用プリンタ", "ehr", 12, "キヤノン", "Satera LBP843Ci", "Firmware", "11.02",
             vendor="V-PRINT", data="印刷データ", departments=_WARDS + _OUTPATIENT),
    Template("other", "OT", "リストバンドプリンタ", "ehr", 8, "Zebra", "ZD621", "Link-OS", "7.4", data="患者氏名・ID",
             departments=("GAIRAI", "IJI", "KYUKYU")),
)

TEMPLATES: tuple[Template, ...] = (
    *_SERVERS, *_NETWORK, *_TERMINALS, *_MEDICAL, *_BUILDING, *_STAFF_DEVICES, *_OTHER)
