"""Shared test fixtures: where the real public data lives (../shared/data)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(__import__("os").environ.get("MAMORI_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public data folder; tests that need it skip when it is absent (a user's clone)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not present at {SHARED_DATA} (CI provides ../shared/data)")
    return SHARED_DATA


def pytest_report_header(config: pytest.Config) -> str:
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return f"mamori: database engine {engine}"
