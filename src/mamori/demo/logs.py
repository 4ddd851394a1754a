"""The demo hospital's logs: three days of ordinary Windows and FortiGate events with one intrusion in them, in
the formats the hospital's systems really write (winlogbeat JSON lines, FortiGate key=value syslog), imported
through the same path as an uploaded file.

The intrusion follows the 大阪急性期 / 半田病院 pattern: SSL-VPN password guessing on the un-updated EHR
maintenance FortiGate (RP-01, no source-IP restriction), a tunnel at 02:14 on a weekday (outside 平日 9:00～18:00),
password spraying against the domain controller, RDP from the VPN pool (in the maintenance segment) to the EHR
application server, AnyDesk installed as a service, Defender turned off, shadow copies deleted, the Security log
cleared. The backup server's Security log has a gap in its record numbers with no clear event (selective deletion)
and process auditing without command lines.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["DEMO_SOURCES", "WinlogbeatLog", "fortigate_line", "load_demo_logs", "logon", "process", "write_demo_logs"]

JST = ZoneInfo("Asia/Tokyo")
ATTACKER = "203.0.113.77"
TUNNEL_IP = "10.90.20.15"  # the SSL-VPN pool sits in the maintenance segment (10.90.0.0/16)
DC, EHR_AP, BACKUP = "sv-90010.mamori.local", "sv-90008.mamori.local", "sv-90012.mamori.local"
FGT = "vpn-00001"  # the FortiGate's devname is its ledger hostname
SECURITY = "Security"
#: code, name, kind, ledger asset key, file name
DEMO_SOURCES = (
    ("dc01-security", "ドメインコントローラ1 Security ログ", "winjson", "SV-90010", "dc01-security.jsonl"),
    ("ehr-ap1-windows", "電子カルテAPサーバ1 Windows ログ", "winjson", "SV-90008", "ehr-ap1-windows.jsonl"),
    ("backup-security", "バックアップサーバ Security ログ", "winjson", "SV-90012", "backup-security.jsonl"),
    ("fgt-ehr-vpn", "電子カルテ保守用VPN装置（FortiGate 60E）", "fortigate", "VPN-00001", "fgt-ehr-vpn.log"),
)
USERS = ("kango01", "kango02", "ishi01", "ishi02", "iji01", "iji02", "yaku01", "kensa01", "hoshasen01", "soumu01",
         "kango03", "kango04", "ishi03", "iji03", "eiyo01", "reha01", "kango05", "ishi04", "iji04", "kango06",
         "jimu01", "jimu02", "kango07", "ishi05", "administrator", "ehr-admin", "backup-svc", "sql-svc")


class WinlogbeatLog:
    """One host's channels as winlogbeat JSON lines; record numbers follow time order per channel, as Windows
    writes them (`skip_records` leaves a hole before an event: records deleted from the file)."""

    def __init__(self, host: str, *, first_record: int = 100_001) -> None:
        self.host = host
        self.first_record = first_record
        self.items: list[tuple[dt.datetime, int, str, dict[str, Any], int]] = []

    def add(self, when: dt.datetime, channel: str, event_id: int, provider: str, data: dict[str, Any], *,
            skip_records: int = 0) -> None:
        obj = {"@timestamp": when.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
               "event": {"code": str(event_id), "provider": provider},
               "host": {"name": self.host.split(".", 1)[0].upper()},
               "winlog": {"channel": channel, "event_id": str(event_id), "computer_name": self.host.upper(),
                          "provider_name": provider, "event_data": {k: str(v) for k, v in data.items()}}}
        self.items.append((when, len(self.items), channel, obj, skip_records))

    def text(self) -> str:
        record: dict[str, int] = {}
        lines = []
        for _when, _n, channel, obj, skip in sorted(self.items, key=lambda x: (x[0], x[1])):
            record[channel] = record.get(channel, self.first_record - 1) + 1 + skip
            obj["winlog"]["record_id"] = str(record[channel])
            lines.append(json.dumps(obj, ensure_ascii=False))
        return "\n".join(lines) + "\n"


def logon(log: WinlogbeatLog, when: dt.datetime, user: str, ip: str, logon_type: int, ok: bool = True) -> None:
    data = {"TargetUserName": user, "TargetDomainName": "MAMORI-HOSP", "LogonType": logon_type,
            "IpAddress": ip, "IpPort": 49152 + hash(when) % 10000, "WorkstationName": "-",
            "LogonProcessName": "User32" if logon_type == 10 else "NtLmSsp",
            "AuthenticationPackageName": "Negotiate" if logon_type == 10 else "NTLM"}
    if not ok:
        data.update({"Status": "0xc000006d", "SubStatus": "0xc000006a", "FailureReason": "%%2313"})
    log.add(when, SECURITY, 4624 if ok else 4625, "Microsoft-Windows-Security-Auditing", data)


def process(log: WinlogbeatLog, when: dt.datetime, image: str, command: str | None, user: str = "SYSTEM") -> None:
    data: dict[str, Any] = {"SubjectUserName": user, "SubjectDomainName": "MAMORI-HOSP", "NewProcessName": image,
                            "ParentProcessName": r"C:\Windows\System32\cmd.exe", "TokenElevationType": "%%1936"}
    if command is not None:
        data["CommandLine"] = command
    log.add(when, SECURITY, 4688, "Microsoft-Windows-Security-Auditing", data)


def fortigate_line(when: dt.datetime, logid: str, subtype: str, level: str, fields: dict[str, Any]) -> str:
    local = when.astimezone(JST)
    kind = "traffic" if logid.startswith("00") else "event"
    head = (f'date={local:%Y-%m-%d} time={local:%H:%M:%S} devname="{FGT}" devid="FGT60ETK18001234" '
            f'eventtime={int(when.timestamp() * 1e9)} tz="+0900" logid="{logid}" type="{kind}" '
            f'subtype="{subtype}" level="{level}" vd="root"')
    body = " ".join(f'{k}={v}' if isinstance(v, int) else f'{k}="{v}"' for k, v in fields.items())
    return f"<185>{head} {body}"


def _scenario(start: dt.datetime, rng: random.Random) -> dict[str, str]:
    dc, ehr, backup = WinlogbeatLog(DC), WinlogbeatLog(EHR_AP, first_record=1), WinlogbeatLog(BACKUP, first_record=1)
    fgt: list[tuple[dt.datetime, str]] = []
    # Three days of ordinary work: logons to the DC from terminals, service accounts, processes on the servers.
    for hour in range(72):
        base = start + dt.timedelta(hours=hour)
        busy = 8 <= base.astimezone(JST).hour <= 19
        for _ in range(rng.randint(25, 45) if busy else rng.randint(3, 8)):
            when = base + dt.timedelta(seconds=rng.randint(0, 3599))
            user = rng.choice(USERS[:24])
            logon(dc, when, user, f"10.20.{rng.randint(1, 30)}.{rng.randint(10, 250)}", 3,
                   ok=rng.random() > 0.02)
        for _ in range(rng.randint(4, 10)):
            when = base + dt.timedelta(seconds=rng.randint(0, 3599))
            process(ehr, when, r"C:\Program Files\MamoriEHR\ehr-worker.exe",
                     '"C:\\Program Files\\MamoriEHR\\ehr-worker.exe" --queue orders', "ehr-admin")
        for _ in range(rng.randint(2, 5)):
            when = base + dt.timedelta(seconds=rng.randint(0, 3599))
            process(backup, when, r"C:\Program Files\Veeam\Backup and Replication\Veeam.Backup.Manager.exe", None)
        for _ in range(rng.randint(5, 15)):
            when = base + dt.timedelta(seconds=rng.randint(0, 3599))
            fgt.append((when, fortigate_line(when, "0000000013", "forward", "notice", {
                "srcip": f"10.20.{rng.randint(1, 30)}.{rng.randint(10, 250)}", "srcport": rng.randint(1024, 65000),
                "srcintf": "internal", "dstip": "198.51.100.10", "dstport": 443, "dstintf": "wan1",
                "sessionid": rng.randint(10**6, 10**7), "proto": 6, "action": "close", "policyid": 3,
                "service": "HTTPS", "duration": rng.randint(1, 300), "sentbyte": rng.randint(500, 90000),
                "rcvdbyte": rng.randint(500, 900000)})))
        if hour == 30:  # a gap of 40 records on the backup server, no clear event: someone deleted a selection
            backup.add(base + dt.timedelta(minutes=30), SECURITY, 4688, "Microsoft-Windows-Security-Auditing",
                       {"SubjectUserName": "SYSTEM", "NewProcessName": r"C:\Windows\System32\svchost.exe"},
                       skip_records=40)
    # The intrusion, on the second night (a weekday), 01:40–03:20 JST.
    night = (start + dt.timedelta(days=2)).astimezone(JST).replace(hour=1, minute=40, second=0)
    for n in range(60):
        when = night + dt.timedelta(seconds=n * 13 + rng.randint(0, 9))
        fgt.append((when, fortigate_line(when, "0101039426", "vpn", "alert", {
            "logdesc": "SSL VPN login fail", "action": "ssl-login-fail", "tunneltype": "ssl-web", "tunnelid": 0,
            "remip": ATTACKER, "user": rng.choice(("ehr-maint", "admin", "fujitsu", "hoshu", "test")),
            "group": "N/A", "dst_host": "N/A", "reason": "sslvpn_login_permission_denied",
            "msg": "SSL user failed to logged in"})))
    up = night + dt.timedelta(minutes=34)
    fgt.append((up, fortigate_line(up, "0101039424", "vpn", "notice", {
        "logdesc": "SSL VPN tunnel up", "action": "tunnel-up", "tunneltype": "ssl-tunnel", "tunnelid": 1201,
        "remip": ATTACKER, "tunnelip": TUNNEL_IP, "user": "ehr-maint", "group": "ehr-vendor", "dst_host": "N/A",
        "reason": "tunnel established", "msg": "SSL tunnel established"})))
    spray = up + dt.timedelta(minutes=6)
    for n, user in enumerate(USERS):
        logon(dc, spray + dt.timedelta(seconds=n * 4), user, TUNNEL_IP, 3, ok=False)
    rdp = spray + dt.timedelta(minutes=9)
    for n in range(4):
        logon(ehr, rdp + dt.timedelta(seconds=n * 50), "ehr-admin", TUNNEL_IP, 10)
    service = rdp + dt.timedelta(minutes=7)
    ehr.add(service, "System", 7045, "Service Control Manager", {
        "ServiceName": "AnyDesk Service", "ImagePath": r'"C:\ProgramData\AnyDesk\AnyDesk.exe" --service',
        "ServiceType": "user mode service", "StartType": "auto start", "AccountName": "LocalSystem"})
    av_off = service + dt.timedelta(minutes=11)
    ehr.add(av_off, "Microsoft-Windows-Windows Defender/Operational", 5001, "Microsoft-Windows-Windows Defender",
            {"Product Name": "Microsoft Defender Antivirus", "Product Version": "4.18.24090.11"})
    process(ehr, av_off - dt.timedelta(seconds=20), r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe",
             "powershell.exe -NoP Set-MpPreference -DisableRealtimeMonitoring $true", "ehr-admin")
    shadow = av_off + dt.timedelta(minutes=14)
    process(ehr, shadow, r"C:\Windows\System32\vssadmin.exe", "vssadmin.exe delete shadows /all /quiet", "ehr-admin")
    process(ehr, shadow + dt.timedelta(seconds=40), r"C:\Windows\System32\wbadmin.exe",
             "wbadmin delete catalog -quiet", "ehr-admin")
    process(ehr, shadow + dt.timedelta(seconds=70), r"C:\Windows\System32\bcdedit.exe",
             "bcdedit /set {default} recoveryenabled no", "ehr-admin")
    clear = shadow + dt.timedelta(minutes=9)
    process(ehr, clear - dt.timedelta(seconds=5), r"C:\Windows\System32\wevtutil.exe", "wevtutil cl Security",
             "ehr-admin")
    ehr.add(clear, SECURITY, 1102, "Microsoft-Windows-Eventlog", {
        "SubjectUserSid": "S-1-5-21-1004336348-1177238915-682003330-1106", "SubjectUserName": "ehr-admin",
        "SubjectDomainName": "MAMORI-HOSP", "SubjectLogonId": "0x3e7a21"})
    fgt.sort(key=lambda x: x[0])
    return {"dc01-security.jsonl": dc.text(), "ehr-ap1-windows.jsonl": ehr.text(),
            "backup-security.jsonl": backup.text(), "fgt-ehr-vpn.log": "\n".join(t for _w, t in fgt) + "\n"}


def write_demo_logs(folder: Path, *, today: dt.date, seed: int = 20261122) -> Iterator[Path]:
    """Write the demo log files into `folder` (three days ending the day before `today`)."""
    start = dt.datetime.combine(today - dt.timedelta(days=3), dt.time(0, 0), tzinfo=JST)
    rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
    for name, text in _scenario(start, rng).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        yield path


def load_demo_logs(facility: Any, *, today: dt.date, seed: int = 20261122) -> dict[str, int]:
    """Register the demo sources and import their files (the real import path: store, rules, alerts)."""
    from mamori.ledger.models import Asset
    from mamori.monitoring.ingest import import_file
    from mamori.monitoring.models import LogSource

    counts = {"log_events": 0, "log_detections": 0}
    with tempfile.TemporaryDirectory(prefix="mamori-demo-logs-") as tmp:
        files = {p.name: p for p in write_demo_logs(Path(tmp), today=today, seed=seed)}
        for code, name, kind, asset_key, file_name in DEMO_SOURCES:
            asset = Asset.objects.filter(facility=facility, key=asset_key).first()
            sender = asset.ip_address if asset is not None and kind == "fortigate" and asset.ip_address else ""
            source = LogSource.objects.create(facility=facility, code=code, name=name, kind=kind, asset=asset,
                                              senders=sender)  # the FortiGate's syslog is routed to its source
            result = import_file(source, files[file_name], file_name=file_name, imported_by="demo")
            counts["log_events"] += result.events
            counts["log_detections"] += result.detections
    LogSource.objects.create(facility=facility, code="syslog", name="syslog 受信（UDP/TCP/TLS）", kind="syslog",
                             silent_after_minutes=60)
    return counts
