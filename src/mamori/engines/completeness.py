"""How complete a ledger entry is, against what the MHLW checklist manual expects (2-①).

The manual names 所在 and 使用可否 for every device, and the BCP guidance adds OS, IP address,
vulnerability status and antivirus state. Which of these apply depends on the kind of device.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["FIELDS", "Completeness", "assess"]

# field key -> (Japanese label, English label)
FIELDS: dict[str, tuple[str, str]] = {
    "location": ("所在", "location"),
    "in_use": ("使用可否", "in use"),
    "os": ("OS・ファームウェアとバージョン", "OS / firmware and version"),
    "ip": ("IPアドレス", "IP address"),
    "identity": ("脆弱性照合に使える識別情報（CPE または 製造元・機種・バージョン）",
                 "identity for vulnerability matching (CPE, or manufacturer, model and version)"),
    "antivirus": ("ウイルス対策の状態", "antivirus state"),
}
NETWORKED = frozenset({"server", "terminal", "network", "vpn", "medical", "iomt"})
PROTECTED = frozenset({"server", "terminal"})


@dataclass(frozen=True, slots=True)
class Completeness:
    """Score 0–100 and the expected fields that are missing, in FIELDS order."""

    score: int
    missing: tuple[str, ...]


def _present(value: object) -> bool:
    return value is not None and value != "" and value != [] and value != ()


def _has_cpe(asset: Mapping[str, object]) -> bool:
    if _present(asset.get("cpes")):
        return True
    software = asset.get("software")
    if not isinstance(software, list | tuple):
        return False
    return any(isinstance(item, Mapping) and _present(item.get("cpe")) for item in software)


def assess(asset: Mapping[str, object]) -> Completeness:
    """Assess one asset given as a mapping of its ledger fields (model field names)."""
    category = str(asset.get("category") or "")
    checks: dict[str, bool] = {
        "location": _present(asset.get("location")),
        "in_use": asset.get("in_use") is not None,
        "os": _present(asset.get("os_name")) and _present(asset.get("os_version")),
    }
    if category in NETWORKED:
        checks["ip"] = _present(asset.get("ip_address"))
    checks["identity"] = _has_cpe(asset) or all(
        _present(asset.get(k)) for k in ("manufacturer", "model_name", "os_version"))
    if category in PROTECTED:
        installed = asset.get("av_installed")
        checks["antivirus"] = installed is False or (installed is True and _present(asset.get("av_definitions_date")))
    missing = tuple(key for key in FIELDS if key in checks and not checks[key])
    score = round(100 * (len(checks) - len(missing)) / len(checks))
    return Completeness(score=score, missing=missing)
