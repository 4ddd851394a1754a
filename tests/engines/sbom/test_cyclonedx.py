"""CycloneDX JSON: components (nested too) become plain records; bad files are refused whole, with where."""

from __future__ import annotations

import copy

import pytest

from mamori.engines.sbom import MAX_SBOM_BYTES, SbomError, parse_cyclonedx
from tests.engines.sbom.cyclonedx_samples import MONITOR_SBOM, as_bytes


def test_components_including_nested_ones_are_read() -> None:
    sbom = parse_cyclonedx(as_bytes(MONITOR_SBOM), "cns.cdx.json")
    assert sbom.spec_version == "1.5" and sbom.subject == "Central Monitor CNS-9701 07-23"
    assert [(c.name, c.version) for c in sbom.components] == [
        ("Windows 10 IoT Enterprise LTSC", "1809"), ("openssl", "1.1.1k"), ("DCMTK", "3.6.6"), ("libpng", "1.6.37")]
    openssl = sbom.components[1]
    assert openssl.cpe == "cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*"
    assert openssl.purl == "pkg:generic/openssl@1.1.1k" and openssl.supplier == "OpenSSL Project"


def test_a_utf8_bom_is_accepted() -> None:
    assert len(parse_cyclonedx(as_bytes(MONITOR_SBOM, bom=True), "x.json").components) == 4


def test_a_nameless_nested_component_is_named_by_its_path() -> None:
    broken = copy.deepcopy(MONITOR_SBOM)
    del broken["components"][2]["components"][0]["name"]
    with pytest.raises(SbomError, match=r"^cns\.json, components\[2\]\.components\[0\]\.name: required value"):
        parse_cyclonedx(as_bytes(broken), "cns.json")


def test_truncated_json_gives_line_and_column() -> None:
    data = as_bytes(MONITOR_SBOM)[:400]
    with pytest.raises(SbomError, match=r"^cns\.json, line \d+: invalid JSON at column \d+"):
        parse_cyclonedx(data, "cns.json")


@pytest.mark.parametrize(("document", "message"), [
    ({"bomFormat": "SPDX"}, "not a CycloneDX document"),
    ({"bomFormat": "CycloneDX", "specVersion": "1.1"}, "specVersion 1.1 is not supported"),
    ({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": {"name": "x"}}, "expected a list"),
    ({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [{"name": "x", "cpe": "openssl"}]},
     "not a CPE name"),
    ({"bomFormat": "CycloneDX", "specVersion": "1.4", "components": [{"name": 7}]}, "expected text, found int"),
])
def test_documents_that_are_not_usable_are_refused(document: object, message: str) -> None:
    with pytest.raises(SbomError, match=message):
        parse_cyclonedx(as_bytes(document), "x.json")


def test_xml_wrong_encoding_and_oversize_are_refused() -> None:
    with pytest.raises(SbomError, match="this is XML"):
        parse_cyclonedx(b'<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.5"/>', "x.xml")
    with pytest.raises(SbomError, match="not UTF-8"):
        parse_cyclonedx('{"bomFormat": "髙"}'.encode("cp932"), "x.json")
    with pytest.raises(SbomError, match="larger than"):
        parse_cyclonedx(b" " * (MAX_SBOM_BYTES + 1), "x.json")
