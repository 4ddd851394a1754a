"""Secure by default: production settings refuse DEBUG and a missing key; headers and cookies are strict."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.cli_helpers import DROP


def _import_settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in DROP}
    clean.update({"MAMORI_DATA_DIR": str(tmp_path), **env})
    code = ("import mamori.settings as s; print(s.DEBUG, s.PASSWORD_HASHERS[0], s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS)")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, check=False,
                          timeout=60)


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = _import_settings(tmp_path)
    assert result.returncode != 0
    assert "No secret key" in result.stderr


def test_production_settings_refuse_debug(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, MAMORI_SECRET_KEY="k" * 50, MAMORI_DEBUG="1")
    assert result.returncode != 0
    assert "DEBUG must not be enabled" in result.stderr


def test_production_defaults_are_strict(tmp_path: Path) -> None:
    result = _import_settings(tmp_path, MAMORI_SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.contrib.auth.hashers.Argon2PasswordHasher", "True", "True",
                                     "31536000"]


@pytest.mark.django_db
def test_security_headers_on_every_page(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_login_form_needs_a_csrf_token() -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403


def test_no_template_loads_anything_from_another_host() -> None:
    import mamori

    root = Path(mamori.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.html")
                 if "http://" in p.read_text(encoding="utf-8") or "https://" in p.read_text(encoding="utf-8")]
    assert offenders == []
