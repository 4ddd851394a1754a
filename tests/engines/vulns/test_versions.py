"""Version comparison on real firmware strings: right order, or INCOMPARABLE, never a guess."""

from __future__ import annotations

import pytest

from mamori.engines.vulns.versions import (
    VersionOrder,
    VersionRange,
    compare_release_tail,
    compare_versions,
    is_proper_prefix,
    normalize_version,
    split_release_update,
    version_key,
)

LESS, EQUAL, GREATER, INCOMPARABLE = (VersionOrder.LESS, VersionOrder.EQUAL, VersionOrder.GREATER,
                                      VersionOrder.INCOMPARABLE)


@pytest.mark.parametrize(("a", "b", "expected"), [
    # vulnerability-intel.md §5.2 and the issue
    ("6.0.4", "6.0.16", LESS),
    ("12.1.3", "12.1.10", LESS),
    ("9.0R3.4", "9.0R3.3", GREATER),
    ("8.2R12.1", "8.2R9.0", GREATER),
    ("20D30", "20d29", GREATER),
    ("20D29", "20d29", EQUAL),
    ("B.02", "C.02", LESS),
    ("c.02", "C.02", EQUAL),
    ("7.2.8.810", "7.2.8.9", GREATER),
    ("13.0-47.24", "13.0-47.4", GREATER),
    ("13.0-47.24", "13.0", GREATER),
    ("8.3R1.0", "8.3R1", EQUAL),
    ("r1.0", "r1", EQUAL),
    ("6.0", "6.0.0", EQUAL),
    ("5.4.12", "5.4.13", LESS),
    ("6.0.15", "6.0.16", LESS),
    ("3.6.6", "3.6.7", LESS),
    ("12.3.1", "12.3", GREATER),
    ("4.4.0", "4.4.1", LESS),
    ("18", "20d29", LESS),
    ("21", "20d32", GREATER),
    ("v7.2.8.810", "7.2.8.810", EQUAL),
    (" v7.2.8.810", "7.2.8.810", EQUAL),  # CNA data as written for CVE-2023-40150
    ("12.1x46:d72", "12.1x46:d50", GREATER),
    ("７.３.７", "7.3.7", EQUAL),  # full-width digits
    # pre-release words have a known place
    ("2.0rc1", "2.0", LESS),
    ("2.0rc1", "2.0.1", LESS),
    ("2.0beta2", "2.0rc1", LESS),
    ("1.0.0-alpha.1", "1.0.0", LESS),
    # where a guess would be needed
    ("9.0r3", "9.0.1", INCOMPARABLE),
    ("20d30", "20", INCOMPARABLE),
    ("1.0.1a", "1.0.1", INCOMPARABLE),
    ("1.0a", "1.0.1", INCOMPARABLE),
    ("15.1x53", "15.1", INCOMPARABLE),
    ("7.3.7 より前のバージョン", "7.3.6", INCOMPARABLE),
    ("*", "1.0", INCOMPARABLE),
    ("", "1.0", INCOMPARABLE),
    ("-", "-", INCOMPARABLE),
])
def test_firmware_versions_compare_as_vendors_mean_them(a: str, b: str, expected: VersionOrder) -> None:
    assert compare_versions(a, b) is expected


@pytest.mark.parametrize(("a", "b"), [("6.0.4", "6.0.16"), ("20d29", "20D30"), ("9.0r3", "9.0.1"), ("2.0rc1", "2.0")])
def test_comparison_is_antisymmetric(a: str, b: str) -> None:
    flipped = {LESS: GREATER, GREATER: LESS, EQUAL: EQUAL, INCOMPARABLE: INCOMPARABLE}
    assert compare_versions(b, a) is flipped[compare_versions(a, b)]


def test_equal_versions_have_equal_keys_and_only_they() -> None:
    assert version_key("8.3R1.0") == version_key("8.3r1") == (8, 3, "r", 1)
    assert version_key("6.0") == version_key("6.0.0") == (6,)
    assert version_key("6.0.1") != version_key("6.1")
    assert version_key("7.3.7 より前") is None


