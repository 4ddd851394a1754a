"""Ledger devices against CSAF product trees by vendor, product and model name (vulnerability-intel.md §4.6)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import msgspec
import pytest

from mamori.engines.vulns.csaf import read_csaf_file
from mamori.engines.vulns.csaf_match import NAME_REASON_TEXTS, CsafIndex, Device, NameMatch, reason_text
from mamori.engines.vulns.csaf_names import device_name, product_forms, vendor_keys
from mamori.engines.vulns.csaf_versions import CsafVersionSpec, parse_csaf_version
from mamori.engines.vulns.index import IndexChange
from mamori.engines.vulns.results import REASON_TEXTS
from mamori.engines.vulns.versions import VersionRange
from tests.engines.vulns.conftest import DATA

CSAF = DATA / "csaf"
CONTEC = CSAF / "icsma-25-030-01_contec_cms8000_all_versions.json"
FORTI = CSAF / "fortinet_fg-ir-22-398_relationships_groups.json"
MEDICAL = CSAF / "medical_name_forms.json"


@pytest.fixture(scope="module")
def real_index(shared_data: Path) -> CsafIndex:
    """All 144 real ICSMA advisories and Fortinet's PSIRT fixture."""
    folder = shared_data / "vulns" / "csaf-icsma"
    fortinet = shared_data / "vulns" / "samples" / "fortinet_csaf_fixture_ssl-vpn-bookmarks.json"
    if not folder.is_dir() or not fortinet.is_file():
        pytest.skip(f"real CSAF advisories not present under {shared_data / 'vulns'}")
    index = CsafIndex()
    index.add_all(read_csaf_file(p) for p in [*sorted(folder.glob("*.json")), fortinet])
    return index


@pytest.fixture(scope="module")
def written_index() -> CsafIndex:
    index = CsafIndex()
    index.add_all(read_csaf_file(p) for p in (CONTEC, FORTI, MEDICAL))
    return index


def _by_cve(matches: list[NameMatch], tracking_id: str = "") -> dict[str, NameMatch]:
    return {m.cve_id: m for m in matches if not tracking_id or m.tracking_id == tracking_id}


def _codes(match: NameMatch) -> list[str]:
    return [r.code for r in match.reasons]


# --- acceptance cases (§4.5, §4.6) ------------------------------------------------------------------------

def test_meddream_pacs_premium_7_2_8_810_is_in_range_of_icsma_23_248_01(real_index: CsafIndex) -> None:
    device = Device("PACS-01", "Softneta", ("MedDream PACS Premium",), "7.2.8.810")
    found = _by_cve(real_index.match(device), "ICSMA-23-248-01")
    match = found["CVE-2023-40150"]
    assert (match.key, match.product_id, match.vendor, match.product, match.version_text) == (
        "PACS-01", "CSAFPID-0001", "Softneta", "MedDream PACS", "<= 7.2.8.810")
    assert (match.matched_name, match.matched_version, match.name_exact, match.version_verdict) == (
        "MedDream PACS Premium", "7.2.8.810", False, "in_range")
    assert _codes(match) == ["csaf_name_contains", "in_range", "csaf_name_match"]
    assert "version 7.2.8.810 is within <= 7.2.8.810" in match.reason
    assert match.advisory_last_modified.year == 2023


def test_meddream_7_2_9_820_the_fixed_release_matches_nothing(real_index: CsafIndex) -> None:
    assert real_index.match(Device("PACS-01", "Softneta", ("MedDream PACS Premium",), "7.2.9.820")) == []


def test_contec_cms8000_without_a_version_gets_every_icsma_22_244_01_cve_for_all_versions(
        real_index: CsafIndex) -> None:
    found = _by_cve(real_index.match(Device("MON-7", "Contec Medical Systems", ("CMS8000",))), "ICSMA-22-244-01")
    assert set(found) == {"CVE-2022-36385", "CVE-2022-38100", "CVE-2022-38069", "CVE-2022-38453", "CVE-2022-3027"}
    match = found["CVE-2022-38069"]
    assert match.version_verdict == "all_versions" and match.version_text == "vers:all/*"
    # The advisory names it "CMS8000 CONTEC ICU CCU Vital Signs Patient Monitor": the model code carries the match.
    assert _codes(match) == ["csaf_vendor_alias", "csaf_model_match", "all_versions", "csaf_name_match"]
    assert "the manufacturer Contec Medical Systems is the advisory's vendor Contec Health" in match.reason


