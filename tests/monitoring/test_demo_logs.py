"""The demo hospital's logs go through the real import path and show the intrusion they hold, with no noise."""

from __future__ import annotations

import pytest

from mamori.demo.loader import load_demo
from mamori.monitoring.choices import ImportState
from mamori.monitoring.models import Alert, LogImport, LogSource

pytestmark = pytest.mark.django_db


def test_the_demo_logs_tell_the_intrusion_and_the_log_health_problems() -> None:
    load_demo(assets_target=300)
    assert LogSource.objects.count() == 5
    fortigate = LogSource.objects.get(code="fgt-ehr-vpn")
    assert fortigate.asset is not None and fortigate.asset.ip_address
    assert fortigate.sender_list == [fortigate.asset.ip_address]  # the listener routes its syslog to its source
    assert [s.code for s in LogSource.objects.exclude(senders="")] == ["fgt-ehr-vpn"]
    assert set(LogImport.objects.values_list("state", flat=True)) == {ImportState.IMPORTED}
    alerts = list(Alert.objects.all())
    by_title = {a.rule_title: a for a in alerts}
    vpn = by_title["FortiGate SSL-VPN Brute Force Followed by a Tunnel (Mamori)"]
    assert vpn.level == "critical" and vpn.group["remip"] == "203.0.113.77" and vpn.host == "vpn-00001"
    chain = by_title["Ransomware Attack Chain on One Host (Mamori)"]
    assert chain.level == "critical" and chain.host == "SV-90008.MAMORI.LOCAL"
    spray = by_title["Password Spraying from One Source (Mamori)"]
    assert spray.host == "SV-90010.MAMORI.LOCAL" and "28" in str(spray.matched)
    shadow = by_title["Shadow Copy or Backup Catalogue Deletion (Mamori)"]
    assert shadow.count == 3  # vssadmin, wbadmin, bcdedit: one alert
    service = by_title["Remote Access Tool Installed as a Service (Mamori)"]
    assert (service.rule_level, service.level) == ("high", "critical") and service.level_reason.startswith("ehr|")
    windows = [a for a in alerts if a.kind == "vendor_window"]
    assert {a.host for a in windows} == {"SV-90008.MAMORI.LOCAL", "vpn-00001"}
    health = {(a.rule_id.removeprefix("mamori-health-"), a.host.split(".")[0]) for a in alerts if a.kind == "health"}
    assert ("record_gap", "SV-90012") in health  # 40 records deleted on the backup server, no clear event
    assert ("no_process_cmdline", "SV-90012") in health
    assert ("log_cleared", "SV-90008") in health
    assert not any(code == "record_gap" and host != "SV-90012" for code, host in health)
    # the three days of ordinary work raise nothing: every alert is on the attacked hosts, the VPN or log health
    assert {a.host.split(".")[0] for a in alerts if a.kind in ("rule", "correlation")} <= {
        "SV-90008", "SV-90010", "vpn-00001"}
