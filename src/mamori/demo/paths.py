"""The demo hospital's remote-maintenance paths (リモート保守経路), modelled on the real cases.

RP-01 is the 半田病院/岡山 pattern (an un-updated FortiGate SSL-VPN open to any source address),
RP-02 the 大阪 meal contractor's always-on RDP through its FortiOS 6.0.11 appliance, RP-03 the
武蔵小杉 monitoring vendor's VPN device that nobody registered (appliance_key None), RP-07 a
resident remote-control tool. The others are the good practice to compare with: source-IP
restriction, two-factor authentication, approved windows, reviewed logs; RP-06 and RP-11 are
dedicated lines. Every key named here is a fixed device (`fixed_devices.FIXED_DEVICES`).
"""

from __future__ import annotations

from datetime import date, timedelta

from mamori.demo.records import DemoRemotePath

__all__ = ["EHR_CORE_SERVERS", "make_remote_paths"]

EHR_CORE_SERVERS = ("SV-90006", "SV-90007", "SV-90008", "SV-90009")
WEEKDAYS = "平日 9:00～17:00（事前申請）"



def make_remote_paths(today: date) -> tuple[DemoRemotePath, ...]:
    """The eleven paths; a path is source-IP restricted exactly when it names its allowed sources."""
    def path(code: str, name: str, vendor: str, appliance: str | None, description: str, targets: tuple[str, ...],
             method: str, *, sources: str = "", mfa: bool = False, always_on: bool = False, windows: str = "",
             reviewed: int | None = None, confirmed: int | None = None) -> DemoRemotePath:
        return DemoRemotePath(
            code=code, name=name, vendor_code=vendor, appliance_key=appliance, appliance_description=description,
            target_keys=targets, method=method, source_ip_restricted=bool(sources), allowed_sources=sources, mfa=mfa,
            always_on=always_on, approved_windows=windows,
            last_log_review=None if reviewed is None else today - timedelta(days=reviewed),
            confirmed_with_vendor=None if confirmed is None else today - timedelta(days=confirmed))

    return (
        path("RP-01", "電子カルテ リモート保守（SSL-VPN）", "V-EHR", "VPN-00001", "FortiGate 60E（導入時から未更新）",
             EHR_CORE_SERVERS, "ssl_vpn", windows="平日 9:00～18:00（ベンダー判断で随時）", confirmed=200),
        path("RP-02", "給食委託業者 常時接続RDP", "V-FOOD", "VPN-00003",
             "委託業者データセンターのFortiGate 100E（FortiOS 6.0.11）", ("SV-90001",), "rdp",
             sources="203.0.113.40/32（委託業者データセンター）", always_on=True, windows="常時"),
        path("RP-03", "生体情報モニタ メーカー保守VPN", "V-MON", None,
             "メーカーが設置したVPNルータ（機種・ファームウェア不明、医療機器系に直結）",
             ("SV-90005", "SV-90017", "SV-90018"), "ipsec_vpn", always_on=True),
        path("RP-04", "PACS・RIS リモート保守", "V-PACS", "VPN-00004", "Pulse Connect Secure PSA3000",
             ("SV-90003", "SV-90014"), "ssl_vpn", sources="198.51.100.0/28", mfa=True, windows=WEEKDAYS,
             reviewed=35, confirmed=120),
        path("RP-05", "ネットワーク機器 保守", "V-NET", "VPN-00006", "FortiGate 40F（保守専用）",
             ("VPN-00002", "NW-90001"), "ipsec_vpn", sources="198.51.100.64/29", mfa=True,
             windows="平日 9:00～18:00（事前申請）", reviewed=14, confirmed=60),
        path("RP-06", "臨床検査システム 専用線保守", "V-LAB", "NW-90002", "保守回線ルータ経由の閉域網（専用線）",
             ("SV-90015", "SV-90002"), "dedicated_line", sources="192.0.2.0/29（閉域網）", always_on=True,
             windows="平日 8:30～17:30", reviewed=90, confirmed=300),
        path("RP-07", "輸液ポンプ管理 リモート操作ツール", "V-PUMP", "SV-90004",
             "サーバに常駐するTeamViewer（無人アクセス有効）", ("SV-90004",), "remote_tool", mfa=True, always_on=True,
             windows="依頼時のみ（運用上の取り決め）", confirmed=30),
        path("RP-08", "ナースコール設備 保守", "V-CALL", "VPN-00002", "境界ファイアウォール経由のIPsec", ("SV-90017",),
             "ipsec_vpn", sources="192.0.2.64/29", windows=WEEKDAYS, reviewed=180, confirmed=365),
        path("RP-09", "CT・MRI リモートサービス", "V-MOD", "VPN-00005", "Citrix ADC 経由", ("ME-90003", "ME-90004"),
             "ssl_vpn", sources="198.51.100.128/28", mfa=True, windows=WEEKDAYS, reviewed=60, confirmed=90),
        path("RP-10", "薬剤部門システム 保守", "V-PHARM", "VPN-00002", "境界ファイアウォール経由のIPsec", ("SV-90016",),
             "ipsec_vpn", sources="192.0.2.128/29", mfa=True, windows="平日 9:00～17:00", reviewed=20, confirmed=45),
        path("RP-11", "放射線RIS 専用線保守", "V-PACS", "NW-90002", "保守回線ルータ経由の閉域網（専用線）",
             ("SV-90014",), "dedicated_line", sources="192.0.2.32/29（閉域網）", always_on=True, windows=WEEKDAYS,
             reviewed=30, confirmed=150),
    )
