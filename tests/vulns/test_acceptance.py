"""vulnerability-intel.md §4.6 through the whole application: real feed files imported by the service, assets in
the ledger, a match run, and the findings with their tier and evidence.

Real files come from ../shared/data/vulns (the NVD 2.0 records of the cases, the KEV catalogue, the 144
CISA ICSMA advisories, CVE JSON 5 with SSVC); the tests skip with the reason when it is absent. The
CVE-2022-42475 and medical-device NVD rows and the CMS8000 advisory of 2025 are the engine's hand-written
files (NVD's ranges and CISA's facts, written in the real formats).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.ledger.models import Asset
from mamori.tenancy.models import Facility
from mamori.vulns.choices import FindingOrigin, MatchTier
from mamori.vulns.matching import run_match
from mamori.vulns.models import Finding
from tests import factories
from tests.vulns.conftest import case_asset, feed, imported

pytestmark = pytest.mark.django_db

WBM = "o:baxter:spectrum_wireless_battery_module_firmware"
BAXTER_WBM = "h:baxter:spectrum_wireless_battery_module:-"
CITRIX_ADC = "h:citrix:application_delivery_controller:-"
ROWS = [  # (asset CPEs, CVE, expected tier or None)
    (("o:fortinet:fortios:6.0.4",), "CVE-2018-13379", MatchTier.EXACT),
    (("o:fortinet:fortios:6.0.4",), "CVE-2022-42475", MatchTier.EXACT),
    (("o:fortinet:fortios:6.0.5",), "CVE-2018-13379", None),
    (("o:fortinet:fortios:5.4.12",), "CVE-2018-13379", MatchTier.EXACT),
    (("o:fortinet:fortios:5.4.13",), "CVE-2018-13379", None),
    (("o:fortinet:fortios:5.6.2",), "CVE-2018-13379", None),
    (("o:fortinet:fortios:6.0.15",), "CVE-2022-42475", MatchTier.EXACT),
    (("o:fortinet:fortios:6.0.16",), "CVE-2022-42475", None),
    (("o:fortinet:fortios:5.4.13",), "CVE-2022-42475", MatchTier.EXACT),
    (("o:fortinet:fortios:6.4.10",), "CVE-2022-42475", MatchTier.EXACT),
    (("o:fortinet:fortios:7.2.2",), "CVE-2022-42475", MatchTier.EXACT),
    (("o:fortinet:fortios:6.2.12",), "CVE-2022-42475", None),
    (("o:fortinet:fortios:7.2.3",), "CVE-2022-42475", None),
    (("o:citrix:application_delivery_controller_firmware:13.0", CITRIX_ADC), "CVE-2019-19781", MatchTier.EXACT),
    (("o:citrix:application_delivery_controller_firmware:13.1", CITRIX_ADC), "CVE-2019-19781", None),
    (("a:ivanti:connect_secure:9.0:r3.3",), "CVE-2019-11510", MatchTier.EXACT),
    (("a:ivanti:connect_secure:9.0:r3.4",), "CVE-2019-11510", None),
    (("a:ivanti:connect_secure:9.0",), "CVE-2019-11510", MatchTier.POSSIBLE),
    ((f"{WBM}:20d30", BAXTER_WBM), "CVE-2022-26394", MatchTier.EXACT),
    ((f"{WBM}:20D32", BAXTER_WBM), "CVE-2022-26394", MatchTier.EXACT),
    ((f"{WBM}:17d19", BAXTER_WBM), "CVE-2022-26394", MatchTier.EXACT),
    ((f"{WBM}:20d33", BAXTER_WBM), "CVE-2022-26394", None),
    (("a:nextgen:mirth_connect:4.4.0",), "CVE-2023-43208", MatchTier.EXACT),
    (("a:nextgen:mirth_connect:4.4.1",), "CVE-2023-43208", None),
    (("a:offis:dcmtk:3.6.6",), "CVE-2022-2119", MatchTier.EXACT),
    (("a:offis:dcmtk:3.6.7",), "CVE-2022-2119", None),
    (("a:bd:alaris_systems_manager:12.3",), "CVE-2023-30563", MatchTier.EXACT),
    (("a:bd:alaris_systems_manager:12.3.1",), "CVE-2023-30563", None),
    (("a:philips:patient_information_center_ix:c.02",), "CVE-2020-16212", MatchTier.EXACT),
    (("a:philips:patient_information_center_ix:c.04",), "CVE-2020-16212", None),
]


@pytest.fixture
def real_feeds(shared_data: Path) -> Path:
    vulns = shared_data / "vulns"
    samples = vulns / "samples"
    if not samples.is_dir() or not (vulns / "csaf-icsma").is_dir():
        pytest.skip(f"real vulnerability data not present at {vulns}")
    imported(*(samples / f"nvd20_{name}.json" for name in (
        "CVE-2018-13379", "CVE-2019-11510_excerpt", "CVE-2019-19781_excerpt", "CVE-2022-26394", "CVE-2023-43208")),
        feed("api20_fortios_cve-2022-42475.json"), feed("api20_medical_devices.json"),
        vulns / "kev" / "known_exploited_vulnerabilities.json", vulns / "csaf-icsma",
        feed("csaf/icsma-25-030-01_contec_cms8000_all_versions.json"),
        *sorted(samples.glob("cve5_vulnrichment_CVE-*.json")))
    return vulns


def _findings(asset: Asset) -> dict[str, Finding]:
    return {f.vulnerability.cve_id: f for f in Finding.objects.filter(asset=asset).select_related("vulnerability")}


def test_every_expected_row_through_import_and_match(real_feeds: Path, fac: Facility) -> None:
    assets = [case_asset(fac, f"CASE-{n:02d}", *cpes) for n, (cpes, _cve, _tier) in enumerate(ROWS)]
    run = run_match()
    assert run.assets == len(ROWS) and not run.skipped
    wrong = []
    for asset, (cpes, cve, expected) in zip(assets, ROWS, strict=True):
        found = _findings(asset).get(cve)
        tier = found.tier if found else None
        if tier != expected:
            wrong.append(f"{cpes} {cve}: expected {expected}, got {tier}")
    assert wrong == []


def test_meddream_is_found_by_the_csaf_name_match_and_contec_is_to_be_confirmed(real_feeds: Path,
                                                                               fac: Facility) -> None:
    meddream = factories.asset(fac, key="PACS-1", category="medical", name="PACSサーバ", manufacturer="Softneta",
                               model_name="MedDream PACS Premium", os_name="MedDream PACS", os_version="7.2.8.810")
    fixed = factories.asset(fac, key="PACS-2", category="medical", name="PACSサーバ2", manufacturer="Softneta",
                            model_name="MedDream PACS Premium", os_name="MedDream PACS", os_version="7.2.9.820")
    monitor = factories.asset(fac, key="MON-1", category="medical", name="患者モニタ", manufacturer="Contec",
                              model_name="CMS8000", os_name="", os_version="")
    run_match()
    pacs = _findings(meddream)["CVE-2023-40150"]  # NVD has no configurations for it
    assert pacs.tier == MatchTier.NAME and pacs.source == "CSAF"
    evidence = pacs.evidence[0]
    assert (evidence["advisory"], evidence["reason_code"]) == ("ICSMA-23-248-01", "in_range")
    assert "CVE-2023-40150" not in _findings(fixed)
    backdoor = _findings(monitor)["CVE-2025-0626"]
    assert backdoor.tier == MatchTier.NAME and backdoor.evidence[0]["reason_code"] == "all_versions"


def test_priority_puts_the_ransomware_kev_on_the_internet_facing_fortigate_first(real_feeds: Path,
                                                                                fac: Facility) -> None:
    vpn = case_asset(fac, "VPN-1", "o:fortinet:fortios:6.0.4", category="vpn", internet_exposed=True)
    inside = case_asset(fac, "SV-1", "a:nextgen:mirth_connect:4.4.0", category="server")
    pump = case_asset(fac, "ME-1", f"{WBM}:20d30", BAXTER_WBM, category="medical",
                      patient_safety_impact="life_sustaining")
    run_match()
    ordered = list(Finding.objects.order_by("-priority_score").select_related("asset", "vulnerability"))
    assert (ordered[0].asset, ordered[0].priority) == (vpn, "critical")
    assert ordered[0].vulnerability.cve_id in ("CVE-2018-13379", "CVE-2022-42475")
    codes = [r["code"] for r in ordered[0].priority_reasons]
    assert codes[:2] == ["kev_ransomware", "ssvc_active_automatable"] and "exposed_vpn" in codes
    mirth = _findings(inside)["CVE-2023-43208"]
    assert mirth.priority == "high" and mirth.priority_reasons[0]["code"].startswith("kev")
    assert _findings(pump)["CVE-2022-26394"].priority_score < mirth.priority_score


def test_a_changed_record_brings_a_finding_that_says_so(real_feeds: Path, fac: Facility, shared_data: Path) -> None:
    """§4.1: in 2020 NVD's CVE-2018-13379 did not cover FortiOS 5.4.12; the later record does."""
    Finding.objects.all().delete()
    from mamori.vulns.models import Vulnerability

    Vulnerability.objects.filter(cve_id="CVE-2018-13379").delete()
    imported(feed("nvd11_two_records.json"))  # the record as the 2020 feed had it
    old_fortigate = case_asset(fac, "VPN-54", "o:fortinet:fortios:5.4.12", category="vpn")
    run_match()
    assert "CVE-2018-13379" not in _findings(old_fortigate)
    change = imported(shared_data / "vulns" / "samples" / "nvd20_CVE-2018-13379.json").imports[0]
    assert change.changed == 1
    run_match()
    finding = _findings(old_fortigate)["CVE-2018-13379"]
    assert finding.origin == FindingOrigin.RECORD_CHANGED and finding.tier == MatchTier.EXACT


def test_software_entries_and_sbom_components_are_matched_too(real_feeds: Path, fac: Facility) -> None:
    server = factories.asset(fac, key="SV-9", software=[
        {"name": "Mirth Connect", "version": "4.4.0", "cpe": "cpe:2.3:a:nextgen:mirth_connect:4.4.0:*:*:*:*:*:*:*"}])
    run_match()
    finding = _findings(server)["CVE-2023-43208"]
    assert finding.tier == MatchTier.EXACT
    assert finding.evidence[0]["asset_cpe"].startswith("cpe:2.3:a:nextgen:mirth_connect:4.4.0")
