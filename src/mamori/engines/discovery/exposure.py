"""Services that should not be reachable, and why, in Japanese and English.

Telnet is flagged wherever it is open. Remote desktop (RDP), file sharing (SMB), VNC, remote-
control tools (TeamViewer, AnyDesk) and VPN / remote-access portals are flagged when open on a host
in a maintenance or medical-device segment: those are the paths through which the real incidents
(Handa 2021, Osaka 2022, Okayama 2024, Musashi-Kosugi 2026) reached hospital systems.

A port matches a rule by its number (TCP) or by the service nmap detected on it, so RDP moved to
another port is still RDP when -sV recognises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mamori.engines.discovery.model import NmapPort

__all__ = ["EXPOSURE_RULES", "RISKY_SEGMENT_KINDS", "SEGMENT_KIND_LABELS", "ExposureRule", "match_rule"]

_UNIDENTIFIED = frozenset({"", "unknown", "tcpwrapped"})
RISKY_SEGMENT_KINDS = frozenset({"maintenance", "medical_device"})
SEGMENT_KIND_LABELS: dict[str, tuple[str, str]] = {
    "ehr": ("EHR", "電子カルテ"),
    "departmental": ("departmental systems", "部門システム"),
    "medical_device": ("medical-device", "医療機器"),
    "office": ("office", "事務"),
    "dmz": ("DMZ", "DMZ"),
    "maintenance": ("maintenance", "保守"),
}

_VPN_PRODUCTS = re.compile(
    r"forti(gate|net|os|web)|ssl[\s-]?vpn|pulse\s*(secure|connect)|ivanti|globalprotect|palo\s*alto|citrix|"
    r"netscaler|sonicwall|anyconnect|cisco\s+asa|openvpn|softether|array\s+networks|univerge|yamaha\s+rtx",
    re.IGNORECASE,
)


_REMOTE_TOOL_JA = (
    "遠隔操作ツールは承認された保守経路を迂回し、攻撃者にもよく使われます。"
    "削除するか、事業者と承認を付けて保守経路として登録してください。"
)


@dataclass(frozen=True, slots=True)
class ExposureRule:
    """One kind of exposed service: how to recognise it, where it matters, and the reason to give."""

    code: str
    label_en: str
    label_ja: str
    tcp_ports: frozenset[int]
    service_names: frozenset[str]
    products: re.Pattern[str] | None
    anywhere: bool
    why_en: str
    why_ja: str


EXPOSURE_RULES: tuple[ExposureRule, ...] = (
    ExposureRule(
        "telnet", "Telnet", "Telnet", frozenset({23}), frozenset({"telnet"}), None, True,
        "Telnet sends user names and passwords in clear text; turn it off and use SSH.",
        "Telnet はユーザー名とパスワードを暗号化せずに送ります。無効にして SSH を使ってください。",
    ),
    ExposureRule(
        "rdp", "Remote Desktop (RDP)", "リモートデスクトップ(RDP)", frozenset({3389}),
        frozenset({"ms-wbt-server", "rdp"}), None, False,
        "An always-on RDP path from a contractor's network is how ransomware reached Osaka General Medical "
        "Center in 2022; close it, or restrict the source addresses and open it only for approved maintenance.",
        "2022年の大阪急性期・総合医療センターでは、"
        "委託先から常時つながる RDP 経路からランサムウェアが侵入しました。"
        "閉じるか、接続元を制限し、承認された保守の間だけ開けてください。",
    ),
    ExposureRule(
        "smb", "file sharing (SMB)", "ファイル共有(SMB)", frozenset({139, 445}),
        frozenset({"microsoft-ds", "netbios-ssn", "smb"}), None, False,
        "SMB lets ransomware spread from machine to machine with stolen credentials; close it or limit it "
        "to the hosts that need it.",
        "SMB は盗まれた認証情報でランサムウェアが端末から端末へ広がる経路になります。"
        "閉じるか、必要な端末だけに限ってください。",
    ),
    ExposureRule(
        "vnc", "VNC remote control", "VNC 遠隔操作", frozenset({5900, 5901, 5902, 5903}),
        frozenset({"vnc"}), re.compile(r"vnc", re.IGNORECASE), False,
        "VNC often has a weak password or none; close it or replace it with the approved, logged "
        "remote-maintenance path.",
        "VNC は弱いパスワードやパスワードなしのことが多くあります。"
        "閉じるか、承認され記録の残る保守経路に置き換えてください。",
    ),
    ExposureRule(
        "teamviewer", "TeamViewer", "TeamViewer", frozenset({5938}), frozenset({"teamviewer"}),
        re.compile(r"teamviewer", re.IGNORECASE), False,
        "A remote-control tool bypasses the approved maintenance path and is a favourite of attackers; "
        "remove it or register it as a remote-maintenance path with its vendor and approval.",
        _REMOTE_TOOL_JA,
    ),
    ExposureRule(
        "anydesk", "AnyDesk", "AnyDesk", frozenset({7070}), frozenset({"anydesk"}),
        re.compile(r"anydesk", re.IGNORECASE), False,
        "A remote-control tool bypasses the approved maintenance path and is a favourite of attackers; "
        "remove it or register it as a remote-maintenance path with its vendor and approval.",
        _REMOTE_TOOL_JA,
    ),
    ExposureRule(
        "vpn_portal", "VPN / remote-access portal", "VPN・リモートアクセス装置", frozenset(), frozenset(),
        _VPN_PRODUCTS, False,
        "Unpatched maintenance VPN appliances were the way in at Handa Hospital (FortiGate, 2021), Okayama "
        "Psychiatric Medical Center (2024) and Musashi-Kosugi Hospital (2026); make sure it is in the ledger "
        "with its firmware version, patched, with 2FA and restricted to known source addresses.",
        "保守用 VPN 装置の脆弱性は半田病院(FortiGate、2021年)、岡山県精神科医療センター(2024年)、"
        "武蔵小杉病院(2026年)の侵入口でした。"
        "台帳にファームウェアの版とともに登録し、更新・二要素認証・接続元制限を確認してください。",
    ),
)


def _product_text(port: NmapPort) -> str:
    service = port.service
    parts = [script.output for script in port.scripts if script.id in ("http-title", "ssl-cert", "banner")]
    if service is not None:
        parts = [service.product, service.extrainfo, service.devicetype, *service.cpes, *parts]
    return " ".join(parts)


def match_rule(port: NmapPort) -> ExposureRule | None:
    """The first exposure rule an open port matches.

    When -sV identified the service, its name and product decide (a web server on port 23 is not
    Telnet); otherwise, or when nmap could not tell ("unknown", "tcpwrapped"), the port number does.
    """
    if not port.is_open:
        return None
    service = port.service
    name = service.name.lower() if service is not None else ""
    identified = service is not None and service.method == "probed" and name not in _UNIDENTIFIED
    product = _product_text(port)
    for rule in EXPOSURE_RULES:
        if identified and name in rule.service_names:
            return rule
        if not identified and port.protocol == "tcp" and port.portid in rule.tcp_ports:
            return rule
        if rule.products is not None and product and rule.products.search(product):
            return rule
    return None
