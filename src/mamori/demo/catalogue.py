"""The demo hospital's device catalogue: ordinary device templates and the devices of the real cases.

CPE names and versions of the case devices are those of the expected-results table in
`shared/domain/vulnerability-intel.md` §4.6, so the vulnerability matcher finds the known CVEs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

__all__ = ["CASE_DEVICES", "TEMPLATES", "CaseDevice", "Template"]


def cpe(part: str, vendor: str, product: str, version: str, update: str = "*") -> str:
    return f"cpe:2.3:{part}:{vendor}:{product}:{version}:{update}:*:*:*:*:*:*"


@dataclass(frozen=True, slots=True)
class Template:
    """An ordinary kind of device, generated in proportion to `weight`."""

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
    has_av: bool = False
    mfa: str = "na"
    renewal_year: int | None = None
    departments: tuple[str, ...] = ()
    software: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class CaseDevice:
    """A device modelled on a real case, always present once."""

    key: str
    category: str
    name: str
    segment: str
    location: str
    manufacturer: str
    model: str
    os_name: str
    os_version: str
    cpes: tuple[str, ...]
    vendor: str | None
    internet_exposed: bool = False
    impact: str = "none"
    data: str = ""
    mfa: str = "na"
    software: tuple[tuple[str, str, str], ...] = ()
    has_av: bool = False


WIN10 = cpe("o", "microsoft", "windows_10_22h2", "-")
WIN11 = cpe("o", "microsoft", "windows_11_23h2", "-")
WIN11_24 = cpe("o", "microsoft", "windows_11_24h2", "-")
WS2019 = cpe("o", "microsoft", "windows_server_2019", "-")
WS2016 = cpe("o", "microsoft", "windows_server_2016", "-")
WS2012 = cpe("o", "microsoft", "windows_server_2012", "r2")
EHR_WARDS = ("3E", "3W", "4E", "4W", "5E", "5W", "ICU", "OPE", "GAIRAI", "NAI", "GEKA", "SEIKEI", "SHONI")

TEMPLATES: tuple[Template, ...] = (
    # terminal PCs (about 60%)
    Template("terminal", "PC", "電子カルテ端末", "ehr", 300, "富士通", "ESPRIMO D7012", "Windows 11", "23H2", (WIN11,),
             "V-EHR", "indirect", "診療録", date(2026, 11, 10), True, "no", 2028, EHR_WARDS),
    Template("terminal", "PC", "電子カルテ端末", "ehr", 130, "NEC", "Mate MKM34", "Windows 10", "22H2", (WIN10,),
             "V-EHR", "indirect", "診療録", date(2025, 10, 14), True, "no", 2028, EHR_WARDS),
    Template("terminal", "PC", "部門システム端末", "departmental", 90, "Dell", "OptiPlex 7010", "Windows 11", "24H2",
             (WIN11_24,), "V-LAB", "indirect", "検査結果", date(2027, 10, 12), True, "no", 2027,
             ("KENSA", "HOSHA", "YAKU", "RIHA", "EIYO")),
    Template("terminal", "PC", "事務用PC", "office", 80, "Lenovo", "ThinkCentre M75q", "Windows 11", "23H2", (WIN11,),
             None, "none", "事務文書", date(2026, 11, 10), True, "yes", None, ("IJI", "SOMU", "KEIRI", "KANGO", "SYS")),
    # servers (about 6%)
    Template("server", "SV", "電子カルテAPサーバ", "ehr", 12, "富士通", "PRIMERGY RX2540 M6", "Windows Server", "2019",
             (WS2019,), "V-EHR", "indirect", "診療録", date(2029, 1, 9), True, "no", 2028, ("SYS",)),
    Template("server", "SV", "部門システムサーバ", "departmental", 24, "HPE", "ProLiant DL360 Gen10", "Windows Server",
             "2016", (WS2016,), "V-LAB", "indirect", "検査・画像データ", date(2027, 1, 12), True, "no", 2027,
             ("KENSA", "HOSHA", "YAKU")),
    Template("server", "SV", "旧オーダリングサーバ", "departmental", 4, "NEC", "Express5800/R120h", "Windows Server",
             "2012 R2", (WS2012,), "V-LAB", "indirect", "オーダ履歴", date(2023, 10, 10), True, "no", 2029, ("SYS",)),
    Template("server", "SV", "ファイルサーバ", "office", 6, "Dell", "PowerEdge R650", "Windows Server", "2019", (WS2019,),
             None, "none", "共有フォルダ（患者一覧を含む）", date(2029, 1, 9), True, "yes", None, ("SYS",)),
    # network devices (about 6%)
    Template("network", "NW", "フロアスイッチ", "ehr", 40, "Allied Telesis", "x230-28GT", "AlliedWare Plus", "5.5.2-2.1",
             (), "V-NET", "indirect", "", None, False, "no", 2028, ("SYS",)),
    Template("network", "NW", "コアスイッチ", "ehr", 6, "Cisco", "Catalyst 9300", "IOS XE", "17.9.4",
             (cpe("o", "cisco", "ios_xe", "17.9.4"),), "V-NET", "indirect", "", None, False, "yes", None, ("SYS",)),
    Template("network", "NW", "拠点ルータ", "office", 8, "YAMAHA", "RTX1220", "RTX firmware", "Rev.15.02.30", (),
             "V-NET", "none", "", None, False, "no", 2027, ("SYS",)),
    Template("network", "NW", "無線LANアクセスポイント", "office", 12, "Aruba", "AP-515", "ArubaOS", "8.10.0.12", (),
             "V-NET", "none", "", None, False, "na", None, ("SYS",)),
    # medical devices (about 14%)
    Template("medical", "ME", "ベッドサイドモニタ", "medical_device", 60, "日本光電", "BSM-3500", "Firmware", "08-12",
             (), "V-MON", "life_sustaining", "生体情報", None, False, "na", None, ("3E", "3W", "4E", "4W", "ICU")),
    Template("medical", "ME", "輸液ポンプ", "medical_device", 50, "テルモ", "TE-281A", "Firmware", "2.10", (),
             "V-PUMP", "life_sustaining", "投与記録", None, False, "na", None, ("3E", "4E", "5E", "ICU", "OPE")),
    Template("medical", "ME", "超音波診断装置", "medical_device", 10, "GE HealthCare", "LOGIQ E10", "Windows 10 IoT",
             "1809", (), "V-MOD", "indirect", "画像", date(2029, 1, 9), False, "na", None, ("NAI", "SANFU", "JUNKAN")),
    Template("medical", "ME", "心電計", "medical_device", 14, "フクダ電子", "FCP-8800", "Firmware", "3.02", (), "V-MON",
             "indirect", "心電図", None, False, "na", None, ("NAI", "JUNKAN", "GAIRAI")),
    # IoMT / building (about 5%)
    Template("iomt", "IO", "ナースコール親機", "medical_device", 12, "ケアコム", "Vi-nurse", "Linux", "4.19", (), "V-CALL",
             "direct", "呼出履歴", None, False, "na", None, ("3E", "3W", "4E", "4W", "5E", "5W")),
    Template("iomt", "IO", "空調コントローラ", "office", 16, "ダイキン", "iTM", "Firmware", "3.9", (), "V-BLDG", "none",
             "", None, False, "na", None, ("SOMU",)),
    Template("iomt", "IO", "入退室管理装置", "office", 10, "パナソニック", "eX-SG", "Firmware", "2.4", (), "V-BLDG",
             "none", "入退室記録", None, False, "na", None, ("SOMU",)),
    # staff / mobile devices (about 6%)
    Template("staff_device", "SD", "看護用スマートフォン", "ehr", 50, "Apple", "iPhone SE", "iOS", "17.6.1",
             (cpe("o", "apple", "iphone_os", "17.6.1"),), None, "indirect", "看護記録", None, False, "yes", None,
             ("3E", "3W", "4E", "4W", "5E", "5W")),
    Template("staff_device", "SD", "回診用タブレット", "ehr", 12, "Apple", "iPad 10", "iPadOS", "17.6.1",
             (cpe("o", "apple", "ipados", "17.6.1"),), None, "indirect", "診療録", None, False, "yes", None,
             ("NAI", "GEKA")),
    # printers and others (about 3%)
    Template("other", "OT", "複合機", "office", 30, "キヤノン", "imageRUNNER ADVANCE DX C5840F", "Firmware", "89.05",
             (), None, "none", "印刷データ", None, False, "na", None, ("IJI", "SOMU", "KANGO", "GAIRAI")),
)

CASE_DEVICES: tuple[CaseDevice, ...] = (
    CaseDevice("VPN-00001", "vpn", "電子カルテ保守用VPN装置", "dmz", "本館1F サーバ室 ラック2", "Fortinet", "FortiGate 60E",
               "FortiOS", "6.0.4", (cpe("o", "fortinet", "fortios", "6.0.4"),), "V-EHR", internet_exposed=True,
               impact="indirect"),
    CaseDevice("VPN-00002", "vpn", "インターネット境界ファイアウォール", "dmz", "本館1F サーバ室 ラック1", "Fortinet",
               "FortiGate 100F", "FortiOS", "7.4.4", (cpe("o", "fortinet", "fortios", "7.4.4"),), "V-NET",
               internet_exposed=True, mfa="yes"),
    CaseDevice("VPN-00003", "vpn", "給食委託業者データセンターVPN装置", "maintenance", "委託業者データセンター（院外）",
               "Fortinet", "FortiGate 60F", "FortiOS", "6.0.11", (cpe("o", "fortinet", "fortios", "6.0.11"),),
               "V-FOOD", internet_exposed=True),
    CaseDevice("VPN-00004", "vpn", "PACS保守用SSL-VPN", "dmz", "本館1F サーバ室 ラック2", "Pulse Secure",
               "Pulse Connect Secure PSA3000", "Pulse Connect Secure", "9.0R3.3",
               (cpe("a", "ivanti", "connect_secure", "9.0", "r3.3"),), "V-PACS", internet_exposed=True, mfa="yes"),
    CaseDevice("VPN-00005", "vpn", "遠隔読影ゲートウェイ", "dmz", "本館1F サーバ室 ラック3", "Citrix", "Citrix ADC VPX",
               "Citrix ADC", "13.0-47.24", (cpe("o", "citrix", "application_delivery_controller_firmware", "13.0"),),
               "V-MOD", internet_exposed=True, mfa="yes"),
    CaseDevice("VPN-00006", "vpn", "ネットワーク保守用VPNルータ", "maintenance", "本館1F サーバ室 ラック1", "Fortinet",
               "FortiGate 40F", "FortiOS", "7.2.10", (cpe("o", "fortinet", "fortios", "7.2.10"),), "V-NET",
               internet_exposed=True, mfa="yes"),
    CaseDevice("SV-90001", "server", "栄養管理サーバ", "departmental", "本館B1F 栄養管理室", "NEC", "Express5800/T120h",
               "Windows Server", "2016", (WS2016,), "V-FOOD", impact="indirect", data="献立・患者食事情報", mfa="no",
               has_av=False),
    CaseDevice("SV-90002", "server", "医療機器連携サーバ", "departmental", "本館1F サーバ室 ラック4", "Dell",
               "PowerEdge R450", "Red Hat Enterprise Linux", "8.8", (cpe("o", "redhat", "enterprise_linux", "8.0"),),
               "V-LAB", impact="indirect", data="HL7メッセージ", mfa="no", has_av=True,
               software=(("Mirth Connect", "4.4.0", cpe("a", "nextgen", "mirth_connect", "4.4.0")),)),
    CaseDevice("SV-90003", "server", "PACSサーバ", "departmental", "本館1F サーバ室 ラック4", "HPE", "ProLiant DL380 Gen10",
               "Windows Server", "2019", (WS2019,), "V-PACS", impact="indirect", data="医用画像", mfa="no", has_av=True,
               software=(("MedDream PACS Server", "7.2.8.810", ""),
                         ("DCMTK", "3.6.6", cpe("a", "offis", "dcmtk", "3.6.6")))),
    CaseDevice("SV-90004", "server", "輸液ポンプ管理サーバ", "medical_device", "本館1F サーバ室 ラック5", "BD",
               "Alaris Systems Manager", "Windows Server", "2016", (WS2016,), "V-PUMP", impact="direct",
               data="薬剤ライブラリ", mfa="no", has_av=True,
               software=(("Alaris Systems Manager", "12.3", cpe("a", "bd", "alaris_systems_manager", "12.3")),
                         ("TeamViewer", "15.51.5", ""))),
    CaseDevice("SV-90005", "server", "セントラルモニタサーバ", "medical_device", "4F 東病棟ナースステーション", "Philips",
               "Patient Information Center iX", "Windows Server", "2016", (WS2016,), "V-MON", impact="life_sustaining",
               data="生体情報", mfa="no", has_av=True,
               software=(("Patient Information Center iX", "C.02",
                          cpe("a", "philips", "patient_information_center_ix", "c.02")),)),
    CaseDevice("ME-90001", "medical", "輸液ポンプ（無線バッテリーモジュール）", "medical_device", "ICU", "Baxter",
               "Spectrum V8 / Wireless Battery Module", "WBM firmware", "20D30",
               (cpe("o", "baxter", "spectrum_wireless_battery_module_firmware", "20d30"),), "V-PUMP",
               impact="life_sustaining", data="投与記録"),
    CaseDevice("ME-90002", "medical", "患者モニタ", "medical_device", "救急外来", "Contec", "CMS8000", "Firmware",
               "smart3250-2.6.27-wehealth-ota", (), "V-MON", impact="life_sustaining", data="生体情報"),
    CaseDevice("ME-90003", "medical", "CT装置", "medical_device", "本館1F 放射線科CT室", "キヤノンメディカルシステムズ",
               "Aquilion ONE", "Windows 10 IoT Enterprise", "1809", (), "V-MOD", impact="indirect", data="医用画像"),
    CaseDevice("ME-90004", "medical", "MRI装置", "medical_device", "本館1F 放射線科MRI室", "Siemens Healthineers",
               "MAGNETOM Vida", "syngo MR", "XA50", (), "V-MOD", impact="indirect", data="医用画像"),
)
