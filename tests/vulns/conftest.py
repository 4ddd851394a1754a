"""Fixtures of the vulnerability app: the engine's hand-written feed files, and assets of the real cases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from mamori.ledger.models import Asset
from mamori.tenancy.models import Facility
from mamori.vulns.imports import ImportOutcome, import_paths
from tests import factories

ENGINE_DATA = Path(__file__).resolve().parents[1] / "engines" / "vulns" / "data"


def feed(name: str) -> Path:
    """A hand-written feed file of the engine tests (tests/engines/vulns/data/…)."""
    return ENGINE_DATA / name


def imported(*paths: Path, match: bool = False) -> ImportOutcome:
    outcome = import_paths(list(paths), match=match)
    assert not outcome.rejected, outcome.rejected
    return outcome


def nvd_record_file(tmp_path: Path, record: dict[str, Any], name: str) -> Path:
    """One NVD API 2.0 `cve` object as a year-file-shaped document."""
    path = tmp_path / name
    path.write_text(json.dumps({"resultsPerPage": 1, "startIndex": 0, "totalResults": 1, "format": "NVD_CVE",
                                "version": "2.0", "timestamp": "2026-11-30T00:00:00.000",
                                "vulnerabilities": [{"cve": record}]}), encoding="utf-8")
    return path


def copy_to(tmp_path: Path, source: Path, name: str | None = None) -> Path:
    target = tmp_path / (name or source.name)
    shutil.copy(source, target)
    return target


@pytest.fixture
def fac() -> Facility:
    return factories.facility()


def case_asset(fac: Facility, key: str, *cpes: str, **fields: Any) -> Asset:
    """An asset recorded with CPE 2.3 names (`cpe:2.3:` may be left out)."""
    names = [c if c.startswith("cpe:") else f"cpe:2.3:{c}" for c in cpes]
    return factories.asset(fac, key=key, cpes=names, **fields)
