"""The logon summary an IT person reads first: successes and failures by account and source, RDP included.

Security 4624 (success) / 4625 (failure) with LogonType (10 = RemoteInteractive, i.e. RDP), 4648 (explicit
credentials), 4778/4779 (RDP session reconnected/disconnected), and the RDP logs' 1149 (TerminalServices-
RemoteConnectionManager: authentication succeeded) and 21/25 (LocalSessionManager: logon / reconnection).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LogonSummary", "summarise_logons"]

_SECURITY = "Security"
_RCM = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational"
_LSM = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"


@dataclass
class LogonSummary:
    success: Counter[tuple[str, str, str]] = field(default_factory=Counter)  # (account, source, kind) → count
    failure: Counter[tuple[str, str, str]] = field(default_factory=Counter)

    def rows(self) -> list[tuple[str, str, str, int, int]]:
        keys = sorted(set(self.success) | set(self.failure), key=lambda k: (-self.failure[k], -self.success[k], k))
        return [(account, source, kind, self.success[(account, source, kind)], self.failure[(account, source, kind)])
                for account, source, kind in keys]


def _source(event: dict[str, Any]) -> str:
    for name in ("IpAddress", "ClientAddress", "Address", "WorkstationName", "Param3"):
        value = str(event.get(name) or "").strip()
        if value and value != "-":
            return value
    return "-"


def _account(event: dict[str, Any]) -> str:
    user = str(event.get("TargetUserName") or event.get("User") or event.get("Param1") or "-")
    domain = str(event.get("TargetDomainName") or event.get("Param2") or "")
    return f"{domain}\\{user}" if domain and domain != "-" else user


def summarise_logons(events: Iterable[dict[str, Any]]) -> LogonSummary:
    summary = LogonSummary()
    for event in events:
        channel, event_id = event.get("Channel"), event.get("EventID")
        if channel == _SECURITY and event_id in (4624, 4625):
            logon_type = str(event.get("LogonType") or "")
            kind = "RDP" if logon_type == "10" else f"type {logon_type}" if logon_type else "logon"
            target = summary.success if event_id == 4624 else summary.failure
            target[(_account(event), _source(event), kind)] += 1
        elif channel == _SECURITY and event_id in (4778, 4779):
            summary.success[(_account({"TargetUserName": event.get("AccountName"),
                                       "TargetDomainName": event.get("AccountDomain")}),
                             str(event.get("ClientAddress") or "-"), "RDP session")] += 1
        elif (channel == _RCM and event_id == 1149) or (channel == _LSM and event_id in (21, 25)):
            summary.success[(_account(event), _source(event), "RDP")] += 1
    return summary
