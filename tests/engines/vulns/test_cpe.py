"""CPE 2.3 formatted strings (with escapes), 2.2 URIs, NISTIR 7696 attribute relations, name normalisation."""

from __future__ import annotations

import pytest

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.cpe import (
    ANY,
    NA,
    Cpe,
    Relation,
    canonical_key,
    compare_attribute,
    is_name_match,
    normalize_name,
    parse_cpe,
)
from mamori.engines.vulns.errors import CpeError


def test_a_formatted_string_gives_eleven_lower_case_attributes() -> None:
    cpe = parse_cpe("cpe:2.3:O:Fortinet:FortiOS:6.0.4:*:*:*:*:*:*:*")
    assert cpe == Cpe("o", "fortinet", "fortios", "6.0.4")
    assert cpe.to_fs() == "cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*"
    assert cpe.key == ("fortinet", "fortios")


@pytest.mark.parametrize(("text", "vendor", "product"), [
    # real criteria from the NVD 2018 feed, where a naive split on ':' finds 14 to 17 parts
    ("cpe:2.3:a:archive\\:\\:tar_project:archive\\:\\:tar:*:*:*:*:*:perl:*:*", "archive::tar_project", "archive::tar"),
    ("cpe:2.3:a:ibm:sterling_connect\\:direct:4.2.0:*:*:*:*:unix:*:*", "ibm", "sterling_connect:direct"),
    ("cpe:2.3:h:juniper:ex8200\\/vc_\\(xre\\):-:*:*:*:*:*:*:*", "juniper", "ex8200/vc_(xre)"),
])
def test_escaped_characters_are_part_of_the_value(text: str, vendor: str, product: str) -> None:
    cpe = parse_cpe(text)
    assert (cpe.vendor, cpe.product) == (vendor, product)
    assert cpe.to_fs() == text


def test_an_escaped_wildcard_is_a_literal_and_an_unescaped_one_is_a_wildcard() -> None:
    literal = parse_cpe("cpe:2.3:a:example:star\\*:1:*:*:*:*:*:*:*")
    wildcard = parse_cpe("cpe:2.3:a:example:sta*:1:*:*:*:*:*:*:*")
    assert literal.product == "star\\*" and literal.to_fs().startswith("cpe:2.3:a:example:star\\*:")
    assert compare_attribute(wildcard.product, "star") is Relation.SUPERSET
    assert compare_attribute(literal.product, "star") is Relation.DISJOINT


def test_a_lone_escaped_hyphen_is_a_value_not_na() -> None:
    assert parse_cpe("cpe:2.3:a:example:tool:\\-:*:*:*:*:*:*:*").version != NA
    assert parse_cpe("cpe:2.3:a:example:tool:-:*:*:*:*:*:*:*").version == NA


def test_trailing_attributes_may_be_left_out() -> None:
    assert parse_cpe("cpe:2.3:a:ivanti:connect_secure:9.0:r3.3") == Cpe("a", "ivanti", "connect_secure", "9.0", "r3.3")
    assert parse_cpe("cpe:2.3:o:fortinet:fortios").version == ANY


@pytest.mark.parametrize(("text", "message"), [
    ("cpe:2.3:a:vendor", r"expected 13 parts, found 4"),
    ("cpe:2.3:a:v:p:1:*:*:*:*:*:*:*:extra", r"expected 13 parts, found 14"),
    ("cpe:2.3:x:vendor:product:1", r"part must be a, o or h, not 'x'"),
    ("cpe:2.3:a::product:1", r"empty vendor"),
    ("cpe:2.3:a:vendor:product:1.0\\", r"version ends with a lone backslash"),
    ("cpe:2.3:a:vendor:my product:1", r"whitespace"),
    ("fortios-6.0.4", r"not a CPE name \(expected 'cpe:2.3:' or 'cpe:/'\)"),
    ("cpe:/a:vendor:product:1:2:3:4:5", r"not a CPE 2.2 URI"),
    ("cpe:/a:vendor:product%zz", r"bad percent escape in product"),
])
def test_bad_names_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(CpeError, match=message):
        parse_cpe(text)


