"""Feed detection: the kind comes from the content (compressed or not), never from the file name."""

from __future__ import annotations

import gzip
import lzma
import shutil
import zipfile
from pathlib import Path

import pytest

from mamori.engines.vulns import FeedError
from mamori.engines.vulns.csaf import CsafAdvisory
from mamori.engines.vulns.feeds import detect_feed, read_feed
from mamori.engines.vulns.kev import KevCatalog
from mamori.engines.vulns.nvd import NvdFeed

DATA = Path(__file__).parent / "data"
CASES = [
    ("api20_fortios_cve-2022-42475.json", "nvd"),
    ("nvd11_two_records.json", "nvd"),
    ("jvn/jvndb_2019_citrix_and_markers.rdf", "jvn"),
    ("jvn/jvndb_detail_version_texts.rdf", "jvn"),
    ("jvn/jvndb_detail_shift_jis_declared.rdf", "jvn"),
    ("kev_epss_cve5/kev_three_entries.json", "kev"),
    ("kev_epss_cve5/kev_three_entries_excel_utf8.csv", "kev"),
    ("kev_epss_cve5/epss_scores-2024-06-01.csv.gz", "epss"),
    ("kev_epss_cve5/cve5_bundle_three_records.json", "cve5"),
    ("csaf/icsma-25-030-01_contec_cms8000_all_versions.json", "csaf"),
    ("csaf/fortinet_fg-ir-22-398_relationships_groups.json", "csaf"),
]


@pytest.mark.parametrize(("name", "kind"), CASES)
def test_each_fixture_is_recognised_under_a_meaningless_name(tmp_path: Path, name: str, kind: str) -> None:
    renamed = tmp_path / "download.bin"
    shutil.copy(DATA / name, renamed)
    assert detect_feed(renamed) == kind


@pytest.mark.parametrize("pack", ["gz", "xz", "zip"])
def test_compressed_files_are_recognised_by_their_content(tmp_path: Path, pack: str) -> None:
    raw = (DATA / "kev_epss_cve5" / "kev_three_entries.json").read_bytes()
    path = tmp_path / f"feed.{pack}"
    if pack == "gz":
        path.write_bytes(gzip.compress(raw))
    elif pack == "xz":
        path.write_bytes(lzma.compress(raw))
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("known_exploited_vulnerabilities.json", raw)
    kind, content = read_feed(path)
    assert kind == "kev"
    assert isinstance(content, KevCatalog) and len(content.entries) == 3


def test_read_feed_returns_the_parser_result() -> None:
    kind, nvd = read_feed(DATA / "api20_fortios_cve-2022-42475.json")
    assert kind == "nvd" and isinstance(nvd, NvdFeed) and nvd.records[0].cve_id == "CVE-2022-42475"
    kind, csaf = read_feed(DATA / "csaf" / "icsma-25-030-01_contec_cms8000_all_versions.json")
    assert kind == "csaf" and isinstance(csaf, CsafAdvisory) and csaf.tracking_id == "ICSMA-25-030-01"


def test_an_unknown_file_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("これはフィードではありません\n", encoding="utf-8")
    with pytest.raises(FeedError, match=r"notes\.txt: not a feed Mamori can import"):
        detect_feed(path)


def test_a_zip_with_two_files_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.json", "{}")
        archive.writestr("b.json", "{}")
    with pytest.raises(FeedError, match="exactly one file, this one holds 2"):
        detect_feed(path)


def test_a_truncated_gzip_is_refused_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "cut.json.gz"
    path.write_bytes(gzip.compress((DATA / "api20_fortios_cve-2022-42475.json").read_bytes())[:40])
    with pytest.raises(FeedError, match=r"cut\.json\.gz"):
        read_feed(path)
