"""CVE JSON 5 records to plain records: the CNA's data, CISA-ADP's SSVC, KEV, CVSS and CWE; all or nothing."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mamori.engines.vulns import FeedError
from mamori.engines.vulns.cve5 import AffectedVersion, Cve5Record, looks_like_cve5, parse_cve5, read_cve5_file
from mamori.engines.vulns.records import CvssScore
from tests.engines.vulns.conftest import DATA

HERE = DATA / "kev_epss_cve5"
BUNDLE = HERE / "cve5_bundle_three_records.json"


def _real(vuln_samples: Path, cve_id: str) -> Cve5Record:
    cve5 = read_cve5_file(vuln_samples / f"cve5_vulnrichment_{cve_id}.json")
    (record,) = cve5.records
    assert record.cve_id == cve_id and record.state == "PUBLISHED"
    return record


@pytest.mark.parametrize(("cve_id", "decision"), [
    ("CVE-2018-13379", ("active", "yes", "partial")),
    ("CVE-2022-42475", ("active", "yes", "total")),
    ("CVE-2023-43208", ("active", "yes", "total")),
    ("CVE-2023-30563", ("none", "no", "partial")),
    ("CVE-2023-40150", ("none", "yes", "total")),
])
def test_the_real_records_give_cisas_ssvc_decision(vuln_samples: Path, cve_id: str,
                                                    decision: tuple[str, str, str]) -> None:
    ssvc = _real(vuln_samples, cve_id).ssvc
    assert ssvc is not None
    assert (ssvc.exploitation, ssvc.automatable, ssvc.technical_impact) == decision
    assert (ssvc.version, ssvc.role) == ("2.0.3", "CISA Coordinator") and ssvc.timestamp is not None


def test_the_meddream_record_has_its_messy_version_stripped(vuln_samples: Path) -> None:
    record = _real(vuln_samples, "CVE-2023-40150")
    (product,) = record.affected
    assert (product.vendor, product.product, product.default_status) == ("Softneta", "MedDream PACS", "unaffected")
    assert product.versions == (AffectedVersion("affected", "0", less_than_or_equal="v7.2.8.810",
                                                version_type="custom"),)
    assert record.cvss == (CvssScore("3.1", "icscert", "Primary", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                     9.8, "CRITICAL"),)
    assert (record.cwes, record.kev_date_added) == (("CWE-749",), None)
    assert record.title == "Softneta MedDream PACS Exposed Dangerous Method or Function"
    assert record.description.startswith("Softneta MedDream PACS does not perform an authentication check")
    assert record.published == datetime(2023, 9, 11, 19, 5, 0, 754000, tzinfo=UTC)


def test_the_mirth_record_takes_kev_cvss_and_cwe_from_cisa_adp(vuln_samples: Path) -> None:
    record = _real(vuln_samples, "CVE-2023-43208")
    assert record.kev_date_added == date(2024, 5, 20)
    assert [(s.source, s.type, s.version, s.base_score) for s in record.cvss] == [("CISA-ADP", "Secondary", "3.1", 9.8)]
    assert record.cwes == ("CWE-502",)
    assert record.published == datetime(2023, 10, 26, tzinfo=UTC)  # written without a zone: UTC


def test_the_fortios_records_give_kev_dates_and_ranges(vuln_samples: Path) -> None:
    old = _real(vuln_samples, "CVE-2018-13379")
    assert (old.kev_date_added, old.cwes) == (date(2021, 11, 3), ("CWE-22",))
    assert [(s.source, s.base_score) for s in old.cvss] == [("fortinet", 9.1)]
    heap = _real(vuln_samples, "CVE-2022-42475")
    assert (heap.kev_date_added, heap.cwes) == (date(2022, 12, 13), ("CWE-197",))
    fortios = next(p for p in heap.affected if p.product == "FortiOS")
    assert AffectedVersion("affected", "7.2.0", less_than_or_equal="7.2.2", version_type="semver") in fortios.versions


def test_a_bundle_gives_every_record_in_order() -> None:
    meddream, example, rejected = read_cve5_file(BUNDLE).records
    assert meddream.ssvc is not None  # written None/Yes/Total
    assert (meddream.ssvc.exploitation, meddream.ssvc.automatable, meddream.ssvc.technical_impact) == (
        "none", "yes", "total")
    assert meddream.title == "Softneta MedDream PACS Exposed Dangerous Method or Function"  # trailing space gone
    assert meddream.description.startswith("Hand-written test record: the PACS")  # leading newline gone
    assert meddream.affected[0].versions[0].less_than_or_equal == "v7.2.8.810"
    assert example.ssvc is not None and example.ssvc.exploitation == "active"  # was Active
    assert example.ssvc.timestamp == datetime(2099, 3, 4, 5, 6, 7, 8, tzinfo=UTC)
    assert example.kev_date_added == date(2099, 3, 4)
    assert [(s.version, s.source, s.type, s.base_score, s.severity) for s in example.cvss] == [
        ("4.0", "example", "Primary", 8.7, "HIGH"), ("3.0", "example", "Primary", 7.5, "HIGH"),
        ("2.0", "example", "Primary", 5.0, ""), ("3.1", "CISA-ADP", "Secondary", 9.8, "CRITICAL")]
    assert example.description.startswith("Hand-written test record: every CVSS")  # en-US, not the es text
    (package,) = example.affected
    assert (package.vendor, package.product, package.cpes) == (
        "", "example-hl7-bridge", ("cpe:2.3:a:example:hl7_bridge:*:*:*:*:*:*:*:*",))
    assert package.versions == (AffectedVersion("affected", "2.0", less_than="2.4.1", version_type="semver"),
                                AffectedVersion("unaffected", "2.4.1"))
    assert example.cwes == ("CWE-502",) and example.published == datetime(2099, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert (rejected.cve_id, rejected.state, rejected.published) == ("CVE-2099-0002", "REJECTED", None)
    assert rejected.description == "Hand-written test record: a duplicate of CVE-2099-0001."
    assert (rejected.affected, rejected.cvss, rejected.ssvc) == ((), (), None)


def test_a_gzipped_bundle_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "cves.json.gz"
    path.write_bytes(gzip.compress(BUNDLE.read_bytes()))
    assert read_cve5_file(path).records == read_cve5_file(BUNDLE).records


def test_an_empty_bundle_has_no_records() -> None:
    assert parse_cve5(b"[]", "empty.json").records == ()


def test_malformed_json_is_refused_with_its_line() -> None:
    with pytest.raises(FeedError, match=r"^cve5_malformed_trailing_comma\.json, line 7: JSON is malformed: "
                                        r"trailing comma in object \(byte 132\)$"):
        read_cve5_file(HERE / "cve5_malformed_trailing_comma.json")


def test_truncated_json_and_a_truncated_gzip_are_refused(tmp_path: Path) -> None:
    data = BUNDLE.read_bytes()
    with pytest.raises(FeedError, match=rf"^b\.json, line 50: truncated JSON: the data ends at byte {2000:,}"):
        parse_cve5(data[:2000], "b.json")
    path = tmp_path / "b.json.gz"
    path.write_bytes(gzip.compress(data)[:-10])
    with pytest.raises(FeedError, match=r"^b\.json\.gz: truncated gzip stream"):
        read_cve5_file(path)


def _edited(old: bytes, new: bytes) -> bytes:
    """The bundle with one edit that keeps every line where it was."""
    data = BUNDLE.read_bytes()
    assert data.count(old) == 1
    return data.replace(old, new)


def test_a_wrong_type_in_a_bundle_names_the_record_line_and_the_path() -> None:
    with pytest.raises(FeedError, match=r"^b\.json, line 52, \$\[1\]\.containers\.cna\.affected\[0\]\.packageName: "
                                        r"Expected `str`, got `int`$") as caught:
        parse_cve5(_edited(b'"packageName": "example-hl7-bridge"', b'"packageName": 42'), "b.json")
    assert caught.value.code == "feed_bad_value"


def test_a_wrong_type_in_a_single_record_names_the_path() -> None:
    record = json.loads(BUNDLE.read_bytes())[0]
    record["containers"]["cna"]["affected"][0]["versions"] = "0 to 7.2.8.810"
    with pytest.raises(FeedError, match=r"^r\.json, \$\.containers\.cna\.affected\[0\]\.versions: "
                                        r"Expected `array`, got `str`$"):
        parse_cve5(json.dumps(record).encode(), "r.json")


def test_a_bad_cve_id_is_refused() -> None:
    with pytest.raises(FeedError, match=r"^b\.json, line 52, \$\[1\]\.cveMetadata\.cveId: not a CVE id "
                                        r"\(CVE-YYYY-NNNN\): 'CVE-99-1'$"):
        parse_cve5(_edited(b'"cveId": "CVE-2099-0001"', b'"cveId": "CVE-99-1"'), "b.json")


def test_a_cve_twice_in_a_bundle_is_refused() -> None:
    with pytest.raises(FeedError, match=r"^b\.json, line 113, \$\[2\]\.cveMetadata\.cveId: CVE-2099-0001 is in the "
                                        r"file twice \(first at \$\[1\]\)$") as caught:
        parse_cve5(_edited(b'"cveId": "CVE-2099-0002"', b'"cveId": "CVE-2099-0001"'), "b.json")
    assert caught.value.code == "feed_duplicate_id"


def test_bad_ssvc_values_are_refused_with_the_options_path() -> None:
    data = _edited(b'{"Exploitation": "Active"}, {"Automatable": "no"}', b'{"Exploitation": "maybe"}')
    with pytest.raises(FeedError, match=r"^b\.json, line 52, \$\[1\]\.containers\.adp\[1\]\.metrics\[2\]\.other\."
                                        r"content\.options: SSVC exploitation must be none or poc or active, not "
                                        r"'maybe' \(and 1 more problem\)$") as caught:
        parse_cve5(data, "b.json")
    assert str(caught.value.problems[1]).endswith("SSVC automatable must be no or yes, not ''")


def test_a_bad_kev_date_a_bad_cwe_and_a_bad_state_are_all_reported() -> None:
    data = _edited(b'"dateAdded": "2099-03-04"', b'"dateAdded": "04/03/2099"')
    data = data.replace(b'"cweId": "CWE-749"', b'"cweId": "749"').replace(b'"REJECTED"', b'"RESERVED"')
    with pytest.raises(FeedError, match=r"^b\.json, line 2, \$\[0\]\.containers\.cna\.problemTypes\[0\]\."
                                        r"descriptions\[0\]\.cweId: not a CWE id \(CWE-N\): '749' "
                                        r"\(and 2 more problems\)$") as caught:
        parse_cve5(data, "b.json")
    assert [str(p).split(": ", 1)[1] for p in caught.value.problems[1:]] == [
        "not a date (YYYY-MM-DD): '04/03/2099'", "state must be PUBLISHED or REJECTED, not 'RESERVED'"]


def test_a_document_that_is_not_a_cve_record_is_refused() -> None:
    with pytest.raises(FeedError, match=r"^n\.json, \$: Object missing required field `dataType`$"):
        parse_cve5((DATA / "api20_fortios_cve-2022-42475.json").read_bytes(), "n.json")
    record = json.loads(BUNDLE.read_bytes())[2]
    record["dataType"] = "CVE_RECORD_LIST"
    with pytest.raises(FeedError, match=r"^r\.json, \$\.dataType: not a CVE JSON 5 record: dataType is "
                                        r"'CVE_RECORD_LIST', not 'CVE_RECORD'$"):
        parse_cve5(json.dumps(record).encode(), "r.json")


def test_cve5_files_are_recognised_by_their_content(vuln_samples: Path) -> None:
    assert looks_like_cve5(BUNDLE.read_bytes()[:1024])
    assert looks_like_cve5((vuln_samples / "cve5_vulnrichment_CVE-2023-43208.json").read_bytes()[:4096])
    assert looks_like_cve5(b'{"dataType" : "CVE_RECORD"}')
    assert not looks_like_cve5((HERE / "kev_three_entries.json").read_bytes())
    assert not looks_like_cve5((DATA / "api20_fortios_cve-2022-42475.json").read_bytes()[:4096])
