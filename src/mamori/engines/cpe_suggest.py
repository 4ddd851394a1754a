"""Suggested CPE 2.3 names for a ledger entry, from its manufacturer, OS/firmware and version.

A suggestion is a starting point the user confirms or edits: product names that NVD spells in its
own way (Windows editions, FortiOS, iOS …) come from a small table; anything else is built from the
manufacturer and the OS/firmware name as NVD would normally write them.
"""

from __future__ import annotations

import re

from mamori.engines.vulns.cpe import normalize_name

__all__ = ["suggest_cpes"]

# lower-cased OS/firmware name (prefix) -> (vendor, product); Windows editions carry their version in the product
KNOWN_PRODUCTS: dict[str, tuple[str, str]] = {
    "fortios": ("fortinet", "fortios"),
    "pulse connect secure": ("ivanti", "connect_secure"),
    "ivanti connect secure": ("ivanti", "connect_secure"),
    "citrix adc": ("citrix", "application_delivery_controller_firmware"),
    "netscaler": ("citrix", "application_delivery_controller_firmware"),
    "ios xe": ("cisco", "ios_xe"),
    "ios": ("apple", "iphone_os"),
    "ipados": ("apple", "ipados"),
    "red hat enterprise linux": ("redhat", "enterprise_linux"),
    "vmware esxi": ("vmware", "esxi"),
    "esxi": ("vmware", "esxi"),
}
WINDOWS = re.compile(r"^windows(?: (server))?(?: (\d+|iot))?", re.IGNORECASE)
PULSE_VERSION = re.compile(r"^(\d+\.\d+)(r\d+(?:\.\d+)?)$", re.IGNORECASE)


def _cpe(part: str, vendor: str, product: str, version: str, update: str = "*") -> str:
    return f"cpe:2.3:{part}:{vendor}:{product}:{version}:{update}:*:*:*:*:*:*"


def _windows(os_name: str, version: str) -> str | None:
    match = WINDOWS.match(os_name.strip())
    if not match:
        return None
    edition = normalize_name(version)  # "2019", "23h2", "2012_r2"
    if match.group(1):  # Windows Server 2019 / 2012 R2
        base, _, release = edition.partition("_")
        return _cpe("o", "microsoft", f"windows_server_{base}", "-", release or "*")
    product = f"windows_{match.group(2) or ''}".rstrip("_")
    return _cpe("o", "microsoft", f"{product}_{edition}" if edition else product, "-")


def suggest_cpes(manufacturer: str, os_name: str, os_version: str, model: str = "") -> list[str]:
    """Candidate CPE names (operating system/firmware first, then the hardware), most likely first."""
    suggestions: list[str] = []
    version = os_version.strip().lower().removeprefix("rev.").removeprefix("v")
    windows = _windows(os_name, os_version) if os_name else None
    if windows:
        suggestions.append(windows)
    elif os_name and version:
        known = next((v for k, v in sorted(KNOWN_PRODUCTS.items(), key=lambda i: -len(i[0]))
                      if os_name.strip().lower().startswith(k)), None)
        vendor, product = known or (normalize_name(manufacturer), normalize_name(os_name))
        part = "a" if product == "connect_secure" else "o"
        pulse = PULSE_VERSION.match(version)
        if pulse:  # 9.0R3.3: NVD puts R3.3 in the update field
            suggestions.append(_cpe(part, vendor, product, pulse.group(1), pulse.group(2)))
        else:
            if product == "application_delivery_controller_firmware":
                version = version.split("-")[0]  # 13.0-47.24: NVD lists the release 13.0
            suggestions.append(_cpe(part, vendor, product, normalize_name(version)))
    if manufacturer and model:
        suggestions.append(_cpe("h", normalize_name(manufacturer), normalize_name(model), "-"))
    return [s for s in suggestions if "::" not in s]
