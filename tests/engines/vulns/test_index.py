"""Whole records against whole assets: the four bounds, AND configurations, platforms, negation, the index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from mamori.engines.vulns import (
    HIT_ORDER,
    Asset,
    AssetError,
    CveRecord,
    Hit,
    IndexChange,
    MatchTier,
    SoftwareEntry,
    VulnIndex,
    read_nvd_file,
)
from mamori.engines.vulns.versions import VersionRange
from tests.engines.vulns.conftest import DATA

EXACT, POSSIBLE = MatchTier.EXACT, MatchTier.POSSIBLE


@pytest.fixture(scope="module")
def tricky() -> VulnIndex:
    index = VulnIndex()
    index.add_all(read_nvd_file(DATA / "api20_tricky_configurations.json").records)
    return index


def _hits(index: VulnIndex, *cpes: str) -> dict[str, MatchTier]:
    return {h.cve_id: h.tier for h in index.match(Asset("asset", tuple("cpe:2.3:" + c for c in cpes)))}


def _hit(index: VulnIndex, cve_id: str, *cpes: str) -> Hit:
    found = {h.cve_id: h for h in index.match(Asset("asset", tuple("cpe:2.3:" + c for c in cpes)))}
    return found[cve_id]


@pytest.mark.parametrize(("version", "expected"), [
    ("1.5", {"CVE-2099-1003": EXACT}),  # <= 1.5
    ("1.6", {}),
    ("2.0", {}),  # > 2.0 excludes 2.0 itself
    ("2.0.1", {"CVE-2099-1001": EXACT}),
    ("2.4", {"CVE-2099-1001": EXACT}),  # <= 2.4
    ("2.4.1", {}),
    ("3.0", {"CVE-2099-1002": EXACT}),  # >= 3.0
    ("3.1", {"CVE-2099-1002": EXACT}),  # a lone vulnerable=false entry (CVE-2099-1009) adds nothing
    ("3.2", {}),  # < 3.2
    ("4.9", {}),
    ("5.0", {"CVE-2099-1004": EXACT}),
    ("12.0", {"CVE-2099-1004": EXACT}),
])
def test_each_of_the_four_bounds(tricky: VulnIndex, version: str, expected: dict[str, MatchTier]) -> None:
    assert _hits(tricky, f"a:example:pacs_viewer:{version}") == expected


def test_an_asset_without_a_version_may_have_every_cve_of_its_product(tricky: VulnIndex) -> None:
    hits = tricky.match(Asset("viewer", ("cpe:2.3:a:example:pacs_viewer",)))
    assert {h.cve_id: h.tier for h in hits} == dict.fromkeys(
        ["CVE-2099-1001", "CVE-2099-1002", "CVE-2099-1003", "CVE-2099-1004"], POSSIBLE)
    assert {h.evidence[0].reason_code for h in hits} == {"version_unknown"}


FIRMWARE = "o:example:gateway_firmware:4.1.1"


@pytest.mark.parametrize(("cpes", "expected"), [
    ((FIRMWARE, "h:example:gateway_g100:-"), EXACT),
    ((FIRMWARE, "h:example:gateway_g200"), EXACT),  # the model without a version names the same hardware
    ((FIRMWARE, "h:example:gateway_g300:-"), None),  # other hardware: not this configuration
    ((FIRMWARE,), POSSIBLE),  # hardware not recorded: 要確認
    (("o:example:gateway_firmware:4.1.2", "h:example:gateway_g100:-"), None),
    (("o:example:gateway_firmware", "h:example:gateway_g100:-"), POSSIBLE),
    (("h:example:gateway_g100:-",), None),  # the platform alone never makes a hit
])
def test_firmware_running_on_hardware(tricky: VulnIndex, cpes: tuple[str, ...], expected: MatchTier | None) -> None:
    assert _hits(tricky, *cpes).get("CVE-2099-1005") == expected


def test_the_evidence_names_the_hardware_that_satisfied_the_platform(tricky: VulnIndex) -> None:
    (evidence,) = _hit(tricky, "CVE-2099-1005", FIRMWARE, "h:example:gateway_g100:-").evidence
    assert evidence.platform == "cpe:2.3:h:example:gateway_g100:-"
    assert evidence.reason == ("version 4.1.1 is within < 4.1.2; running on cpe:2.3:h:example:gateway_g100:- "
                               "(the record's platform cpe:2.3:h:example:gateway_g100:-:*:*:*:*:*:*:*)")


def test_unknown_hardware_says_what_to_record(tricky: VulnIndex) -> None:
    (evidence,) = _hit(tricky, "CVE-2099-1005", FIRMWARE).evidence
    assert (evidence.tier, evidence.reason_code) == (POSSIBLE, "platform_unknown")
    assert evidence.reason == (
        "version 4.1.1 is within < 4.1.2; the record's vulnerable configuration runs on "
        "cpe:2.3:h:example:gateway_g100:-:*:*:*:*:*:*:*, cpe:2.3:h:example:gateway_g200:-:*:*:*:*:*:*:*; "
        "the asset has no hardware CPE recorded, so record it to confirm")


@pytest.mark.parametrize(("cpes", "expected"), [
    (("a:example:lab_client:7.5", "o:microsoft:windows:-"), EXACT),
    (("a:example:lab_client:7.5", "o:canonical:ubuntu_linux:22.04"), None),
    (("a:example:lab_client:7.5", "h:example:gateway_g100:-"), POSSIBLE),  # no operating system recorded
    (("a:example:lab_client:8.0", "o:microsoft:windows:-"), None),
])
def test_an_application_on_an_operating_system(tricky: VulnIndex, cpes: tuple[str, ...],
                                               expected: MatchTier | None) -> None:
    assert _hits(tricky, *cpes).get("CVE-2099-1006") == expected


@pytest.mark.parametrize(("cpes", "expected"), [
    (("a:example:dicom_server:7.0",), None),  # a node-level AND needs both
    (("a:example:dicom_server:7.0", "a:example:dicom_router:1.0"), EXACT),
    (("a:example:dicom_server:7.1", "a:example:dicom_router:1.0"), None),
    (("a:example:dicom_server", "a:example:dicom_router:1.0"), POSSIBLE),
])
def test_a_node_whose_entries_must_all_match(tricky: VulnIndex, cpes: tuple[str, ...],
                                             expected: MatchTier | None) -> None:
    assert _hits(tricky, *cpes).get("CVE-2099-1005") == expected


@pytest.mark.parametrize(("cpe", "expected"), [
    ("a:example:report_tool:1.0:*:standard", EXACT),
    ("a:example:report_tool:1.0:*:hardened", None),  # the negated node excludes this edition
    ("a:example:report_tool:1.0", POSSIBLE),  # edition unknown
])
def test_a_negated_node(tricky: VulnIndex, cpe: str, expected: MatchTier | None) -> None:
    assert _hits(tricky, cpe).get("CVE-2099-1007") == expected


@pytest.mark.parametrize(("cpe", "expected"), [
    ("a:example:dicom\\:viewer_\\(web\\):2.1:*:*:*:*:wordpress", EXACT),
    ("a:example:dicom\\:viewer_\\(web\\):2.1", POSSIBLE),
    ("a:example:dicom\\:viewer_\\(web\\):2.1:*:*:*:*:joomla", None),
    ("a:example:nas_os:5.2:sp2", EXACT),
    ("a:example:nas_os:5.2", POSSIBLE),
    ("a:example:nas_os:5.2:sp1", None),
])
def test_target_software_escapes_and_updates(tricky: VulnIndex, cpe: str, expected: MatchTier | None) -> None:
    assert _hits(tricky, cpe).get("CVE-2099-1008") == expected


def test_the_evidence_carries_source_criteria_bounds_and_record_date(tricky: VulnIndex) -> None:
    (evidence,) = _hit(tricky, "CVE-2099-1001", "a:example:pacs_viewer:2.3").evidence
    assert evidence.source == "NVD"
    assert evidence.criteria == "cpe:2.3:a:example:pacs_viewer:*:*:*:*:*:*:*:*"
    assert evidence.bounds == VersionRange(start_excluding="2.0", end_including="2.4")
    assert evidence.record_last_modified == datetime(2025, 6, 1, 10, tzinfo=UTC)
    assert evidence.asset_cpe == "cpe:2.3:a:example:pacs_viewer:2.3"
    assert (evidence.tier, evidence.reason_code, evidence.configuration) == (EXACT, "in_range", 0)
    assert len(evidence.match_criteria_id) == 36
    assert evidence.reason == "version 2.3 is within > 2.0, <= 2.4"


def test_hits_sort_exact_first_then_by_cve(tricky: VulnIndex) -> None:
    hits = tricky.match(Asset("pc", ("cpe:2.3:a:example:pacs_viewer:3.1", "cpe:2.3:a:example:nas_os:5.2",
                                     "cpe:2.3:a:example:report_tool:1.0:*:standard")))
    assert [(h.cve_id, h.tier) for h in sorted(hits, key=HIT_ORDER)] == [
        ("CVE-2099-1002", EXACT), ("CVE-2099-1007", EXACT), ("CVE-2099-1008", POSSIBLE)]


def test_identical_assets_share_their_hits(tricky: VulnIndex) -> None:
    first = Asset("PC-0001", ("cpe:2.3:a:example:pacs_viewer:3.1",))
    second = Asset("PC-0002", ("cpe:2.3:a:example:pacs_viewer:3.1",))
    pairs = list(tricky.match_all([first, second]))
    assert [a.key for a, _ in pairs] == ["PC-0001", "PC-0002"]
    assert pairs[0][1] is pairs[1][1] and pairs[0][1][0].cve_id == "CVE-2099-1002"


def test_software_entries_are_matched_like_cpes() -> None:
    index = VulnIndex()
    index.add_all(read_nvd_file(DATA / "api20_medical_devices.json").records)
    hits = sorted(index.match(Asset("hl7", software=(SoftwareEntry("OFFIS", "DCMTK", "3.6.6"),
                                                     SoftwareEntry("BD", "Alaris Systems Manager", "v12.3")))),
                  key=HIT_ORDER)
    assert [(h.cve_id, h.tier) for h in hits] == [("CVE-2022-2119", EXACT), ("CVE-2023-30563", EXACT)]
    assert hits[0].evidence[0].asset_cpe == "cpe:2.3:a:offis:dcmtk:3.6.6:*:*:*:*:*:*:*"


def test_a_software_entry_becomes_a_cpe() -> None:
    cpe = SoftwareEntry("Pulse Secure", "Pulse Connect Secure", "8.3R1.0").to_cpe()
    assert (cpe.vendor, cpe.product, cpe.version, cpe.update) == ("pulse_secure", "pulse_connect_secure", "8.3", "r1.0")
    assert cpe.key == ("ivanti", "connect_secure")
    assert SoftwareEntry("Fortinet", "FortiOS", "v6.0.4,build0231", part="o").to_cpe().version == "6.0.4"
    assert SoftwareEntry("Example", "Tool").to_cpe().version == "*"


@pytest.mark.parametrize(("asset", "message"), [
    (Asset("PC-7", ("cpe:2.3:a:example",)), r"^asset PC-7, cpes\[0\]: not a CPE 2\.3 name \(expected 13 parts"),
    (Asset("PC-7", ("cpe:2.3:a:example:tool:1", "fortios 6.0.4")), r"^asset PC-7, cpes\[1\]: CPE name contains"),
    (Asset("PC-7", ("cpe:2.3:a:*:*:1.0",)), r"^asset PC-7, cpes\[0\]: an asset CPE needs a vendor and a product"),
    (Asset("PC-7", software=(SoftwareEntry("Example", " "),)), r"^asset PC-7, software\[0\]: vendor and product are"),
])
def test_an_asset_that_cannot_be_matched_is_named(tricky: VulnIndex, asset: Asset, message: str) -> None:
    with pytest.raises(AssetError, match=message):
        tricky.match(asset)


def _record(cve_id: str, modified: datetime, end: str) -> CveRecord:
    (base,) = read_nvd_file(DATA / "api20_medical_devices.json").records[:1]
    config = base.configurations[0]
    node = config.nodes[0]
    entry = msgspec.structs.replace(node.cpe_match[0], bounds=VersionRange(end_excluding=end))
    node = msgspec.structs.replace(node, cpe_match=(entry,))
    return msgspec.structs.replace(base, cve_id=cve_id, last_modified=modified,
                               configurations=(msgspec.structs.replace(config, nodes=(node,)),))


def test_a_newer_record_replaces_the_old_one_and_an_older_one_is_ignored() -> None:
    index = VulnIndex()
    day = datetime(2025, 1, 1, tzinfo=UTC)
    dcmtk = Asset("pacs", ("cpe:2.3:a:offis:dcmtk:3.6.7",))
    assert index.add(_record("CVE-2022-2119", day, "3.6.7")) is IndexChange.NEW
    assert index.match(dcmtk) == ()
    assert index.add(_record("CVE-2022-2119", day, "3.6.7")) is IndexChange.UNCHANGED
    assert index.add(_record("CVE-2022-2119", day + timedelta(days=1), "3.6.8")) is IndexChange.CHANGED
    assert [h.cve_id for h in index.match(dcmtk)] == ["CVE-2022-2119"]  # caches were dropped
    assert index.add(_record("CVE-2022-2119", day, "3.6.7")) is IndexChange.STALE
    assert [h.cve_id for h in index.match(dcmtk)] == ["CVE-2022-2119"]
    assert index.last_modified("CVE-2022-2119") == day + timedelta(days=1)
    assert index.keys_of("CVE-2022-2119") == frozenset({("offis", "dcmtk")})
    assert len(index) == 1 and index.entry_count == 1 and "CVE-2022-2119" in index


def test_a_removed_cve_matches_no_more() -> None:
    index = VulnIndex()
    counts = index.add_all(read_nvd_file(DATA / "api20_medical_devices.json").records)
    assert counts[IndexChange.NEW] == 5
    asset = Asset("pacs", ("cpe:2.3:a:offis:dcmtk:3.6.6",))
    assert [h.cve_id for h in index.match(asset)] == ["CVE-2022-2119"]
    assert index.remove("CVE-2022-2119") and not index.remove("CVE-2022-2119")
    assert index.match(asset) == () and "CVE-2022-2119" not in index and index.keys_of("CVE-2022-2119") == frozenset()


def test_a_new_record_reaches_assets_matched_before_it() -> None:
    index = VulnIndex()
    records = read_nvd_file(DATA / "api20_medical_devices.json").records
    asset = Asset("pacs", ("cpe:2.3:a:offis:dcmtk:3.6.6",))
    index.add(records[1])
    assert index.match(asset) == ()
    assert index.add(records[0]) is IndexChange.NEW
    assert [h.cve_id for h in index.match(asset)] == ["CVE-2022-2119"]


def test_under_or_each_node_stands_for_itself(tricky: VulnIndex) -> None:
    hit = _hit(tricky, "CVE-2099-1010", "a:example:hl7_engine:3.0", "a:example:hl7_gateway:1.5")
    assert [e.criteria for e in hit.evidence] == ["cpe:2.3:a:example:hl7_gateway:*:*:*:*:*:*:*:*"]  # not the engine
    both = _hit(tricky, "CVE-2099-1010", "a:example:hl7_engine:3.0", "a:example:hl7_plugin:1.0")
    assert {e.criteria.split(":")[4] for e in both.evidence} == {"hl7_engine", "hl7_plugin"}
    assert _hits(tricky, "a:example:hl7_engine:3.0").get("CVE-2099-1010") is None


def test_one_cve_reached_through_two_cpes_of_an_asset_is_one_hit(handwritten_index: VulnIndex) -> None:
    asset = Asset("fw", ("cpe:2.3:o:fortinet:fortios:7.2.2", "cpe:2.3:a:fortinet:fortiproxy:7.2.1",
                         "cpe:2.3:a:offis:dcmtk:3.6.6"))
    hits = sorted(handwritten_index.match(asset), key=HIT_ORDER)
    assert [h.cve_id for h in hits] == ["CVE-2022-2119", "CVE-2022-42475"]
    assert sorted(e.asset_cpe for e in hits[1].evidence) == ["cpe:2.3:a:fortinet:fortiproxy:7.2.1",
                                                             "cpe:2.3:o:fortinet:fortios:7.2.2"]
    assert [e.configuration for e in hits[1].evidence] == [0, 1]


def test_a_jvn_only_record_is_never_more_than_possible() -> None:
    """JVN's CPEs carry no version: a hit through one alone always asks for confirmation (要確認)."""
    from mamori.engines.vulns import CpeMatch, parse_cpe
    from mamori.engines.vulns.records import ConfigNode, Configuration

    when = datetime(2024, 1, 1, tzinfo=UTC)
    node = ConfigNode("OR", False, (CpeMatch(parse_cpe("cpe:/a:fujitsu:hope_lifemark"), True, None, "JVNDB-2024-1"),))
    record = CveRecord("CVE-2099-7000", when, when, "", "", (), (), (), (Configuration("OR", False, (node,)),),
                       source="JVN")
    index = VulnIndex()
    index.add(record)
    hit = _hit(index, "CVE-2099-7000", "a:fujitsu:hope_lifemark:7.1:*:*:*:*:*:*:*")
    assert hit.tier is POSSIBLE
    evidence = hit.evidence[0]
    assert (evidence.source, evidence.reason_code) == ("JVN", "source_unconfirmed")
    assert "JVN names the product but not comparable versions" in evidence.reason
