"""The demo feeds: each file parses with the project's own reader, and the demo hospital's devices get the
findings of the real cases (vulnerability-intel.md §4.6), a FortiGate at the top."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mamori.demo.generator import DemoAsset, DemoHospital, generate_hospital
from mamori.demo.vuln_feed_csaf import FORTIOS_AFFECTED
from mamori.demo.vuln_feeds import DEMO_EHR_CPE, EPSS_FILE, JVN_ONLY_CVE, write_demo_feeds
from mamori.engines.vulns import Asset, CpeMatch, CveRecord, Hit, VulnIndex, parse_cpe, read_nvd_file
from mamori.engines.vulns.csaf import CsafAdvisory, read_csaf_file
from mamori.engines.vulns.csaf_match import CsafIndex, Device, NameMatch
from mamori.engines.vulns.cve5 import read_cve5_file
from mamori.engines.vulns.epss import read_epss_file
from mamori.engines.vulns.jvn import read_jvn_file
from mamori.engines.vulns.kev import read_kev_file
from mamori.engines.vulns.priority import CvssInput, Signals, assess
from mamori.engines.vulns.records import ConfigNode, Configuration
from mamori.vulns.inventory import software_vendor

NVD_FILE = "nvdcve-2.0-demo.json.gz"
KEV_FILE = "known_exploited_vulnerabilities.json"
CVE5_FILE = "cve5-cisa-adp-demo.json"
JVN_FILE = "jvndb_demo.rdf"
CSAF_FILES = ("icsma-23-248-01-demo.json", "icsma-25-030-01-demo.json", "icsma-20-254-01-demo.json",
              "fg-ir-22-398-demo.json")


@pytest.fixture(scope="module")
def feeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return {p.name: p for p in write_demo_feeds(tmp_path_factory.mktemp("feeds"))}


@pytest.fixture(scope="module")
def hospital() -> DemoHospital:
    return generate_hospital()


@pytest.fixture(scope="module")
def nvd_hits(feeds: dict[str, Path], hospital: DemoHospital) -> dict[str, list[Hit]]:
    """Per asset key, the NVD hits of its CPEs and its software's CPEs (as the ledger hands them to matching)."""
    index = VulnIndex()
    index.add_all(read_nvd_file(feeds[NVD_FILE]).records)
    return {a.key: index.match(_asset(a)) for a in hospital.assets}


@pytest.fixture(scope="module")
def csaf_index(feeds: dict[str, Path]) -> CsafIndex:
    index = CsafIndex()
    index.add_all(read_csaf_file(feeds[name]) for name in CSAF_FILES)
    return index


def _asset(asset: DemoAsset) -> Asset:
    return Asset(asset.key, tuple(dict.fromkeys([*asset.cpes, *(s.cpe for s in asset.software if s.cpe)])))


def _device(asset: DemoAsset) -> Device:
    """The asset as the ledger describes it to the CSAF matcher (the rule of mamori.vulns.inventory: a software
    entry's vendor is its CPE's, else the asset's manufacturer)."""
    names = tuple(n for n in dict.fromkeys((asset.model, asset.name, asset.os_name)) if n)
    return Device(asset.key, asset.manufacturer, names, asset.os_version,
                  tuple((software_vendor(s.cpe, asset.manufacturer), s.name, s.version) for s in asset.software))


def _by_key(hospital: DemoHospital) -> dict[str, DemoAsset]:
    return {a.key: a for a in hospital.assets}


# --- the files ----------------------------------------------------------------------------------------------


def test_every_file_is_written_into_the_folder(feeds: dict[str, Path], tmp_path: Path) -> None:
    assert set(feeds) == {NVD_FILE, KEV_FILE, EPSS_FILE, CVE5_FILE, JVN_FILE, *CSAF_FILES}
    paths = write_demo_feeds(tmp_path / "new" / "folder")
    assert all(p.parent == tmp_path / "new" / "folder" and p.is_file() for p in paths)


