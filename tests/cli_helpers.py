"""Run the real `mamori` command in a subprocess against its own data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DROP = ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "MAMORI_SECRET_KEY", "MAMORI_DATA_DIR", "MAMORI_INSECURE_HTTP")


def mamori(data_dir: Path, *args: str, stdin: str | None = None, timeout: int = 180,
           extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "mamori.cli", "--data-dir", str(data_dir), *args],
        input=stdin, capture_output=True, text=True, timeout=timeout, env=env, check=False,
    )