def test_contec_cms8000_backdoor_from_the_hand_written_icsma_25_030_01(written_index: CsafIndex) -> None:
    found = _by_cve(written_index.match(Device("MON-7", "Contec", ("CMS8000 Patient Monitor",), "2.0.6")))
    assert found["CVE-2025-0626"].version_verdict == "all_versions"
    assert found["CVE-2025-0626"].name_exact


def test_intellivue_mx450_gets_cve_2020_16212_as_incomparable_with_the_reasons(real_index: CsafIndex) -> None:
    found = _by_cve(real_index.match(Device("ICU-3", "Philips", ("IntelliVue MX450",), "M.00.03")),
                    "ICSMA-20-254-01")
    match = found["CVE-2020-16212"]
    assert (match.product_id, match.version_text, match.version_verdict) == ("CSAFPID-0006", "<=N", "incomparable")
    assert _codes(match) == ["csaf_name_contains", "csaf_model_in_range", "csaf_version_unreadable", "csaf_name_match"]
    assert "model mx450 is within the advisory's models mx400-mx850" in match.reason
    assert "the advisory's version <=N cannot be read as versions; confirm version M.00.03 with the vendor" in \
        match.reason


def test_intellivue_mx450_without_a_version_is_still_matched(real_index: CsafIndex) -> None:
    match = _by_cve(real_index.match(Device("ICU-3", "Philips", ("IntelliVue MX450",))), "ICSMA-20-254-01")
    assert match["CVE-2020-16212"].version_verdict == "version_unknown"


def test_bd_alaris_systems_manager_12_3_matches_cve_2023_30563_and_12_3_1_does_not(real_index: CsafIndex) -> None:
    match = _by_cve(real_index.match(Device("SRV-9", "BD", ("BD Alaris Systems Manager",), "12.3")))["CVE-2023-30563"]
    assert (match.tracking_id, match.product_id, match.name_exact, match.version_verdict) == (
        "ICSMA-23-194-01", "CSAFPID-0003", True, "in_range")
    assert _codes(match)[:2] == ["csaf_vendor_alias", "csaf_name_equal"]
    later = real_index.match(Device("SRV-9", "BD", ("BD Alaris Systems Manager",), "12.3.1"))
    assert "CVE-2023-30563" not in _by_cve(later)


def test_baxter_sigma_spectrum_8_x_matches_icsma_22_251_01_with_the_model_to_confirm(real_index: CsafIndex) -> None:
    found = _by_cve(real_index.match(Device("PUMP-1", "Baxter Healthcare", ("Sigma Spectrum",), "8.0.1")),
                    "ICSMA-22-251-01")
    match = found["CVE-2022-26394"]
    assert (match.product_id, match.name_exact, match.version_verdict) == ("CSAFPID-0003", True, "in_range")
    assert "the advisory also says model 35700BAX2; confirm this applies to the device" in match.reason
    assert "version 8.0.1 is within >= 8, < 9" in match.reason


def test_fortios_7_0_3_is_named_by_fortinets_csaf_and_unlisted_versions_are_not(real_index: CsafIndex) -> None:
    device = Device("FG-01", "Fortinet, Inc.", ("FortiGate 100F", "FortiOS"), "v7.0.3,build0237")
    (match,) = real_index.match(device)
    assert (match.tracking_id, match.cve_id, match.product_id, match.version_verdict, match.name_exact) == (
        "FG-IR-25-756", "", "FortiGate-7.0.3", "equal", True)
    assert match.title.startswith("FortiOS - Medium") and match.matched_name == "FortiOS"
    for version in ("7.2.11", "7.4.8", "6.2.16", "7.8.0"):  # not affected, or not listed at all
        assert real_index.match(msgspec.structs.replace(device, version=version)) == [], version


