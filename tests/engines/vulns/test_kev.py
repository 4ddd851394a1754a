"""CISA KEV catalogue to entries: JSON and CSV, compressed or not, all or nothing with file, line and field."""

from __future__ import annotations

import gzip
import json
import lzma
import zipfile
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from mamori.engines.vulns import FeedError
from mamori.engines.vulns.kev import KevEntry, looks_like_kev, parse_kev, read_kev_file
from tests.engines.vulns.conftest import DATA

HERE = DATA / "kev_epss_cve5"
JSON_FILE = HERE / "kev_three_entries.json"
CSV_FILE = HERE / "kev_three_entries_excel_utf8.csv"


@pytest.fixture(scope="module")
def kev_folder(shared_data: Path) -> Path:
    folder = shared_data / "vulns" / "kev"
    if not (folder / "known_exploited_vulnerabilities.json").is_file():
        pytest.skip(f"the real KEV catalogue is not present at {folder}")
    return folder


def _by_id(entries: tuple[KevEntry, ...]) -> dict[str, KevEntry]:
    return {e.cve_id: e for e in entries}


def test_the_full_real_catalogue_has_every_entry_with_its_fields(kev_folder: Path) -> None:
    path = kev_folder / "known_exploited_vulnerabilities.json"
    header = json.loads(path.read_bytes())
    catalog = read_kev_file(path)
    assert len(catalog.entries) == header["count"] == 1404
    assert (catalog.title, catalog.catalog_version) == ("CISA Catalog of Known Exploited Vulnerabilities", "2025.08.25")
    assert catalog.date_released == datetime(2025, 8, 25, 17, 4, 19, 979600, tzinfo=UTC)
    assert Counter(e.ransomware for e in catalog.entries) == {"Unknown": 1111, "Known": 293}
    entries = _by_id(catalog.entries)
    fortios = entries["CVE-2022-42475"]
    assert (fortios.vendor_project, fortios.product, fortios.date_added, fortios.due_date, fortios.ransomware,
            fortios.cwes) == ("Fortinet", "FortiOS", date(2022, 12, 13), date(2023, 1, 3), "Known", ("CWE-197",))
    assert fortios.name == "Fortinet FortiOS Heap-Based Buffer Overflow Vulnerability"
    assert fortios.required_action == "Apply updates per vendor instructions."
    assert fortios.notes.startswith("https://www.fortiguard.com/psirt/FG-IR-22-398;")
    mirth = entries["CVE-2023-43208"]
    assert (mirth.vendor_project, mirth.product, mirth.date_added, mirth.due_date) == (
        "NextGen Healthcare", "Mirth Connect", date(2024, 5, 20), date(2024, 6, 10))
    # The domain notes (§4.5) say "Unknown"; this 2025-08-25 snapshot says "Known": CISA changed it since.
    assert mirth.ransomware == "Known"
    assert entries["CVE-2019-11510"].due_date < entries["CVE-2019-11510"].date_added  # ED 21-03's deadline


def test_the_real_json_and_csv_give_identical_entries(kev_folder: Path) -> None:
    from_json = read_kev_file(kev_folder / "known_exploited_vulnerabilities.json")
    from_csv = read_kev_file(kev_folder / "known_exploited_vulnerabilities.csv")
    assert from_csv.entries == from_json.entries
    assert sum(len(e.cwes) > 1 for e in from_csv.entries) == 82  # "CWE-20, CWE-79" split as the JSON lists them
    assert (from_csv.title, from_csv.catalog_version, from_csv.date_released) == ("", "", None)


def test_the_real_subset_reads_in_both_formats(vuln_samples: Path) -> None:
    from_json = read_kev_file(vuln_samples / "kev_subset.json")
    from_csv = read_kev_file(vuln_samples / "kev_subset.csv")
    assert from_json.entries == from_csv.entries
    assert sorted(_by_id(from_json.entries)) == ["CVE-2018-13379", "CVE-2019-11510", "CVE-2019-19781",
                                                 "CVE-2022-42475", "CVE-2023-43208"]
    assert _by_id(from_json.entries)["CVE-2018-13379"].date_added == date(2021, 11, 3)


