"""CycloneDX JSON documents shaped like a medical-device manufacturer's SBOM (written for these tests)."""

from __future__ import annotations

import json
from typing import Any

MONITOR_SBOM: dict[str, Any] = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "version": 1,
    "metadata": {
        "timestamp": "2026-04-01T00:00:00Z",
        "component": {"type": "device", "name": "Central Monitor CNS-9701", "version": "07-23"},
        "supplier": {"name": "Example Medical Systems"},
    },
    "components": [
        {"type": "operating-system", "name": "Windows 10 IoT Enterprise LTSC", "version": "1809",
         "cpe": "cpe:2.3:o:microsoft:windows_10_1809:-:*:*:*:*:*:*:*", "bom-ref": "os"},
        {"type": "library", "name": "openssl", "version": "1.1.1k", "purl": "pkg:generic/openssl@1.1.1k",
         "cpe": "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*", "bom-ref": "openssl",
         "supplier": {"name": "OpenSSL Project"}},
        {"type": "application", "name": "DCMTK", "version": "3.6.6", "purl": "pkg:generic/dcmtk@3.6.6",
         "bom-ref": "dcmtk",
         "components": [{"type": "library", "name": "libpng", "version": "1.6.37",
                         "purl": "pkg:generic/libpng@1.6.37", "bom-ref": "libpng"}]},
    ],
}


def as_bytes(document: Any, *, bom: bool = False) -> bytes:
    data = json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")
    return b"\xef\xbb\xbf" + data if bom else data