def test_fortios_without_a_version_gives_one_match_listing_the_versions(real_index: CsafIndex) -> None:
    (match,) = real_index.match(Device("FG-02", "Fortinet", ("FortiOS",)))
    assert match.version_verdict == "version_unknown"
    listed = next(r for r in match.reasons if r.code == "csaf_versions_listed")
    assert dict(listed.args)["count"] == 57


def test_a_philips_device_the_advisories_do_not_name_matches_nothing(real_index: CsafIndex) -> None:
    assert real_index.match(Device("CT-1", "Philips", ("Ingenuity CT",), "4.1")) == []
    assert real_index.match(Device("XR-2", "Philips Healthcare", ("Azurion 7 M20",))) == []


# --- false-positive guards --------------------------------------------------------------------------------

def test_a_philips_ct_scanner_never_meets_the_patient_monitor_advisory(real_index: CsafIndex) -> None:
    found = real_index.match(Device("CT-1", "Philips", ("Philips CT scanner", "Patient monitor room 3"), "4.1"))
    assert "ICSMA-20-254-01" not in {m.tracking_id for m in found}
    brilliance = real_index.match(Device("CT-2", "Philips", ("Brilliance CT 64", "Patient monitor room 3"), "2.6.2"))
    assert {m.tracking_id for m in brilliance} == {"ICSMA-18-123-01"}  # its own advisory, "Brilliance 64"


def test_a_model_outside_the_advisory_range_is_not_matched(real_index: CsafIndex) -> None:
    found = real_index.match(Device("ICU-4", "Philips", ("IntelliVue MX40",), "B.06"))
    assert "ICSMA-20-254-01" not in {m.tracking_id for m in found}


def test_a_shorter_device_name_does_not_meet_a_longer_product(real_index: CsafIndex) -> None:
    assert real_index.match(Device("PUMP-2", "BD", ("Alaris",), "12.3")) == []
    assert real_index.match(Device("PACS-2", "Softneta", ("MedDream",), "7.2.8.810")) == []


def test_the_vendor_must_match(real_index: CsafIndex) -> None:
    assert real_index.match(Device("X-1", "Acme Medical", ("MedDream PACS",), "7.2.8.810")) == []
    assert real_index.match(Device("X-2", "", ("MedDream PACS",), "7.2.8.810")) == []


# --- name forms (hand-written fixtures) -------------------------------------------------------------------

@pytest.mark.parametrize(("manufacturer", "name", "version", "cve", "verdict"), [
    ("フィリップス・ジャパン", "IntelliVue MX800", "", "CVE-2020-16212", "version_unknown"),
    ("Philips Healthcare", "PIC iX", "C.02", "CVE-2020-16212", "equal"),
    ("Philips", "Patient Information Center iX", "B.02", "CVE-2020-16212", "equal"),
    ("Philips", "Vue PACS", "12.2.1", "CVE-2023-40223", "in_range"),
    ("Becton Dickinson", "Alaris Systems Manager", "12.3", "CVE-2023-30563", "in_range"),
    ("GE Healthcare Japan", "LOGIQ E10", "R3", "CVE-2020-6977", "all_versions"),
    ("General Electric", "Innova IGS 530", "", "CVE-2020-6977", "all_versions"),
    ("Softneta UAB", "ＭｅｄＤｒｅａｍ　ＰＡＣＳ", "7.1", "CVE-2023-40150", "in_range"),
    ("Softneta", "Med Dream PACS", "7.2.8.810a", "CVE-2023-40150", "incomparable"),
    ("Baxter", "Sigma Spectrum", "8.2", "CVE-2022-26394", "in_range"),
])
def test_name_forms_match(written_index: CsafIndex, manufacturer: str, name: str, version: str, cve: str,
                          verdict: str) -> None:
    found = _by_cve(written_index.match(Device("D", manufacturer, (name,), version)))
    assert cve in found and found[cve].version_verdict == verdict


