"""Where Mamori keeps its data, and how the secret key is created: read before Django starts."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

DEFAULT_DATA_DIR = Path.home() / ".local" / "share" / "mamori"


def data_dir() -> Path:
    """The data directory: MAMORI_DATA_DIR, or ~/.local/share/mamori."""
    return Path(os.environ.get("MAMORI_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()


def secret_key_path(base: Path | None = None) -> Path:
    return (base or data_dir()) / "secret_key"


def ensure_secret_key(base: Path | None = None) -> Path:
    """Create the data directory and a random secret key file (mode 0600) if there is none."""
    path = secret_key_path(base)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path


def read_secret_key() -> str | None:
    """MAMORI_SECRET_KEY, else the key file in the data directory, else None."""
    key = os.environ.get("MAMORI_SECRET_KEY")
    if key:
        return key
    path = secret_key_path()
    if path.exists():
        return path.read_text(encoding="ascii").strip() or None
    return None
