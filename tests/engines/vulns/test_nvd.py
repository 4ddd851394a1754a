"""NVD files to records: API 2.0, a bare 2.0 record, the 1.1 feed; plain/gz/xz/zip; all or nothing."""

from __future__ import annotations

import gzip
import json
import lzma
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.vulns import FeedError, read_nvd_file
from mamori.engines.vulns.cpe import Cpe
from mamori.engines.vulns.nvd import parse_nvd_json
from mamori.engines.vulns.versions import VersionRange
from tests.engines.vulns.conftest import DATA

FORTIOS = DATA / "api20_fortios_cve-2022-42475.json"
TRICKY = DATA / "api20_tricky_configurations.json"
LEGACY = DATA / "nvd11_two_records.json"


def _document(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def test_an_api_20_file_gives_every_field_mamori_keeps() -> None:
    feed = read_nvd_file(FORTIOS)
    assert (feed.shape, feed.filename, feed.timestamp) == ("api-2.0", FORTIOS.name, datetime(2025, 11, 1, tzinfo=UTC))
    (record,) = feed.records
    assert record.cve_id == "CVE-2022-42475" and record.status == "Analyzed"
    assert record.published == datetime(2023, 1, 2, 9, 15, 10, 297000, tzinfo=UTC)
    assert record.description.startswith("Hand-written test record")
    assert [(s.version, s.source, s.type, s.base_score) for s in record.cvss] == [
        ("3.1", "nvd@nist.gov", "Primary", 9.8), ("3.1", "psirt@fortinet.com", "Secondary", 9.8)]
    assert record.cwes == ("CWE-197", "CWE-787")
    assert record.kev is not None and (record.kev.date_added, record.kev.action_due) == ("2022-12-13", "2023-01-03")
    assert [r.url for r in record.references] == ["https://fortiguard.com/psirt/FG-IR-22-398"]
    first, _proxy, on_hardware = record.configurations
    assert first.operator == "OR" and len(first.nodes[0].cpe_match) == 9
    entry = first.nodes[0].cpe_match[4]
    assert entry.cpe == Cpe("o", "fortinet", "fortios") and entry.vulnerable
    assert entry.bounds == VersionRange(start_including="6.0.0", end_excluding="6.0.16")
    assert entry.criteria == "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*" and len(entry.match_criteria_id) == 36
    assert on_hardware.operator == "AND" and [n.operator for n in on_hardware.nodes] == ["OR", "OR"]
    assert not any(m.vulnerable for m in on_hardware.nodes[1].cpe_match)


def test_a_bare_record_as_fkie_stores_it_is_read(tmp_path: Path) -> None:
    cve = _document(FORTIOS)["vulnerabilities"][0]["cve"]
    feed = read_nvd_file(_write(tmp_path, "CVE-2022-42475.json", cve))
    assert feed.shape == "record-2.0" and feed.timestamp is None
    assert [r.cve_id for r in feed.records] == ["CVE-2022-42475"]


def test_the_legacy_11_feed_becomes_the_same_records() -> None:
    feed = read_nvd_file(LEGACY)
    assert feed.shape == "feed-1.1" and feed.timestamp == datetime(2020, 9, 17, 7, 46, tzinfo=UTC)
    old, pump = feed.records
    assert old.cve_id == "CVE-2018-13379" and old.last_modified == datetime(2020, 1, 22, 17, 15, tzinfo=UTC)
    assert [(s.version, s.source, s.base_score, s.severity) for s in old.cvss] == [
        ("3.1", "nvd@nist.gov", 9.8, "CRITICAL"), ("2.0", "nvd@nist.gov", 5.0, "MEDIUM")]
    assert old.cwes == ("CWE-22",) and old.references[0].source == "CONFIRM"
    (config,) = old.configurations
    assert [m.bounds for m in config.entries()] == [VersionRange(start_including="5.6.3", end_including="5.6.7"),
                                                    VersionRange(start_including="6.0.0", end_including="6.0.4")]
    (children,) = pump.configurations  # a node with `children` is an AND configuration of the children
    assert children.operator == "AND" and len(children.nodes) == 2
    assert [m.vulnerable for m in children.entries()] == [True, False, False]


@pytest.mark.parametrize("packing", ["gz", "xz", "zip"])
def test_compressed_files_are_read_by_their_magic_bytes(tmp_path: Path, packing: str) -> None:
    data = FORTIOS.read_bytes()
    path = tmp_path / "feed.bin"  # the suffix says nothing
    if packing == "gz":
        path.write_bytes(gzip.compress(data))
    elif packing == "xz":
        path.write_bytes(lzma.compress(data))
    else:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("nvdcve-2.0-2022.json", data)
    assert read_nvd_file(path).records[0].cve_id == "CVE-2022-42475"


def test_concatenated_gzip_members_are_one_stream(tmp_path: Path) -> None:
    data = FORTIOS.read_bytes()
    path = tmp_path / "feed.json.gz"
    path.write_bytes(gzip.compress(data[:1000]) + gzip.compress(data[1000:]))
    assert len(read_nvd_file(path).records) == 1


def test_truncated_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "nvdcve-2.0-2022.json"
    path.write_bytes(FORTIOS.read_bytes()[:5000])
    lines = FORTIOS.read_bytes()[:5000].count(b"\n") + 1
    with pytest.raises(FeedError, match=rf"^nvdcve-2\.0-2022\.json, line {lines}: truncated JSON: the data ends at "
                                        r"byte 5,000 before the document does"):
        read_nvd_file(path)


def test_malformed_json_is_refused_with_line_and_byte(tmp_path: Path) -> None:
    text = FORTIOS.read_text(encoding="utf-8").replace('"vulnStatus": "Analyzed",', '"vulnStatus": "Analyzed",,', 1)
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(",,") + 1].count("\n") + 1
    with pytest.raises(FeedError, match=rf"^bad\.json, line {line}: JSON is malformed: .* \(byte \d+\)$"):
        read_nvd_file(path)


