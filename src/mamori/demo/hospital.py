"""Generates the demo hospital: a fictional ~300-bed general hospital, deterministic per seed.

Plain data only (no Django). `assets_target` scales the ordinary devices (1,000 for the demo,
10,000 for benchmarks); the devices and remote-maintenance paths of the real cases are always there.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterator
from datetime import date, timedelta

from mamori.demo.catalogue import CASE_DEVICES, TEMPLATES, CaseDevice, Template
from mamori.demo.records import (
    DemoAsset,
    DemoDisclosure,
    DemoFacility,
    DemoHospital,
    DemoRemotePath,
    DemoSegment,
    DemoSoftware,
    DemoVendor,
)
from mamori.demo.staff_roster import DEPARTMENTS, make_staff

__all__ = ["DEFAULT_TODAY", "generate_hospital"]

DEFAULT_TODAY = date(2026, 11, 20)

FACILITY = DemoFacility(code="mamori-city", name="まもり市立総合病院", kind="hospital", beds=300,
                        address="東京都まもり市中央一丁目1番1号", institution_code="1312345678")

SEGMENTS = (
    DemoSegment("EHR", "電子カルテ系", "ehr", "10.10.0.0/16", 10),
    DemoSegment("DEPT", "部門系", "departmental", "10.20.0.0/16", 20),
    DemoSegment("MED", "医療機器系", "medical_device", "10.30.0.0/16", 30),
    DemoSegment("OFFICE", "事務系", "office", "10.40.0.0/16", 40),
    DemoSegment("DMZ", "DMZ", "dmz", "172.16.10.0/24", 100),
    DemoSegment("MAINT", "保守回線", "maintenance", "10.90.0.0/16", 90),
)
SEGMENT_BY_KIND = {s.kind: s for s in SEGMENTS}

# (code, name, contact, responsibility, contract summary)
VENDORS = (
    ("V-EHR", "株式会社まもりメディカルシステムズ", "山田 健一", "vendor", "電子カルテシステム保守（リモート保守を含む）"),
    ("V-PACS", "東都画像システム株式会社", "佐藤 直樹", "shared", "PACS・読影システム保守"),
    ("V-LAB", "株式会社ラボネット", "鈴木 由美", "vendor", "臨床検査・部門システム保守"),
    ("V-FOOD", "株式会社みなと給食サービス", "高橋 誠", "unknown", "患者給食業務委託（栄養管理サーバを含む）"),
    ("V-MON", "メディモニタ販売株式会社", "伊藤 彩", "vendor", "生体情報モニタ・セントラルモニタ保守"),
    ("V-PUMP", "輸液システムサービス株式会社", "渡辺 剛", "shared", "輸液ポンプ・薬剤ライブラリ管理保守"),
    ("V-CALL", "ケアコール東日本株式会社", "中村 陽子", "vendor", "ナースコール設備保守"),
    ("V-NET", "株式会社ネットワークまもり", "小林 拓也", "vendor", "院内ネットワーク・ファイアウォール運用保守"),
    ("V-MOD", "画像診断機器サービス株式会社", "加藤 大輔", "vendor", "CT・MRI・遠隔読影ゲートウェイ保守"),
    ("V-PHARM", "ファーマシステム株式会社", "吉田 恵", "hospital", "薬剤部門システム保守"),
    ("V-BLDG", "まもり設備管理株式会社", "山本 翔太", "unknown", "空調・入退室管理設備保守"),
    ("V-PRINT", "オフィス機器リース株式会社", "松本 香織", "hospital", "複合機リース・保守"),
)

LOCATIONS = {
    "ehr": ("本館{f}F ナースステーション", "本館{f}F 病室前廊下", "外来棟{f}F 診察室{r}", "本館1F サーバ室 ラック{r}"),
    "departmental": ("本館1F 検査室", "本館1F 放射線科", "本館B1F 薬剤部", "本館2F リハビリ室", "本館1F サーバ室 ラック{r}"),
    "medical_device": ("ICU", "本館{f}F 病室{r}", "手術室{r}", "救急外来", "本館{f}F ナースステーション"),
    "office": ("管理棟2F 医事課", "管理棟2F 総務課", "管理棟3F 会議室", "外来棟1F 受付"),
    "dmz": ("本館1F サーバ室 ラック{r}",),
    "maintenance": ("本館1F サーバ室 ラック{r}",),
}


def _addresses(segment: DemoSegment) -> Iterator[str]:
    network = ipaddress.ip_network(segment.cidr)
    for index, host in enumerate(network.hosts()):
        if index >= 20:  # .1～.20 kept for gateways and case devices
            yield str(host)


def _location(rng: random.Random, kind: str) -> str:
    return rng.choice(LOCATIONS[kind]).format(f=rng.randint(2, 5), r=rng.randint(1, 12))


def _vendors(today: date) -> tuple[DemoVendor, ...]:
    return tuple(
        DemoVendor(code=code, name=name, contact_name=contact, contact_email=f"support-{code[2:].lower()}@example.jp",
                   contact_phone=f"03-5555-{index:04d}", contract_summary=summary,
                   contract_end=date(today.year + 1 + index % 3, 3, 31), update_responsibility=responsibility)
        for index, (code, name, contact, responsibility, summary) in enumerate(VENDORS, start=1))


def _generic(rng: random.Random, template: Template, serial: int, ip: str, today: date,
             responsibility: dict[str | None, str]) -> DemoAsset:
    has_av = template.has_av
    definitions = today - timedelta(days=rng.choice((0, 0, 1, 1, 2, 3))) if has_av else None
    if has_av and rng.random() < 0.05:
        definitions = today - timedelta(days=rng.randint(10, 90))
    av_installed: bool | None = (rng.random() >= 0.02) if has_av else None
    if av_installed is False:
        definitions = None
    key = f"{template.prefix}-{serial:05d}"
    department = rng.choice(template.departments) if template.departments else None
    return DemoAsset(
        key=key, category=template.category, name=f"{template.name} {serial:05d}",
        hostname=f"{template.prefix.lower()}{serial:05d}.mamori.local", ip=ip,
        mac=f"02:4d:4d:{serial >> 16 & 255:02x}:{serial >> 8 & 255:02x}:{serial & 255:02x}",
        segment_code=SEGMENT_BY_KIND[template.segment].code,
        location="" if rng.random() < 0.03 else _location(rng, template.segment),
        department_code=department, owner="情報システム室" if template.category in ("server", "network") else "",
        in_use=rng.random() >= 0.02, manufacturer=template.manufacturer, model=template.model,
        os_name=template.os_name, os_version="" if rng.random() < 0.02 else template.os_version,
        cpes=template.cpes, internet_exposed=False, patient_safety_impact=template.impact, data_held=template.data,
        end_of_support=template.end_of_support, av_installed=av_installed, av_definitions_date=definitions,
        av_last_full_scan=definitions - timedelta(days=rng.randint(0, 6)) if definitions else None,
        mfa=template.mfa, renewal_year=template.renewal_year, vendor_code=template.vendor,
        update_responsibility=responsibility.get(template.vendor, "hospital"), serial_number=f"SN{serial:08d}",
        software=tuple(DemoSoftware(*s) for s in template.software))


def _case(device: CaseDevice, ip: str, serial: int, today: date, responsibility: dict[str | None, str]) -> DemoAsset:
    definitions = today - timedelta(days=1) if device.has_av else None
    return DemoAsset(
        key=device.key, category=device.category, name=device.name,
        hostname=f"{device.key.lower()}.mamori.local", ip=ip,
        mac=f"02:4d:43:00:{serial >> 8 & 255:02x}:{serial & 255:02x}",
        segment_code=SEGMENT_BY_KIND[device.segment].code, location=device.location, department_code="SYS",
        owner="情報システム室", in_use=True, manufacturer=device.manufacturer, model=device.model,
        os_name=device.os_name, os_version=device.os_version, cpes=device.cpes,
        internet_exposed=device.internet_exposed, patient_safety_impact=device.impact, data_held=device.data,
        end_of_support=None, av_installed=device.has_av if device.category == "server" else None,
        av_definitions_date=definitions, av_last_full_scan=definitions, mfa=device.mfa,
        renewal_year=2028 if device.mfa == "no" else None, vendor_code=device.vendor,
        update_responsibility=responsibility.get(device.vendor, "hospital"), serial_number=f"CASE{serial:04d}",
        software=tuple(DemoSoftware(*s) for s in device.software))


def _assets(rng: random.Random, assets_target: int, today: date,
            responsibility: dict[str | None, str]) -> tuple[DemoAsset, ...]:
    pools = {s.kind: _addresses(s) for s in SEGMENTS}
    assets = [_case(device, next(pools[device.segment]), n, today, responsibility)
              for n, device in enumerate(CASE_DEVICES, start=1)]
    ordinary = max(assets_target - len(assets), 0)
    total_weight = sum(t.weight for t in TEMPLATES)
    counts = [ordinary * t.weight // total_weight for t in TEMPLATES]
    counts[0] += ordinary - sum(counts)  # rounding remainder goes to the commonest kind
    serial = 0
    for template, count in zip(TEMPLATES, counts, strict=True):
        for _ in range(count):
            serial += 1
            assets.append(_generic(rng, template, serial, next(pools[template.segment]), today, responsibility))
    return tuple(assets)


def _paths(assets: tuple[DemoAsset, ...], today: date) -> tuple[DemoRemotePath, ...]:
    by_key = {a.key: a for a in assets}
    first_of: dict[str, str] = {}
    for a in assets:
        first_of.setdefault(a.name.rsplit(" ", 1)[0], a.key)
    ehr_servers = tuple(a.key for a in assets if a.name.startswith("電子カルテAPサーバ"))[:4]
    days = timedelta

    def path(code: str, name: str, vendor: str, appliance: str | None, description: str, targets: tuple[str, ...],
             method: str, restricted: bool, sources: str, mfa: bool, always_on: bool, windows: str,
             reviewed: int | None, confirmed: int | None) -> DemoRemotePath:
        assert appliance is None or (appliance in by_key and all(t in by_key for t in targets))  # noqa: S101
        return DemoRemotePath(code, name, vendor, appliance, description, targets, method, restricted, sources, mfa,
                              always_on, windows, today - days(reviewed) if reviewed is not None else None,
                              today - days(confirmed) if confirmed is not None else None)

    return (
        path("RP-01", "電子カルテ リモート保守（SSL-VPN）", "V-EHR", "VPN-00001", "FortiGate 60E（導入時から未更新）",
             ehr_servers, "ssl_vpn", False, "", False, False, "平日 9:00～18:00", None, 200),
        path("RP-02", "給食委託業者 常時接続RDP", "V-FOOD", "VPN-00003", "委託業者データセンターのFortiGate 60F",
             ("SV-90001",), "rdp", True, "203.0.113.40/32", False, True, "常時", None, None),
        path("RP-03", "生体情報モニタ メーカー保守VPN", "V-MON", None,
             "メーカーが設置したVPNルータ（機種不明・医療機器系に直結）", ("SV-90005",), "ipsec_vpn", False, "", False,
             True, "", None, None),
        path("RP-04", "PACS リモート保守", "V-PACS", "VPN-00004", "Pulse Connect Secure", ("SV-90003",), "ssl_vpn",
             True, "198.51.100.0/28", True, False, "平日 9:00～17:00（事前申請）", 35, 120),
        path("RP-05", "ネットワーク機器 保守", "V-NET", "VPN-00006", "FortiGate 40F", ("VPN-00002",), "ipsec_vpn",
             True, "198.51.100.64/29", True, False, "平日 9:00～18:00（事前申請）", 14, 60),
        path("RP-06", "臨床検査システム 専用線保守", "V-LAB", "VPN-00002", "閉域網（専用線）経由",
             ("SV-90002",), "dedicated_line", True, "192.0.2.0/29", False, False, "平日 8:30～17:30", 90, 300),
        path("RP-07", "輸液ポンプ管理 リモート操作ツール", "V-PUMP", "SV-90004", "サーバ上のTeamViewer（常駐）",
             ("SV-90004",), "remote_tool", False, "", True, False, "依頼時のみ", None, 30),
        path("RP-08", "ナースコール設備 保守", "V-CALL", "VPN-00002", "境界FW経由のIPsec",
             (first_of.get("ナースコール親機", "VPN-00002"),), "ipsec_vpn", True, "192.0.2.64/29", False, False,
             "平日 9:00～17:00", 180, 365),
        path("RP-09", "CT・MRI リモートサービス", "V-MOD", "VPN-00005", "Citrix ADC 経由", ("ME-90003", "ME-90004"),
             "ssl_vpn", True, "198.51.100.128/28", True, False, "平日 9:00～17:00（事前申請）", 60, 90),
        path("RP-10", "薬剤部門システム 保守", "V-PHARM", "VPN-00002", "境界FW経由のIPsec",
             (first_of.get("部門システムサーバ", "SV-90002"),), "ipsec_vpn", True, "192.0.2.128/29", True, False,
             "平日 9:00～17:00", 20, 45),
    )


def _disclosures(today: date) -> tuple[DemoDisclosure, ...]:
    """MDS/SDS from seven of the twelve vendors; two with 「いいえ」 answers and their risk assessment."""
    return (
        DemoDisclosure("V-EHR", "sds", "電子カルテシステム保守サービス", today - timedelta(days=220), 3,
                       "リモート保守のアクセスログ提供・二要素認証が「いいえ」。次回更新（2028年）で対応を契約条件にする。"),
        DemoDisclosure("V-EHR", "mds", "電子カルテシステム", today - timedelta(days=220), 0, ""),
        DemoDisclosure("V-PACS", "mds", "PACS・読影ビューア", today - timedelta(days=150), 0, ""),
        DemoDisclosure("V-LAB", "sds", "臨床検査システム保守", today - timedelta(days=400), 1,
                       "保守作業後のデータ消去手順が未整備。作業報告書で消去を確認する運用で受容。"),
        DemoDisclosure("V-MOD", "mds", "CT・MRI 装置", today - timedelta(days=90), 0, ""),
        DemoDisclosure("V-NET", "sds", "ネットワーク運用保守", today - timedelta(days=60), 0, ""),
        DemoDisclosure("V-PUMP", "mds", "輸液ポンプ管理システム", today - timedelta(days=300), 0, ""),
        DemoDisclosure("V-PHARM", "sds", "薬剤部門システム保守", today - timedelta(days=30), 0, ""),
    )


def generate_hospital(*, seed: int = 20261122, assets_target: int = 1000, today: date | None = None) -> DemoHospital:
    """The demo hospital for `seed`; the same seed always gives the same hospital."""
    today = today or DEFAULT_TODAY
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    vendors = _vendors(today)
    responsibility: dict[str | None, str] = {v.code: v.update_responsibility for v in vendors}
    assets = _assets(rng, assets_target, today, responsibility)
    return DemoHospital(facility=FACILITY, departments=DEPARTMENTS, staff=make_staff(rng, today), segments=SEGMENTS,
                        vendors=vendors, assets=assets, remote_paths=_paths(assets, today),
                        disclosures=_disclosures(today))
