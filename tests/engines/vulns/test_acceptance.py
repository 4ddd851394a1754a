"""vulnerability-intel.md §4.6: the expected match results, on real NVD records where they exist.

Real records: ../shared/data/vulns/samples (NVD 2.0, as fkie-cad stores them) and the real NVD 1.1 feed
of 2018; these tests skip with the reason when that data is absent. The rows for CVE-2022-42475, DCMTK,
BD Alaris and Philips PIC iX have no stored NVD record in shared/data; they run on the hand-written files
in data/ (NVD's ranges, written by hand in the 2.0 format).

"match" in the table is read as: a hit when the asset records its firmware and the hardware it runs
on. The same firmware with no hardware recorded is a `possible` hit (要確認) that says to record the
hardware; other hardware is no hit.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mamori.engines.vulns import Asset, CveRecord, IndexChange, MatchTier, NvdFeed, SoftwareEntry, VulnIndex

EXACT, POSSIBLE = MatchTier.EXACT, MatchTier.POSSIBLE
CITRIX_ADC = "h:citrix:application_delivery_controller:-"
BAXTER_WBM = "h:baxter:spectrum_wireless_battery_module:-"
WBM = "o:baxter:spectrum_wireless_battery_module_firmware"


def _tier(index: VulnIndex, cve_id: str, *cpes: str) -> MatchTier | None:
    hits = index.match(Asset("asset", tuple("cpe:2.3:" + c for c in cpes)))
    return next((h.tier for h in hits if h.cve_id == cve_id), None)


@pytest.mark.parametrize(("cpes", "cve_id", "expected"), [
    # §4.6 rows on real NVD records
    (("o:fortinet:fortios:6.0.4",), "CVE-2018-13379", EXACT),
    (("o:fortinet:fortios:6.0.5",), "CVE-2018-13379", None),
    (("o:fortinet:fortios:5.4.12",), "CVE-2018-13379", EXACT),
    (("o:fortinet:fortios:5.4.13",), "CVE-2018-13379", None),
    (("o:fortinet:fortios:5.6.2",), "CVE-2018-13379", None),
    (("o:citrix:application_delivery_controller_firmware:13.0", CITRIX_ADC), "CVE-2019-19781", EXACT),
    (("o:citrix:application_delivery_controller_firmware:13.1", CITRIX_ADC), "CVE-2019-19781", None),
    (("a:ivanti:connect_secure:9.0:r3.3",), "CVE-2019-11510", EXACT),
    (("a:ivanti:connect_secure:9.0:r3.4",), "CVE-2019-11510", None),
    (("a:ivanti:connect_secure:9.0",), "CVE-2019-11510", POSSIBLE),  # update `*`: SUBSET, 要確認
    ((f"{WBM}:20d30", BAXTER_WBM), "CVE-2022-26394", EXACT),
    ((f"{WBM}:20D32", BAXTER_WBM), "CVE-2022-26394", EXACT),  # case-insensitive, inclusive end
    ((f"{WBM}:17d19", BAXTER_WBM), "CVE-2022-26394", EXACT),
    ((f"{WBM}:20d33", BAXTER_WBM), "CVE-2022-26394", None),
    (("a:nextgen:mirth_connect:4.4.0",), "CVE-2023-43208", EXACT),
    (("a:nextgen:mirth_connect:4.4.1",), "CVE-2023-43208", None),
    # the further §4.6 assertions on the saved records
    (("a:fortinet:fortiproxy:1.2.8",), "CVE-2018-13379", EXACT),
    (("a:fortinet:fortiproxy:1.2.9",), "CVE-2018-13379", None),
    (("a:fortinet:fortiproxy:2.0.0",), "CVE-2018-13379", EXACT),
    (("o:citrix:netscaler_gateway_firmware:12.1", "h:citrix:netscaler_gateway:-"), "CVE-2019-19781", EXACT),
    (("o:citrix:gateway_firmware:12.1", "h:citrix:gateway:-"), "CVE-2019-19781", None),  # only 13.0 listed
    (("o:citrix:gateway_firmware:13.0", "h:citrix:gateway:-"), "CVE-2019-19781", EXACT),
    ((f"{WBM}:20D31", BAXTER_WBM), "CVE-2022-26394", EXACT),
    ((f"{WBM}:16d38", BAXTER_WBM), "CVE-2022-26394", EXACT),
    ((f"{WBM}:18", BAXTER_WBM), "CVE-2022-26394", None),
    (("a:ivanti:connect_secure:8.3:r1.0",), "CVE-2019-11510", EXACT),  # NVD writes 8.3 as r1
    (("a:ivanti:connect_secure:8.2:r1",), "CVE-2019-11510", EXACT),  # ... and 8.2 as r1.0
    (("a:ivanti:connect_secure:8.2:r12.1",), "CVE-2019-11510", None),  # the fix
    (("a:ivanti:connect_secure:9.0r3.3",), "CVE-2019-11510", EXACT),  # one-string release
    (("a:pulsesecure:pulse_connect_secure:9.0:r3.3",), "CVE-2019-11510", EXACT),  # the old vendor name
])
def test_expected_results_on_real_nvd_records(sample_index: VulnIndex, cpes: tuple[str, ...], cve_id: str,
                                              expected: MatchTier | None) -> None:
    assert _tier(sample_index, cve_id, *cpes) == expected


@pytest.mark.parametrize(("cpes", "cve_id"), [
    (("o:citrix:application_delivery_controller_firmware:13.0",), "CVE-2019-19781"),
    ((f"{WBM}:20d30",), "CVE-2022-26394"),
])
def test_firmware_without_its_hardware_is_to_be_confirmed(sample_index: VulnIndex, cpes: tuple[str, ...],
                                                          cve_id: str) -> None:
    (hit,) = [h for h in sample_index.match(Asset("asset", tuple("cpe:2.3:" + c for c in cpes))) if h.cve_id == cve_id]
    assert hit.tier is POSSIBLE and hit.evidence[0].reason_code == "platform_unknown"
    assert "the asset has no hardware CPE recorded, so record it to confirm" in hit.evidence[0].reason


def test_firmware_on_other_hardware_is_no_hit(sample_index: VulnIndex) -> None:
    assert _tier(sample_index, "CVE-2019-19781", "o:citrix:application_delivery_controller_firmware:13.0",
                 "h:citrix:gateway:-") is None


def test_a_patched_citrix_build_still_matches_the_release_and_is_to_be_confirmed(sample_index: VulnIndex) -> None:
    hits = sample_index.match(Asset("adc", ("cpe:2.3:o:citrix:application_delivery_controller_firmware:13.0-47.24",
                                            f"cpe:2.3:{CITRIX_ADC}")))
    (evidence,) = hits[0].evidence
    assert (hits[0].cve_id, hits[0].tier, evidence.reason_code) == ("CVE-2019-19781", POSSIBLE, "record_less_specific")
    assert evidence.reason.startswith("the record names 13.0 only; the asset's 13.0-47.24 is a build")


def test_an_ivanti_release_unknown_update_lists_each_candidate(sample_index: VulnIndex) -> None:
    (hit,) = sample_index.match(Asset("vpn", ("cpe:2.3:a:ivanti:connect_secure:9.0",)))
    assert sorted(e.criteria.split(":")[6] for e in hit.evidence) == ["r1", "r2", "r2.1", "r3", "r3.1", "r3.2", "r3.3"]
    assert {e.reason_code for e in hit.evidence} == {"update_unknown"}


def test_ledger_software_entries_from_the_vendors_own_words(sample_index: VulnIndex) -> None:
    asset = Asset("vpn-gw", software=(SoftwareEntry("Pulse Secure", "Pulse Connect Secure", "8.3R1.0"),
                                      SoftwareEntry("Fortinet", "FortiOS", "v6.0.4,build0231", part="o")))
    assert sorted((h.cve_id, h.tier) for h in sample_index.match(asset)) == [("CVE-2018-13379", EXACT),
                                                                             ("CVE-2019-11510", EXACT)]


def test_the_evidence_keeps_the_real_criteria_id_and_record_date(sample_index: VulnIndex) -> None:
    (hit,) = sample_index.match(Asset("fg", ("cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*",)))
    (evidence,) = hit.evidence
    assert evidence.match_criteria_id == "D37F1481-E7A7-4428-89C9-5DF9D206D056"
    assert evidence.record_last_modified == datetime(2025, 10, 24, 12, 53, 3, 100000, tzinfo=UTC)
    assert str(evidence.bounds) == ">= 6.0.0, < 6.0.5"


def test_the_real_samples_decode_with_every_source_kept(sample_records: dict[str, CveRecord]) -> None:
    fortios = sample_records["CVE-2018-13379"]
    assert [(s.source, s.version, s.base_score) for s in fortios.cvss] == [
        ("psirt@fortinet.com", "3.1", 9.1), ("nvd@nist.gov", "3.1", 9.8), ("nvd@nist.gov", "2.0", 5.0)]
    assert fortios.kev is not None and fortios.kev.date_added == "2021-11-03"
    baxter = sample_records["CVE-2022-26394"]
    assert len(baxter.configurations) == 4 and all(c.operator == "AND" for c in baxter.configurations)
    assert sum(1 for c in sample_records["CVE-2019-11510"].configurations for _ in c.entries()) == 37


# --- rows whose NVD record is not in shared/data: hand-written files in data/ -----------------------------

@pytest.mark.parametrize(("cpes", "cve_id", "expected"), [
    (("o:fortinet:fortios:6.0.4",), "CVE-2022-42475", EXACT),
    (("o:fortinet:fortios:6.0.15",), "CVE-2022-42475", EXACT),
    (("o:fortinet:fortios:6.0.16",), "CVE-2022-42475", None),
    (("o:fortinet:fortios:5.4.13",), "CVE-2022-42475", EXACT),  # inclusive end
    (("o:fortinet:fortios:6.4.10",), "CVE-2022-42475", EXACT),
    (("o:fortinet:fortios:7.2.2",), "CVE-2022-42475", EXACT),
    (("o:fortinet:fortios:6.2.12",), "CVE-2022-42475", None),
    (("o:fortinet:fortios:7.2.3",), "CVE-2022-42475", None),
    (("o:fortinet:fortios:7.0.8", "h:fortinet:fortigate-6300f:-"), "CVE-2022-42475", EXACT),
    (("a:fortinet:fortiproxy:2.0.11",), "CVE-2022-42475", EXACT),
    (("a:fortinet:fortiproxy:2.0.12",), "CVE-2022-42475", None),
    (("a:offis:dcmtk:3.6.6",), "CVE-2022-2119", EXACT),
    (("a:offis:dcmtk:3.6.7",), "CVE-2022-2119", None),
    (("a:bd:alaris_systems_manager:12.3",), "CVE-2023-30563", EXACT),
    (("a:bd:alaris_systems_manager:12.3.1",), "CVE-2023-30563", None),
    (("a:philips:patient_information_center_ix:c.02",), "CVE-2020-16212", EXACT),
    (("a:philips:patient_information_center_ix:C.02",), "CVE-2020-16212", EXACT),
    (("a:philips:patient_information_center_ix:c.04",), "CVE-2020-16212", None),
])
def test_expected_results_on_hand_written_records(handwritten_index: VulnIndex, cpes: tuple[str, ...], cve_id: str,
                                                  expected: MatchTier | None) -> None:
    assert _tier(handwritten_index, cve_id, *cpes) == expected


@pytest.mark.parametrize("asset", [
    Asset("pacs", software=(SoftwareEntry("Softneta", "MedDream PACS", "7.2.8.810"),)),
    Asset("monitor", software=(SoftwareEntry("Contec", "CMS8000", ""),)),
])
def test_records_without_cpe_data_give_nothing_from_nvd(handwritten_index: VulnIndex, asset: Asset) -> None:
    assert handwritten_index.match(asset) == ()  # CSAF product-tree matching is the path for these


# --- the real NVD 1.1 feed of 2018: a record that changed after publication -------------------------------

@pytest.fixture(scope="module")
def index_2018(nvd_2018: NvdFeed) -> tuple[VulnIndex, int]:
    feed = nvd_2018
    assert feed.shape == "feed-1.1" and feed.timestamp == datetime(2020, 9, 17, 7, 46, tzinfo=UTC)
    index = VulnIndex()
    counts = index.add_all(feed.records)
    return index, counts[IndexChange.NEW]


def test_the_2018_feed_is_read_whole(index_2018: tuple[VulnIndex, int]) -> None:
    index, new = index_2018
    assert new == len(index) == 16_386  # vulnerability-intel.md §6.1
    assert index.entry_count == 106_264


def test_in_2020_fortios_5_4_12_matched_nothing_until_the_record_changed(
        index_2018: tuple[VulnIndex, int], sample_records: dict[str, CveRecord]) -> None:
    index, _ = index_2018
    assert "CVE-2018-13379" in {h.cve_id for h in index.match(Asset("fg", ("cpe:2.3:o:fortinet:fortios:6.0.4",)))}
    assert "CVE-2018-13379" not in {h.cve_id for h in index.match(Asset("fg", ("cpe:2.3:o:fortinet:fortios:6.0.5",)))}
    old_5_4 = Asset("fg-old", ("cpe:2.3:o:fortinet:fortios:5.4.12",))
    assert "CVE-2018-13379" not in {h.cve_id for h in index.match(old_5_4)}
    assert index.last_modified("CVE-2018-13379") == datetime(2020, 1, 22, 17, 15, tzinfo=UTC)
    keys = index.keys_of("CVE-2018-13379")
    assert index.add(sample_records["CVE-2018-13379"]) is IndexChange.CHANGED  # the 2025 record
    try:
        assert ("fortinet", "fortios") in keys  # the assets to re-match
        assert "CVE-2018-13379" in {h.cve_id for h in index.match(old_5_4)}  # new because the record changed
    finally:
        index.remove("CVE-2018-13379")


def test_the_2018_feed_has_its_1_1_shapes(nvd_2018: NvdFeed) -> None:
    records = nvd_2018.records
    with_config = [r for r in records if r.configurations]
    entries = [m for r in records for c in r.configurations for m in c.entries()]
    # 15,493 items have configuration nodes; CVE-2018-10511's only node is empty ({"operator": "OR"}).
    assert len(with_config) == 15_492 and len(entries) == 106_264
    assert next(r for r in records if r.cve_id == "CVE-2018-10511").configurations == ()
    assert sum(m.vulnerable for m in entries) == 77_943
    juniper = next(r for r in records if r.cve_id == "CVE-2018-0002")
    assert any(c.operator == "AND" and len(c.nodes) == 2 for c in juniper.configurations)
