"""BorgRepository against real borg repositories made in a temporary folder with the installed borg."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mamori.engines.backup.borg import BorgRepository, create_paths, mode_from_text
from mamori.engines.backup.listing import BackupToolError, FileEntry, SnapshotInfo, restored_path
from tests.engines.backup.small_share import BRACKETS, JAPANESE, make_share

BORG = shutil.which("borg")
PASSWORD = "B0rg-まもり-passphrase"

needs_borg = pytest.mark.skipif(BORG is None, reason="borg not installed: apt install borgbackup")


def expected(share: Path) -> dict[str, FileEntry]:
    """What borg's listing should say of the share's files and folders (paths without the leading /)."""
    found: dict[str, FileEntry] = {}
    for path in [share, *share.rglob("*")]:
        st = path.lstat()
        kind = "dir" if path.is_dir() else "file"
        mtime = datetime.fromtimestamp(st.st_mtime_ns / 1e9, UTC)  # as borg rounds nanoseconds: through a float
        found[str(path).lstrip("/")] = FileEntry(str(path).lstrip("/"), kind, st.st_size if kind == "file" else 0,
                                                 mtime, None, st.st_mode)
    return found


@dataclass
class World:
    root: Path
    share: Path
    repo: Path
    base: Path
    password_file: Path
    env: dict[str, str]
    first: dict[str, FileEntry]
    second: dict[str, FileEntry]
    times: list[tuple[datetime, datetime]]
    snapshots: list[SnapshotInfo]

    def repository(self, repo: Path | None = None, *, password_file: Path | None = None,
                   password_env: str | None = None, base: Path | None = None) -> BorgRepository:
        if password_file is None and password_env is None:
            password_file = self.password_file
        return BorgRepository(str(repo or self.repo), password_file=password_file, password_env=password_env,
                              base_dir=base or self.base)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if BORG is None:
        pytest.skip("borg not installed: apt install borgbackup")
    root = tmp_path_factory.mktemp("borg")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(root / "home"))  # nothing of borg's lands in the real home
        share = make_share(root)
        password_file = root / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        repo, base = root / "repo", root / "borg-base"
        env = {**os.environ, "BORG_PASSPHRASE": PASSWORD, "BORG_BASE_DIR": str(base)}
        subprocess.run([BORG, "init", "--encryption=repokey-blake2", str(repo)], env=env, check=True,
                       capture_output=True, stdin=subprocess.DEVNULL)
        times = []
        first = expected(share)
        for step in (1, 2):
            if step == 2:  # the change between the two archives
                (share / "notes.txt").write_bytes("定期バックアップの確認メモ\n追記しました\n".encode())
                (share / "追加.txt").write_bytes(b"new\n")
            before = datetime.now(UTC)
            subprocess.run([BORG, "create", f"{repo}::daily-{step}", str(share)], env=env, check=True,
                           capture_output=True, stdin=subprocess.DEVNULL)
            times.append((before, datetime.now(UTC)))
        world = World(root, share, repo, base, password_file, env, first, expected(share), times, [])
        world.snapshots = world.repository().snapshots()
        yield world


@needs_borg
def test_archives_are_listed_oldest_first_with_time_host_and_paths(world: World) -> None:
    first, second = world.snapshots
    for snapshot, (before, after), name in zip((first, second), world.times, ("daily-1", "daily-2"), strict=True):
        assert before.replace(microsecond=0) <= snapshot.time <= after and snapshot.time.tzinfo is UTC
        assert snapshot.short_id == name and len(snapshot.id) == 64 and snapshot.tool == "borg"
        assert snapshot.hostname == socket.gethostname() and snapshot.paths == (str(world.share),)
        assert snapshot.tags == () and snapshot.parent is None


@needs_borg
def test_ls_gives_every_file_and_folder_with_the_size_mtime_and_mode_of_os_stat(world: World) -> None:
    repo = world.repository()
    first = world.snapshots[0]
    assert {e.path: e for e in repo.ls(first.id)} == world.first  # by id, as SnapshotInfo.id
    assert {e.path: e for e in repo.ls("daily-2")} == world.second  # by name
    with pytest.raises(BackupToolError) as caught:
        list(repo.ls("daily-9"))
    assert caught.value.code == "snapshot_missing"


@needs_borg
def test_check_passes_on_a_healthy_repository_also_when_verifying_data(world: World) -> None:
    plain = world.repository().check()
    assert plain.ok and plain.exit_code == 0 and not plain.read_data and plain.tool == "borg"
    assert "Archive consistency check complete, no problems found." in plain.messages
    verified = world.repository().check(read_data=True)
    assert verified.ok and verified.read_data


@needs_borg
def test_check_fails_after_a_segment_file_is_damaged(world: World, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(world.repo, damaged)
    for segment in (damaged / "data" / "0").iterdir():
        data = bytearray(segment.read_bytes())
        if len(data) > 100:
            data[60:100] = b"\0" * 40
            segment.write_bytes(bytes(data))
    # A copy is a moved repository to borg's security folder: a fresh one, or borg refuses (tested below).
    result = world.repository(damaged, base=tmp_path / "base").check()
    assert not result.ok and result.exit_code == 1
    assert "Finished full repository check, errors found." in result.messages


@needs_borg
def test_a_moved_repository_is_refused_without_waiting_on_the_question(world: World, tmp_path: Path) -> None:
    moved = tmp_path / "moved"
    shutil.copytree(world.repo, moved)
    with pytest.raises(BackupToolError) as caught:
        world.repository(moved).snapshots()
    assert caught.value.code == "access_refused" and "previously located at" in str(caught.value)


@needs_borg
def test_a_wrong_passphrase_is_an_error_that_does_not_show_it(world: World, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("Wr0ng-秘密のパスフレーズ\n", encoding="utf-8")
    with pytest.raises(BackupToolError) as caught:
        world.repository(password_file=wrong).snapshots()
    error = caught.value
    assert error.code == "wrong_password" and str(error).startswith(f"{world.repo}: borg: wrong passphrase")
    assert "Wr0ng" not in str(error) and PASSWORD not in str(error) and "Wr0ng" not in repr(error.params)


@needs_borg
def test_the_passphrase_can_come_from_a_named_environment_variable(world: World,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAMORI_TEST_BORG_PW", PASSWORD)
    assert len(world.repository(password_env="MAMORI_TEST_BORG_PW").snapshots()) == 2
    monkeypatch.setenv("BORG_PASSPHRASE", "a stray wrong one")  # borg would prefer it to the command given
    assert len(world.repository().snapshots()) == 2
    monkeypatch.delenv("MAMORI_TEST_BORG_PW")
    with pytest.raises(BackupToolError) as caught:
        world.repository(password_env="MAMORI_TEST_BORG_PW").snapshots()
    assert caught.value.code == "password_missing"


@needs_borg
def test_a_missing_repository_is_an_error(world: World) -> None:
    with pytest.raises(BackupToolError) as caught:
        world.repository(world.root / "nothing-here").snapshots()
    assert caught.value.code == "repository_missing" and "does not exist" in str(caught.value)


@needs_borg
def test_a_repository_locked_by_another_borg_stops_the_check(world: World) -> None:
    lock = world.repo / "lock.exclusive"
    # `cat` holds the lock until its stdin closes; then borg releases the lock and exits by itself.
    with subprocess.Popen([BORG or "borg", "with-lock", str(world.repo), "cat"], env=world.env,
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as holder:
        try:
            deadline = time.monotonic() + 20
            while not lock.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            with pytest.raises(BackupToolError) as caught:
                world.repository().check()
        finally:
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=30)
    assert caught.value.code == "repository_locked" and "lock" in str(caught.value)
    assert not lock.exists()


@needs_borg
def test_restore_brings_back_the_chosen_files_byte_for_byte(world: World, tmp_path: Path) -> None:
    repo = world.repository()
    wanted = [str(world.share / JAPANESE).lstrip("/"), str(world.share / BRACKETS)]  # stored form and absolute
    target = repo.restore(world.snapshots[1].id, wanted, tmp_path / "restored")
    assert target == tmp_path / "restored"
    for path in wanted:
        assert restored_path(target, path).read_bytes() == (Path("/") / path.lstrip("/")).read_bytes()
    assert not restored_path(target, str(world.share / "notes.txt")).exists()  # only what was asked for
    with pytest.raises(BackupToolError) as caught:
        repo.restore("daily-1", [str(world.share / "追加.txt")], tmp_path / "other")  # only in daily-2
    assert caught.value.code == "path_missing"


@needs_borg
def test_dump_gives_one_file_s_bytes(world: World) -> None:
    repo = world.repository()
    csv = world.share / "export_cp932.csv"
    assert repo.dump("daily-1", str(csv)) == csv.read_bytes()
    assert repo.dump("daily-2", str(world.share / BRACKETS)) == b"step 1\nstep 2\n"
    with pytest.raises(BackupToolError) as caught:
        repo.dump("daily-1", str(world.share / "部署/放射線科/report.txt"), max_bytes=10)
    assert caught.value.code == "too_large"


def test_the_passphrase_is_never_on_the_command_line(tmp_path: Path) -> None:
    fake = tmp_path / "borg"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$0.args"\nenv > "$0.env"\necho "boom" >&2\nexit 2\n')
    fake.chmod(0o755)
    secret = tmp_path / "my secret"
    secret.write_text(PASSWORD, encoding="utf-8")
    with pytest.raises(BackupToolError) as caught:
        BorgRepository(str(tmp_path / "r"), password_file=secret, binary=str(fake)).snapshots()
    assert caught.value.code == "tool_failed" and "boom" in str(caught.value)
    assert PASSWORD not in (tmp_path / "borg.args").read_text()
    env = (tmp_path / "borg.env").read_text()
    assert f"BORG_PASSCOMMAND=cat '{secret}'" in env and PASSWORD not in env
    assert "BORG_RELOCATED_REPO_ACCESS_IS_OK=no" in env and "TZ=UTC" in env


def test_a_missing_program_and_a_bad_passphrase_choice_are_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(BackupToolError) as caught:
        BorgRepository("r", password_file=tmp_path / "pw", binary=str(tmp_path / "no-borg")).check()
    assert caught.value.code == "tool_missing" and "no-borg" in str(caught.value)
    with pytest.raises(ValueError, match="exactly one"):
        BorgRepository("r")


def test_ls_l_modes_become_posix_modes() -> None:
    assert mode_from_text("-rw-r--r--") == 0o100644
    assert mode_from_text("hrw-r--r--") == 0o100644  # the second name of a hard link
    assert mode_from_text("drwxrwxrwt") == 0o041777
    assert mode_from_text("-rwsr-S---") == 0o106740
    assert mode_from_text("lrwxrwxrwx") == 0o120777
    assert mode_from_text("?") is None


def test_the_source_paths_are_read_from_the_create_command_line() -> None:
    line = ["/usr/bin/borg", "--lock-wait", "5", "create", "-C", "zstd", "--exclude", "*.tmp", "/r::daily",
            "/srv/share", "/etc", "--comment", "nightly"]
    assert create_paths(line) == ("/srv/share", "/etc")
    assert create_paths(["borg", "list"]) == ()
