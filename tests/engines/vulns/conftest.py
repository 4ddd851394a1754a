"""Fixtures for the vulnerability engine: hand-written feeds beside this file, real data from ../shared/data."""

from __future__ import annotations

from pathlib import Path

import pytest

from mamori.engines.vulns import CveRecord, NvdFeed, VulnIndex, read_nvd_file

DATA = Path(__file__).parent / "data"


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # The engine tests run without Django (`-p no:django`); pytest would then call pyproject's
    # DJANGO_SETTINGS_MODULE an unknown option, which `-W error` turns into a failure.
    if not pluginmanager.has_plugin("django"):
        parser.addini("DJANGO_SETTINGS_MODULE", "used by pytest-django when it is loaded")


@pytest.fixture(scope="session")
def vuln_samples(shared_data: Path) -> Path:
    """../shared/data/vulns/samples: single real NVD/KEV/CSAF records (see its README)."""
    samples = shared_data / "vulns" / "samples"
    if not samples.is_dir():
        pytest.skip(f"real vulnerability samples not present at {samples}")
    return samples


@pytest.fixture(scope="session")
def nvd_2018_feed(shared_data: Path) -> Path:
    """The real NVD JSON 1.1 year feed 2018 (feed date 2020-09-17)."""
    feed = shared_data / "vulns" / "nvd" / "nvdcve-1.1-2018.json.gz"
    if not feed.is_file():
        pytest.skip(f"real NVD 2018 feed not present at {feed}")
    return feed


@pytest.fixture(scope="session")
def nvd_2018(nvd_2018_feed: Path) -> NvdFeed:
    """The 2018 feed, read once for the session."""
    return read_nvd_file(nvd_2018_feed)


@pytest.fixture(scope="session")
def sample_records(vuln_samples: Path) -> dict[str, CveRecord]:
    """The real NVD 2.0 records in samples/, by CVE id."""
    records = {}
    for path in sorted(vuln_samples.glob("nvd20_*.json")):
        for record in read_nvd_file(path).records:
            records[record.cve_id] = record
    return records


@pytest.fixture(scope="session")
def sample_index(sample_records: dict[str, CveRecord]) -> VulnIndex:
    index = VulnIndex()
    index.add_all(sample_records.values())
    return index


@pytest.fixture(scope="session")
def handwritten_index() -> VulnIndex:
    """The hand-written NVD 2.0 files in data/ (facts from NVD, files written for Mamori)."""
    index = VulnIndex()
    for path in sorted(DATA.glob("*.json")):
        if not path.name.startswith("nvd11_"):
            index.add_all(read_nvd_file(path).records)
    return index
