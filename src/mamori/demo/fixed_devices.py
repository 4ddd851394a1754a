"""Devices present once in every demo hospital: its core servers and the devices of the real cases.

CPE names and versions of the case devices are those of the expected-results table in
`shared/domain/vulnerability-intel.md` §4.6, so the vulnerability matcher finds the known CVEs:
FortiOS 6.0.4 (CVE-2018-13379, the 半田病院 appliance), FortiOS 6.0.11 (the 大阪 meal contractor),
Pulse Connect Secure 9.0R3.3, Citrix ADC 13.0, Baxter WBM 20d30, Mirth Connect 4.4.0, DCMTK 3.6.6,
BD Alaris Systems Manager 12.3, Philips PIC iX C.02, MedDream 7.2.8.810 and Contec CMS8000 (the
last two without NVD configurations). The remote-maintenance paths refer to these keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from mamori.demo.catalogue import EOS, WINDOWS, cpe

__all__ = ["FIXED_DEVICES", "FixedDevice"]

FORTIOS_6_0_EOS = date(2022, 9, 29)
CITRIX_ADC_13_0_EOL = date(2023, 12, 15)
RACK = "本館1F サーバ室 ラック{n}"
NO_AV_BY_VENDOR = "ベンダー指示（負荷軽減）によりウイルス対策ソフト未導入。代替策の記録なし"


@dataclass(frozen=True, slots=True)
class FixedDevice:
    """One named device. `antivirus`: None where it does not apply, False where it is missing."""

    key: str
    category: str
    name: str
    segment: str
    location: str
    department: str
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
    antivirus: bool | None = None
    definitions_age: int = 1  # days since the antivirus definitions were updated
    end_of_support: date | None = None
    renewal_year: int | None = None
    software: tuple[tuple[str, str, str], ...] = ()
    notes: str = ""


def _fortios(version: str) -> tuple[str, ...]:
    return (cpe("o", "fortinet", "fortios", version),)


def _windows_server(key: str, name: str, rack: int, maker: str, model: str, release: str, vendor: str | None, *,
                    segment: str = "ehr", department: str = "SYS", antivirus: bool = True, definitions_age: int = 1,
                    impact: str = "indirect", data: str = "", mfa: str = "no", renewal_year: int | None = None,
                    software: tuple[tuple[str, str, str], ...] = (), notes: str = "") -> FixedDevice:
    """A Windows server in rack `rack` of the server room; `release` is a key of WINDOWS."""
    return FixedDevice(key, "server", name, segment, RACK.format(n=rack), department, maker, model, "Windows Server",
                       "2012 R2" if release == "2012r2" else release, (WINDOWS[release],), vendor, impact=impact,
                       data=data, mfa=mfa, antivirus=antivirus, definitions_age=definitions_age,
                       end_of_support=EOS[release], renewal_year=renewal_year, software=software, notes=notes)


_VPN = (
    FixedDevice("VPN-00001", "vpn", "電子カルテ保守用VPN装置", "dmz", RACK.format(n=2), "SYS", "Fortinet",
                "FortiGate 60E", "FortiOS", "6.0.4", _fortios("6.0.4"), "V-EHR", internet_exposed=True,
                impact="indirect", mfa="no", end_of_support=FORTIOS_6_0_EOS,
                notes="2018年の導入時からファームウェア未更新。管理はベンダー"),
    FixedDevice("VPN-00002", "vpn", "インターネット境界ファイアウォール", "dmz", RACK.format(n=1), "SYS", "Fortinet",
                "FortiGate 100F", "FortiOS", "7.4.4", _fortios("7.4.4"), "V-NET", internet_exposed=True, mfa="yes"),
    FixedDevice("VPN-00003", "vpn", "給食委託業者データセンターVPN装置", "maintenance",
                "委託業者データセンター（院外）", "EIYO", "Fortinet", "FortiGate 100E", "FortiOS", "6.0.11",
                _fortios("6.0.11"), "V-FOOD", internet_exposed=True, mfa="no", end_of_support=FORTIOS_6_0_EOS,
                notes="委託業者の管理装置。ファームウェア更新状況を病院側で確認できていない"),
    FixedDevice("VPN-00004", "vpn", "PACS保守用SSL-VPN", "dmz", RACK.format(n=2), "SYS", "Pulse Secure",
                "Pulse Connect Secure PSA3000", "Pulse Connect Secure", "9.0R3.3",
                (cpe("a", "ivanti", "connect_secure", "9.0", "r3.3"),), "V-PACS", internet_exposed=True, mfa="yes"),
    FixedDevice("VPN-00005", "vpn", "遠隔読影ゲートウェイ", "dmz", RACK.format(n=3), "HOSHA", "Citrix",
                "Citrix ADC VPX", "Citrix ADC", "13.0-47.24",
                (cpe("o", "citrix", "application_delivery_controller_firmware", "13.0"),), "V-MOD",
                internet_exposed=True, mfa="yes", end_of_support=CITRIX_ADC_13_0_EOL),
    FixedDevice("VPN-00006", "vpn", "ネットワーク保守用VPNルータ", "maintenance", RACK.format(n=1), "SYS", "Fortinet",
                "FortiGate 40F", "FortiOS", "7.2.10", _fortios("7.2.10"), "V-NET", internet_exposed=True, mfa="yes"),
)

_NETWORK = (
    FixedDevice("NW-90001", "network", "コアスイッチ", "ehr", RACK.format(n=1), "SYS", "Cisco", "Catalyst 9500-24Y4C",
                "IOS XE", "17.9.4", (cpe("o", "cisco", "ios_xe", "17.9.4"),), "V-NET", impact="indirect", mfa="yes"),
    FixedDevice("NW-90002", "network", "保守回線ルータ（専用線）", "maintenance", RACK.format(n=1), "SYS", "YAMAHA",
                "RTX1220", "RTX firmware", "Rev.15.04.05", (), "V-NET", impact="indirect", mfa="no",
                renewal_year=2027),
)

_ORACLE = (("Oracle Database", "19c", cpe("a", "oracle", "database_server", "19c")),)
_SERVERS = (
    _windows_server("SV-90006", "電子カルテDBサーバ（主系）", 3, "富士通", "PRIMERGY RX2540 M5", "2019", "V-EHR",
                    antivirus=False, data="診療録", renewal_year=2028, software=_ORACLE, notes=NO_AV_BY_VENDOR),
    _windows_server("SV-90007", "電子カルテDBサーバ（待機系）", 3, "富士通", "PRIMERGY RX2540 M5", "2019", "V-EHR",
                    antivirus=False, data="診療録", renewal_year=2028, software=_ORACLE, notes=NO_AV_BY_VENDOR),
    _windows_server("SV-90008", "電子カルテAPサーバ1", 3, "富士通", "PRIMERGY RX2530 M5", "2019", "V-EHR",
                    data="診療録", renewal_year=2028,
                    software=(("まもり電子カルテ", "5.2", cpe("a", "mamori_medical_systems", "ehr_system", "5.2")),)),
    _windows_server("SV-90009", "電子カルテAPサーバ2", 3, "富士通", "PRIMERGY RX2530 M4", "2016", "V-EHR",
                    data="診療録", renewal_year=2028, definitions_age=45,
                    notes="ウイルス定義ファイルの配信が止まっている（原因調査中）"),
    _windows_server("SV-90010", "ドメインコントローラ1（Active Directory）", 1, "Dell", "PowerEdge R450", "2019", None,
                    data="認証情報"),
    _windows_server("SV-90011", "ドメインコントローラ2（Active Directory）", 1, "NEC", "Express5800/R120f-1M",
                    "2012r2", None, definitions_age=12, data="認証情報", notes="旧DC。降格・撤去が未実施"),
    _windows_server("SV-90012", "バックアップサーバ", 4, "Dell", "PowerEdge R550", "2019", "V-EHR",
                    data="電子カルテDBのバックアップ", software=(("Veeam Backup & Replication", "12.1", ""),),
                    notes="電子カルテ系と同一LAN・同一ドメイン。オフライン／イミュータブルな複製なし"),
    _windows_server("SV-90013", "医事会計サーバ", 3, "NEC", "Express5800/R120h-2M", "2019", "V-EHR",
                    data="会計・レセプト", renewal_year=2028),
    _windows_server("SV-90014", "放射線RISサーバ", 4, "HPE", "ProLiant DL360 Gen10", "2016", "V-PACS",
                    segment="departmental", department="HOSHA", data="検査予約・実施記録"),
    _windows_server("SV-90015", "臨床検査システムサーバ", 4, "HPE", "ProLiant DL360 Gen10", "2019", "V-LAB",
                    segment="departmental", department="KENSA", data="検査結果"),
    _windows_server("SV-90016", "薬剤部門システムサーバ", 4, "NEC", "Express5800/R120h-1M", "2016", "V-PHARM",
                    segment="departmental", department="YAKU", data="処方・調剤記録"),
    _windows_server("SV-90017", "ナースコールサーバ1", 5, "ケアコム", "Vi-nurse Server", "2016", "V-CALL",
                    segment="medical_device", impact="direct", data="呼出履歴・患者連絡先"),
    _windows_server("SV-90018", "ナースコールサーバ2", 5, "ケアコム", "Vi-nurse Server", "2016", "V-CALL",
                    segment="medical_device", impact="direct", data="呼出履歴・患者連絡先"),
    _windows_server("SV-90019", "ウイルス対策管理・WSUSサーバ", 1, "Dell", "PowerEdge R350", "2022", None,
                    impact="none", mfa="yes"),
)

_CASE_SERVERS = (
    FixedDevice("SV-90001", "server", "栄養管理サーバ", "departmental", "本館B1F 栄養管理室", "EIYO", "NEC",
                "Express5800/T120h", "Windows Server", "2016", (WINDOWS["2016"],), "V-FOOD", impact="indirect",
                data="献立・患者食事情報", mfa="no", antivirus=False, end_of_support=EOS["2016"],
                notes="委託業者が管理。管理者ID・パスワードが電子カルテサーバと共通"),
    FixedDevice("SV-90002", "server", "医療機器連携サーバ", "departmental", RACK.format(n=4), "SYS", "Dell",
                "PowerEdge R450", "Red Hat Enterprise Linux", "8.8", (cpe("o", "redhat", "enterprise_linux", "8.0"),),
                "V-LAB", impact="indirect", data="HL7メッセージ", mfa="no", antivirus=True,
                software=(("Mirth Connect", "4.4.0", cpe("a", "nextgen", "mirth_connect", "4.4.0")),)),
    FixedDevice("SV-90003", "server", "PACSサーバ", "departmental", RACK.format(n=4), "HOSHA", "HPE",
                "ProLiant DL380 Gen10", "Windows Server", "2019", (WINDOWS["2019"],), "V-PACS", impact="indirect",
                data="医用画像", mfa="no", antivirus=True, end_of_support=EOS["2019"],
                software=(("MedDream PACS Server", "7.2.8.810", cpe("a", "softneta", "meddream_pacs", "7.2.8.810")),
                          ("DCMTK", "3.6.6", cpe("a", "offis", "dcmtk", "3.6.6")))),
    FixedDevice("SV-90004", "server", "輸液ポンプ管理サーバ", "medical_device", RACK.format(n=5), "CE", "BD",
                "Alaris Systems Manager", "Windows Server", "2016", (WINDOWS["2016"],), "V-PUMP", impact="direct",
                data="薬剤ライブラリ", mfa="no", antivirus=True, end_of_support=EOS["2016"],
                software=(("Alaris Systems Manager", "12.3", cpe("a", "bd", "alaris_systems_manager", "12.3")),
                          ("TeamViewer", "15.51.5", ""))),
    FixedDevice("SV-90005", "server", "セントラルモニタサーバ", "medical_device",
                "本館4F 東病棟 ナースステーション", "4E", "Philips", "Patient Information Center iX",
                "Windows Server", "2016", (WINDOWS["2016"],), "V-MON",
                impact="life_sustaining", data="生体情報", mfa="no", antivirus=True, end_of_support=EOS["2016"],
                software=(("Patient Information Center iX", "C.02",
                           cpe("a", "philips", "patient_information_center_ix", "c.02")),)),
)

_MEDICAL = (
    FixedDevice("ME-90001", "medical", "輸液ポンプ（無線バッテリーモジュール）", "medical_device", "本館2F ICU", "ICU",
                "Baxter", "Sigma Spectrum / Wireless Battery Module", "WBM firmware", "20D30",
                (cpe("o", "baxter", "spectrum_wireless_battery_module_firmware", "20d30"),), "V-PUMP",
                impact="life_sustaining", data="投与記録"),
    FixedDevice("ME-90002", "medical", "患者モニタ", "medical_device", "本館1F 救急外来", "KYUKYU", "Contec", "CMS8000",
                "Firmware", "smart3250-2.6.27-wehealth-ota", (), "V-MON", impact="life_sustaining",
                data="生体情報", notes="CVE-2025-0626（バックドア）の対象機種。メーカー回答待ち"),
    FixedDevice("ME-90003", "medical", "CT装置", "medical_device", "本館1F 放射線科 CT室", "HOSHA",
                "キヤノンメディカルシステムズ", "Aquilion ONE", "Windows 10 IoT Enterprise LTSC 2019", "1809", (),
                "V-MOD", impact="indirect", data="医用画像"),
    FixedDevice("ME-90004", "medical", "MRI装置", "medical_device", "本館1F 放射線科 MRI室", "HOSHA",
                "Siemens Healthineers", "MAGNETOM Vida", "syngo MR", "XA50", (), "V-MOD", impact="indirect",
                data="医用画像"),
)

FIXED_DEVICES: tuple[FixedDevice, ...] = (*_VPN, *_NETWORK, *_CASE_SERVERS, *_SERVERS, *_MEDICAL)
