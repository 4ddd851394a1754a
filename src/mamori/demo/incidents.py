"""The demo hospital's incident: the IT staff found the VPN alert in the morning and opened a case from it.

The case holds the VPN brute force → tunnel alert and the EHR application server the tunnel reached, so the case
page shows the ransomware-chain alerts on that server as related alerts still to take in.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

__all__ = ["load_demo_incident"]

VPN_RULE = "FortiGate SSL-VPN Brute Force Followed by a Tunnel (Mamori)"
EHR_AP_KEY = "SV-90008"
LEAD = "情報システム係 山本"


class _Lead:
    """Who writes the demo case (the services take a user; the demo has none signed in)."""

    def get_username(self) -> str:
        return LEAD


def load_demo_incident(facility: Any) -> int:
    """Open the demo case (in containment, with three timeline entries); 0 when the VPN alert is not there."""
    from mamori.incidents.choices import EntryKind, Phase
    from mamori.incidents.services import add_entry, change_phase, open_incident
    from mamori.ledger.models import Asset
    from mamori.monitoring.models import Alert

    vpn = Alert.objects.filter(facility=facility, rule_title=VPN_RULE).first()
    if vpn is None:
        return 0
    assets = list(Asset.objects.filter(facility=facility, key=EHR_AP_KEY))
    if vpn.source is not None and vpn.source.asset is not None:
        assets.insert(0, vpn.source.asset)
    now = timezone.now()

    def at(hours: float) -> dt.datetime:  # the demo's story happens on its own day, not when the demo is loaded
        return min(vpn.last_seen + dt.timedelta(hours=hours), now)

    incident = open_incident(
        facility=facility, user=_Lead(), title="電子カルテ保守用VPNへの不正ログイン（203.0.113.77）",
        category="vpn_compromise", severity="critical", alerts=[vpn], assets=assets, lead=LEAD, now=at(6.3),
        summary="保守用VPN装置（FortiGate 60E）で 203.0.113.77 からのログイン失敗が続いた後、同じアドレスから"
                "トンネルが確立した。電子カルテベンダは当該時刻の作業を否定。トンネル経由で電子カルテAPサーバへ"
                "RDP接続があったか確認中。")
    for hours, kind, text in (
        (6.2, EntryKind.NOTE, "朝の確認で重大アラートを確認。失敗の後に同じアドレスからトンネル確立（02時台、"
                              "承認された保守時間外）。"),
        (6.4, EntryKind.CONTACT, "電子カルテベンダ保守窓口へ電話：当該時刻の作業はないとの回答（担当: 佐藤）。"),
        (6.6, EntryKind.ACTION, "FortiGate の SSL-VPN を無効化し、保守用アカウントのパスワードを変更。"),
    ):
        add_entry(incident, kind=kind, text=text, occurred_at=at(hours), user=_Lead())
    change_phase(incident, Phase.CONTAINMENT, _Lead(), note="保守用VPNを停止。電子カルテAPサーバの調査に入る。",
                 now=at(6.7))
    return 1