def test_two_calls_write_byte_identical_files(tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in write_demo_feeds(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_demo_feeds(tmp_path / "b")}
    assert first == second


def test_the_nvd_file_has_the_cases_with_their_status_kev_data_and_scores(feeds: dict[str, Path]) -> None:
    feed = read_nvd_file(feeds[NVD_FILE])
    assert feed.shape == "api-2.0" and feed.timestamp is not None
    records = {r.cve_id: r for r in feed.records}
    assert {"CVE-2018-13379", "CVE-2022-42475", "CVE-2019-19781", "CVE-2019-11510", "CVE-2022-26394",
            "CVE-2023-43208", "CVE-2022-2119", "CVE-2023-30563", "CVE-2020-16212", "CVE-2023-40150",
            "CVE-2025-0626"} <= set(records)
    assert records["CVE-2023-40150"].status == "Received" and not records["CVE-2023-40150"].configurations
    assert records["CVE-2025-0626"].status == "Awaiting Analysis" and not records["CVE-2025-0626"].configurations
    assert {c for c, r in records.items() if r.kev} == {"CVE-2018-13379", "CVE-2022-42475", "CVE-2019-19781",
                                                        "CVE-2019-11510", "CVE-2023-43208"}
    kev = records["CVE-2019-11510"].kev
    assert kev is not None and (kev.date_added, kev.action_due) == ("2021-11-03", "2021-04-23")
    fortios = {(s.source, s.base_score) for s in records["CVE-2018-13379"].cvss if s.version == "3.1"}
    assert fortios == {("nvd@nist.gov", 9.8), ("psirt@fortinet.com", 9.1)}
    assert {w.cwe for w in records["CVE-2022-42475"].weaknesses} == {"CWE-787", "CWE-197"}


def test_the_kev_catalogue_has_the_real_dates(feeds: dict[str, Path]) -> None:
    catalog = read_kev_file(feeds[KEV_FILE])
    found = {e.cve_id: (e.date_added.isoformat(), e.due_date.isoformat(), e.ransomware) for e in catalog.entries}
    assert found == {
        "CVE-2018-13379": ("2021-11-03", "2022-05-03", "Known"),
        "CVE-2019-11510": ("2021-11-03", "2021-04-23", "Known"),
        "CVE-2019-19781": ("2021-11-03", "2022-05-03", "Known"),
        "CVE-2022-42475": ("2022-12-13", "2023-01-03", "Known"),
        "CVE-2023-43208": ("2024-05-20", "2024-06-10", "Known"),
    }


def test_epss_scores_every_demo_cve_high_for_the_vpns_low_for_the_medical_devices(feeds: dict[str, Path]) -> None:
    epss = read_epss_file(feeds[EPSS_FILE])
    assert (epss.model_version, epss.score_date) == ("v2025.03.14", dt.date(2026, 11, 16))
    scores = {s.cve_id: s.epss for s in epss.scores}
    assert set(scores) == {r.cve_id for r in read_nvd_file(feeds[NVD_FILE]).records}
    assert min(scores[c] for c in ("CVE-2018-13379", "CVE-2022-42475", "CVE-2019-19781", "CVE-2019-11510")) > 0.9
    assert max(scores[c] for c in ("CVE-2022-26394", "CVE-2020-16212", "CVE-2023-30563", "CVE-2025-0626")) < 0.01


def test_the_cve5_bundle_carries_cisas_ssvc_decisions(feeds: dict[str, Path]) -> None:
    records = {r.cve_id: r for r in read_cve5_file(feeds[CVE5_FILE]).records}
    ssvc = {c: (r.ssvc.exploitation, r.ssvc.automatable, r.ssvc.technical_impact) for c, r in records.items()
            if r.ssvc is not None}
    assert ssvc == {"CVE-2018-13379": ("active", "yes", "partial"), "CVE-2022-42475": ("active", "yes", "total"),
                    "CVE-2023-43208": ("active", "yes", "total"), "CVE-2023-30563": ("none", "no", "partial"),
                    "CVE-2023-40150": ("none", "yes", "total")}
    assert records["CVE-2022-42475"].kev_date_added == dt.date(2022, 12, 13)
    assert records["CVE-2023-40150"].affected[0].versions[0].less_than_or_equal == "v7.2.8.810"


def test_the_jvn_feed_has_the_citrix_entry_and_one_jvn_only_entry(feeds: dict[str, Path]) -> None:
    feed = read_jvn_file(feeds[JVN_FILE])
    entries = {e.jvndb_id: e for e in feed.entries}
    assert set(entries) == {"JVNDB-2019-013490", "JVNDB-2099-000001"} and not feed.dropped
    citrix = entries["JVNDB-2019-013490"]
    assert citrix.cve_ids == ("CVE-2019-19781",) and citrix.jvnvu_ids == ("JVNVU#92281641",)
    assert {c.cpe.product for c in citrix.cpes} == {"gateway_firmware", "netscaler_gateway_firmware",
                                                    "netscaler_application_delivery_controller_firmware"}
    assert "脆弱性" in citrix.title and citrix.cwes == ("CWE-22",)
    only = entries["JVNDB-2099-000001"]
    assert only.cve_ids == (JVN_ONLY_CVE,) and "架空" in only.title
    assert JVN_ONLY_CVE not in {r.cve_id for r in read_nvd_file(feeds[NVD_FILE]).records}
    assert [c.cpe for c in only.cpes] == [parse_cpe(DEMO_EHR_CPE)]


def test_the_jvn_only_entry_matches_an_asset_that_records_the_product(feeds: dict[str, Path]) -> None:
    (entry,) = [e for e in read_jvn_file(feeds[JVN_FILE]).entries if e.cve_ids == (JVN_ONLY_CVE,)]
    matches = tuple(CpeMatch(c.cpe, True, None, entry.jvndb_id) for c in entry.cpes)
    index = VulnIndex()  # as mamori.vulns.indexes files a CVE that only JVN knows
    index.add(CveRecord(JVN_ONLY_CVE, entry.last_modified, entry.last_modified, "", "", (), (), (),
                        (Configuration("OR", False, (ConfigNode("OR", False, matches),)),), source="JVN"))
    ehr = "cpe:2.3:a:mamori_medical_systems:ehr_system:5.2:*:*:*:*:*:*:*"
    assert [h.cve_id for h in index.match(Asset("SV-EHR", (ehr,)))] == [JVN_ONLY_CVE]


def test_every_csaf_advisory_parses_with_its_products_and_remediations(feeds: dict[str, Path]) -> None:
    advisories: dict[str, CsafAdvisory] = {}
    for name in CSAF_FILES:
        advisory = read_csaf_file(feeds[name])
        advisories[advisory.tracking_id] = advisory
    meddream = advisories["ICSMA-23-248-01"]
    assert [(p.product, p.version_text) for p in meddream.products] == [("MedDream PACS", "<= 7.2.8.810")]
    fix = meddream.vulnerabilities[0]
    assert fix.cve_id == "CVE-2023-40150" and "7.2.9.820" in fix.remediations[0].details
    assert fix.scores[0].base_score == 9.8
    assert [p.version_text for p in advisories["ICSMA-25-030-01"].products] == ["vers:all/*"]
    philips = {p.product: p.version_text for p in advisories["ICSMA-20-254-01"].products}
    assert philips["IntelliVue patient monitor MX400-MX850"] == "<=N"
    fortinet = advisories["FG-IR-22-398"]
    affected = set(fortinet.vulnerabilities[0].known_affected)
    assert {"FortiOS-6.0.4", "FortiOS-6.0.11", "FortiOS-7.2.2"} <= affected and "FortiOS-6.0.16" not in affected
    assert len(affected) == len(FORTIOS_AFFECTED)


# --- what the demo hospital gets ----------------------------------------------------------------------------

EXPECTED_NVD = {
    "VPN-00001": {"CVE-2018-13379", "CVE-2022-42475"},  # FortiOS 6.0.4
    "VPN-00002": set(),  # FortiOS 7.4.4
    "VPN-00003": {"CVE-2022-42475"},  # FortiOS 6.0.11
    "VPN-00004": {"CVE-2019-11510"},  # Pulse Connect Secure 9.0R3.3
    "VPN-00005": {"CVE-2019-19781"},  # Citrix ADC 13.0
    "VPN-00006": set(),  # FortiOS 7.2.10
    "ME-90001": {"CVE-2022-26394"},  # Baxter WBM 20D30
}
EXPECTED_SOFTWARE = {"SV-90002": "CVE-2023-43208", "SV-90003": "CVE-2022-2119", "SV-90004": "CVE-2023-30563",
                     "SV-90005": "CVE-2020-16212"}


def test_the_case_devices_get_exactly_their_cves(nvd_hits: dict[str, list[Hit]]) -> None:
    for key, expected in EXPECTED_NVD.items():
        assert {h.cve_id for h in nvd_hits[key]} == expected, key
    for key, cve_id in EXPECTED_SOFTWARE.items():
        assert cve_id in {h.cve_id for h in nvd_hits[key]}, key
    exact = {(key, h.cve_id) for key in ("VPN-00001", "VPN-00004") for h in nvd_hits[key] if h.tier == "exact"}
    assert exact == {("VPN-00001", "CVE-2018-13379"), ("VPN-00001", "CVE-2022-42475"),
                     ("VPN-00004", "CVE-2019-11510")}
    # Citrix ADC and Baxter firmware run "on" hardware the ledger records no CPE for: 要確認.
    assert [h.tier for h in nvd_hits["VPN-00005"] + nvd_hits["ME-90001"]] == ["possible", "possible"]


def test_ordinary_windows_servers_get_the_windows_records(hospital: DemoHospital,
                                                          nvd_hits: dict[str, list[Hit]]) -> None:
    servers = [a.key for a in hospital.assets if a.os_name == "Windows Server" and a.os_version != "2022"]
    assert len(servers) > 20
    assert all({"CVE-2018-8626", "CVE-2018-8476"} <= {h.cve_id for h in nvd_hits[k]} for k in servers)
    assert not nvd_hits["SV-90019"]  # Windows Server 2022 came after these records
    assert not any(h.cve_id.startswith("CVE-2018-84") for a in hospital.assets if a.category == "terminal"
                   for h in nvd_hits[a.key])


def _names(index: CsafIndex, asset: DemoAsset) -> set[tuple[str, str]]:
    found: list[NameMatch] = index.match(_device(asset))
    return {(m.cve_id, m.version_verdict) for m in found}


def test_the_csaf_name_matcher_finds_the_devices_nvd_cannot(hospital: DemoHospital, csaf_index: CsafIndex) -> None:
    assets = _by_key(hospital)
    assert _names(csaf_index, assets["ME-90002"]) == {("CVE-2025-0626", "all_versions")}  # Contec CMS8000
    assert ("CVE-2020-16212", "equal") in _names(csaf_index, assets["SV-90005"])  # PIC iX C.02
    assert _names(csaf_index, assets["VPN-00001"]) == {("CVE-2022-42475", "equal")}  # FortiOS 6.0.4
    assert _names(csaf_index, assets["VPN-00002"]) == set()  # FortiOS 7.4.4
    monitors = [a for a in hospital.assets if a.model == "IntelliVue MX450"]
    assert monitors and all(_names(csaf_index, a) == {("CVE-2020-16212", "incomparable")} for a in monitors)


def test_meddream_matches_as_the_ledger_describes_the_pacs_server(hospital: DemoHospital,
                                                                  csaf_index: CsafIndex) -> None:
    found = _names(csaf_index, _by_key(hospital)["SV-90003"])  # MedDream's CPE names Softneta, not HPE
    assert {("CVE-2023-40150", "in_range"), ("CVE-2023-39227", "in_range")} <= found


def test_a_fortigate_is_at_the_top(feeds: dict[str, Path], hospital: DemoHospital,
                                   nvd_hits: dict[str, list[Hit]]) -> None:
    records = {r.cve_id: r for r in read_nvd_file(feeds[NVD_FILE]).records}
    kev = {e.cve_id: e for e in read_kev_file(feeds[KEV_FILE]).entries}
    epss = {s.cve_id: s for s in read_epss_file(feeds[EPSS_FILE]).scores}
    ranked = []
    for asset in hospital.assets:
        for hit in nvd_hits[asset.key]:
            entry, score = kev.get(hit.cve_id), epss[hit.cve_id]
            signals = Signals(
                kev=entry is not None, kev_ransomware=entry is not None and entry.ransomware == "Known",
                epss=score.epss, epss_percentile=score.percentile,
                cvss=tuple(CvssInput(s.source, s.version, s.base_score) for s in records[hit.cve_id].cvss),
                internet_exposed=asset.internet_exposed, remote_access=asset.category == "vpn",
                patient_safety=asset.patient_safety_impact, confirmed=hit.tier == "exact")
            ranked.append((assess(signals).score, asset.key, hit.cve_id))
    ranked.sort(reverse=True)
    assert ranked[0][1:] == ("VPN-00001", "CVE-2018-13379")
    vpns = {a.key for a in hospital.assets if a.category == "vpn" and a.internet_exposed}
    assert {key for _, key, _ in ranked[:5]} <= vpns