@pytest.mark.parametrize(("manufacturer", "name", "version"), [
    ("Philips", "IntelliVue MX40", ""),  # outside MX400-MX850
    ("Philips", "PIC iX", "C.03"),  # a version the advisory does not list
    ("Philips", "Vue PACS", "12.2.8.410"),  # the excluded end
    ("GE Healthcare", "Innova IGS 630", ""),  # 5x0 is 500-590 in tens
    ("Softneta", "MedDream PACS", "6.9"),  # below the start of the vers range
    ("Baxter", "Sigma Spectrum", "9.1"),  # 8.x only
    ("BD", "Alaris PC Unit", "12.3"),  # another Alaris product
])
def test_name_forms_that_must_not_match(written_index: CsafIndex, manufacturer: str, name: str, version: str) -> None:
    assert written_index.match(Device("D", manufacturer, (name,), version)) == []


def test_an_exclusion_in_the_product_name_is_a_reason_to_confirm(written_index: CsafIndex) -> None:
    (match,) = written_index.match(Device("US-1", "GE HealthCare", ("LOGIQ E10",)))
    assert "the advisory excludes LOGIQ 100 Pro; confirm the device is not one of them" in match.reason


def test_an_incomparable_device_version_is_returned_not_dropped(written_index: CsafIndex) -> None:
    (match,) = written_index.match(Device("P", "Softneta", ("MedDream PACS",), "7.2.8.810a"))
    assert match.version_verdict == "incomparable" and "bound_incomparable" in _codes(match)


def test_a_relationship_product_says_its_platform(written_index: CsafIndex) -> None:
    found = written_index.match(Device("FG-1", "Fortinet", ("FortiOS",), "7.2.2"))
    assert [m.product_id for m in found] == ["FortiOS-7.2.2"]  # one match per advisory product, the first best
    assert [m.version_verdict for m in found] == ["equal"]
    index = CsafIndex()
    advisory = read_csaf_file(FORTI)
    index.add(msgspec.structs.replace(advisory, products=tuple(
        p for p in advisory.products if p.product_id != "FortiOS-7.2.2")))
    (on_box,) = index.match(Device("FG-1", "Fortinet", ("FortiOS",), "7.2.2"))
    assert on_box.product_id == "FortiOS-7.2.2-FG-100F"
    assert "the advisory names the product installed on FortiGate 100F; confirm the device runs on it" in on_box.reason


def test_fixed_and_under_investigation_products_are_left_out_unless_asked(written_index: CsafIndex) -> None:
    device = Device("FG-1", "Fortinet", ("FortiOS",), "7.2.3")
    assert written_index.match(device) == []
    index = CsafIndex(include_under_investigation=True)
    index.add(read_csaf_file(FORTI))
    (match,) = index.match(device)
    assert (match.cve_id, match.title, match.version_verdict) == ("", "FG-IR-22-398-B", "equal")
    assert "csaf_under_investigation" in _codes(match)


def test_software_entries_are_matched_with_their_own_vendor_and_version(written_index: CsafIndex) -> None:
    device = Device("WS-1", "HP", ("Z2 G9 workstation",), "", software=(("Softneta", "MedDream PACS Server", "7.2.8"),))
    (match,) = written_index.match(device)
    assert (match.matched_name, match.matched_version, match.version_verdict) == (
        "MedDream PACS Server", "7.2.8", "in_range")


def test_identical_devices_share_results_with_their_own_key(written_index: CsafIndex) -> None:
    first = written_index.match(Device("PUMP-1", "Baxter", ("Sigma Spectrum",), "8.2"))
    second = written_index.match(Device("PUMP-2", "Baxter", ("Sigma Spectrum",), "8.2"))
    assert [m.key for m in first] == ["PUMP-1"] and [m.key for m in second] == ["PUMP-2"]
    assert first[0].reasons is second[0].reasons


# --- the index --------------------------------------------------------------------------------------------

