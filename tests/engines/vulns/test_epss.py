"""EPSS daily scores to plain scores: all three header variants, csv or csv.gz, every bad line named."""

from __future__ import annotations

import gzip
import re
from datetime import date
from pathlib import Path

import pytest

from mamori.engines.vulns import FeedError
from mamori.engines.vulns.epss import EpssScore, looks_like_epss, parse_epss, read_epss_file
from tests.engines.vulns.conftest import DATA

HERE = DATA / "kev_epss_cve5"
GZ_FILE = HERE / "epss_scores-2024-06-01.csv.gz"
_SECTION = re.compile(r"^### (epss_scores-\d{4}-\d{2}-\d{2}\.csv)\.gz \(decompressed\)$")


@pytest.fixture(scope="module")
def real_variants(vuln_samples: Path) -> dict[str, bytes]:
    """The four real files concatenated in epss_header_variants.csv, split on its `###` lines, by file name."""
    sections: dict[str, list[str]] = {}
    name = ""
    for line in (vuln_samples / "epss_header_variants.csv").read_text(encoding="utf-8").splitlines():
        found = _SECTION.match(line)
        if found:
            name = found.group(1)
            sections[name] = []
        else:
            sections[name].append(line)
    assert list(sections) == ["epss_scores-2021-04-14.csv", "epss_scores-2021-09-01.csv",
                              "epss_scores-2022-02-04.csv", "epss_scores-2023-03-07.csv"]
    return {n: ("\n".join(lines) + "\n").encode() for n, lines in sections.items()}


def test_the_2021_04_two_column_variant_has_no_percentile(real_variants: dict[str, bytes]) -> None:
    scores = parse_epss(real_variants["epss_scores-2021-04-14.csv"], "epss_scores-2021-04-14.csv")
    assert (scores.model_version, scores.score_date) == (None, date(2021, 4, 14))  # the date from the name
    assert scores.scores == (EpssScore("CVE-2020-5902", 0.65117, None), EpssScore("CVE-2018-19571", 0.04773, None))


def test_the_2021_09_variant_adds_the_percentile(real_variants: dict[str, bytes]) -> None:
    scores = parse_epss(real_variants["epss_scores-2021-09-01.csv"], "epss_scores-2021-09-01.csv")
    assert (scores.model_version, scores.score_date) == (None, date(2021, 9, 1))
    assert scores.scores[0] == EpssScore("CVE-2020-5902", 0.65117, 0.9981063485700858)
    assert scores.scores[1].percentile == 0.8715910818693242


@pytest.mark.parametrize(("name", "model", "day", "first"), [
    ("epss_scores-2022-02-04.csv", "v2022.01.01", date(2022, 2, 4), EpssScore("CVE-2020-5902", 0.96817, 0.99999)),
    ("epss_scores-2023-03-07.csv", "v2023.03.01", date(2023, 3, 7), EpssScore("CVE-2020-5902", 0.97567, 0.99995)),
])
def test_the_2022_variant_gives_model_and_date_from_its_comment_line(
        real_variants: dict[str, bytes], name: str, model: str, day: date, first: EpssScore) -> None:
    # Named without a date: the comment line alone must give it.
    scores = parse_epss(real_variants[name], "scores.csv")
    assert (scores.model_version, scores.score_date, scores.scores[0]) == (model, day, first)
    assert len(scores.scores) == 2


def test_the_comment_date_wins_over_the_file_name_and_no_date_gives_none(real_variants: dict[str, bytes]) -> None:
    assert parse_epss(real_variants["epss_scores-2022-02-04.csv"], "epss_scores-1999-01-01.csv").score_date \
        == date(2022, 2, 4)
    assert parse_epss(real_variants["epss_scores-2021-09-01.csv"], "scores.csv").score_date is None


def test_a_gzipped_daily_file_is_read_whole() -> None:
    scores = read_epss_file(GZ_FILE)
    assert (scores.filename, scores.model_version, scores.score_date) == (
        "epss_scores-2024-06-01.csv.gz", "v2023.03.01", date(2024, 6, 1))
    assert [s.cve_id for s in scores.scores] == ["CVE-2018-13379", "CVE-2022-42475", "CVE-2023-30563",
                                                 "CVE-2023-40150", "CVE-2023-43208"]
    assert scores.scores[2] == EpssScore("CVE-2023-30563", 0.00091, 0.3877)


def test_crlf_lines_and_trailing_blank_lines_are_accepted() -> None:
    data = b"cve,epss,percentile\r\nCVE-2023-43208,0.97306,0.99895\r\nCVE-2022-42475,1,0\r\n\r\n"
    assert parse_epss(data, "x.csv").scores == (EpssScore("CVE-2023-43208", 0.97306, 0.99895),
                                                EpssScore("CVE-2022-42475", 1.0, 0.0))


