from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _event_store(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Each test gets its own Parquet store and rule cache."""
    store = tmp_path / "events"
    settings.MAMORI_LOG_STORE = str(store)  # type: ignore[attr-defined]
    settings.MAMORI_RULE_CACHE = str(tmp_path.parent / "sigma-rules.pickle")  # type: ignore[attr-defined]
    return store