def test_a_handwritten_catalogue_gives_stripped_fields_and_the_defaults() -> None:
    catalog = read_kev_file(JSON_FILE)
    assert (catalog.filename, catalog.catalog_version) == ("kev_three_entries.json", "2024.05.20")
    mirth, fortios, pulse = catalog.entries
    assert mirth.notes == "Hand-written note, on two lines:\nhttps://nvd.nist.gov/vuln/detail/CVE-2023-43208"
    assert (mirth.ransomware, mirth.cwes) == ("Unknown", ("CWE-502",))
    assert fortios.product == "FortiOS" and fortios.cwes == ("CWE-197", "CWE-787")
    assert (pulse.ransomware, pulse.notes, pulse.cwes) == ("Unknown", "", ())  # fields absent in old entries
    assert (pulse.date_added, pulse.due_date) == (date(2021, 11, 3), date(2021, 4, 23))


def test_an_excel_utf8_csv_gives_the_same_entries_as_the_json() -> None:
    assert CSV_FILE.read_bytes().startswith(b"\xef\xbb\xbfcveID,")
    assert read_kev_file(CSV_FILE).entries == read_kev_file(JSON_FILE).entries


@pytest.mark.parametrize("suffix", [".gz", ".xz", ".zip"])
def test_a_compressed_catalogue_reads_the_same(tmp_path: Path, suffix: str) -> None:
    raw = JSON_FILE.read_bytes()
    path = tmp_path / f"known_exploited_vulnerabilities.json{suffix}"
    if suffix == ".gz":
        path.write_bytes(gzip.compress(raw))
    elif suffix == ".xz":
        path.write_bytes(lzma.compress(raw))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("known_exploited_vulnerabilities.json", raw)
    catalog = read_kev_file(path)
    assert catalog.filename == path.name and catalog.entries == read_kev_file(JSON_FILE).entries


def test_a_truncated_gzip_is_refused_with_the_byte(tmp_path: Path) -> None:
    packed = gzip.compress(CSV_FILE.read_bytes())
    path = tmp_path / "known_exploited_vulnerabilities.csv.gz"
    path.write_bytes(packed[:-30])
    with pytest.raises(FeedError, match=rf"^known_exploited_vulnerabilities\.csv\.gz: truncated gzip stream: the data "
                                        rf"ends at byte {len(packed) - 30:,}") as caught:
        read_kev_file(path)
    assert caught.value.code == "feed_truncated"


def test_every_bad_csv_row_is_reported_with_its_line_and_field() -> None:
    with pytest.raises(FeedError, match=r"^kev_five_bad_rows\.csv, line 3, cveID: not a CVE id \(CVE-YYYY-NNNN\): "
                                        r"'CVE-22-1234' \(and 4 more problems\)$") as caught:
        read_kev_file(HERE / "kev_five_bad_rows.csv")
    assert [(p.location.line, p.location.field, p.code) for p in caught.value.problems] == [
        (3, "cveID", "feed_bad_cve_id"), (4, "dateAdded", "feed_bad_date"), (5, None, "feed_bad_row"),
        (6, "cveID", "feed_duplicate_id"), (7, "knownRansomwareCampaignUse", "feed_bad_value")]
    assert str(caught.value.problems[3]).endswith("CVE-2022-42475 is listed twice (first at line 2)")
    assert str(caught.value.problems[2]).endswith("line 5: expected 11 fields, found 3")


def test_a_csv_with_a_broken_quote_is_refused_at_that_line() -> None:
    with pytest.raises(FeedError, match=r"^kev_broken_quote\.csv, line 3: broken CSV from this line on: "
                                        r"',' expected after '\"'$"):
        read_kev_file(HERE / "kev_broken_quote.csv")


def test_a_cp932_csv_is_refused_naming_the_byte_offset() -> None:
    # Decided: refuse, not guess. CISA publishes UTF-8; a CP932 file was re-saved by Excel, and a wrong guess
    # would import altered names silently.
    data = (HERE / "kev_cp932_saved_by_excel.csv").read_bytes()
    offset = data.index("院".encode("cp932"))
    assert offset == 313
    with pytest.raises(FeedError, match=r"^kev_cp932_saved_by_excel\.csv, line 2: not UTF-8 text: byte 0x89 at "
                                        r"offset 313 cannot be decoded; .* from Excel as 'CSV UTF-8'") as caught:
        parse_kev(data, "kev_cp932_saved_by_excel.csv")
    assert caught.value.code == "feed_encoding" and caught.value.params["byte"] == 313


