"""Shared set-up for benchmarks that need the application: a throwaway data directory and database."""

from __future__ import annotations

import os
import tempfile


def setup_django() -> None:
    """Configure Django on a fresh temporary SQLite database (or DATABASE_URL) and migrate it."""
    os.environ.setdefault("MAMORI_DATA_DIR", tempfile.mkdtemp(prefix="mamori-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings_test")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
