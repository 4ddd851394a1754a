"""What every log reader shares: the common fields of a Windows event, text decoding, and the line-reader result.

`add_common` fills `_host`, `_user`, `_src_ip` and `_action` of a Windows event (EVTX or event JSON) from its
Sigma-named fields; syslog, FortiGate, JSON-lines and CSV parsers set those fields themselves.
`decode_text` turns bytes from a device or a file into text the way Japanese sites need (UTF-8, else CP932).
`LinesResult` is what the line-oriented readers return: the events and, in recover mode, every line skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from mamori.engines.errors import InputLocation

__all__ = ["ACTIONS", "JST", "LinesResult", "add_common", "clean_ip", "decode_text", "windows_action"]

#: The zone of times written without an offset by Japanese devices and exports.
JST: dt.tzinfo = ZoneInfo("Asia/Tokyo")

_SECURITY = "security"
_SYSTEM = "system"
_SYSMON = "microsoft-windows-sysmon/operational"
_DEFENDER = "microsoft-windows-windows defender/operational"
_POWERSHELL = "microsoft-windows-powershell/operational"

#: (lower-case Channel, EventID) → `_action`. 4768/4776 depend on `Status` (see `windows_action`).
ACTIONS: dict[tuple[str, int], str] = {
    (_SECURITY, 4624): "logon",
    (_SECURITY, 4625): "logon_failed",
    (_SECURITY, 4634): "logoff",
    (_SECURITY, 4647): "logoff",
    (_SECURITY, 4648): "explicit_logon",
    (_SECURITY, 4672): "privileged_logon",
    (_SECURITY, 4688): "process",
    (_SECURITY, 4697): "service_install",
    (_SECURITY, 4698): "task_created",
    (_SECURITY, 4720): "user_created",
    (_SECURITY, 4722): "user_enabled",
    (_SECURITY, 4724): "password_reset",
    (_SECURITY, 4726): "user_deleted",
    (_SECURITY, 4728): "group_member_added",
    (_SECURITY, 4732): "group_member_added",
    (_SECURITY, 4756): "group_member_added",
    (_SECURITY, 4740): "account_locked",
    (_SECURITY, 4768): "kerberos_tgt",
    (_SECURITY, 4769): "kerberos_service",
    (_SECURITY, 4771): "logon_failed",
    (_SECURITY, 4776): "credential_validation",
    (_SECURITY, 1102): "log_cleared",
    (_SECURITY, 5140): "share_access",
    (_SYSTEM, 7045): "service_install",
    (_SYSTEM, 104): "log_cleared",
    (_SYSMON, 1): "process",
    (_SYSMON, 3): "network_connection",
    (_DEFENDER, 1006): "av_event",
    (_DEFENDER, 1015): "av_event",
    (_DEFENDER, 1116): "av_event",
    (_DEFENDER, 1117): "av_event",
    (_DEFENDER, 5001): "av_event",
    (_POWERSHELL, 4104): "powershell",
}
#: Events that are a failed logon when their `Status` is not 0 (Kerberos TGT request, NTLM credential check).
_FAILED_BY_STATUS = {(_SECURITY, 4768), (_SECURITY, 4776)}
_USER_FIELDS = ("TargetUserName", "SubjectUserName", "User", "AccountName")
#: Group membership changes: `TargetUserName` names the group, so the account is the one who changed it.
_GROUP_EVENTS = {4728, 4729, 4732, 4733, 4756, 4757}
_ACTOR_FIELDS = ("SubjectUserName", "User", "AccountName")
_IP_FIELDS = ("IpAddress", "SourceAddress", "SourceNetworkAddress", "ClientAddress", "SourceIp")


def clean_ip(value: Any) -> str | None:
    """An address as text without the IPv4-mapped `::ffff:` prefix; None for None, "", "-"."""
    if value is None:
        return None
    text = str(value).strip()
    if text in ("", "-"):
        return None
    return text[7:] if text.lower().startswith("::ffff:") and "." in text else text


def _status_ok(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, int):
        return value == 0
    text = str(value).strip().lower()
    try:
        return int(text, 16 if text.startswith("0x") else 10) == 0
    except ValueError:
        return False


def windows_action(event: dict[str, Any]) -> str | None:
    """The `_action` word for a Windows event from (Channel, EventID), None when Mamori has no word for it.

    4771 (Kerberos pre-authentication failed) is always `logon_failed`; 4768 and 4776 are `logon_failed` when their
    `Status` is not 0 (`0x0`, `0x00000000`), else `kerberos_tgt` / `credential_validation`.
    """
    channel, event_id = event.get("Channel"), event.get("EventID")
    if not isinstance(channel, str) or not isinstance(event_id, int) or isinstance(event_id, bool):
        return None
    key = (channel.strip().lower(), event_id)
    if key in _FAILED_BY_STATUS and not _status_ok(event.get("Status")):
        return "logon_failed"
    return ACTIONS.get(key)


def _first_text(event: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = event.get(name)
        if value is None:
            continue
        text = str(value).strip()
        if text and text != "-":
            return text
    return None


def add_common(event: dict[str, Any]) -> dict[str, Any]:
    """The same Windows event (changed in place and returned) with `_host`, `_user`, `_src_ip`, `_action` filled.

    `_host` = `Computer`; `_user` = the first of `TargetUserName`, `SubjectUserName`, `User`, `AccountName` that is
    neither empty nor "-" (for group membership changes, 4728/4732/4756 …, whose `TargetUserName` is the group,
    `SubjectUserName` first); `_src_ip` = the first of `IpAddress`, `SourceAddress`, `SourceNetworkAddress`,
    `ClientAddress`, `SourceIp` that is neither empty nor "-" (`::ffff:10.0.0.5` → `10.0.0.5`; loopback kept);
    `_action` from `windows_action`. A common field that already holds a value is kept, and so is `_kind`
    (readers set it). Missing ones are set to None, so every event has all four keys.
    """
    found: dict[str, Any] = {
        "_host": _first_text(event, ("Computer",)),
        "_user": _first_text(event, _ACTOR_FIELDS if event.get("EventID") in _GROUP_EVENTS else _USER_FIELDS),
        "_src_ip": None,
        "_action": windows_action(event),
    }
    for name in _IP_FIELDS:
        address = clean_ip(event.get(name))
        if address is not None:
            found["_src_ip"] = address
            break
    for name, value in found.items():
        if event.get(name) is None:
            event[name] = value
    return event


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes as text and the codec that read them: "utf-8", else "cp932" (Japanese Windows and network devices),
    else "latin-1" (never fails, so a garbled byte shows as itself and the caller can mark the event)."""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        pass
    else:
        # CP932 maps its unused lead bytes and user-defined area to the Private Use Area: such text is not Japanese.
        if not any("\ue000" <= char <= "\uf8ff" for char in text):
            return text, "cp932"
    return data.decode("latin-1"), "latin-1"


@dataclass
class LinesResult:
    """What a line-oriented reader read: the events kept and, in recover mode, every line skipped with why."""

    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[tuple[InputLocation, str]] = field(default_factory=list)