def test_a_csv_without_a_required_column_is_refused() -> None:
    data = CSV_FILE.read_bytes().replace(b",dueDate,", b",due,", 1)
    with pytest.raises(FeedError, match=r"^kev\.csv, line 1: not a KEV CSV: the header has no dueDate column$"):
        parse_kev(data, "kev.csv")


def test_malformed_json_is_refused_with_its_line() -> None:
    with pytest.raises(FeedError, match=r"^kev_malformed_missing_comma\.json, line 10: JSON is malformed: "
                                        r"expected ',' or '}' \(byte 303\)$"):
        read_kev_file(HERE / "kev_malformed_missing_comma.json")


def test_json_entries_are_reported_at_the_line_of_the_bad_key() -> None:
    with pytest.raises(FeedError, match=r"^kev_wrong_type_and_bad_id\.json, line 12, vulnerabilities\[0\]\.dateAdded: "
                                        r"Expected `str`, got `int` \(and 2 more problems\)$") as caught:
        read_kev_file(HERE / "kev_wrong_type_and_bad_id.json")
    assert [str(p) for p in caught.value.problems[1:]] == [
        "kev_wrong_type_and_bad_id.json, line 18, vulnerabilities[1].cveID: not a CVE id (CVE-YYYY-NNNN): "
        "'CVE-2023-432O8'",
        "kev_wrong_type_and_bad_id.json, line 35, vulnerabilities[2].cwes: Expected `array`, got `str`"]


def test_a_duplicate_cve_in_the_json_is_refused_with_both_lines() -> None:
    data = JSON_FILE.read_bytes().replace(b'"cveID": "CVE-2019-11510"', b'"cveID": "CVE-2022-42475"')
    with pytest.raises(FeedError, match=r"^kev\.json, line 39, vulnerabilities\[2\]\.cveID: CVE-2022-42475 is "
                                        r"listed twice \(first at line 23\)$"):
        parse_kev(data, "kev.json")


def test_a_missing_required_field_and_an_empty_one_are_refused() -> None:
    with pytest.raises(FeedError, match=r"^kev\.json, line 22, vulnerabilities\[1\]: Object missing required field "
                                        r"`dueDate`"):
        parse_kev(JSON_FILE.read_bytes().replace(b'"dueDate": "2023-01-03"', b'"due": "2023-01-03"'), "kev.json")
    empty = JSON_FILE.read_bytes().replace(b'"vendorProject": "Ivanti"', b'"vendorProject": "  "')
    with pytest.raises(FeedError, match=r"^kev\.json, line 40, vulnerabilities\[2\]\.vendorProject: a required "
                                        r"value is empty$"):
        parse_kev(empty, "kev.json")


def test_at_most_20_problems_are_kept_but_all_are_counted() -> None:
    header, good = (HERE / "kev_five_bad_rows.csv").read_text(encoding="utf-8").splitlines()[:2]
    rows = [good.replace("CVE-2022-42475", f"CVE-2022-{n:03d}", 1) for n in range(25)]  # three digits: bad
    with pytest.raises(FeedError, match=r"^kev\.csv, line 2, cveID: .*'CVE-2022-000' \(and 24 more problems\)$") \
            as caught:
        parse_kev("\n".join([header, *rows]).encode(), "kev.csv")
    assert len(caught.value.problems) == 20 and caught.value.params["more"] == 24


def test_kev_files_are_recognised_by_their_content(vuln_samples: Path) -> None:
    assert looks_like_kev(JSON_FILE.read_bytes()[:1024]) and looks_like_kev(CSV_FILE.read_bytes()[:1024])
    assert looks_like_kev((vuln_samples / "kev_subset.json").read_bytes()[:2048])
    assert not looks_like_kev((HERE / "epss_six_bad_lines.csv").read_bytes())
    assert not looks_like_kev((HERE / "cve5_bundle_three_records.json").read_bytes()[:2048])
    assert not looks_like_kev((DATA / "api20_fortios_cve-2022-42475.json").read_bytes()[:2048])
