"""Verifying real restic and borg repositories of a generated file share: ordinary edits stay Clean, whole-file
encryption with renames and notes and intermittent in-place encryption are caught, the last clean snapshot is
named, and `mamori backup verify` says so with its exit status."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mamori.engines.backup.borg import BorgRepository
from mamori.engines.backup.drill import run_drill
from mamori.engines.backup.restic import ResticRepository
from mamori.engines.backup.verdict import SnapshotState
from mamori.engines.backup.verify import BackupRepository, VerifyReport, verify_repository
from tests.engines.backup.files import (
    encrypt_intermittent,
    encrypt_whole,
    ordinary_edit,
    write_csv_cp932,
    write_dicom,
    write_docx,
    write_jpeg,
    write_pdf,
    write_png,
    write_text,
    write_xlsx,
)

PASSWORD = "correct horse バッテリー staple"
TOOLS = {"restic": shutil.which("restic"), "borg": shutil.which("borg")}


def make_share(root: Path) -> list[Path]:
    """A department share: documents, spreadsheets, scans, images, a CP932 export and logs (about 40 files)."""
    files: list[Path] = []
    for n in range(4):
        folder = root / "share" / f"部署{n:02d}"
        folder.mkdir(parents=True)
        files += [
            write_docx(folder / f"議事録{n}.docx", paragraphs=20, seed=n),
            write_xlsx(folder / f"患者一覧{n}.xlsx", rows=200, seed=n),
            write_pdf(folder / f"報告書{n}.pdf", pages=4, seed=n),
            write_jpeg(folder / f"写真{n}.jpg", width=640, height=480, seed=n),
            write_png(folder / f"図{n}.png", width=320, height=240, seed=n),
            write_dicom(folder / f"CT{n}.dcm", size=128, seed=n),
            write_csv_cp932(folder / f"会計{n}.csv", rows=300, seed=n),
            write_text(folder / f"業務{n}.log", lines=500, seed=n),
        ]
    return files


@dataclass
class Tool:
    name: str
    root: Path
    env: dict[str, str]
    password_file: Path

    def init(self, repo: Path) -> None:
        if self.name == "restic":
            self.run("restic", "--no-cache", "-r", str(repo), "init")
        else:
            self.run("borg", "init", "--encryption=repokey-blake2", str(repo))

    def backup(self, repo: Path, share: Path, label: str) -> None:
        if self.name == "restic":
            self.run("restic", "--no-cache", "-r", str(repo), "backup", "--host", "fileserver", str(share))
        else:
            self.run("borg", "create", f"{repo}::{label}", str(share))

    def run(self, *args: str) -> None:
        subprocess.run(list(args), env=self.env, check=True, capture_output=True, timeout=120)

    def repository(self, repo: Path) -> BackupRepository:
        if self.name == "restic":
            return ResticRepository(str(repo), password_file=self.password_file)
        return BorgRepository(str(repo), password_file=self.password_file)


@pytest.fixture(params=["restic", "borg"])
def tool(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tool]:
    name = str(request.param)
    if TOOLS[name] is None:
        pytest.skip(f"{name} not installed: apt install {'restic' if name == 'restic' else 'borgbackup'}")
    password_file = tmp_path / "password"
    password_file.write_text(PASSWORD + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTIC_", "BORG_"))}
    env.update(HOME=str(tmp_path / "home"), RESTIC_PASSWORD_FILE=str(password_file),
               BORG_PASSCOMMAND=f"cat {password_file}", BORG_BASE_DIR=str(tmp_path / "borg-base"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(tmp_path / "home"))
        patch.setenv("BORG_BASE_DIR", str(tmp_path / "borg-base"))
        yield Tool(name, tmp_path, env, password_file)


def history(tool: Tool, *steps: Callable[[list[Path]], None]) -> tuple[Path, list[Path]]:
    """A repository of the share: one snapshot first, then one after each step."""
    files = make_share(tool.root)
    repo = tool.root / "repo"
    tool.init(repo)
    tool.backup(repo, tool.root / "share", "s0")
    for number, step in enumerate(steps, 1):
        step(files)
        tool.backup(repo, tool.root / "share", f"s{number}")
    return repo, files


def verify(tool: Tool, repo: Path) -> VerifyReport:
    scratch = tool.root / "scratch"
    scratch.mkdir(exist_ok=True)
    return verify_repository(tool.repository(repo), scratch)


def edits(files: list[Path]) -> None:
    for path in files[::3]:
        ordinary_edit(path)


def lockbit(files: list[Path]) -> None:
    """Whole-file encryption, an appended extension, a note in every folder."""
    for path in files[: len(files) * 3 // 4]:
        encrypt_whole(path)
        path.rename(path.with_name(path.name + ".lockbit"))
    for folder in {p.parent for p in files}:
        (folder / "Restore-My-Files.txt").write_text("All your files are encrypted by LockBit\n", encoding="utf-8")


def intermittent(files: list[Path]) -> None:
    """Every other block encrypted in place after an intact 4 KiB header, names and times kept."""
    for path in files[::2]:
        stat = path.stat()
        encrypt_intermittent(path, skip_header=4096)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # some strains put the times back


def states(report: VerifyReport) -> list[SnapshotState]:
    return [s.verdict.state for s in report.snapshots]


def test_ordinary_edits_give_no_false_alarm(tool: Tool) -> None:
    repo, files = history(tool, edits, edits)
    report = verify(tool, repo)
    assert states(report) == [SnapshotState.CLEAN] * 3, [s.verdict.reasons for s in report.snapshots]
    assert report.ok and report.check is not None and report.check.ok
    assert report.last_clean == report.snapshots[-1].snapshot
    newest = report.snapshots[-1]
    assert newest.files == len(files) and newest.verdict.sampled == len(files)  # a small share is read whole
    assert {c.kind for c in newest.checks} >= {"docx", "xlsx", "pdf", "jpeg", "png", "dicom", "text"}


def test_whole_file_encryption_with_renames_and_notes_is_encrypted_and_the_clean_point_named(tool: Tool) -> None:
    repo, _files = history(tool, edits, lockbit)
    report = verify(tool, repo)
    assert states(report) == [SnapshotState.CLEAN, SnapshotState.CLEAN, SnapshotState.ENCRYPTED]
    codes = {r.code for r in report.snapshots[-1].verdict.reasons}
    assert {"mass_rename", "ransom_note", "content_broken"} <= codes
    assert not report.ok
    assert report.last_clean == report.snapshots[1].snapshot


def test_intermittent_encryption_with_names_and_times_kept_is_found_in_the_contents(tool: Tool) -> None:
    repo, files = history(tool, edits, intermittent)
    report = verify(tool, repo)
    newest = report.snapshots[-1]
    assert newest.diff.renamed == [] and newest.diff.added == []  # nothing in the listing gives it away
    assert newest.verdict.state == SnapshotState.ENCRYPTED
    assert "content_partial" in {r.code for r in newest.verdict.reasons} or "content_broken" in {
        r.code for r in newest.verdict.reasons}
    broken = set(newest.verdict.broken)
    encrypted = {str(p) for p in files[::2]}
    assert broken, "no sampled file was found broken"
    assert {p.lstrip("/") for p in broken} <= {p.lstrip("/") for p in encrypted}  # only the encrypted ones
    assert report.last_clean == report.snapshots[1].snapshot


def test_a_snapshot_after_the_attack_still_holding_the_files_is_not_a_restore_point(tool: Tool) -> None:
    repo, _files = history(tool, lockbit, lambda files: None)
    report = verify(tool, repo)
    assert states(report) == [SnapshotState.CLEAN, SnapshotState.ENCRYPTED, SnapshotState.ENCRYPTED]
    assert report.snapshots[-1].verdict.reasons[0].code == "carried"  # the deciding reason first
    assert report.last_clean == report.snapshots[0].snapshot


def test_the_cli_exits_1_and_names_the_last_clean_snapshot(tool: Tool) -> None:
    repo, _files = history(tool, edits, lockbit)
    env = {**tool.env, "MAMORI_BACKUP_PASSWORD": PASSWORD}
    result = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "backup", "verify", f"--{tool.name}", str(repo), "--password-env",
         "MAMORI_BACKUP_PASSWORD", "--json"], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert result.returncode == 1, result.stderr
    body = json.loads(result.stdout)
    assert [s["state"] for s in body["snapshots"]] == ["clean", "clean", "encrypted"]
    assert body["last_clean"]["id"] == body["snapshots"][1]["id"]
    assert PASSWORD not in result.stdout + result.stderr
    text = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "backup", "verify", f"--{tool.name}", str(repo), "--password-file",
         str(tool.password_file)], capture_output=True, text=True, env=env, timeout=300, check=False)
    assert text.returncode == 1 and f"last clean snapshot: {body['snapshots'][1]['id']}" in text.stdout


def test_a_wrong_password_exits_2_without_showing_it(tool: Tool) -> None:
    repo, _files = history(tool)
    wrong = tool.root / "wrong"
    wrong.write_text("not the password\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "backup", "verify", f"--{tool.name}", str(repo), "--password-file",
         str(wrong)], capture_output=True, text=True, env=tool.env, timeout=120, check=False)
    assert result.returncode == 2 and "password" in result.stderr.lower()
    assert "not the password" not in result.stderr + result.stdout



def test_a_drill_restores_a_sample_and_finds_it_identical_to_production(tool: Tool) -> None:
    repo, _files = history(tool)
    scratch = tool.root / "scratch"
    scratch.mkdir()
    repository = tool.repository(repo)
    result = run_drill(repository, repository.snapshots()[-1], scratch, files=10, production_root=Path("/"))
    assert result.ok and result.restored == 10 and len(result.matched) == 10
    assert result.bytes > 0 and result.seconds > 0 and not any(scratch.iterdir())  # the scratch copy is gone


def test_a_drill_finds_a_file_that_differs_from_unchanged_production_and_one_changed_since(tool: Tool) -> None:
    repo, files = history(tool)
    silently = files[0]  # same size and time in production, other bytes: one side is corrupt
    stat = silently.stat()
    data = bytearray(silently.read_bytes())
    data[len(data) // 2] ^= 0xFF
    silently.write_bytes(bytes(data))
    os.utime(silently, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    ordinary_edit(files[1])
    scratch = tool.root / "scratch"
    scratch.mkdir()
    repository = tool.repository(repo)
    result = run_drill(repository, repository.snapshots()[-1], scratch, files=len(files), production_root=Path("/"))
    assert not result.ok
    assert [p.lstrip("/") for p in result.mismatched] == [str(silently).lstrip("/")]
    assert str(files[1]).lstrip("/") in [p.lstrip("/") for p in result.changed_since]
    assert len(result.matched) == len(files) - 2


def test_the_drill_command_exits_1_on_a_difference(tool: Tool) -> None:
    repo, files = history(tool)
    stat = files[2].stat()
    encrypt_whole(files[2])  # production's copy replaced, size and time kept: the backup no longer matches it
    os.utime(files[2], ns=(stat.st_atime_ns, stat.st_mtime_ns))
    result = subprocess.run(
        [sys.executable, "-m", "mamori.cli", "backup", "drill", f"--{tool.name}", str(repo), "--password-file",
         str(tool.password_file), "--files", "100", "--json"], capture_output=True, text=True, env=tool.env,
        timeout=300, check=False)
    body = json.loads(result.stdout)
    assert result.returncode == 1, body
    assert [p.lstrip("/") for p in body["mismatched"]] == [str(files[2]).lstrip("/")]
    assert body["matched"] == len(files) - 1 and body["restored"] == len(files)
