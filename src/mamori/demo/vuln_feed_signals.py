"""The demo's exploitation signals: CISA KEV entries, EPSS scores and CVE JSON 5 records with CISA's SSVC.

KEV dates, names, required actions, ransomware use and CWEs are CISA's (kev-data, 2025-08-25); the SSVC
decisions, KEV dates and CNA version data of the CVE JSON 5 records are those of cisagov/vulnrichment
(vulnerability-intel.md §2.7, §4). Short descriptions are Mamori's own. The EPSS scores are made up for the
demo (high for the exploited VPN appliances, low for the medical devices): FIRST's real scores change daily.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CVE5_RECORDS", "EPSS_SCORES", "KEV_ENTRIES"]

Json = dict[str, Any]

_UPDATE = "Apply updates per vendor instructions."
_NVD = "https://nvd.nist.gov/vuln/detail/{cve}"


def _kev(cve_id: str, vendor: str, product: str, name: str, dates: tuple[str, str], description: str, *,
         action: str = _UPDATE, ransomware: str = "Known", notes: str = "", cwes: tuple[str, ...] = ()) -> Json:
    return {"cveID": cve_id, "vendorProject": vendor, "product": product, "vulnerabilityName": name,
            "dateAdded": dates[0], "shortDescription": description, "requiredAction": action, "dueDate": dates[1],
            "knownRansomwareCampaignUse": ransomware, "notes": notes or _NVD.format(cve=cve_id), "cwes": list(cwes)}


KEV_ENTRIES: tuple[Json, ...] = (
    _kev("CVE-2018-13379", "Fortinet", "FortiOS", "Fortinet FortiOS SSL VPN Path Traversal Vulnerability",
         ("2021-11-03", "2022-05-03"),
         "The FortiOS SSL VPN web portal lets an unauthenticated attacker download system files, among them the "
         "file with VPN users' credentials in clear text.", cwes=("CWE-22",)),
    _kev("CVE-2019-11510", "Ivanti", "Pulse Connect Secure",
         "Ivanti Pulse Connect Secure Arbitrary File Read Vulnerability", ("2021-11-03", "2021-04-23"),
         "Pulse Connect Secure lets an unauthenticated attacker read arbitrary files, such as cached credentials.",
         notes="CISA Emergency Directive 21-03 set the due date before the date added: "
               "https://www.cisa.gov/news-events/directives/ed-21-03-mitigate-pulse-connect-secure-product-"
               "vulnerabilities", cwes=("CWE-22",)),
    _kev("CVE-2019-19781", "Citrix", "Application Delivery Controller (ADC), Gateway, and SD-WAN WANOP Appliance",
         "Citrix ADC, Gateway, and SD-WAN WANOP Appliance Code Execution Vulnerability", ("2021-11-03", "2022-05-03"),
         "A directory traversal in Citrix ADC, Gateway and SD-WAN WANOP lets an unauthenticated attacker run code.",
         cwes=("CWE-22",)),
    _kev("CVE-2022-42475", "Fortinet", "FortiOS", "Fortinet FortiOS Heap-Based Buffer Overflow Vulnerability",
         ("2022-12-13", "2023-01-03"),
         "A heap-based buffer overflow in the FortiOS SSL-VPN lets an unauthenticated attacker run code or commands.",
         notes="https://www.fortiguard.com/psirt/FG-IR-22-398; https://nvd.nist.gov/vuln/detail/CVE-2022-42475",
         cwes=("CWE-197",)),
    _kev("CVE-2023-43208", "NextGen Healthcare", "Mirth Connect",
         "NextGen Healthcare Mirth Connect Deserialization of Untrusted Data Vulnerability",
         ("2024-05-20", "2024-06-10"),
         "The Mirth Connect HL7 integration engine deserializes untrusted data, so an unauthenticated attacker can "
         "run code on the server.",
         action="Apply mitigations per vendor instructions or discontinue use of the product if mitigations are "
                "unavailable.", cwes=("CWE-502",)),
)
"""The KEV catalogue's entries for the demo cases."""

