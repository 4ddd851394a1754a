"""The demo's CSAF 2.0 advisories: three CISA ICSMA advisories and a Fortinet PSIRT one, written by Mamori.

Tracking ids, release dates, vendor and product names, version texts, CVE ids, CWEs and CVSS scores are the
advisories' (vulnerability-intel.md §2.6, §4.5); remediation and note texts are Mamori's own, and only the
vulnerabilities that concern the demo hospital's devices are listed (the real ICSMA-20-254-01 has eight).
"""

from __future__ import annotations

from typing import Any

__all__ = ["CSAF_DOCUMENTS", "FORTIOS_AFFECTED", "FORTIOS_FIXED"]

Json = dict[str, Any]

_CISA = {"category": "coordinator", "name": "CISA", "namespace": "https://www.cisa.gov/",
         "contact_details": "central@cisa.dhs.gov"}
_FORTINET = {"category": "vendor", "name": "Fortinet PSIRT", "namespace": "https://fortiguard.fortinet.com/psirt"}
_ICSMA = "https://www.cisa.gov/news-events/ics-medical-advisories/{id}"
_WHITE = {"text": "Disclosure is not limited", "tlp": {"label": "WHITE", "url": "https://www.first.org/tlp/"}}
# FortiOS releases FG-IR-22-398 lists as affected, per branch: (branch, first patch, last affected patch).
_FORTIOS_BRANCHES = (("7.2", 0, 2), ("7.0", 0, 8), ("6.4", 0, 10), ("6.2", 0, 11), ("6.0", 0, 15), ("5.6", 0, 14),
                     ("5.4", 0, 13), ("5.2", 0, 15), ("5.0", 0, 14))
FORTIOS_AFFECTED = tuple(f"{branch}.{n}" for branch, first, last in _FORTIOS_BRANCHES for n in range(first, last + 1))
FORTIOS_FIXED = ("7.2.3", "7.0.9", "6.4.11", "6.2.12", "6.0.16")


def _document(tracking_id: str, title: str, publisher: Json, dates: tuple[str, str], version: str,
              url: str) -> Json:
    return {
        "category": "csaf_security_advisory", "csaf_version": "2.0", "title": title, "publisher": publisher,
        "distribution": _WHITE, "lang": "en-US",
        "notes": [{"category": "legal_disclaimer", "title": "Mamori demo",
                   "text": "Written by Mamori for its demo hospital in the CSAF 2.0 format; facts from the "
                           "published advisory, wording Mamori's own."}],
        "references": [{"category": "external", "summary": f"{tracking_id} (original advisory)", "url": url}],
        "tracking": {"id": tracking_id, "status": "final", "version": version, "initial_release_date": dates[0],
                     "current_release_date": dates[1],
                     "revision_history": [{"number": version, "date": dates[1], "summary": "Current release"}]},
    }


def _product(category: str, name: str, product_id: str, full_name: str, cpe: str = "") -> Json:
    product: Json = {"name": full_name, "product_id": product_id}
    if cpe:
        product["product_identification_helper"] = {"cpe": cpe}
    return {"category": category, "name": name, "product": product}


def _vendor(name: str, products: list[tuple[str, list[Json]]]) -> Json:
    return {"category": "vendor", "name": name, "branches": [
        {"category": "product_name", "name": product, "branches": versions} for product, versions in products]}


def _cvss3(version: str, vector: str, score: float, severity: str, products: list[str]) -> Json:
    return {"products": products, "cvss_v3": {"version": version, "vectorString": vector, "baseScore": score,
                                              "baseSeverity": severity}}


def _vulnerability(cve_id: str, cwe: tuple[str, str], affected: list[str], scores: list[Json],
                   remediations: list[tuple[str, str]]) -> Json:
    return {"cve": cve_id, "cwe": {"id": cwe[0], "name": cwe[1]}, "product_status": {"known_affected": affected},
            "scores": scores, "remediations": [{"category": c, "details": d, "product_ids": affected}
                                               for c, d in remediations]}


def _meddream() -> Json:
    ids = ["CSAFPID-0001"]
    return {
        "document": _document("ICSMA-23-248-01", "Softneta MedDream PACS Premium", _CISA,
                              ("2023-09-05T06:00:00.000000Z", "2023-09-05T06:00:00.000000Z"), "1",
                              _ICSMA.format(id="icsma-23-248-01")),
        "product_tree": {"branches": [_vendor("Softneta", [("MedDream PACS", [
            _product("product_version_range", "<= 7.2.8.810", ids[0], "MedDream PACS: <= 7.2.8.810")])])]},
        "vulnerabilities": [
            _vulnerability("CVE-2023-40150", ("CWE-749", "Exposed Dangerous Method or Function"), ids,
                           [_cvss3("3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL", ids)],
                           [("vendor_fix", "Update MedDream PACS Server to version 7.2.9.820, or apply Softneta's "
                                           "patch Fix-v230712 to the installed version."),
                            ("mitigation", "Ask Softneta for help with installing the update.")]),
            _vulnerability("CVE-2023-39227", ("CWE-256", "Plaintext Storage of a Password"), ids,
                           [_cvss3("3.0", "CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:L/A:N", 6.1, "MEDIUM", ids)],
                           [("vendor_fix", "Update MedDream PACS Server to version 7.2.9.820.")])],
    }


