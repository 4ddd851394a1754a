"""CSAF 2.0 files to plain advisories: the real CISA ICSMA and Fortinet files, hand-written ones, all or nothing."""

from __future__ import annotations

import gzip
import hashlib
import json
import lzma
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.vulns.csaf import CSAF_HEAD_BYTES, looks_like_csaf, parse_csaf, read_csaf_file
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.records import CvssScore
from tests.engines.vulns.conftest import DATA

CSAF = DATA / "csaf"
CONTEC = CSAF / "icsma-25-030-01_contec_cms8000_all_versions.json"
FORTI = CSAF / "fortinet_fg-ir-22-398_relationships_groups.json"
MEDICAL = CSAF / "medical_name_forms.json"


def _document(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def icsma_files(shared_data: Path) -> list[Path]:
    folder = shared_data / "vulns" / "csaf-icsma"
    if not folder.is_dir():
        pytest.skip(f"real ICSMA advisories not present at {folder}")
    return sorted(folder.glob("*.json"))


# --- real files -------------------------------------------------------------------------------------------

def test_every_real_icsma_advisory_parses_with_products_and_vulnerabilities(icsma_files: list[Path]) -> None:
    assert len(icsma_files) == 144
    for path in icsma_files:
        advisory = read_csaf_file(path)
        assert advisory.tracking_id.upper().startswith("ICSMA-"), path.name
        assert advisory.products and advisory.vulnerabilities, path.name
        ids = {p.product_id for p in advisory.products}
        assert all(set(v.known_affected) <= ids for v in advisory.vulnerabilities), path.name


def test_the_meddream_advisory_gives_every_field_mamori_keeps(vuln_samples: Path) -> None:
    advisory = read_csaf_file(vuln_samples / "csaf_icsma-23-248-01.json")
    assert (advisory.tracking_id, advisory.title, advisory.publisher) == (
        "ICSMA-23-248-01", "Softneta MedDream PACS Premium", "CISA")
    assert (advisory.category, advisory.status, advisory.version, advisory.tlp) == (
        "csaf_security_advisory", "final", "1", "WHITE")
    assert advisory.current_release_date == datetime(2023, 9, 5, 6, 0, tzinfo=UTC)
    assert advisory.references[0][1].endswith("icsma-23-248-01.json")
    (product,) = advisory.products
    assert (product.product_id, product.vendor, product.product, product.version_text, product.version_kind) == (
        "CSAFPID-0001", "Softneta", "MedDream PACS", "<= 7.2.8.810", "range")
    first = advisory.vulnerabilities[0]
    assert (first.cve_id, first.cwes, first.known_affected, first.affected) == (
        "CVE-2023-40150", ("CWE-749",), ("CSAFPID-0001",), ("CSAFPID-0001",))
    assert first.scores == (CvssScore("3.0", "CISA", "Secondary", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                      9.8, "CRITICAL"),)
    assert [r.category for r in first.remediations] == ["vendor_fix", "mitigation"]
    assert first.remediations[0].url.endswith("MedDream-PACS-Premium-7.2.9.820.exe")


def test_the_philips_advisory_keeps_the_free_text_versions(vuln_samples: Path) -> None:
    advisory = read_csaf_file(vuln_samples / "csaf_icsma-20-254-01.json")
    mx = advisory.product("CSAFPID-0006")
    assert mx is not None and (mx.vendor, mx.product, mx.version_text) == (
        "Philips", "IntelliVue patient monitor MX400-MX850", "<=N")
    assert "CVE-2020-16212" in {v.cve_id for v in advisory.vulnerabilities}


def test_the_fortinet_psirt_file_enumerates_versions_and_names_branches_as_products(vuln_samples: Path) -> None:
    advisory = read_csaf_file(vuln_samples / "fortinet_csaf_fixture_ssl-vpn-bookmarks.json")
    assert advisory.tracking_id == "FG-IR-25-756" and advisory.publisher == "Fortinet PSIRT"
    assert advisory.current_release_date == datetime(2025, 9, 30, 8, 52, 10, tzinfo=UTC)  # no zone given: UTC
    assert len(advisory.products) == 138
    product = advisory.product("FortiGate-7.0.3")
    assert product is not None and (product.vendor, product.product, product.version_text, product.version_kind) == (
        "Fortinet PSIRT", "FortiOS", "FortiOS 7.0.3", "exact")
    fortios = advisory.vulnerabilities[0]
    assert fortios.cve_id == "" and fortios.title.startswith("FortiOS - Medium - FG-IR-25-756")
    assert (len(fortios.known_affected), len(fortios.known_not_affected)) == (57, 6)
    # Fortinet writes the product-name branch "FortiOS" where a product id belongs: it stands for its versions.
    assert len(fortios.remediations[0].product_ids) == 63 and "FortiGate-7.0.3" in fortios.remediations[0].product_ids
    assert fortios.scores[0].source == "Fortinet PSIRT" and fortios.scores[0].base_score == 6.7


# --- hand-written files -----------------------------------------------------------------------------------

def test_a_cvss_v4_score_is_kept_beside_v31() -> None:
    (vuln,) = read_csaf_file(CONTEC).vulnerabilities
    assert vuln.cve_id == "CVE-2025-0626" and vuln.cwes == ("CWE-912",)
    assert [(s.version, s.base_score, s.source, s.type) for s in vuln.scores] == [
        ("4.0", 7.7, "CISA", "Secondary"), ("3.1", 7.5, "CISA", "Secondary")]


def test_relationships_groups_helpers_and_every_status_list() -> None:
    advisory = read_csaf_file(FORTI)
    on_box = advisory.product("FortiOS-7.2.2-FG-100F")
    assert on_box is not None
    assert (on_box.vendor, on_box.product, on_box.version_text) == ("Fortinet PSIRT", "FortiOS", "FortiOS 7.2.2")
    assert (on_box.relation, on_box.platform, on_box.full_name) == (
        "installed_on", "FortiGate 100F", "FortiOS 7.2.2 on FortiGate 100F")
    box = advisory.product("FG-100F")
    assert box is not None and (box.product, box.version_kind, box.model_numbers, box.purls) == (
        "FortiGate 100F", "none", ("FG-100F",), ("pkg:generic/fortinet/fortigate-100f",))
    assert advisory.products[0].cpe == "cpe:2.3:o:fortinet:fortios:7.2.0:*:*:*:*:*:*:*"
    plain = advisory.product("SSLVPN")
    assert plain is not None and (plain.vendor, plain.product) == ("", "FortiOS SSL-VPN")
    first, investigating = advisory.vulnerabilities
    assert first.known_affected == ("FortiOS-7.2.0", "FortiOS-7.2.1", "FortiOS-7.2.2-FG-100F", "FortiOS-7.2.2")
    assert (first.fixed, first.known_not_affected) == (("FortiOS-7.2.3",), ("SSLVPN",))
    assert first.remediations[0].product_ids == ("FortiOS-7.2.0", "FortiOS-7.2.1", "FortiOS-7.2.2", "FortiOS-7.2.3")
    assert [(s.version, s.severity) for s in first.scores] == [("3.1", "CRITICAL"), ("2.0", "HIGH")]
    assert (investigating.cve_id, investigating.title, investigating.ids) == (
        "", "FG-IR-22-398-B", (("Fortinet PSIRT", "FG-IR-22-398-B"),))
    assert investigating.under_investigation == ("FortiOS-7.2.3",) and investigating.affected == ()


def test_product_family_and_name_branches_are_joined() -> None:
    names = {p.product for p in read_csaf_file(FORTI).products}
    assert "FortiGate 100F" in names


@pytest.mark.parametrize("pack", ["gz", "xz", "zip"])
def test_compressed_files_give_the_same_advisory(tmp_path: Path, pack: str) -> None:
    raw = CONTEC.read_bytes()
    path = tmp_path / f"{CONTEC.name}.{pack}"
    if pack == "gz":
        path.write_bytes(gzip.compress(raw))
    elif pack == "xz":
        path.write_bytes(lzma.compress(raw))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(CONTEC.name, raw)
    advisory = read_csaf_file(path)
    assert advisory.filename == path.name
    assert advisory.vulnerabilities == read_csaf_file(CONTEC).vulnerabilities


def test_a_truncated_gzip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "icsma.json.gz"
    path.write_bytes(gzip.compress(CONTEC.read_bytes())[:-40])
    with pytest.raises(FeedError, match=r"icsma\.json\.gz: truncated gzip stream") as caught:
        read_csaf_file(path)
    assert caught.value.code == "feed_truncated"


# --- checksums --------------------------------------------------------------------------------------------

def _copy(tmp_path: Path) -> Path:
    path = tmp_path / "icsma-25-030-01.json"
    path.write_bytes(CONTEC.read_bytes())
    return path


def test_a_matching_sha512_beside_the_file_is_accepted(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    digest = hashlib.sha512(path.read_bytes()).hexdigest()
    (tmp_path / "icsma-25-030-01.json.sha512").write_text(f"{digest}  icsma-25-030-01.json\n")
    assert read_csaf_file(path).tracking_id == "ICSMA-25-030-01"


def test_a_sha512_mismatch_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    (tmp_path / "icsma-25-030-01.json.sha512").write_text("0" * 128 + "  icsma-25-030-01.json\n")
    with pytest.raises(FeedError, match=r"icsma-25-030-01\.json: SHA512 mismatch: icsma-25-030-01\.json\.sha512 says "
                                        r"0000000000000000…") as caught:
        read_csaf_file(path)
    assert caught.value.code == "feed_checksum" and caught.value.params["algorithm"] == "sha512"
    assert read_csaf_file(path, check_hash=False).tracking_id == "ICSMA-25-030-01"


def test_a_sha256_mismatch_is_refused_and_a_checksum_file_without_a_digest_too(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    sidecar = tmp_path / "icsma-25-030-01.json.sha256"
    sidecar.write_text(hashlib.sha256(b"another file").hexdigest())
    with pytest.raises(FeedError, match="SHA256 mismatch"):
        read_csaf_file(path)
    sidecar.write_text("not a digest")
    with pytest.raises(FeedError, match=r"icsma-25-030-01\.json\.sha256 does not hold a SHA256 digest") as caught:
        read_csaf_file(path)
    assert caught.value.code == "feed_checksum"


# --- refused documents ------------------------------------------------------------------------------------

def test_malformed_json_is_refused_with_its_line() -> None:
    with pytest.raises(FeedError, match=r"bad_malformed_json\.json, line 56: JSON is malformed: trailing comma") \
            as caught:
        read_csaf_file(CSAF / "bad_malformed_json.json")
    assert caught.value.code == "feed_malformed"


def test_truncated_json_is_refused() -> None:
    data = CONTEC.read_bytes()[:900]
    with pytest.raises(FeedError, match=r"cut\.json, line \d+: truncated JSON: the data ends at byte 900") as caught:
        parse_csaf(data, "cut.json")
    assert caught.value.code == "feed_truncated"


def test_an_unknown_product_id_is_refused_with_its_json_path() -> None:
    with pytest.raises(FeedError, match=r"bad_unknown_product_id\.json, \$\.vulnerabilities\[0\]\.product_status\."
                                        r"known_affected\[1\]: unknown product id 'CSAFPID-0009'") as caught:
        read_csaf_file(CSAF / "bad_unknown_product_id.json")
    assert caught.value.code == "csaf_unknown_product" and caught.value.params["value"] == "CSAFPID-0009"


def test_csaf_21_is_refused_with_the_reason() -> None:
    with pytest.raises(FeedError, match=r"\$\.document\.csaf_version: CSAF version '2\.1' is not supported: Mamori "
                                        r"reads CSAF 2\.0 only") as caught:
        read_csaf_file(CSAF / "bad_csaf_version_2_1.json")
    assert caught.value.code == "csaf_version" and caught.value.params == {"version": "2.1"}


def test_a_product_id_defined_twice_is_refused() -> None:
    with pytest.raises(FeedError, match=r"\$\.product_tree\.branches\[0\]\.branches\[0\]\.branches\[1\]\.product\."
                                        r"product_id: product id 'CSAFPID-0001' is defined twice"):
        read_csaf_file(CSAF / "bad_duplicate_product_id.json")


def test_every_problem_is_collected_before_the_file_is_refused() -> None:
    with pytest.raises(FeedError, match=r"\$\.document\.tracking\.current_release_date: not a date and time: "
                                        r"'30 January 2025' \(and 1 more problem\)") as caught:
        read_csaf_file(CSAF / "bad_date_and_cve_id.json")
    assert [p.code for p in caught.value.problems] == ["feed_bad_date", "feed_bad_cve_id"]
    assert caught.value.problems[1].location.field == "$.vulnerabilities[0].cve"


def test_a_wrong_type_is_refused_with_its_json_path(tmp_path: Path) -> None:
    document = _document(CONTEC)
    document["product_tree"]["branches"][0]["branches"][0]["name"] = 8000
    with pytest.raises(FeedError, match=r"\$\.product_tree\.branches\[0\]\.branches\[0\]\.name: Expected `str`, "
                                        r"got `int`") as caught:
        read_csaf_file(_write(tmp_path, "typed.json", document))
    assert caught.value.code == "feed_bad_value"


def test_an_unknown_product_in_a_score_or_remediation_is_refused(tmp_path: Path) -> None:
    document = _document(CONTEC)
    document["vulnerabilities"][0]["scores"][0]["products"] = ["CMS9000"]
    document["vulnerabilities"][0]["remediations"][0]["group_ids"] = ["NO-GROUP"]
    with pytest.raises(FeedError, match=r"scores\[0\]\.products\[0\]: unknown product id 'CMS9000'.*\(and 1 more") \
            as caught:
        read_csaf_file(_write(tmp_path, "refs.json", document))
    assert caught.value.problems[1].code == "csaf_unknown_group"


def test_a_relationship_to_an_unknown_product_is_refused(tmp_path: Path) -> None:
    document = _document(FORTI)
    document["product_tree"]["relationships"][0]["relates_to_product_reference"] = "FG-200F"
    with pytest.raises(FeedError, match=r"\$\.product_tree\.relationships\[0\]\.relates_to_product_reference: "
                                        r"unknown product id 'FG-200F'"):
        read_csaf_file(_write(tmp_path, "rel.json", document))


def test_branches_nested_too_deep_are_refused(tmp_path: Path) -> None:
    document = _document(CONTEC)
    branch: dict[str, Any] = {"category": "product_name", "name": "deep",
                              "product": {"name": "deep", "product_id": "DEEP"}}
    for _ in range(45):
        branch = {"category": "product_family", "name": "level", "branches": [branch]}
    document["product_tree"]["branches"].append(branch)
    with pytest.raises(FeedError, match="branches nested deeper than 40 levels"):
        read_csaf_file(_write(tmp_path, "deep.json", document))


def test_a_file_that_is_not_csaf_is_refused(tmp_path: Path) -> None:
    nvd = DATA / "api20_fortios_cve-2022-42475.json"
    with pytest.raises(FeedError, match=r"api20_fortios_cve-2022-42475\.json: not a CSAF document") as caught:
        read_csaf_file(nvd)
    assert caught.value.code == "feed_not_csaf"


def test_looks_like_csaf_tells_csaf_from_other_feeds() -> None:
    for path in (CONTEC, FORTI, MEDICAL):
        assert looks_like_csaf(path.read_bytes()[:CSAF_HEAD_BYTES])
    assert not looks_like_csaf((DATA / "api20_fortios_cve-2022-42475.json").read_bytes()[:CSAF_HEAD_BYTES])
    assert not looks_like_csaf(b"<?xml version='1.0'?><rdf:RDF/>")
    assert looks_like_csaf(b"\xef\xbb\xbf  {\"document\": {\"csaf_version\": \"2.0\"")


def test_looks_like_csaf_accepts_every_real_icsma_head(icsma_files: list[Path]) -> None:
    assert all(looks_like_csaf(p.read_bytes()[:CSAF_HEAD_BYTES]) for p in icsma_files)