EPSS_SCORES: tuple[tuple[str, float, float], ...] = (
    ("CVE-2018-8476", 0.71203, 0.98652),
    ("CVE-2018-8626", 0.38511, 0.97134),
    ("CVE-2018-13379", 0.94452, 0.99978),
    ("CVE-2019-11510", 0.93718, 0.99858),
    ("CVE-2019-19781", 0.94312, 0.99950),
    ("CVE-2020-16212", 0.00041, 0.10873),
    ("CVE-2022-2119", 0.01207, 0.78416),
    ("CVE-2022-26394", 0.00052, 0.16295),
    ("CVE-2022-42475", 0.93402, 0.99831),
    ("CVE-2023-30563", 0.00213, 0.44190),
    ("CVE-2023-40150", 0.02941, 0.85627),
    ("CVE-2023-43208", 0.93155, 0.99805),
    ("CVE-2025-0626", 0.00187, 0.40512),
)
"""(CVE, EPSS, percentile) for every demo CVE, by year and number."""

_CISA_ADP = {"orgId": "134c704f-9b21-4f2e-91b3-4a467353bcc0", "shortName": "CISA-ADP"}
_KEV_LINK = "https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search_api_fulltext={cve}"


def _cwe(cwe: str, name: str) -> list[Json]:
    return [{"descriptions": [{"lang": "en", "type": "CWE", "cweId": cwe, "description": f"{cwe} {name}"}]}]


def _cve5(cve_id: str, dates: tuple[str, str], cna: Json, ssvc: tuple[str, str, str], ssvc_time: str, *,
          kev_added: str = "", adp_extra: tuple[Json, ...] = (), adp_cwe: tuple[str, str] | None = None) -> Json:
    """A CVE JSON 5 record: the CNA container given, and the CISA-ADP container with SSVC (and KEV)."""
    metrics: list[Json] = [*adp_extra, {"other": {"type": "ssvc", "content": {
        "id": cve_id, "role": "CISA Coordinator", "version": "2.0.3", "timestamp": ssvc_time,
        "options": [{"Exploitation": ssvc[0]}, {"Automatable": ssvc[1]}, {"Technical Impact": ssvc[2]}]}}}]
    if kev_added:
        metrics.append({"other": {"type": "kev", "content": {"dateAdded": kev_added,
                                                             "reference": _KEV_LINK.format(cve=cve_id)}}})
    adp: Json = {"title": "CISA ADP Vulnrichment", "providerMetadata": _CISA_ADP, "metrics": metrics}
    if adp_cwe is not None:
        adp["problemTypes"] = _cwe(*adp_cwe)
    return {"dataType": "CVE_RECORD", "dataVersion": "5.1",
            "cveMetadata": {"cveId": cve_id, "assignerShortName": cna["providerMetadata"]["shortName"],
                            "state": "PUBLISHED", "datePublished": dates[0], "dateUpdated": dates[1]},
            "containers": {"cna": cna, "adp": [adp]}}


def _cna(short_name: str, description: str, affected: list[Json], *, title: str = "",
         cvss31: tuple[str, float, str] | None = None, cwe: tuple[str, str] | None = None) -> Json:
    container: Json = {"providerMetadata": {"shortName": short_name}}
    if title:
        container["title"] = title
    container["descriptions"] = [{"lang": "en", "value": description}]
    container["affected"] = affected
    if cvss31 is not None:
        vector, score, severity = cvss31
        container["metrics"] = [{"format": "CVSS", "cvssV3_1": {"version": "3.1", "baseScore": score,
                                                                "baseSeverity": severity, "vectorString": vector}}]
    if cwe is not None:
        container["problemTypes"] = _cwe(*cwe)
    return container


def _versions(*spans: tuple[str, str]) -> list[Json]:
    return [{"status": "affected", "version": start, "versionType": "semver", "lessThanOrEqual": end}
            for start, end in spans]


