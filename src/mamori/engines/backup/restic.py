"""A restic repository read through the installed `restic` program (0.14 and later).

The password reaches restic only through the child's environment: `RESTIC_PASSWORD_FILE` naming the given
file, or `RESTIC_PASSWORD` copied from the named variable of this process. It is never on a command line,
never logged, and scrubbed from every message. Any RESTIC_PASSWORD* or RESTIC_REPOSITORY* of this process is
dropped from the child so that a stray one cannot win over the one given (restic prefers RESTIC_PASSWORD).

What restic 0.14.0 prints, as relied on here (newer versions print more and are read the same way):

- `snapshots --json`: one JSON array, times RFC 3339 with nanoseconds and an offset; `parent` only when set;
  `summary` (files_new, data_added …) only from 0.17 on.
- `ls --json ID`: NDJSON; the first line is the snapshot (`"struct_type": "snapshot"`; newer restic adds
  `message_type`, older printed neither), then one node per line (`"struct_type": "node"`) with name, type,
  path, size (files only), mtime and a Go `os.FileMode` as mode. An unknown ID gives exit 0, no lines and
  "Ignoring …" on stderr.
- every failure exits 1 in 0.14 (0.17 added 10 no repository, 11 locked, 12 wrong password), so failures are
  told apart by restic's own words: "wrong password or no key found", "Is there a repository at the following
  location?", "repository is already locked by PID …", "no matching ID found", "not found in snapshot".
- `check` exits 1 with "Fatal: repository contains errors" when it finds damage; that is a result
  (`ok=False`), not an error. It takes an exclusive lock, so a stale lock (a killed backup) stops it with
  code repository_locked: `restic unlock` removes stale locks.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mamori.engines.backup.listing import (
    BackupToolError,
    CheckResult,
    FileEntry,
    SnapshotInfo,
    ToolRun,
    ToolRunner,
    arg_batches,
    child_env,
    file_time,
    json_lines,
    load_json,
    parse_timestamp,
    restored_path,
)

__all__ = ["DUMP_LIMIT", "ResticRepository", "go_mode_to_posix", "include_pattern"]

DUMP_LIMIT = 64 * 1024 * 1024  # dump() is for spot checks of single files, not for pulling a database out
_DROPPED = ("RESTIC_PASSWORD", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND", "RESTIC_REPOSITORY",
            "RESTIC_REPOSITORY_FILE")
_SUBSET = re.compile(r"\d+/\d+|\d+(?:\.\d+)?%|\d+[kKmMgGtT]?", re.ASCII)
# (code, words restic prints) in the order they are tried; the first match wins.
_FAILURES = (
    ("wrong_password", ("wrong password or no key found",)),
    ("password_missing", ("Resolving password failed", "an empty password is not a password",
                          "Please specify password")),
    ("repository_locked", ("repository is already locked", "unable to create lock")),
    ("repository_missing", ("Is there a repository at the following location?", "unable to open config file",
                            "repository does not exist")),
    ("snapshot_missing", ("no matching ID found", "no snapshot ID specified")),
    ("path_missing", ("not found in snapshot",)),
)
_EXIT_CODES = {10: "repository_missing", 11: "repository_locked", 12: "wrong_password"}  # restic ≥ 0.17
_REASONS = {
    "wrong_password": "wrong password (or the repository has no key for it)",
    "password_missing": "no usable password",
    "repository_locked": "the repository is locked (a running or killed restic; `restic unlock` removes stale locks)",
    "repository_missing": "no restic repository there",
    "snapshot_missing": "no such snapshot",
    "path_missing": "no such path in the snapshot",
    "tool_failed": "restic failed",
}
_NOT_RESULTS = frozenset({"wrong_password", "password_missing", "repository_locked", "repository_missing"})

# Go's os.FileMode bits (io/fs): the file type lives in the top bits, not in S_IFMT.
_GO_DIR, _GO_SYMLINK, _GO_DEVICE, _GO_PIPE, _GO_SOCKET = 1 << 31, 1 << 27, 1 << 26, 1 << 25, 1 << 24
_GO_SETUID, _GO_SETGID, _GO_CHARDEV, _GO_STICKY = 1 << 23, 1 << 22, 1 << 21, 1 << 20


def go_mode_to_posix(mode: int) -> int:
    """A Go os.FileMode (what restic stores) as a POSIX st_mode: type bits plus permission bits."""
    if mode & _GO_DIR:
        kind = 0o040000
    elif mode & _GO_SYMLINK:
        kind = 0o120000
    elif mode & _GO_DEVICE:
        kind = 0o020000 if mode & _GO_CHARDEV else 0o060000
    elif mode & _GO_PIPE:
        kind = 0o010000
    elif mode & _GO_SOCKET:
        kind = 0o140000
    else:
        kind = 0o100000
    special = ((0o4000 if mode & _GO_SETUID else 0) | (0o2000 if mode & _GO_SETGID else 0)
               | (0o1000 if mode & _GO_STICKY else 0))
    return kind | special | (mode & 0o777)


def include_pattern(path: str) -> str:
    """The `restore --include` pattern that matches exactly this stored path (and, for a folder, what is inside).

    restic's patterns are Go filepath.Match globs, so `[`, `]`, `*`, `?` and `\\` are escaped with a backslash
    ("[重要] 手順.txt" would otherwise be a character class and match nothing); they must be absolute.
    """
    return "/" + re.sub(r"([\\*?\[\]])", r"\\\1", path.lstrip("/"))


class ResticRepository:
    """One restic repository (a path or any URL restic takes) and the password to open it."""

    tool = "restic"

    def __init__(self, repository: str, *, password_file: Path | None = None, password_env: str | None = None,
                 binary: str = "restic", cache_dir: Path | None = None, timeout: float = 3600) -> None:
        if (password_file is None) == (password_env is None):
            raise ValueError("give exactly one of password_file or password_env")
        if not repository:
            raise ValueError("no repository given")
        self.repository = repository
        self.password_file = password_file
        self.password_env = password_env
        self.cache_dir = cache_dir
        self._runner = ToolRunner("restic", binary, repository, env=self._env, secrets=self._secrets,
                                  timeout=timeout)

    def __repr__(self) -> str:
        return f"ResticRepository({self._runner.location!r})"

    # -- the child process -------------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        add = {"RESTIC_REPOSITORY": self.repository}
        if self.password_file is not None:
            add["RESTIC_PASSWORD_FILE"] = str(self.password_file)
        else:
            add["RESTIC_PASSWORD"] = self._env_password()
        return child_env(_DROPPED, add)

    def _env_password(self) -> str:
        value = os.environ.get(self.password_env or "", "")
        if not value:
            raise self._runner.error("password_missing", f"the environment variable {self.password_env} "
                                     "that should hold the password is not set", variable=self.password_env)
        return value

    def _secrets(self) -> list[str]:
        if self.password_env is not None:
            value = os.environ.get(self.password_env, "")
            return [value] if value else []
        try:
            text = self.password_file.read_text(encoding="utf-8", errors="replace") if self.password_file else ""
        except OSError:
            return []
        return [s for s in {text, text.strip(), text.rstrip("\r\n")} if s]  # restic trims the file's whitespace

    def _global(self) -> list[str]:
        # No cache unless one is given: nothing is written under the user's home behind their back.
        return ["--cache-dir", str(self.cache_dir)] if self.cache_dir is not None else ["--no-cache"]

    def _failure(self, run: ToolRun, stdout: str = "") -> BackupToolError:
        said = self._runner.messages(stdout, run.stderr)
        text = "\n".join(said)
        code = _EXIT_CODES.get(run.exit_code) or next(
            (code for code, words in _FAILURES if any(w in text for w in words)), "tool_failed")
        detail = "; ".join(line for line in said if not line.startswith("restoring <Snapshot"))[-600:]
        return self._runner.error(code, f"{_REASONS[code]}: {detail or 'no message'} (exit code {run.exit_code})",
                                  exit_code=run.exit_code)

    def _run(self, args: Sequence[str], **kwargs: Any) -> ToolRun:
        run = self._runner.run([args[0], *self._global(), *args[1:]], **kwargs)
        if run.exit_code != 0:
            raise self._failure(run, run.stdout.decode("utf-8", "replace"))
        return run

    # -- reading -----------------------------------------------------------------------------------------------

    def snapshots(self) -> list[SnapshotInfo]:
        """Every snapshot, oldest first (`restic snapshots --json`)."""
        data = load_json(self._runner, self._run(["snapshots", "--json"]).stdout, "restic snapshots --json")
        if not isinstance(data, list):
            raise self._runner.error("bad_output", "restic snapshots --json did not print a JSON array")
        found = [self._snapshot(item) for item in data]
        return sorted(found, key=lambda s: s.time)  # stable: restic's own order breaks ties

    def _snapshot(self, item: object) -> SnapshotInfo:
        try:
            if not isinstance(item, dict):
                raise TypeError("not an object")
            summary = item.get("summary")
            summary = summary if isinstance(summary, dict) else {}
            return SnapshotInfo(
                id=str(item["id"]), short_id=str(item.get("short_id") or str(item["id"])[:8]),
                time=parse_timestamp(str(item["time"])), hostname=str(item.get("hostname") or ""),
                paths=tuple(str(p) for p in item.get("paths") or ()),
                tags=tuple(str(t) for t in item.get("tags") or ()),
                tool="restic", parent=str(item["parent"]) if item.get("parent") else None,
                summary={str(k): v for k, v in summary.items() if isinstance(v, int) and not isinstance(v, bool)})
        except (KeyError, TypeError, ValueError) as exc:
            raise self._runner.error("bad_output", f"a snapshot restic printed could not be read ({exc})") from exc

    def ls(self, snapshot_id: str) -> Iterator[FileEntry]:
        """Every item of the snapshot, streamed from `restic ls --json` (folders, links and files)."""
        _check_id(snapshot_id)
        stream = self._runner.start(["ls", *self._global(), "--json", "--", snapshot_id])
        seen_snapshot = False
        try:
            for number, item in json_lines(self._runner, stream.lines(), "restic ls --json"):
                kind = item.get("struct_type") or item.get("message_type")  # newer restic: message_type
                if kind == "snapshot" or (kind is None and "tree" in item and "paths" in item):
                    seen_snapshot = True
                elif kind == "node" or (kind is None and "path" in item and "type" in item):
                    yield self._node(item, number)
            run = stream.finish()
        finally:
            stream.close()
        if run.exit_code != 0:
            raise self._failure(run)
        if not seen_snapshot:
            # restic 0.14 exits 0 on an unknown ID, having said "Ignoring …" on stderr.
            raise self._failure(ToolRun(run.exit_code, b"", run.stderr or f"no matching ID found for {snapshot_id}"))

    def _node(self, item: dict[str, Any], number: int) -> FileEntry:
        try:
            kind = str(item["type"])
            kind = kind if kind in ("file", "dir", "symlink") else "other"
            mode = item.get("mode")
            size = int(item.get("size") or 0) if kind == "file" else 0
            return FileEntry(path=str(item["path"]), type=kind, size=size,
                             mtime=file_time(item.get("mtime")),
                             mode=go_mode_to_posix(int(mode)) if isinstance(mode, int) else None)
        except (KeyError, TypeError, ValueError) as exc:
            raise self._runner.error("bad_output", f"restic ls --json line {number} could not be read ({exc})",
                                     line=number) from exc

    # -- checking and restoring --------------------------------------------------------------------------------

    def check(self, read_data: bool = False, read_data_subset: str | None = None) -> CheckResult:
        """restic's integrity check: structure only, or reading all data (`read_data`) or a subset of the packs
        ("1/10", "5%", "500M"). Damage found is `ok=False`; no password, no repository or a lock raise."""
        if read_data and read_data_subset:
            raise ValueError("give read_data or read_data_subset, not both")
        extra: list[str] = []
        if read_data:
            extra.append("--read-data")
        elif read_data_subset is not None:
            if not _SUBSET.fullmatch(read_data_subset):
                raise ValueError(f"read_data_subset must look like 1/10, 5% or 500M, not {read_data_subset!r}")
            extra.append(f"--read-data-subset={read_data_subset}")
        checked_at = datetime.now(UTC)
        run = self._runner.run(["check", *self._global(), *extra])
        stdout = run.stdout.decode("utf-8", "replace")
        if run.exit_code != 0:
            failure = self._failure(run, stdout)
            if failure.code in _NOT_RESULTS:
                raise failure
        return CheckResult(ok=run.exit_code == 0, tool="restic", exit_code=run.exit_code,
                           messages=self._runner.messages(stdout, run.stderr), read_data=bool(extra),
                           checked_at=checked_at)

    def restore(self, snapshot_id: str, paths: Sequence[str], target: Path) -> Path:
        """Restore only these listed paths into `target` and return `target`.

        A path lands at `restored_path(target, path)`: restic recreates the snapshot's absolute path under the
        target ("/srv/share/a.txt" → target/srv/share/a.txt). Raises path_missing when a path was not in the
        snapshot (restic itself says nothing then).
        """
        _check_id(snapshot_id)
        if not paths:
            raise ValueError("no paths given: restic would restore the whole snapshot")
        target.mkdir(parents=True, exist_ok=True)
        for batch in arg_batches([f"--include={include_pattern(p)}" for p in paths]):
            self._run(["restore", "--target", str(target), *batch, "--", snapshot_id])
        missing = [p for p in paths if not os.path.lexists(restored_path(target, p))]
        if missing:
            raise self._runner.error("path_missing", f"{len(missing)} of {len(paths)} paths were not in snapshot "
                                     f"{snapshot_id}: " + ", ".join(missing[:5]), missing=missing[:100])
        return target

    def dump(self, snapshot_id: str, path: str, *, max_bytes: int = DUMP_LIMIT) -> bytes:
        """The content of one file of the snapshot (`restic dump`; a folder would come as a tar: pass files)."""
        _check_id(snapshot_id)
        stream = self._runner.start(["dump", *self._global(), "--", snapshot_id, "/" + path.lstrip("/")])
        try:
            data = stream.stdout.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise self._runner.error("too_large", f"{path} is larger than {max_bytes:,} bytes", path=path)
            run = stream.finish()
        finally:
            stream.close()
        if run.exit_code != 0:
            raise self._failure(run)
        return data


def _check_id(snapshot_id: str) -> None:
    if not snapshot_id or "\0" in snapshot_id:
        raise ValueError("no snapshot id given")
