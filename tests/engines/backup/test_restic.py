"""ResticRepository against real restic repositories made in a temporary folder with the installed restic."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mamori.engines.backup.listing import BackupToolError, FileEntry, SnapshotInfo, parse_timestamp, restored_path
from mamori.engines.backup.restic import ResticRepository, go_mode_to_posix, include_pattern
from tests.engines.backup.small_share import BRACKETS, JAPANESE, make_share

RESTIC = shutil.which("restic")
PASSWORD = "Sh1ka-まもり-pw"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

needs_restic = pytest.mark.skipif(RESTIC is None, reason="restic not installed: apt install restic")


def expected(share: Path) -> dict[str, FileEntry]:
    """What a listing should say of the share's files and folders, from os.lstat."""
    found: dict[str, FileEntry] = {}
    for path in [share, *share.rglob("*")]:
        st = path.lstat()
        kind = "dir" if path.is_dir() else "file"
        found[str(path)] = FileEntry(str(path), kind, st.st_size if kind == "file" else 0,
                                     EPOCH + timedelta(microseconds=st.st_mtime_ns // 1000), None, st.st_mode)
    return found


@dataclass
class World:
    root: Path
    share: Path
    repo: Path
    password_file: Path
    env: dict[str, str]
    first: dict[str, FileEntry]
    second: dict[str, FileEntry]
    times: list[tuple[datetime, datetime]]
    snapshots: list[SnapshotInfo]

    def repository(self, repo: Path | None = None, *, password_file: Path | None = None,
                   password_env: str | None = None) -> ResticRepository:
        if password_file is None and password_env is None:
            password_file = self.password_file
        return ResticRepository(str(repo or self.repo), password_file=password_file, password_env=password_env)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    if RESTIC is None:
        pytest.skip("restic not installed: apt install restic")
    root = tmp_path_factory.mktemp("restic")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(root / "home"))  # nothing of restic's lands in the real home
        patch.setenv("XDG_CACHE_HOME", str(root / "home" / ".cache"))
        share = make_share(root)
        password_file = root / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        repo = root / "repo"
        env = {**os.environ, "RESTIC_REPOSITORY": str(repo), "RESTIC_PASSWORD_FILE": str(password_file)}
        env.pop("RESTIC_PASSWORD", None)
        restic = [RESTIC, "--no-cache", "--quiet"]
        subprocess.run([*restic, "init"], env=env, check=True, capture_output=True)
        times = []
        first = expected(share)
        for step in (1, 2):
            if step == 2:  # the change between the two snapshots
                (share / "notes.txt").write_bytes("定期バックアップの確認メモ\n追記しました\n".encode())
                (share / "追加.txt").write_bytes(b"new\n")
            before = datetime.now(UTC)
            subprocess.run([*restic, "backup", "--host", "mamori-test", "--tag", "daily", str(share)], env=env,
                           check=True, capture_output=True)
            times.append((before, datetime.now(UTC)))
        world = World(root, share, repo, password_file, env, first, expected(share), times, [])
        world.snapshots = world.repository().snapshots()  # once: every restic call spends ~0.5 s deriving the key
        yield world


def listing(entries: Iterator[FileEntry], share: Path) -> dict[str, FileEntry]:
    return {e.path: e for e in entries if e.path == str(share) or e.path.startswith(f"{share}/")}


@needs_restic
def test_snapshots_are_listed_oldest_first_with_time_host_paths_and_parent(world: World) -> None:
    first, second = world.snapshots
    for snapshot, (before, after) in zip((first, second), world.times, strict=True):
        assert before <= snapshot.time <= after and snapshot.time.tzinfo is UTC
        assert snapshot.hostname == "mamori-test" and snapshot.paths == (str(world.share),)
        assert snapshot.tags == ("daily",) and snapshot.tool == "restic" and snapshot.summary == {}
        assert len(snapshot.id) == 64 and snapshot.short_id == snapshot.id[:8]
    assert first.parent is None and second.parent == first.id


@needs_restic
def test_ls_gives_every_file_and_folder_with_the_size_mtime_and_mode_of_os_stat(world: World) -> None:
    repo = world.repository()
    first, second = world.snapshots
    assert listing(repo.ls(first.id), world.share) == world.first
    whole = list(repo.ls(second.short_id))
    assert listing(iter(whole), world.share) == world.second
    # restic stores the folders above the share too ("/tmp", …): as folders, with no size.
    assert all(e.type == "dir" and e.size == 0 for e in whole if not e.path.startswith(str(world.share)))
    changed = world.second[str(world.share / "notes.txt")]
    assert changed.size != world.first[str(world.share / "notes.txt")].size


@needs_restic
def test_ls_of_an_unknown_snapshot_is_an_error(world: World) -> None:
    with pytest.raises(BackupToolError) as caught:
        list(world.repository().ls("deadbeef"))
    assert caught.value.code == "snapshot_missing"


@needs_restic
def test_check_passes_on_a_healthy_repository_and_can_read_a_subset_of_the_data(world: World) -> None:
    plain = world.repository().check()
    assert plain.ok and plain.exit_code == 0 and not plain.read_data and plain.tool == "restic"
    assert "no errors were found" in plain.messages
    reading = world.repository().check(read_data_subset="1/1")
    assert reading.ok and reading.read_data
    with pytest.raises(ValueError, match="read_data_subset"):
        world.repository().check(read_data_subset="1/1; rm -rf /")


@needs_restic
def test_check_fails_after_a_pack_file_is_damaged(world: World, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(world.repo, damaged)
    for pack in (damaged / "data").rglob("*"):
        if pack.is_file():
            pack.chmod(0o600)
            data = bytearray(pack.read_bytes())
            data[8:40] = b"\0" * 32
            pack.write_bytes(bytes(data))
    result = world.repository(damaged).check()
    assert not result.ok and result.exit_code == 1
    assert "Fatal: repository contains errors" in result.messages


@needs_restic
def test_a_wrong_password_is_an_error_that_does_not_show_the_password(world: World, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("Wr0ng-秘密のパスワード\n", encoding="utf-8")
    with pytest.raises(BackupToolError) as caught:
        world.repository(password_file=wrong).snapshots()
    error = caught.value
    assert error.code == "wrong_password" and str(error).startswith(f"{world.repo}: restic: wrong password")
    assert "Wr0ng" not in str(error) and PASSWORD not in str(error) and "Wr0ng" not in repr(error.params)


@needs_restic
def test_the_password_can_come_from_a_named_environment_variable(world: World,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAMORI_TEST_RESTIC_PW", PASSWORD)
    assert len(world.repository(password_env="MAMORI_TEST_RESTIC_PW").snapshots()) == 2
    monkeypatch.setenv("RESTIC_PASSWORD", "a stray wrong one")  # restic would prefer it to the file given
    assert len(world.repository().snapshots()) == 2
    monkeypatch.delenv("MAMORI_TEST_RESTIC_PW")
    with pytest.raises(BackupToolError) as caught:
        world.repository(password_env="MAMORI_TEST_RESTIC_PW").snapshots()
    assert caught.value.code == "password_missing"


@needs_restic
def test_a_missing_repository_is_an_error(world: World) -> None:
    with pytest.raises(BackupToolError) as caught:
        world.repository(world.root / "nothing-here").snapshots()
    assert caught.value.code == "repository_missing" and str(caught.value).startswith(str(world.root))


@needs_restic
def test_a_stale_lock_of_a_killed_backup_stops_the_check(world: World, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    shutil.copytree(world.repo, locked)
    env = {**world.env, "RESTIC_REPOSITORY": str(locked)}
    with subprocess.Popen([RESTIC or "restic", "--no-cache", "backup", "--stdin"], env=env, stdin=subprocess.PIPE,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as backup:
        try:
            deadline = time.monotonic() + 20
            while not any((locked / "locks").iterdir()) and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            backup.kill()  # the lock file stays behind, as after a crash
    assert any((locked / "locks").iterdir())
    with pytest.raises(BackupToolError) as caught:
        world.repository(locked).check()
    assert caught.value.code == "repository_locked" and "restic unlock" in str(caught.value)


@needs_restic
def test_restore_brings_back_the_chosen_files_byte_for_byte(world: World, tmp_path: Path) -> None:
    repo = world.repository()
    second = world.snapshots[1]
    wanted = [str(world.share / JAPANESE), str(world.share / BRACKETS)]
    target = repo.restore(second.id, wanted, tmp_path / "restored")
    assert target == tmp_path / "restored"
    for path in wanted:
        assert restored_path(target, path).read_bytes() == Path(path).read_bytes()
    assert not restored_path(target, str(world.share / "notes.txt")).exists()  # only what was asked for
    with pytest.raises(BackupToolError) as caught:
        repo.restore(second.id, [str(world.share / "never-there.txt")], tmp_path / "other")
    assert caught.value.code == "path_missing"


@needs_restic
def test_dump_gives_one_file_s_bytes(world: World) -> None:
    repo = world.repository()
    first = world.snapshots[0]
    assert repo.dump(first.id, str(world.share / "export_cp932.csv")) == (world.share / "export_cp932.csv").read_bytes()
    assert repo.dump(first.id, str(world.share / BRACKETS)) == b"step 1\nstep 2\n"
    with pytest.raises(BackupToolError) as caught:
        repo.dump(first.id, str(world.share / "部署/放射線科/report.txt"), max_bytes=10)
    assert caught.value.code == "too_large"


def test_the_password_is_never_on_the_command_line(tmp_path: Path) -> None:
    fake = tmp_path / "restic"
    fake.write_text('#!/bin/sh\nprintf "%s\\n" "$@" > "$0.args"\nenv > "$0.env"\necho "Fatal: boom" >&2\nexit 1\n')
    fake.chmod(0o755)
    secret = tmp_path / "secret"
    secret.write_text(PASSWORD, encoding="utf-8")
    with pytest.raises(BackupToolError) as caught:
        ResticRepository(str(tmp_path / "r"), password_file=secret, binary=str(fake)).snapshots()
    assert caught.value.code == "tool_failed" and "Fatal: boom" in str(caught.value)
    assert PASSWORD not in (tmp_path / "restic.args").read_text()
    env = (tmp_path / "restic.env").read_text()
    assert f"RESTIC_PASSWORD_FILE={secret}" in env and PASSWORD not in env
    assert "--no-cache" in (tmp_path / "restic.args").read_text().split()


def test_a_missing_program_and_a_bad_password_choice_are_said_plainly(tmp_path: Path) -> None:
    with pytest.raises(BackupToolError) as caught:
        ResticRepository("r", password_file=tmp_path / "pw", binary=str(tmp_path / "no-restic")).check()
    assert caught.value.code == "tool_missing" and "no-restic" in str(caught.value)
    with pytest.raises(ValueError, match="exactly one"):
        ResticRepository("r")
    with pytest.raises(ValueError, match="exactly one"):
        ResticRepository("r", password_file=tmp_path, password_env="X")


def test_go_file_modes_become_posix_modes() -> None:
    assert go_mode_to_posix(420) == 0o100644
    assert go_mode_to_posix(2147484141) == 0o040755  # ModeDir | 0755, as restic 0.14 prints a folder
    assert go_mode_to_posix(134218239) == 0o120777  # ModeSymlink | 0777
    assert go_mode_to_posix(2148532735) == 0o041777  # /tmp: ModeDir | ModeSticky | 0777


def test_include_patterns_take_brackets_and_stars_literally() -> None:
    assert include_pattern("/share/[重要] 手順.txt") == "/share/\\[重要\\] 手順.txt"
    assert include_pattern("share/a*b?.txt") == "/share/a\\*b\\?.txt"


def test_restic_times_keep_microseconds_and_become_utc() -> None:
    assert parse_timestamp("2025-04-01T09:30:00.123456789+09:00") == datetime(2025, 4, 1, 0, 30, 0, 123456, UTC)
    assert parse_timestamp("2025-04-01T00:30:00Z") == datetime(2025, 4, 1, 0, 30, tzinfo=UTC)
