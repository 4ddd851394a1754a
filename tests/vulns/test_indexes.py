"""The index a match run builds: only the NVD records that can meet the ledger's products, with the same findings
as the whole catalogue gives."""

from __future__ import annotations

import pytest

from mamori.engines.vulns.cpe import ANY
from mamori.tenancy.models import Facility
from mamori.vulns.indexes import build_indexes, wanted_keys
from mamori.vulns.matching import run_match
from mamori.vulns.models import Finding, Vulnerability
from tests.vulns.conftest import case_asset, feed, imported

pytestmark = pytest.mark.django_db

FORTIOS = ("fortinet", "fortios")


@pytest.fixture
def catalogue() -> None:
    imported(feed("nvd11_two_records.json"), feed("api20_fortios_cve-2022-42475.json"),
             feed("api20_medical_devices.json"))


def test_the_import_records_the_products_each_record_names(catalogue: None) -> None:
    products = Vulnerability.objects.get(cve_id="CVE-2018-13379").products.split("\n")
    assert products == ["fortinet\tfortios"]
    assert "offis\tdcmtk" in Vulnerability.objects.get(cve_id="CVE-2022-2119").products


def test_only_records_naming_a_ledger_product_are_indexed(catalogue: None) -> None:
    whole = build_indexes()
    fortios = build_indexes({FORTIOS})
    assert fortios.nvd_records == whole.nvd_records == Vulnerability.objects.filter(
        configurations__isnull=False).count()
    assert "CVE-2018-13379" in fortios.nvd and "CVE-2022-42475" in fortios.nvd
    assert "CVE-2022-2119" in whole.nvd and "CVE-2022-2119" not in fortios.nvd  # DCMTK
    assert fortios.nvd_indexed == 2 < whole.nvd_indexed


def test_a_row_imported_before_the_products_column_is_always_indexed(catalogue: None) -> None:
    Vulnerability.objects.filter(cve_id="CVE-2022-2119").update(products="")
    assert "CVE-2022-2119" in build_indexes({FORTIOS}).nvd


def test_wildcard_keys_of_records_meet_every_product() -> None:
    assert wanted_keys({FORTIOS}) == {FORTIOS, (ANY, "fortios"), ("fortinet", ANY), (ANY, ANY)}


def test_the_ledger_index_finds_what_the_whole_catalogue_finds(catalogue: None, fac: Facility) -> None:
    case_asset(fac, "VPN-60", "o:fortinet:fortios:6.0.4", category="vpn")
    case_asset(fac, "SV-1", "a:offis:dcmtk:3.6.6")
    run_match()
    before = set(Finding.objects.values_list("asset__key", "vulnerability__cve_id", "tier", "priority_score"))
    again = run_match(indexes=build_indexes(), full=True)
    assert (again.new, again.gone) == (0, 0)
    assert set(Finding.objects.values_list("asset__key", "vulnerability__cve_id", "tier", "priority_score")) == before
    assert {("SV-1", "CVE-2022-2119"), ("VPN-60", "CVE-2018-13379")} <= {(a, c) for a, c, _t, _p in before}