def test_the_index_tells_new_changed_unchanged_and_stale_releases() -> None:
    index = CsafIndex()
    advisory = read_csaf_file(CONTEC)
    assert index.add(advisory) is IndexChange.NEW
    assert index.add(advisory) is IndexChange.UNCHANGED
    newer = msgspec.structs.replace(advisory, current_release_date=advisory.current_release_date + timedelta(days=1))
    assert index.add(newer) is IndexChange.CHANGED
    assert index.add(advisory) is IndexChange.STALE
    assert index.last_modified("ICSMA-25-030-01") == newer.current_release_date
    assert len(index) == 1 and "ICSMA-25-030-01" in index
    assert index.vendor_keys_of("ICSMA-25-030-01") == frozenset({"contec"})
    (match,) = index.match(Device("M", "Contec", ("CMS8000",)))
    assert match.advisory_last_modified == newer.current_release_date
    assert index.remove("ICSMA-25-030-01") and not index.remove("ICSMA-25-030-01")
    assert index.match(Device("M", "Contec", ("CMS8000",))) == []


def test_a_changed_advisory_replaces_its_products() -> None:
    index = CsafIndex()
    advisory = read_csaf_file(CONTEC)
    index.add(advisory)
    vuln = advisory.vulnerabilities[0]
    fixed = msgspec.structs.replace(advisory, current_release_date=advisory.current_release_date + timedelta(days=9),
                                    vulnerabilities=(msgspec.structs.replace(vuln, fixed=vuln.known_affected),))
    assert index.add(fixed) is IndexChange.CHANGED
    assert index.match(Device("M", "Contec", ("CMS8000",))) == []


def test_every_reason_has_an_english_text() -> None:
    assert not set(NAME_REASON_TEXTS) & set(REASON_TEXTS)
    index = CsafIndex(include_under_investigation=True)
    index.add_all(read_csaf_file(p) for p in (CONTEC, FORTI, MEDICAL))
    devices = [Device("1", "Fortinet", ("FortiOS",)), Device("2", "GE", ("LOGIQ 7", "Innova IGS 520"), "1"),
               Device("3", "Philips", ("IntelliVue MX450",), "A.1"), Device("4", "Baxter", ("Sigma Spectrum",), "8")]
    for _, matches in index.match_all(devices):
        for match in matches:
            assert all(reason_text(r) for r in match.reasons)


# --- versions ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind", "expected"), [
    ("<= 7.2.8.810", "range", CsafVersionSpec("range", (VersionRange(end_including="7.2.8.810"),), "<= 7.2.8.810")),
    ("<12.2.8.410", "range", CsafVersionSpec("range", (VersionRange(end_excluding="12.2.8.410"),), "<12.2.8.410")),
    (">=1.2|<2.0", "range", CsafVersionSpec("range", (VersionRange("1.2", None, None, "2.0"),), ">=1.2|<2.0")),
    ("vers:generic/>=1.2|<2.0", "range",
     CsafVersionSpec("range", (VersionRange("1.2", None, None, "2.0"),), "vers:generic/>=1.2|<2.0")),
    ("vers:all/*", "exact", CsafVersionSpec("all", (), "vers:all/*")),
    ("7.0.3", "exact", CsafVersionSpec("exact", (VersionRange("7.0.3", None, "7.0.3"),), "7.0.3")),
    ("v7.2.8.810", "exact", CsafVersionSpec("exact", (VersionRange("7.2.8.810", None, "7.2.8.810"),), "v7.2.8.810")),
    ("V3.0", "exact", CsafVersionSpec("exact", (VersionRange("3.0", None, "3.0"),), "V3.0")),
    ("<=N", "range", CsafVersionSpec("unknown", (), "<=N")),
    ("9.x model 35700BAX3", "exact",
     CsafVersionSpec("range", (VersionRange("9", None, None, "10"),), "9.x model 35700BAX3", "model 35700BAX3")),
    ("All versions", "exact", CsafVersionSpec("all", (), "All versions")),
    ("すべてのバージョン", "exact", CsafVersionSpec("all", (), "すべてのバージョン")),
    ("1.4.2.0-9d9eff4", "exact", CsafVersionSpec("exact", (VersionRange("1.4.2.0", None, "1.4.2.0"),),
                                                 "1.4.2.0-9d9eff4")),
    ("B.02 | C.02", "exact", CsafVersionSpec("exact", (VersionRange("b.02", None, "b.02"),
                                                       VersionRange("c.02", None, "c.02")), "B.02 | C.02")),
    ("<= 11.x", "range", CsafVersionSpec("range", (VersionRange(end_excluding="12"),), "<= 11.x")),
    ("2.3.6 and  below", "exact", CsafVersionSpec("range", (VersionRange(end_including="2.3.6"),), "2.3.6 and  below")),
    ("7.3.7 より前", "range", CsafVersionSpec("range", (VersionRange(end_excluding="7.3.7"),), "7.3.7 より前")),
    ("FortiOS 7.0.3", "exact", CsafVersionSpec("exact", (VersionRange("7.0.3", None, "7.0.3"),), "FortiOS 7.0.3")),
])
def test_parse_csaf_version(text: str, kind: str, expected: CsafVersionSpec) -> None:
    assert parse_csaf_version(text, kind, product="FortiOS") == expected