@pytest.mark.parametrize(("text", "vendor", "expected"), [
    ("v6.0.4,build0231", "fortinet", "6.0.4"),
    ("v6.0.4 build0231 (GA)", "fortinet", "6.0.4 build0231 (ga)"),  # only a trailing build is FortiOS noise
    ("13.0 Build 47.24", "citrix", "13.0-47.24"),
    ("1.4.2.0-9d9eff4", "", "1.4.2.0"),  # Orthanc: git hash
    ("2.1.0+20130313144700", "", "2.1.0"),  # semver build metadata
    ("  V9.0R3.3 ", "ivanti", "9.0r3.3"),
    ("20D29", "baxter", "20d29"),
])
def test_vendor_versions_are_normalised_to_nvd_form(text: str, vendor: str, expected: str) -> None:
    assert normalize_version(text, vendor) == expected


@pytest.mark.parametrize(("version", "expected"), [
    ("9.0R3.3", ("9.0", "r3.3")),
    ("8.3R1.0", ("8.3", "r1.0")),
    ("8.2r12.1", ("8.2", "r12.1")),
    ("6.0.4", ("6.0.4", "")),
    ("20d29", ("20d29", "")),
])
def test_r_releases_split_into_version_and_update(version: str, expected: tuple[str, str]) -> None:
    assert split_release_update(version) == expected


def test_a_release_tail_compares_with_an_update() -> None:
    assert compare_release_tail("9.0R3.3", "9.0", "r3.3") is EQUAL
    assert compare_release_tail("8.3R1.0", "8.3", "r1") is EQUAL
    assert compare_release_tail("9.0R3.4", "9.0", "r3.3") is GREATER
    assert compare_release_tail("12.1X46-D10", "12.1x46", "d10") is EQUAL
    assert compare_release_tail("9.0.1", "9.0", "r3.3") is None  # a number, not an update, follows
    assert compare_release_tail("8.3R1", "9.0", "r1") is None


def test_a_build_continues_its_release() -> None:
    assert is_proper_prefix("13.0", "13.0-47.24")
    assert not is_proper_prefix("13.0", "13.0")
    assert not is_proper_prefix("13.0", "13.1")


@pytest.mark.parametrize(("bounds", "version", "verdict"), [
    (VersionRange(start_including="6.0.0", end_excluding="6.0.5"), "6.0.4", "inside"),
    (VersionRange(start_including="6.0.0", end_excluding="6.0.5"), "6.0.5", "outside"),
    (VersionRange(start_including="6.0.0", end_excluding="6.0.5"), "6.0.0", "inside"),
    (VersionRange(start_including="5.4.0", end_including="5.4.13"), "5.4.13", "inside"),
    (VersionRange(start_excluding="2.0", end_including="2.4"), "2.0", "outside"),
    (VersionRange(start_excluding="2.0", end_including="2.4"), "2.0.1", "inside"),
    (VersionRange(start_including="20d29", end_including="20d32"), "20D32", "inside"),
    (VersionRange(start_including="20d29", end_including="20d32"), "20d33", "outside"),
    (VersionRange(start_including="20d29", end_including="20d32"), "20", "unknown"),
    (VersionRange(end_excluding="3.6.7"), "v3.6.6", "inside"),
])
def test_ranges_use_each_bound(bounds: VersionRange, version: str, verdict: str) -> None:
    assert bounds.check(version).verdict == verdict


def test_an_outside_bound_wins_over_an_incomparable_one() -> None:
    bounds = VersionRange(start_including="1.0a", end_excluding="2.0")
    assert bounds.check("3.0") == ("outside", "2.0")
    assert bounds.check("1.5") == ("inside", "")  # 1.5 > 1.0a is clear at the second number
    assert bounds.check("1.0.5") == ("unknown", "1.0a")


def test_an_update_decides_a_bound_written_with_the_update() -> None:
    bounds = VersionRange(start_including="12.1x46", end_including="12.1x46:d72")
    assert bounds.check("12.1x46", "d50").verdict == "inside"
    assert bounds.check("12.1x46", "d80").verdict == "outside"
    assert bounds.check("12.1x46").verdict == "unknown"


def test_ranges_print_as_people_read_them() -> None:
    assert str(VersionRange(start_including="6.0.0", end_excluding="6.0.5")) == ">= 6.0.0, < 6.0.5"
    assert str(VersionRange(start_excluding="2.0", end_including="2.4")) == "> 2.0, <= 2.4"