def test_the_error_starts_with_where_the_name_was_found() -> None:
    with pytest.raises(CpeError, match=r"^ledger\.csv, line 7, cpe: not a CPE name"):
        parse_cpe("fortigate", InputLocation("ledger.csv", 7, "cpe"))


@pytest.mark.parametrize(("uri", "fs"), [
    ("cpe:/o:fortinet:fortios", "cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*"),
    ("cpe:/a:rockwellautomation:industrial_data_center_%28idc%29_with_veeam",
     "cpe:2.3:a:rockwellautomation:industrial_data_center_\\(idc\\)_with_veeam:*:*:*:*:*:*:*:*"),
    ("cpe:/a:example:viewer:1.0:-:~pro~sw~iphone_os~x64~beta",
     "cpe:2.3:a:example:viewer:1.0:-:pro:*:sw:iphone_os:x64:beta"),
    ("cpe:/a:example:viewer:1.%02", "cpe:2.3:a:example:viewer:1.*:*:*:*:*:*:*:*"),
])
def test_jvn_style_22_uris_bind_to_formatted_strings(uri: str, fs: str) -> None:
    assert parse_cpe(uri).to_fs() == fs


@pytest.mark.parametrize(("source", "target", "relation"), [  # NISTIR 7696 table 6-2
    (ANY, "6.0.4", Relation.SUPERSET),
    (NA, "6.0.4", Relation.DISJOINT),
    ("6.0.4", "6.0.4", Relation.EQUAL),
    ("6.0.4", "6.0.5", Relation.DISJOINT),
    (ANY, NA, Relation.SUPERSET),
    (NA, NA, Relation.EQUAL),
    ("6.0.4", NA, Relation.DISJOINT),
    (ANY, ANY, Relation.EQUAL),
    (NA, ANY, Relation.SUBSET),
    ("6.0.4", ANY, Relation.SUBSET),
    ("6.0.*", "6.0.4", Relation.SUPERSET),
    ("6.1.*", "6.0.4", Relation.DISJOINT),
    ("6.0.4", "6.0.*", Relation.UNDEFINED),
])
def test_attribute_relations_follow_nistir_7696(source: str, target: str, relation: Relation) -> None:
    assert compare_attribute(source, target) is relation


@pytest.mark.parametrize(("candidate", "expected"), [  # vulnerability-intel.md §5.3, asset fortios:6.0.4
    ("cpe:2.3:o:fortinet:fortios:*:*:*:*:*:*:*:*", True),
    ("cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*", True),
    ("cpe:2.3:o:fortinet:*:*:*:*:*:*:*:*:*", True),
    ("cpe:2.3:o:fortinet:fortios:6.0.5:*:*:*:*:*:*:*", False),
    ("cpe:2.3:a:fortinet:fortios:*:*:*:*:*:*:*:*", False),
    ("cpe:2.3:o:fortinet:fortios:-:*:*:*:*:*:*:*", False),
])
def test_name_match_as_the_cpe_library_answers(candidate: str, expected: bool) -> None:
    asset = parse_cpe("cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*")
    assert is_name_match(parse_cpe(candidate), asset) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Mirth Connect", "mirth_connect"),
    ("  Pulse   Connect  Secure ", "pulse_connect_secure"),
    ("ＦｏｒｔｉＯＳ", "fortios"),
])
def test_names_are_normalised_like_nvd_writes_them(text: str, expected: str) -> None:
    assert normalize_name(text) == expected


def test_renamed_products_share_the_current_key() -> None:
    assert canonical_key("pulsesecure", "pulse_connect_secure") == ("ivanti", "connect_secure")
    assert parse_cpe("cpe:2.3:a:pulse_secure:pulse_connect_secure:9.0").key == ("ivanti", "connect_secure")
    assert canonical_key("fortinet", "fortios") == ("fortinet", "fortios")
