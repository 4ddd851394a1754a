"""The demo NVD records: the real cases' CVE ids, configurations, scores, CWEs and dates, written by Mamori.

Configurations, bounds, scores and dates are NVD's (vulnerability-intel.md §4; the Windows records as the
NVD 2018 1.1 year feed had them in 2020, their status written as "Analyzed"); descriptions are Mamori's own
short summaries, and the `matchCriteriaId`s are derived from the criteria here (uuid5), not NVD's. Each
record is a 2.0 `cve` object.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = ["NVD_RECORDS", "SOURCES"]

Json = dict[str, Any]

NVD = "nvd@nist.gov"
SOURCES = {"fortinet": "psirt@fortinet.com", "mitre": "cve@mitre.org", "ics": "ics-cert@hq.dhs.gov",
           "baxter": "productsecurity@baxter.com", "bd": "cybersecurity@bd.com", "microsoft": "secure@microsoft.com",
           "cisa_adp": "134c704f-9b21-4f2e-91b3-4a467353bcc0"}
_IDS = uuid.UUID("6d616d6f-7269-4465-8d6f-666565647331")  # namespace of the demo matchCriteriaIds
_KEV_SEARCH = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog?field_cve={cve}"
_UPDATE = "Apply updates per vendor instructions."
FULL_31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"


def match(part: str, vendor: str, product: str, version: str = "*", update: str = "*", *, vulnerable: bool = True,
          **bounds: str) -> Json:
    """One cpeMatch entry; `bounds` are versionStartIncluding / versionEndExcluding etc. by their NVD names."""
    return by_criteria(f"cpe:2.3:{part}:{vendor}:{product}:{version}:{update}:*:*:*:*:*:*", vulnerable, **bounds)


def by_criteria(criteria: str, vulnerable: bool = True, **bounds: str) -> Json:
    """One cpeMatch entry for a criteria string written out in full."""
    key = criteria + "|" + "|".join(f"{k}={v}" for k, v in sorted(bounds.items()))
    return {"vulnerable": vulnerable, "criteria": criteria, **bounds,
            "matchCriteriaId": str(uuid.uuid5(_IDS, key)).upper()}


def _range(part: str, vendor: str, product: str, start: str, end: str, *, end_included: bool) -> Json:
    end_key = "versionEndIncluding" if end_included else "versionEndExcluding"
    criteria = f"cpe:2.3:{part}:{vendor}:{product}:*:*:*:*:*:*:*:*"
    return by_criteria(criteria, True, **{"versionStartIncluding": start, end_key: end})


def node(*entries: Json, operator: str = "OR") -> Json:
    return {"operator": operator, "negate": False, "cpeMatch": list(entries)}


def running_on(firmware: list[Json], hardware: list[Json]) -> Json:
    """The "firmware X running on hardware Y" AND configuration."""
    return {"operator": "AND", "nodes": [node(*firmware), node(*hardware)]}


def cvss(version: str, source: str, kind: str, vector: str, score: float) -> tuple[str, Json]:
    """(metrics key, metric) of one CVSS score."""
    severity = ("LOW" if score < 4 else "MEDIUM" if score < 7 else "HIGH") if version == "2.0" else \
        "NONE" if score == 0 else "LOW" if score < 4 else "MEDIUM" if score < 7 else "HIGH" if score < 9 else "CRITICAL"
    data: Json = {"version": version, "vectorString": vector, "baseScore": score}
    if version == "2.0":
        return "cvssMetricV2", {"source": source, "type": kind, "cvssData": data, "baseSeverity": severity}
    key = {"4.0": "cvssMetricV40", "3.1": "cvssMetricV31", "3.0": "cvssMetricV30"}[version]
    return key, {"source": source, "type": kind, "cvssData": {**data, "baseSeverity": severity}}


def record(cve_id: str, source: str, dates: tuple[str, str], status: str, description: str, *,
           scores: tuple[tuple[str, Json], ...], cwes: tuple[tuple[str, str], ...],
           configurations: list[Json] | None = None, references: tuple[tuple[str, tuple[str, ...]], ...] = (),
           kev: tuple[str, str, str, str] | None = None) -> Json:
    """A CVE API 2.0 `cve` object; `cwes` are (source, CWE id), `kev` is (added, due, action, name)."""
    metrics: dict[str, list[Json]] = {}
    for key, metric in scores:
        metrics.setdefault(key, []).append(metric)
    cve: Json = {"id": cve_id, "sourceIdentifier": source, "published": dates[0], "lastModified": dates[1],
                 "vulnStatus": status, "cveTags": [], "descriptions": [{"lang": "en", "value": description}],
                 "metrics": metrics}
    if kev is not None:
        cve.update(cisaExploitAdd=kev[0], cisaActionDue=kev[1], cisaRequiredAction=kev[2],
                   cisaVulnerabilityName=kev[3])
    cve["weaknesses"] = [{"source": s, "type": "Primary" if s == NVD else "Secondary",
                          "description": [{"lang": "en", "value": cwe}]} for s, cwe in cwes]
    if configurations:
        cve["configurations"] = configurations
    refs = [{"url": url, "source": source, "tags": list(tags)} for url, tags in references]
    if kev is not None:
        refs.append({"url": _KEV_SEARCH.format(cve=cve_id), "source": NVD, "tags": ["US Government Resource"]})
    cve["references"] = refs
    return cve


def _fortios(*spans: tuple[str, str, bool]) -> list[Json]:
    return [_range("o", "fortinet", "fortios", a, b, end_included=inc) for a, b, inc in spans]


def _fortiproxy(*spans: tuple[str, str, bool]) -> list[Json]:
    return [_range("a", "fortinet", "fortiproxy", a, b, end_included=inc) for a, b, inc in spans]


_CVE_2018_13379 = record(
    "CVE-2018-13379", SOURCES["fortinet"], ("2019-06-04T21:29:00.233", "2025-10-24T12:53:03.100"), "Analyzed",
    "Path traversal in the FortiOS and FortiProxy SSL-VPN web portal: an unauthenticated attacker can download "
    "system files, including the session file that holds VPN user names and passwords in clear text.",
    scores=(cvss("3.1", NVD, "Primary", FULL_31, 9.8),
            cvss("3.1", SOURCES["fortinet"], "Secondary", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H", 9.1),
            cvss("2.0", NVD, "Primary", "AV:N/AC:L/Au:N/C:P/I:N/A:N", 5.0)),
    cwes=((NVD, "CWE-22"), (SOURCES["cisa_adp"], "CWE-22")),
    configurations=[{"nodes": [node(
        match("a", "fortinet", "fortiproxy", versionEndExcluding="1.2.9"),
        match("a", "fortinet", "fortiproxy", "2.0.0"),
        *_fortios(("5.4.6", "5.4.13", False), ("5.6.3", "5.6.8", False), ("6.0.0", "6.0.5", False)))]}],
    references=(("https://fortiguard.com/advisory/FG-IR-18-384", ("Mitigation", "Vendor Advisory")),
                ("https://www.fortiguard.com/psirt/FG-IR-20-233", ("Vendor Advisory",))),
    kev=("2021-11-03", "2022-05-03", _UPDATE, "Fortinet FortiOS SSL VPN Path Traversal Vulnerability"))

_FORTIGATE_6K_7K = ("fortigate-6300f", "fortigate-6301f", "fortigate-6500f", "fortigate-6501f", "fortigate-7060e",
                    "fortigate-7121f")  # 6 of NVD's 21 hardware entries
_CVE_2022_42475 = record(
    "CVE-2022-42475", SOURCES["fortinet"], ("2023-01-02T09:15:10.297", "2025-10-24T13:30:00.000"), "Analyzed",
    "Heap-based buffer overflow in the FortiOS and FortiProxy SSL-VPN daemon: specially crafted requests let an "
    "unauthenticated attacker run code or commands on the appliance.",
    scores=(cvss("3.1", NVD, "Primary", FULL_31, 9.8),),
    cwes=((NVD, "CWE-787"), (SOURCES["fortinet"], "CWE-197")),
    configurations=[
        {"nodes": [node(*_fortios(("5.0.0", "5.0.14", True), ("5.2.0", "5.2.15", True), ("5.4.0", "5.4.13", True),
                                  ("5.6.0", "5.6.14", True), ("6.0.0", "6.0.16", False), ("6.2.0", "6.2.12", False),
                                  ("6.4.0", "6.4.11", False), ("7.0.0", "7.0.9", False), ("7.2.0", "7.2.3", False)))]},
        {"nodes": [node(*_fortiproxy(("1.0.0", "1.0.7", True), ("1.1.0", "1.1.6", True), ("1.2.0", "1.2.13", True),
                                     ("2.0.0", "2.0.12", False), ("7.0.0", "7.0.8", False),
                                     ("7.2.0", "7.2.2", False)))]},
        running_on(_fortios(("6.0.0", "6.0.15", False), ("6.2.0", "6.2.12", False), ("6.4.0", "6.4.10", False),
                            ("7.0.0", "7.0.8", False)),
                   [match("h", "fortinet", h, "-", vulnerable=False) for h in _FORTIGATE_6K_7K])],
    references=(("https://www.fortiguard.com/psirt/FG-IR-22-398", ("Vendor Advisory",)),),
    kev=("2022-12-13", "2023-01-03", _UPDATE, "Fortinet FortiOS Heap-Based Buffer Overflow Vulnerability"))


def _citrix(firmware: str, hardware: str, releases: tuple[str, ...]) -> Json:
    return running_on([match("o", "citrix", firmware, r) for r in releases],
                      [match("h", "citrix", hardware, "-", vulnerable=False)])


_CVE_2019_19781 = record(
    "CVE-2019-19781", SOURCES["mitre"], ("2019-12-27T14:15:12.070", "2025-10-21T20:17:30.867"), "Modified",
    "Directory traversal in Citrix Application Delivery Controller (ADC) and Citrix Gateway 10.5, 11.1, 12.0, "
    "12.1 and 13.0 lets an unauthenticated attacker run arbitrary code.",
    scores=(cvss("3.1", NVD, "Primary", FULL_31, 9.8),),
    cwes=((NVD, "CWE-22"),),
    configurations=[
        _citrix("application_delivery_controller_firmware", "application_delivery_controller",
                ("10.5", "11.1", "12.0", "12.1", "13.0")),
        _citrix("netscaler_gateway_firmware", "netscaler_gateway", ("10.5", "11.1", "12.0", "12.1")),
        _citrix("gateway_firmware", "gateway", ("13.0",))],
    references=(("https://support.citrix.com/article/CTX267027", ("Vendor Advisory",)),),
    kev=("2021-11-03", "2022-05-03", _UPDATE,
         "Citrix ADC, Gateway, and SD-WAN WANOP Appliance Code Execution Vulnerability"))

_PULSE_UPDATES = {
    "8.2": ("r1.0", "r1.1", "r10.0", "r11.0", "r12.0", "r2.0", "r3.0", "r3.1", "r4.0", "r4.1", "r5.0", "r5.1", "r6.0",
            "r7.0", "r7.1", "r8.0", "r8.1", "r8.2", "r9.0"),
    "8.3": ("r1", "r2", "r2.1", "r3", "r4", "r5", "r5.1", "r5.2", "r6", "r6.1", "r7"),
    "9.0": ("r1", "r2", "r2.1", "r3", "r3.1", "r3.2", "r3.3"),
}
_CVE_2019_11510 = record(
    "CVE-2019-11510", SOURCES["mitre"], ("2019-05-08T17:29:00.630", "2025-10-21T20:17:24.837"), "Modified",
    "Pulse Secure Pulse Connect Secure 8.2 before 8.2R12.1, 8.3 before 8.3R7.1 and 9.0 before 9.0R3.4: an "
    "unauthenticated attacker can read arbitrary files through a crafted URI (arbitrary file read).",
    scores=(cvss("3.1", NVD, "Primary", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
            cvss("3.0", SOURCES["mitre"], "Secondary", "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9)),
    cwes=((NVD, "CWE-22"),),
    configurations=[{"nodes": [node(*(match("a", "ivanti", "connect_secure", release, update)
                                      for release, updates in _PULSE_UPDATES.items() for update in updates))]}],
    references=(("https://kb.pulsesecure.net/articles/Pulse_Security_Advisories/SA44101/",
                 ("Patch", "Vendor Advisory")),),
    kev=("2021-11-03", "2021-04-23", _UPDATE, "Ivanti Pulse Connect Secure Arbitrary File Read Vulnerability"))


def _baxter_pump(firmware: str, hardware: str) -> Json:
    return running_on([match("o", "baxter", firmware, "-")], [match("h", "baxter", hardware, "-", vulnerable=False)])


_CVE_2022_26394 = record(
    "CVE-2022-26394", SOURCES["baxter"], ("2022-09-09T15:15:09.697", "2026-06-17T04:35:09.283"), "Modified",
    "The Baxter Spectrum Wireless Battery Module does not authenticate the gateway server it talks to, so an "
    "attacker on the network can sit in the middle and alter parameters until the connection fails.",
    scores=(cvss("3.1", NVD, "Primary", "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:L", 5.4),
            cvss("3.1", SOURCES["baxter"], "Secondary", "CVSS:3.1/AV:A/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L", 5.5)),
    cwes=((NVD, "CWE-306"), (SOURCES["baxter"], "CWE-306")),
    configurations=[
        running_on([match("o", "baxter", "spectrum_wireless_battery_module_firmware",
                          versionStartIncluding="20d29", versionEndIncluding="20d32"),
                    *(match("o", "baxter", "spectrum_wireless_battery_module_firmware", v)
                      for v in ("16", "16d38", "17", "17d19"))],
                   [match("h", "baxter", "spectrum_wireless_battery_module", "-", vulnerable=False)]),
        _baxter_pump("sigma_spectrum_35700bax_firmware", "sigma_spectrum_35700bax"),
        _baxter_pump("sigma_spectrum_35700bax2_firmware", "sigma_spectrum_35700bax2"),
        _baxter_pump("baxter_spectrum_iq_35700bax3_firmware", "baxter_spectrum_iq_35700bax3")],
    references=(("https://www.cisa.gov/uscert/ics/advisories/icsma-22-251-01",
                 ("Third Party Advisory", "US Government Resource")),))

_CVE_2023_43208 = record(
    "CVE-2023-43208", SOURCES["mitre"], ("2023-10-26T17:15:09.033", "2024-08-14T19:57:12.807"), "Analyzed",
    "NextGen Healthcare Mirth Connect before 4.4.1 lets an unauthenticated attacker run code remotely; the fix "
    "for CVE-2023-37679 was incomplete.",
    scores=(cvss("3.1", NVD, "Primary", FULL_31, 9.8), cvss("3.1", SOURCES["cisa_adp"], "Secondary", FULL_31, 9.8)),
    cwes=((NVD, "CWE-78"), (SOURCES["cisa_adp"], "CWE-502")),
    configurations=[{"nodes": [node(match("a", "nextgen", "mirth_connect", versionEndExcluding="4.4.1"))]}],
    references=(("https://www.horizon3.ai/nextgen-mirth-connect-remote-code-execution-vulnerability-cve-2023-43208/",
                 ("Exploit", "Third Party Advisory")),),
    kev=("2024-05-20", "2024-06-10",
         "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.",
         "NextGen Healthcare Mirth Connect Deserialization of Untrusted Data Vulnerability"))

_CVE_2022_2119 = record(
    "CVE-2022-2119", SOURCES["ics"], ("2022-06-24T15:15:10.687", "2025-11-03T20:15:53.857"), "Modified",
    "The DICOM service class provider (SCP) of OFFIS DCMTK before 3.6.7 is open to path traversal: an attacker "
    "can write DICOM files under chosen names into any directory, which may lead to code execution.",
    scores=(cvss("3.1", NVD, "Primary", FULL_31, 9.8),
            cvss("3.1", SOURCES["ics"], "Secondary", "CVSS:3.1/AV:A/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H", 7.5),
            cvss("2.0", NVD, "Primary", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5)),
    cwes=((SOURCES["ics"], "CWE-22"),),
    configurations=[{"nodes": [node(match("a", "offis", "dcmtk", versionEndExcluding="3.6.7"))]}],
    references=(("https://www.cisa.gov/uscert/ics/advisories/icsma-22-174-01",
                 ("Mitigation", "Third Party Advisory", "US Government Resource")),))

_CVE_2023_30563 = record(
    "CVE-2023-30563", SOURCES["bd"], ("2023-07-13T20:15:09.143", "2023-07-25T18:45:55.723"), "Analyzed",
    "Stored cross-site scripting in the user import function of BD Alaris Systems Manager 12.3 and earlier: a "
    "crafted import file can hijack an administrator's session.",
    scores=(cvss("3.1", NVD, "Primary", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N", 8.2),
            cvss("3.1", SOURCES["bd"], "Secondary", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N", 8.2)),
    cwes=((NVD, "CWE-79"), (SOURCES["bd"], "CWE-79")),
    configurations=[{"nodes": [node(match("a", "bd", "alaris_systems_manager", versionEndIncluding="12.3"))]}],
    references=(("https://www.bd.com/en-us/about-bd/cybersecurity/bulletin/bd-alaris-system-with-guardrails-suite-mx",
                 ("Mitigation", "Vendor Advisory")),))

_CVE_2020_16212 = record(
    "CVE-2020-16212", SOURCES["ics"], ("2020-09-11T14:15:11.377", "2024-11-21T05:06:56.843"), "Modified",
    "The kiosk mode of the Philips Patient Information Center iX (PIC iX) B.02, C.02 and C.03 surveillance "
    "station can be broken out of by someone with physical access, who then reaches resources outside it.",
    scores=(cvss("3.1", NVD, "Primary", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8),
            cvss("2.0", NVD, "Primary", "AV:L/AC:L/Au:N/C:P/I:P/A:P", 4.6)),
    cwes=((NVD, "CWE-668"), (SOURCES["ics"], "CWE-668")),
    configurations=[{"nodes": [node(*(match("a", "philips", "patient_information_center_ix", v)
                                      for v in ("b.02", "c.02", "c.03")))]}],
    references=(("https://us-cert.cisa.gov/ics/advisories/icsma-20-254-01",
                 ("Third Party Advisory", "US Government Resource")),
                ("https://www.philips.com/productsecurity", ())))

_CVE_2023_40150 = record(
    "CVE-2023-40150", SOURCES["ics"], ("2023-09-11T20:15:10.250", "2023-09-11T20:15:10.250"), "Received",
    "Softneta MedDream PACS runs a dangerous function without checking authentication, which can give an "
    "unauthenticated attacker remote code execution.",
    scores=(cvss("3.1", SOURCES["ics"], "Secondary", FULL_31, 9.8),),
    cwes=((SOURCES["ics"], "CWE-749"),),
    references=(("https://www.cisa.gov/news-events/ics-medical-advisories/icsma-23-248-01", ()),))

_CVE_2025_0626 = record(
    "CVE-2025-0626", SOURCES["ics"], ("2025-01-30T19:15:14.010", "2025-03-01T18:15:34.140"), "Awaiting Analysis",
    "A backdoor in the Contec CMS8000 patient monitor firmware: triggered from the update menu, it enables the "
    "network interface and mounts a share at a hard-coded, routable IP address, from which files on the device "
    "can be overwritten.",
    scores=(cvss("4.0", SOURCES["ics"], "Secondary", "CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                 7.7),
            cvss("3.1", SOURCES["ics"], "Secondary", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5)),
    cwes=((SOURCES["ics"], "CWE-912"),),
    references=(("https://www.cisa.gov/news-events/ics-medical-advisories/icsma-25-030-01", ()),
                ("https://www.fda.gov/medical-devices/safety-communications/cybersecurity-vulnerabilities-certain-"
                 "patient-monitors-contec-and-epsimed-fda-safety-communication", ())))


def _windows(*products: tuple[str, str]) -> list[Json]:
    return [{"nodes": [node(*(match("o", "microsoft", p, v) for p, v in products))]}]


_SERVERS = (("windows_server_2012", "r2"), ("windows_server_2016", "-"), ("windows_server_2019", "-"))
_CVE_2018_8626 = record(
    "CVE-2018-8626", SOURCES["microsoft"], ("2018-12-12T00:29:00.000", "2020-08-24T17:37:00.000"), "Analyzed",
    "Heap overflow in the Windows DNS Server: a crafted request can run code as Local System on a Windows "
    "server configured as a DNS server, such as an Active Directory domain controller.",
    scores=(cvss("3.0", NVD, "Primary", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            cvss("2.0", NVD, "Primary", "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0)),
    cwes=((NVD, "CWE-787"),),
    configurations=_windows(("windows_10", "1607"), ("windows_10", "1709"), ("windows_10", "1803"),
                            ("windows_10", "1809"), *_SERVERS, ("windows_server_2016", "1709"),
                            ("windows_server_2016", "1803")),
    references=(("https://portal.msrc.microsoft.com/en-US/security-guidance/advisory/CVE-2018-8626",
                 ("Patch", "Vendor Advisory")),))

_CVE_2018_8476 = record(
    "CVE-2018-8476", SOURCES["microsoft"], ("2018-11-14T01:29:00.000", "2020-02-13T19:15:00.000"), "Analyzed",
    "Memory corruption in the TFTP server of Windows Deployment Services: an unauthenticated attacker can run "
    "code on a Windows server that offers PXE boot.",
    scores=(cvss("3.0", NVD, "Primary", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
            cvss("2.0", NVD, "Primary", "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0)),
    cwes=((NVD, "CWE-119"),),
    configurations=[{"nodes": [node(
        by_criteria("cpe:2.3:o:microsoft:windows_server_2008:-:sp2:*:*:*:*:*:*"),
        by_criteria("cpe:2.3:o:microsoft:windows_server_2008:r2:sp1:*:*:*:*:x64:*"),
        *(match("o", "microsoft", p, v) for p, v in (("windows_server_2012", "-"), *_SERVERS,
                                                      ("windows_server_2016", "1803"))))]}],
    references=(("https://portal.msrc.microsoft.com/en-US/security-guidance/advisory/CVE-2018-8476",
                 ("Patch", "Vendor Advisory")),))

NVD_RECORDS: tuple[Json, ...] = (
    _CVE_2018_13379, _CVE_2022_42475, _CVE_2019_19781, _CVE_2019_11510, _CVE_2022_26394, _CVE_2023_43208,
    _CVE_2022_2119, _CVE_2023_30563, _CVE_2020_16212, _CVE_2023_40150, _CVE_2025_0626, _CVE_2018_8626,
    _CVE_2018_8476)
"""Every demo NVD record, KEV cases first."""
