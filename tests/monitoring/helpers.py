"""A facility with a domain controller, an EHR server and a maintenance segment, and log files in the real formats
(winlogbeat JSON lines, FortiGate key=value syslog) written with the demo's writers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.test import Client

from mamori.demo.logs import WinlogbeatLog, logon, process
from mamori.ledger.models import Asset, NetworkSegment
from mamori.monitoring.models import Alert, LogSource
from mamori.tenancy.models import Facility
from tests import factories

T0 = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.UTC)  # 02:00 JST on a Tuesday


@dataclass
class Site:
    facility: Facility
    maintenance: NetworkSegment
    dc: Asset
    ehr: Asset
    source: LogSource


def site(kind: str = "winjson") -> Site:
    facility = factories.facility()
    maintenance = NetworkSegment.objects.create(facility=facility, code="MAINT", name="保守回線", kind="maintenance",
                                                cidr="10.90.0.0/16")
    dc = factories.asset(facility, name="ドメインコントローラ1（Active Directory）", category="server",
                         hostname="dc01.hosp.local", ip_address="10.1.0.10")
    ehr = factories.asset(facility, name="電子カルテAPサーバ1", category="server", hostname="ehr-ap1.hosp.local",
                          data_held="診療録")
    source = LogSource.objects.create(facility=facility, code="dc01-security", name="DC01 Security", kind=kind,
                                      asset=dc)
    return Site(facility, maintenance, dc, ehr, source)


def write(path: Path, log: WinlogbeatLog) -> Path:
    path.write_text(log.text(), encoding="utf-8")
    return path


def shadow_copy_deletion(host: str = "EHR-AP1.hosp.local", at: dt.datetime = T0) -> WinlogbeatLog:
    """A Security log with ordinary logons and one `vssadmin delete shadows` logged as 4688 (no Sysmon)."""
    log = WinlogbeatLog(host)
    for n in range(20):
        logon(log, at + dt.timedelta(minutes=n), f"user{n:02d}", "10.20.1.15", 3)
    process(log, at + dt.timedelta(minutes=30), r"C:\Windows\System32\vssadmin.exe",
            "vssadmin.exe delete shadows /all /quiet", "ehr-admin")
    return log


def site_with_shadow_copy_alert(folder: Path) -> Site:
    """A site whose EHR server's Security log (a `vssadmin delete shadows` as 4688) went through the real import."""
    from mamori.monitoring.ingest import import_file

    found = site()
    import_file(found.source, write(folder / "a.jsonl", shadow_copy_deletion()), file_name="ehr.jsonl")
    return found


def shadow_copy_alert(s: Site) -> Alert:
    return Alert.objects.get(facility=s.facility, rule_title__icontains="shadow")


def login_as(client: Client, role: str, s: Site) -> Client:
    """Sign in a new user of the site's facility (with a verified second factor where the role needs one)."""
    return factories.login(client, factories.user(role, s.facility, mfa=role in ("security_manager", "admin")))