def test_a_truncated_gzip_stream_is_refused_with_its_length(tmp_path: Path) -> None:
    packed = gzip.compress(FORTIOS.read_bytes())
    path = tmp_path / "nvdcve-2.0-2022.json.gz"
    path.write_bytes(packed[:-200])
    with pytest.raises(FeedError, match=rf"^nvdcve-2\.0-2022\.json\.gz: truncated gzip stream: the data ends at byte "
                                        rf"{len(packed) - 200:,} before the end"):
        read_nvd_file(path)


def test_corrupt_gzip_data_is_refused_with_its_position(tmp_path: Path) -> None:
    packed = bytearray(gzip.compress(FORTIOS.read_bytes()))
    packed[40:60] = b"\xff" * 20
    path = tmp_path / "feed.json.gz"
    path.write_bytes(bytes(packed))
    with pytest.raises(FeedError, match=r"^feed\.json\.gz: corrupt gzip data near byte 0: .*(invalid|incorrect)"):
        read_nvd_file(path)


def test_a_truncated_xz_stream_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "CVE-2022-42475.json.xz"
    path.write_bytes(lzma.compress(FORTIOS.read_bytes())[:-30])
    with pytest.raises(FeedError, match=r"^CVE-2022-42475\.json\.xz: (truncated xz stream|corrupt xz data)"):
        read_nvd_file(path)


def test_a_zip_with_several_files_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "feeds.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.json", "{}")
        archive.writestr("b.json", "{}")
    with pytest.raises(FeedError, match=r"^feeds\.zip: a feed \.zip must hold exactly one file, this one holds 2"):
        read_nvd_file(path)


def test_a_file_that_would_decompress_too_far_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.json.gz"
    path.write_bytes(gzip.compress(b" " * 100_000))
    with pytest.raises(FeedError, match=r"^bomb\.json\.gz: decompresses to more than 50,000 bytes"):
        read_nvd_file(path, max_bytes=50_000)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match=r"nvdcve-2\.0-2030\.json: cannot read the file"):
        read_nvd_file(tmp_path / "nvdcve-2.0-2030.json")


def test_a_wrong_type_is_refused_with_its_json_path(tmp_path: Path) -> None:
    document = _document(TRICKY)
    document["vulnerabilities"][3]["cve"]["configurations"][0]["nodes"][0]["cpeMatch"][0]["vulnerable"] = "yes"
    with pytest.raises(FeedError, match=r"^x\.json, \$\.vulnerabilities\[3\]\.cve\.configurations\[0\]\.nodes\[0\]"
                                        r"\.cpeMatch\[0\]\.vulnerable: Expected `bool`, got `str`$"):
        read_nvd_file(_write(tmp_path, "x.json", document))


