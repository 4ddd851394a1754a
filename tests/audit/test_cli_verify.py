"""`mamori audit verify` passes on an untouched trail and fails, naming the entry, after a hand edit."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli_helpers import mamori


def test_audit_verify_detects_a_row_edited_by_hand_in_sql(tmp_path: Path) -> None:
    assert mamori(tmp_path, "migrate").returncode == 0
    for name in ("tanaka", "sato", "kimura"):
        made = mamori(tmp_path, "createuser", name, "--role", "it_staff", "--generate-password")
        assert made.returncode == 0, made.stderr
    ok = mamori(tmp_path, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "3 entries verified" in ok.stdout

    with sqlite3.connect(tmp_path / "mamori.sqlite3") as db:
        db.execute("UPDATE audit_auditentry SET object_repr = 'someone-else' WHERE seq = 2")
    broken = mamori(tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert "BROKEN at entry 2" in broken.stderr
    assert "changed" in broken.stderr


def test_generated_password_is_printed_once_and_not_stored_in_clear(tmp_path: Path) -> None:
    assert mamori(tmp_path, "migrate").returncode == 0
    made = mamori(tmp_path, "createuser", "yamada", "--role", "it_staff", "--generate-password")
    password = made.stdout.split("(shown once): ")[1].strip()
    assert len(password) >= 13
    raw = (tmp_path / "mamori.sqlite3").read_bytes()
    wal = tmp_path / "mamori.sqlite3-wal"
    if wal.exists():
        raw += wal.read_bytes()
    assert password.encode() not in raw
    assert b"argon2" in raw


def test_weak_password_is_refused_with_the_rule(tmp_path: Path) -> None:
    assert mamori(tmp_path, "migrate").returncode == 0
    refused = mamori(tmp_path, "createuser", "kato", "--role", "it_staff", "--password-stdin", stdin="short1\n")
    assert refused.returncode == 2
    assert "13" in refused.stderr
    assert mamori(tmp_path, "audit", "verify").stdout.startswith("Audit trail intact: 0 entries")