def test_a_truncated_gzip_is_refused(tmp_path: Path) -> None:
    packed = GZ_FILE.read_bytes()
    path = tmp_path / GZ_FILE.name
    path.write_bytes(packed[:len(packed) // 2])
    with pytest.raises(FeedError, match=rf"^epss_scores-2024-06-01\.csv\.gz: truncated gzip stream: the data ends "
                                        rf"at byte {len(packed) // 2}"):
        read_epss_file(path)


def test_every_bad_line_is_reported_with_its_number() -> None:
    with pytest.raises(FeedError, match=r"^epss_six_bad_lines\.csv, line 3, epss: epss must be between 0 and 1, "
                                        r"not 1\.7 \(and 5 more problems\)$") as caught:
        read_epss_file(HERE / "epss_six_bad_lines.csv")
    assert [(p.location.line, p.location.field, p.code) for p in caught.value.problems] == [
        (3, "epss", "feed_out_of_range"), (4, None, "feed_bad_row"), (5, "cve", "feed_bad_cve_id"),
        (6, "epss", "feed_out_of_range"), (7, "cve", "feed_duplicate_id"), (8, "percentile", "feed_out_of_range")]
    assert str(caught.value.problems[1]).endswith("line 4: expected 3 fields, found 2: 'CVE-2023-40150,0.00457'")
    assert str(caught.value.problems[4]).endswith("CVE-2018-13379 is listed twice (first at line 2)")


def test_a_bad_line_deep_in_a_large_file_is_found_exactly() -> None:
    rows = [f"CVE-2024-{n:05d},0.00043,0.12345" for n in range(20_000)]
    rows[15_000] = "CVE-2024-15000,0.00043,0.12345,extra"
    data = ("#model_version:v2023.03.01,score_date:2024-06-01T00:00:00+0000\ncve,epss,percentile\n"
            + "\n".join(rows) + "\n").encode()
    with pytest.raises(FeedError, match=r"^big\.csv, line 15003: expected 3 fields, found 4: "
                                        r"'CVE-2024-15000,0\.00043,0\.12345,extra'$"):
        parse_epss(data, "big.csv")
    rows[15_000] = "CVE-2024-15000,0.00043,0.12345"
    assert len(parse_epss(("cve,epss,percentile\n" + "\n".join(rows)).encode(), "big.csv").scores) == 20_000


def test_a_blank_line_and_a_non_number_in_the_middle_are_refused() -> None:
    with pytest.raises(FeedError, match=r"^x\.csv, line 3: expected 2 fields, found 1: ''"):
        parse_epss(b"cve,epss\nCVE-2023-43208,0.97306\n\nCVE-2022-42475,0.9\n", "x.csv")
    with pytest.raises(FeedError, match=r"^x\.csv, line 2, epss: epss is not a number: 'high'$"):
        parse_epss(b"cve,epss\nCVE-2023-43208,high\n", "x.csv")


def test_a_file_that_is_not_epss_is_refused_at_its_header() -> None:
    with pytest.raises(FeedError, match=r"^kev\.csv, line 1: not an EPSS file: expected the header 'cve,epss' or "
                                        r"'cve,epss,percentile', found 'cveID,vendorProject,") as caught:
        parse_epss((HERE / "kev_five_bad_rows.csv").read_bytes(), "kev.csv")
    assert caught.value.code == "feed_not_epss"
    with pytest.raises(FeedError, match=r"^e\.csv, line 2: not an EPSS file: .* found ''$"):
        parse_epss(b"#model_version:v2023.03.01,score_date:2024-06-01T00:00:00+0000\n", "e.csv")


def test_a_bad_score_date_in_the_comment_is_refused() -> None:
    with pytest.raises(FeedError, match=r"^e\.csv, line 1, score_date: not a date: '2024-13-01T00:00:00\+0000'$"):
        parse_epss(b"#model_version:v2023.03.01,score_date:2024-13-01T00:00:00+0000\ncve,epss,percentile\n", "e.csv")


def test_bytes_that_are_not_utf8_are_refused_with_the_offset() -> None:
    with pytest.raises(FeedError, match=r"^e\.csv, line 2: not UTF-8 text: byte 0xff at offset 9 cannot be decoded$"):
        parse_epss(b"cve,epss\n\xff", "e.csv")


def test_epss_files_are_recognised_in_every_variant(real_variants: dict[str, bytes]) -> None:
    assert all(looks_like_epss(data) for data in real_variants.values())
    assert looks_like_epss(gzip.decompress(GZ_FILE.read_bytes()))
    assert looks_like_epss(b"\xef\xbb\xbfcve,epss,percentile\r\n")
    assert not looks_like_epss((HERE / "kev_five_bad_rows.csv").read_bytes())
    assert not looks_like_epss(b"#just a comment\ncveID,epss\n")
