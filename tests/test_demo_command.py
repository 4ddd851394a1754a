"""README command 1 in miniature: `mamori demo` prepares, prints a one-time password, and serves."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.cli_helpers import DROP, mamori


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_demo_prepares_once_and_serves_the_login_page(tmp_path: Path) -> None:
    first = mamori(tmp_path, "demo", "--no-serve", timeout=300)
    assert first.returncode == 0, first.stderr
    assert "Demo hospital" in first.stdout and "assets: 1000" in first.stdout
    password = first.stdout.split("One-time password (shown once, change it after signing in): ")[1].split()[0]
    assert len(password) >= 13
    second = mamori(tmp_path, "demo", "--no-serve")
    assert "Loading the demo" not in second.stdout and password not in second.stdout
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0  # readable by the owner only

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    log = (tmp_path / "serve.log").open("w", encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "mamori.cli", "--data-dir", str(tmp_path), "serve",
                               "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        body, headers = "", {}
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as resp:
                    body, headers = resp.read().decode(), dict(resp.headers)
                break
            except OSError:
                time.sleep(0.2)
        assert "ログイン" in body, (tmp_path / "serve.log").read_text(encoding="utf-8")
        assert "default-src 'self'" in headers["Content-Security-Policy"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js", timeout=5) as resp:
            assert resp.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