_TRAVERSAL = ("CWE-22", "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')")
CVE5_RECORDS: tuple[Json, ...] = (
    _cve5("CVE-2018-13379", ("2019-06-04T20:18:08", "2024-10-23T13:32:35.204Z"), _cna(
        "fortinet", "Path traversal in the FortiOS and FortiProxy SSL-VPN web portal exposes system files to "
                    "unauthenticated attackers.",
        [{"vendor": "Fortinet", "product": "Fortinet FortiOS, FortiProxy", "versions": [{
            "status": "affected", "version": "FortiOS 6.0.0 to 6.0.4, 5.6.3 to 5.6.7 and 5.4.6 to 5.4.12, "
                                             "FortiProxy 2.0.0, 1.2.0 to 1.2.8, 1.1.0 to 1.1.6, 1.0.0 to 1.0.7"}]}],
        cvss31=("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:H", 9.1, "CRITICAL")),
        ("active", "yes", "partial"), "2024-10-23T13:32:05.098252Z", kev_added="2021-11-03", adp_cwe=_TRAVERSAL),
    _cve5("CVE-2022-42475", ("2023-01-02T08:18:49.444Z", "2024-10-23T13:27:24.950Z"), _cna(
        "fortinet", "A heap-based buffer overflow in the FortiOS and FortiProxy SSL-VPN lets an unauthenticated "
                    "attacker run code or commands.",
        [{"vendor": "Fortinet", "product": "FortiOS",
          "versions": _versions(("7.2.0", "7.2.2"), ("7.0.0", "7.0.8"), ("6.4.0", "6.4.10"), ("6.2.0", "6.2.11"),
                                ("6.0.0", "6.0.15"), ("5.6.0", "5.6.14"), ("5.4.0", "5.4.13"), ("5.2.0", "5.2.15"),
                                ("5.0.0", "5.0.14"))},
         {"vendor": "Fortinet", "product": "FortiProxy",
          "versions": _versions(("7.2.0", "7.2.1"), ("7.0.0", "7.0.7"), ("2.0.0", "2.0.11"), ("1.2.0", "1.2.13"),
                                ("1.1.0", "1.1.6"), ("1.0.0", "1.0.7"))}],
        cvss31=("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:U/RC:C", 9.3, "CRITICAL"),
        cwe=("CWE-197", "Numeric Truncation Error")),
        ("active", "yes", "total"), "2024-10-23T13:26:56.926267Z", kev_added="2022-12-13"),
    _cve5("CVE-2023-43208", ("2023-10-26T00:00:00", "2024-08-02T19:37:23.378Z"), _cna(
        "mitre", "NextGen Healthcare Mirth Connect before 4.4.1 allows unauthenticated remote code execution.",
        [{"vendor": "n/a", "product": "n/a", "versions": [{"status": "affected", "version": "n/a"}]}]),
        ("active", "yes", "total"), "2024-05-21T13:34:10.874721Z", kev_added="2024-05-20",
        adp_extra=({"cvssV3_1": {"version": "3.1", "baseScore": 9.8, "baseSeverity": "CRITICAL",
                                 "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}},),
        adp_cwe=("CWE-502", "Deserialization of Untrusted Data")),
    _cve5("CVE-2023-30563", ("2023-07-13T19:04:43.518Z", "2024-10-22T15:48:57.063Z"), _cna(
        "BD", "A crafted file uploaded through the user import function of BD Alaris Systems Manager can hijack "
              "a session (stored cross-site scripting).",
        [{"vendor": "Becton Dickinson & Co", "product": "BD Alaris Systems Manager", "defaultStatus": "unaffected",
          "versions": [{"status": "affected", "version": "0", "versionType": "custom", "lessThanOrEqual": "12.3"}]}],
        title="Stored Cross-Site Scripting on User Import Functionality",
        cvss31=("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N", 8.2, "HIGH"),
        cwe=("CWE-79", "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')")),
        ("none", "no", "partial"), "2024-10-22T15:29:53.107117Z"),
    _cve5("CVE-2023-40150", ("2023-09-11T19:05:00.754Z", "2024-09-26T14:31:10.863Z"), _cna(
        "icscert", "Softneta MedDream PACS performs a dangerous function without checking authentication, "
                   "allowing unauthenticated remote code execution.",
        # " v7.2.8.810" with its leading space and "v" is what the CNA wrote.
        [{"vendor": "Softneta", "product": "MedDream PACS", "defaultStatus": "unaffected",
          "versions": [{"status": "affected", "version": "0", "versionType": "custom",
                        "lessThanOrEqual": " v7.2.8.810"}]}],
        title="Softneta MedDream PACS Exposed Dangerous Method or Function",
        cvss31=("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "CRITICAL"),
        cwe=("CWE-749", "Exposed Dangerous Method or Function")),
        ("none", "yes", "total"), "2024-09-26T14:31:00.611227Z"),
)
"""CVE JSON 5 records (a bundle) with the CISA-ADP container's SSVC decision and, for KEV ones, its KEV date."""