def test_every_bad_value_is_reported_and_nothing_is_returned(tmp_path: Path) -> None:
    document = _document(TRICKY)
    items = document["vulnerabilities"]
    items[1]["cve"]["configurations"][0]["nodes"][0]["cpeMatch"][0]["criteria"] = "cpe:2.3:a:example"
    items[4]["cve"]["lastModified"] = "yesterday"
    items[6]["cve"]["id"] = "CVE-99-1"
    items[7]["cve"]["configurations"][0]["nodes"][0]["operator"] = "XOR"
    with pytest.raises(FeedError) as caught:
        read_nvd_file(_write(tmp_path, "nvdcve.json", document))
    assert str(caught.value) == (
        "nvdcve.json, vulnerabilities[1].cve.configurations[0].nodes[0].cpeMatch[0].criteria: not a CPE 2.3 name "
        "(expected 13 parts, found 4): 'cpe:2.3:a:example' (and 3 more problems)")
    assert [str(p).split(": ")[0] for p in caught.value.problems] == [
        "nvdcve.json, vulnerabilities[1].cve.configurations[0].nodes[0].cpeMatch[0].criteria",
        "nvdcve.json, vulnerabilities[4].cve.lastModified",
        "nvdcve.json, vulnerabilities[6].cve.id",
        "nvdcve.json, vulnerabilities[7].cve.configurations[0].nodes[0].operator"]


def test_a_11_node_nested_too_deep_is_refused(tmp_path: Path) -> None:
    document = _document(LEGACY)
    children = document["CVE_Items"][1]["configurations"]["nodes"][0]["children"]
    children[0]["children"] = [{"operator": "OR", "cpe_match": []}]
    with pytest.raises(FeedError, match=r"^old\.json, CVE_Items\[1\]\.configurations\.nodes\[0\]\.children\[0\]: nodes "
                                        r"nested deeper than two levels have no API 2\.0 equivalent$"):
        read_nvd_file(_write(tmp_path, "old.json", document))


@pytest.mark.parametrize(("document", "message"), [
    ({"resultsPerPage": 0}, r"^x\.json: not an NVD feed: no 'vulnerabilities', 'CVE_Items' or CVE 'id' at the top$"),
    ([], r"^x\.json: Expected `object`, got `array`$"),
    ({"id": "CVE-2020-0001"}, r"^x\.json: Object missing required field `published`$"),
])
def test_other_json_is_not_taken_for_a_feed(tmp_path: Path, document: Any, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(FeedError, match=message):
        read_nvd_file(path)


def test_a_utf8_bom_is_accepted() -> None:
    assert parse_nvd_json(b"\xef\xbb\xbf" + FORTIOS.read_bytes(), "bom.json").records[0].cve_id == "CVE-2022-42475"


def test_records_without_configurations_are_kept() -> None:
    records = {r.cve_id: r for r in read_nvd_file(DATA / "api20_medical_devices.json").records}
    assert records["CVE-2025-0626"].configurations == () and records["CVE-2025-0626"].status == "Awaiting Analysis"
    assert [(s.version, s.base_score) for s in records["CVE-2025-0626"].cvss] == [("4.0", 7.7), ("3.1", 7.5)]


def test_errors_carry_a_code_for_the_users_language(tmp_path: Path) -> None:
    path = tmp_path / "cut.json.gz"
    path.write_bytes(gzip.compress(FORTIOS.read_bytes())[:-100])
    with pytest.raises(FeedError) as caught:
        read_nvd_file(path)
    assert caught.value.code == "feed_truncated" and caught.value.params == {"byte": path.stat().st_size}
    document = _document(TRICKY)
    document["vulnerabilities"][0]["cve"]["configurations"][0]["nodes"][0]["cpeMatch"][0]["criteria"] = "fortios"
    with pytest.raises(FeedError) as bad_cpe:
        read_nvd_file(_write(tmp_path, "x.json", document))
    assert bad_cpe.value.code == "cpe_invalid" and bad_cpe.value.params == {"text": "fortios", "more": 0}