def _contec() -> Json:
    ids = ["CSAFPID-0001"]
    return {
        "document": _document("ICSMA-25-030-01", "Contec Health CMS8000 Patient Monitor", _CISA,
                              ("2025-01-30T07:00:00.000000Z", "2025-01-30T07:00:00.000000Z"), "1",
                              _ICSMA.format(id="icsma-25-030-01")),
        "product_tree": {"branches": [_vendor("Contec Health", [("CMS8000 Patient Monitor", [
            _product("product_version_range", "vers:all/*", ids[0],
                     "Contec Health CMS8000 Patient Monitor: all versions")])])]},
        "vulnerabilities": [{
            **_vulnerability("CVE-2025-0626", ("CWE-912", "Hidden Functionality"), ids, [
                {"products": ids, "cvss_v3": {"version": "3.1", "baseScore": 7.5, "baseSeverity": "HIGH",
                                              "vectorString": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H"},
                 "cvss_v4": {"version": "4.0", "baseScore": 7.7, "baseSeverity": "HIGH",
                             "vectorString": "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}}],
                [("no_fix_planned", "No firmware without the backdoor has been released."),
                 ("workaround", "Unplug the monitor from the network and use it only for local monitoring; a "
                                "monitor that needs remote monitoring should be replaced.")])}],
    }


def _philips() -> Json:
    monitors = ["IntelliVue patient monitor MX100", "IntelliVue patient monitor MX400-MX850",
                "IntelliVue patient monitor MP2-MP90", "IntelliVue X2", "IntelliVue X3"]
    products: list[tuple[str, list[Json]]] = [
        ("Patient Information Center iX (PICiX)", [
            _product("product_version", v, f"CSAFPID-000{n}", f"Philips Patient Information Center iX (PICiX): {v}")
            for n, v in enumerate(("B.02", "C.02", "C.03"), start=1)]),
        ("PerformanceBridge Focal Point", [_product("product_version", "A.01", "CSAFPID-0004",
                                                    "Philips PerformanceBridge Focal Point: A.01")]),
        *((name, [_product("product_version_range", "<=N", f"CSAFPID-000{n}", f"Philips {name}: <=N")])
          for n, name in enumerate(monitors, start=5))]
    ids = [f"CSAFPID-000{n}" for n in range(1, 10)]
    return {
        "document": _document("ICSMA-20-254-01", "Philips Patient Monitoring Devices (Update C)", _CISA,
                              ("2020-09-10T06:00:00.000000Z", "2023-12-14T07:00:00.000000Z"), "4",
                              _ICSMA.format(id="icsma-20-254-01")),
        "product_tree": {"branches": [_vendor("Philips", products)]},
        "vulnerabilities": [_vulnerability(
            "CVE-2020-16212", ("CWE-668", "Exposure of Resource to Wrong Sphere"), ids,
            [_cvss3("3.1", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, "MEDIUM", ids)],
            [("vendor_fix", "Ask Philips for the updated PIC iX release and for IntelliVue monitor software N.00 "
                            "or N.01 (M.04 through a Philips service upgrade path)."),
             ("mitigation", "Keep the patient monitoring network physically or logically apart from the hospital "
                            "LAN, lock the PIC iX servers away, and grant remote access only where it is needed.")])],
    }


def _fortinet() -> Json:
    versions = [_product("product_version", f"FortiOS {v}", f"FortiOS-{v}", "FortiOS",
                         f"cpe:2.3:o:fortinet:fortios:{v}:*:*:*:*:*:*:*") for v in (*FORTIOS_AFFECTED, *FORTIOS_FIXED)]
    fixes = ", ".join(f"FortiOS {v[:3]}: upgrade to {v} or above" for v in FORTIOS_FIXED)
    return {
        "document": _document("FG-IR-22-398", "FortiOS - heap-based buffer overflow in sslvpnd", _FORTINET,
                              ("2022-12-12T00:00:00.000Z", "2023-01-11T00:00:00.000Z"), "2",
                              "https://www.fortiguard.com/psirt/FG-IR-22-398"),
        "product_tree": {"branches": [{"category": "vendor", "name": "Fortinet", "branches": [
            {"category": "product_name", "name": "FortiOS", "branches": versions}]}]},
        "vulnerabilities": [{
            "cve": "CVE-2022-42475", "title": "FortiOS - heap-based buffer overflow in sslvpnd",
            "cwe": {"id": "CWE-197", "name": "Numeric Truncation Error"},
            "product_status": {"known_affected": [f"FortiOS-{v}" for v in FORTIOS_AFFECTED],
                               "fixed": [f"FortiOS-{v}" for v in FORTIOS_FIXED]},
            "scores": [{"products": ["FortiOS"], "cvss_v3": {
                "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C",
                "baseScore": 9.3, "baseSeverity": "CRITICAL"}}],
            "remediations": [
                {"category": "vendor_fix", "details": fixes + "; FortiOS 5.x: migrate to a fixed release.",
                 "product_ids": ["FortiOS"], "url": "https://www.fortiguard.com/psirt/FG-IR-22-398"},
                {"category": "mitigation", "details": "Until the upgrade, disable the SSL-VPN and check the "
                                                      "appliance for the indicators of compromise in the advisory.",
                 "product_ids": ["FortiOS"]}]}],
    }


CSAF_DOCUMENTS: tuple[tuple[str, Json], ...] = (
    ("icsma-23-248-01-demo.json", _meddream()),
    ("icsma-25-030-01-demo.json", _contec()),
    ("icsma-20-254-01-demo.json", _philips()),
    ("fg-ir-22-398-demo.json", _fortinet()),
)
"""(file name, CSAF document) of every demo advisory."""