@pytest.mark.parametrize("text", ["<=N", "<= K", "Rev B-M", "< july 1 2017", "<8/30/2024", "882160 Gemini Dual",
                                  "3120", "A10 < A11", "vers:generic/!=1.0", "Windows 10 Professional", ""])
def test_text_that_is_no_version_is_unknown(text: str) -> None:
    assert parse_csaf_version(text, "range").kind == "unknown"


def test_a_condition_after_the_versions_is_kept() -> None:
    spec = parse_csaf_version("9.x (with Wireless Battery Modules >= 22D19 | <= v22D28)", "range")
    assert spec.ranges == (VersionRange("9", None, None, "10"),)
    assert spec.condition == "(with Wireless Battery Modules >= 22D19 | <= v22D28)"


def test_real_icsma_version_texts_never_raise(real_index: CsafIndex) -> None:
    assert len(real_index) == 145


# --- names ------------------------------------------------------------------------------------------------

def test_vendor_keys_fold_suffixes_aliases_and_joined_vendors() -> None:
    assert vendor_keys("Becton, Dickinson and Company (BD)") == vendor_keys("BD") == frozenset({"bd"})
    assert vendor_keys("Koninklijke Philips N.V.") == vendor_keys("Phillips") == frozenset({"philips"})
    assert vendor_keys("GE HealthCare") == vendor_keys("General Electric (GE)") == frozenset({"ge healthcare"})
    assert vendor_keys("株式会社フィリップス・ジャパン") == frozenset({"philips"})
    assert vendor_keys("ＳＯＦＴＮＥＴＡ") == frozenset({"softneta"})
    assert vendor_keys("SOOIL Developments Co, Ltd.") == frozenset({"sooil developments"})
    assert {"baxter", "hillrom"} <= vendor_keys("Hillrom and ELI, Baxter International Inc.")
    assert "ge healthcare" in vendor_keys("Silex Technology and GE Healthcare")
    assert vendor_keys("Natus Medical, Inc. (Natus)") == frozenset({"natus medical", "natus"})
    assert vendor_keys("Acme") != vendor_keys("Acme Medical")


def test_product_forms_drop_the_vendor_and_generic_words_and_keep_models() -> None:
    bd = vendor_keys("BD")
    (form,) = product_forms("BD Alaris Systems Manager", bd, "BD")
    assert form.tokens == ("alaris", "systems", "manager") and form.required == {"alaris", "manager"}
    philips = vendor_keys("Philips")
    (monitor,) = product_forms("IntelliVue patient monitor MX400-MX850", philips, "Philips")
    assert monitor.required == {"intellivue"} and [(p.prefix, p.low, p.high) for p in monitor.models] == [
        ("mx", 400, 850)]
    forms = product_forms("Patient Information Center iX (PICiX)", philips, "Philips")
    assert [f.tokens for f in forms] == [("patient", "information", "center", "ix"), ("picix",)]
    assert device_name("PIC iX", philips, "Philips").extended >= {"pic", "ix", "picix"}


def test_a_device_name_with_parentheses_keeps_the_words_inside() -> None:
    """Ledger names such as 「ドメインコントローラ1（Active Directory）」: full-width brackets become ASCII ones."""
    name = device_name("ドメインコントローラ1（Active Directory）", frozenset(), "")
    assert "active" in name.tokens and "directory" in name.tokens
    assert all("(" not in token for token in name.tokens)
