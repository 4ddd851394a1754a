"""A borg repository read through the installed `borg` program (1.2).

The passphrase reaches borg only through the child's environment: `BORG_PASSCOMMAND` = `cat <file>` (the
path quoted with shlex, as borg splits the command with shlex) or `BORG_PASSPHRASE` copied from the named
variable of this process. It is never on a command line and scrubbed from every message. borg never waits
on a prompt: stdin is closed and the questions it could ask (relocated repository, unknown unencrypted
repository) are answered "no" in advance, so such a repository is an error, not a hang.

What borg 1.2.4 prints, as relied on here:

- times carry no UTC offset: archive times and file mtimes are the local time of the borg process
  (archive times cut to the second). The child runs with `TZ=UTC`, so what it prints is UTC and is read as
  such: no guessing at the machine's zone, no daylight-saving ambiguity.
- `list --json REPO`: {"archives": [{"archive", "name", "id", "start", "time", …}]}; hostname and
  command_line only when asked for with `--format` (keys named there are added to the JSON).
- `list --json-lines REPO::ARCHIVE`: one item per line; path without the leading slash, type "-" "d" "l"
  (…), mode as `ls -l` text ("hrw-r--r--" and size 0 for the second name of a hard link, with `source`
  naming the first), size, mtime to the microsecond.
- with `--log-json` every message is a JSON line on stderr with a `msgid`: PassphraseWrong,
  Repository.DoesNotExist, Repository.InvalidRepository, LockTimeout, Archive.DoesNotExist; exit code 2 for
  those. `check` exits 1 ("Finished full repository check, errors found.") when it finds damage: a result
  (`ok=False`), not an error. Extracting a path that is not there exits 1 with "Include pattern '…' never
  matched."
"""

from __future__ import annotations

import json
import os
import re
import shlex
import stat
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

__all__ = ["DUMP_LIMIT", "BorgRepository", "create_paths", "mode_from_text"]

DUMP_LIMIT = 64 * 1024 * 1024
_DROPPED = ("BORG_PASSPHRASE", "BORG_PASSCOMMAND", "BORG_PASSPHRASE_FD", "BORG_NEW_PASSPHRASE", "BORG_REPO",
            "BORG_DISPLAY_PASSPHRASE")
_MSGIDS = {
    "PassphraseWrong": "wrong_password",
    "PasscommandFailure": "password_missing",
    "NoPassphraseFailure": "password_missing",
    "PasswordRetriesExceeded": "password_missing",
    "Repository.DoesNotExist": "repository_missing",
    "Repository.InvalidRepository": "repository_missing",
    "Repository.InvalidRepositoryConfig": "repository_missing",
    "Repository.ParentPathDoesNotExist": "repository_missing",
    "LockTimeout": "repository_locked",
    "LockFailed": "repository_locked",
    "LockError": "repository_locked",
    "Archive.DoesNotExist": "snapshot_missing",
    "Cache.RepositoryAccessAborted": "access_refused",
}
_WORDS = (  # for messages that come without a msgid (a warning, or borg run without --log-json support)
    ("wrong_password", "is incorrect"),
    ("repository_locked", "Failed to create/acquire the lock"),
    ("path_missing", "never matched"),
)
_REASONS = {
    "wrong_password": "wrong passphrase",
    "password_missing": "no usable passphrase",
    "repository_locked": "the repository is locked by another borg (a stale lock of another host: `borg break-lock`)",
    "repository_missing": "no borg repository there",
    "snapshot_missing": "no such archive",
    "path_missing": "no such path in the archive",
    "access_refused": "borg asked a question answered no in advance (a moved repository, an unknown unencrypted one)",
    "tool_failed": "borg failed",
}
_NOT_RESULTS = frozenset({"wrong_password", "password_missing", "repository_locked", "repository_missing",
                          "access_refused"})
_SHOWN_TYPES = frozenset({"log_message", "question_prompt", "question_accepted_false", "question_invalid_answer"})
_TYPES = {"-": "file", "h": "file", "d": "dir", "l": "symlink"}
_IFMT = {"-": stat.S_IFREG, "h": stat.S_IFREG, "d": stat.S_IFDIR, "l": stat.S_IFLNK, "c": stat.S_IFCHR,
         "b": stat.S_IFBLK, "p": stat.S_IFIFO, "s": stat.S_IFSOCK}
_PERMS = (0o400, 0o200, 0o100, 0o040, 0o020, 0o010, 0o004, 0o002, 0o001)
_SPECIAL = {2: stat.S_ISUID, 5: stat.S_ISGID, 8: stat.S_ISVTX}
# borg create's options that take a value as the next word (borg 1.2.4 `borg create --help`).
_VALUE_OPTIONS = frozenset({
    "-e", "-c", "-C", "--exclude", "--exclude-from", "--pattern", "--patterns-from", "--exclude-if-present",
    "--comment", "--timestamp", "--checkpoint-interval", "--chunker-params", "--compression", "--files-cache",
    "--filter", "--stdin-name", "--stdin-user", "--stdin-group", "--stdin-mode", "--paths-delimiter",
    "--debug-topic", "--lock-wait", "--umask", "--remote-path", "--remote-ratelimit", "--upload-ratelimit",
    "--remote-buffer", "--upload-buffer", "--debug-profile", "--rsh"})


def mode_from_text(text: str) -> int | None:
    """An `ls -l` mode text ("drwxr-xr-x", borg's "hrw-r--r--" for a hard link) as a POSIX st_mode."""
    if len(text) != 10 or text[0] not in _IFMT:
        return None
    mode = _IFMT[text[0]]
    for index, (char, bit) in enumerate(zip(text[1:], _PERMS, strict=True)):
        if char in "rwxst":
            mode |= bit if char in "rwx" or index in _SPECIAL else 0
        if char in "sStT" and index in _SPECIAL:
            mode |= _SPECIAL[index]
    return mode


def create_paths(command_line: Sequence[str]) -> tuple[str, ...]:
    """The source paths of a `borg create` command line as stored with the archive (best effort: as typed)."""
    words = list(command_line)
    if "create" not in words:
        return ()
    positional: list[str] = []
    rest = iter(words[words.index("create") + 1:])
    for word in rest:
        if word == "--":
            positional.extend(rest)
        elif word in _VALUE_OPTIONS:
            next(rest, None)
        elif not word.startswith("-") or word == "-":
            positional.append(word)
    return tuple(positional[1:])  # the first is REPO::ARCHIVE


class BorgRepository:
    """One borg repository (a path, ssh://… or user@host:path) and the passphrase to open it."""

    tool = "borg"

    def __init__(self, repository: str, *, password_file: Path | None = None, password_env: str | None = None,
                 binary: str = "borg", base_dir: Path | None = None, timeout: float = 3600,
                 lock_wait: int = 1) -> None:
        if (password_file is None) == (password_env is None):
            raise ValueError("give exactly one of password_file or password_env")
        if not repository:
            raise ValueError("no repository given")
        self.repository = repository
        # restore() runs borg in the target folder: a relative local path must not change meaning there.
        local = "://" not in repository and ":" not in repository
        self._repo = os.path.abspath(repository) if local else repository
        self.password_file = password_file.absolute() if password_file is not None else None
        self.password_env = password_env
        self.base_dir = base_dir.absolute() if base_dir is not None else None
        self.lock_wait = lock_wait
        self._names: dict[str, str] = {}  # archive id → name, from the last snapshots()
        self._runner = ToolRunner("borg", binary, repository, env=self._env, secrets=self._secrets, timeout=timeout)

    def __repr__(self) -> str:
        return f"BorgRepository({self._runner.location!r})"

    # -- the child process -------------------------------------------------------------------------------------

    def _env(self) -> dict[str, str]:
        add = {"BORG_RELOCATED_REPO_ACCESS_IS_OK": "no", "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK": "no",
               "BORG_CHECK_I_KNOW_WHAT_I_AM_DOING": "NO", "BORG_DELETE_I_KNOW_WHAT_I_AM_DOING": "NO",
               "TZ": "UTC",  # borg prints local times without an offset: make local UTC
               "PYTHONUTF8": "1"}  # file names as UTF-8 whatever the locale (borg is Python)
        if self.base_dir is not None:
            add["BORG_BASE_DIR"] = str(self.base_dir)
        if self.password_file is not None:
            add["BORG_PASSCOMMAND"] = "cat " + shlex.quote(str(self.password_file))
        else:
            value = os.environ.get(self.password_env or "", "")
            if not value:
                raise self._runner.error("password_missing", f"the environment variable {self.password_env} "
                                         "that should hold the passphrase is not set", variable=self.password_env)
            add["BORG_PASSPHRASE"] = value
        return child_env(_DROPPED, add)

    def _secrets(self) -> list[str]:
        if self.password_env is not None:
            value = os.environ.get(self.password_env, "")
            return [value] if value else []
        try:
            text = self.password_file.read_text(encoding="utf-8", errors="replace") if self.password_file else ""
        except OSError:
            return []
        return [s for s in {text, text.strip(), text.rstrip("\n")} if s]  # borg drops the trailing newline

    def _borg(self, *args: str) -> list[str]:
        return ["--log-json", "--lock-wait", str(self.lock_wait), *args]

    def _said(self, stderr: str) -> tuple[tuple[str, ...], set[str]]:
        """The messages of a --log-json stderr (other lines as they are) and their msgids."""
        texts: list[str] = []
        msgids: set[str] = set()
        for line in stderr.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                texts.append(line)
                continue
            if isinstance(item, dict) and item.get("type") in _SHOWN_TYPES:
                texts.append(str(item.get("message", "")))
                if item.get("msgid") and item.get("type") == "log_message":
                    msgids.add(str(item["msgid"]))
            elif not isinstance(item, dict):
                texts.append(line)
        return self._runner.messages("\n".join(texts)), msgids

    def _failure(self, run: ToolRun) -> BackupToolError:
        said, msgids = self._said(run.stderr)
        text = "\n".join(said)
        code = next((_MSGIDS[m] for m in sorted(msgids) if m in _MSGIDS), None) or next(
            (code for code, words in _WORDS if words in text), "tool_failed")
        detail = "; ".join(said)[-600:]
        return self._runner.error(code, f"{_REASONS[code]}: {detail or 'no message'} (exit code {run.exit_code})",
                                  exit_code=run.exit_code)

    def _archive(self, archive: str) -> str:
        """REPO::NAME for an archive given by name or by the id snapshots() reported."""
        if not archive or "\0" in archive:
            raise ValueError("no archive given")
        if archive not in self._names.values() and re.fullmatch(r"[0-9a-f]{64}", archive):
            if archive not in self._names:
                self.snapshots()
            archive = self._names.get(archive, archive)
        return f"{self._repo}::{archive}"

    # -- reading -----------------------------------------------------------------------------------------------

    def snapshots(self) -> list[SnapshotInfo]:
        """Every archive, oldest first (`borg list --json`); id is the archive id, short_id its name."""
        run = self._runner.run(self._borg("list", "--json", "--format", "{hostname}{command_line}", self._repo))
        if run.exit_code != 0:
            raise self._failure(run)
        data = load_json(self._runner, run.stdout, "borg list --json")
        archives = data.get("archives") if isinstance(data, dict) else None
        if not isinstance(archives, list):
            raise self._runner.error("bad_output", "borg list --json printed no archives list")
        found = [self._snapshot(item) for item in archives]
        self._names = {s.id: s.short_id for s in found}
        return sorted(found, key=lambda s: s.time)  # stable: borg's own order breaks ties of the same second

    def _snapshot(self, item: object) -> SnapshotInfo:
        try:
            if not isinstance(item, dict):
                raise TypeError("not an object")
            command = item.get("command_line")
            return SnapshotInfo(
                id=str(item["id"]), short_id=str(item.get("archive") or item["name"]),
                time=parse_timestamp(str(item.get("start") or item["time"]), naive=UTC),
                hostname=str(item.get("hostname") or ""),
                paths=create_paths([str(w) for w in command]) if isinstance(command, list) else (),
                tags=(), tool="borg")
        except (KeyError, TypeError, ValueError) as exc:
            raise self._runner.error("bad_output", f"an archive borg printed could not be read ({exc})") from exc

    def ls(self, snapshot_id: str) -> Iterator[FileEntry]:
        """Every item of the archive (by name or id), streamed from `borg list --json-lines`."""
        stream = self._runner.start(self._borg("list", "--json-lines", self._archive(snapshot_id)))
        sizes: dict[str, int] = {}  # a hard link's second name has size 0 and names the first in `source`
        try:
            for number, item in json_lines(self._runner, stream.lines(), "borg list --json-lines"):
                yield self._item(item, number, sizes)
            run = stream.finish()
        finally:
            stream.close()
        if run.exit_code != 0:
            raise self._failure(run)

    def _item(self, item: dict[str, Any], number: int, sizes: dict[str, int]) -> FileEntry:
        try:
            path = str(item["path"])
            text = str(item.get("mode") or "")
            kind = _TYPES.get(text[:1] or str(item.get("type")), "other")
            size = int(item.get("size") or 0) if kind == "file" else 0
            if text.startswith("h"):
                size = sizes.get(str(item.get("source") or ""), size)
            elif kind == "file":
                sizes[path] = size
            return FileEntry(path=path, type=kind, size=size, mtime=file_time(item.get("mtime"), naive=UTC),
                             mode=mode_from_text(text))
        except (KeyError, TypeError, ValueError) as exc:
            raise self._runner.error("bad_output", f"borg list --json-lines line {number} could not be read "
                                     f"({exc})", line=number) from exc

    # -- checking and restoring --------------------------------------------------------------------------------

    def check(self, read_data: bool = False) -> CheckResult:
        """borg's integrity check (`borg check`; `read_data` adds --verify-data, which reads every chunk).
        Damage found is `ok=False`; no passphrase, no repository or a lock raise."""
        checked_at = datetime.now(UTC)
        extra = ["--verify-data"] if read_data else []
        run = self._runner.run(self._borg("--info", "check", *extra, self._repo))
        if run.exit_code != 0:
            failure = self._failure(run)
            if failure.code in _NOT_RESULTS:
                raise failure
        said, _ = self._said(run.stderr)
        return CheckResult(ok=run.exit_code == 0, tool="borg", exit_code=run.exit_code, messages=said,
                           read_data=read_data, checked_at=checked_at)

    def restore(self, snapshot_id: str, paths: Sequence[str], target: Path) -> Path:
        """Extract only these listed paths into `target` and return `target`.

        borg stores paths without the leading slash and extracts relative to its working folder (the target),
        so a path lands at `restored_path(target, path)` ("srv/share/a.txt" → target/srv/share/a.txt).
        Each path is passed as a `pp:` (path prefix) pattern: taken literally, brackets and all.
        """
        if not paths:
            raise ValueError("no paths given: borg would extract the whole archive")
        archive = self._archive(snapshot_id)
        target.mkdir(parents=True, exist_ok=True)
        for batch in arg_batches(["pp:" + p.lstrip("/") for p in paths]):
            run = self._runner.run(self._borg("extract", archive, *batch), cwd=target)
            # Exit 1 is a warning ("never matched", an xattr not set): what counts is whether the files came.
            if run.exit_code not in (0, 1):
                raise self._failure(run)
        missing = [p for p in paths if not os.path.lexists(restored_path(target, p))]
        if missing:
            raise self._runner.error("path_missing", f"{len(missing)} of {len(paths)} paths were not in archive "
                                     f"{snapshot_id}: " + ", ".join(missing[:5]), missing=missing[:100])
        return target

    def dump(self, snapshot_id: str, path: str, *, max_bytes: int = DUMP_LIMIT) -> bytes:
        """The content of one file of the archive (`borg extract --stdout`; a folder would give its files' bytes
        one after another: pass files).

        `pp:`, not `pf:`: borg 1.2.4 extracts a `pf:` path but then warns it "never matched" and exits 1
        (borg issue #4110, fixed after 1.2.4); for a file the two select the same.
        """
        stream = self._runner.start(self._borg("extract", "--stdout", self._archive(snapshot_id),
                                               "pp:" + path.lstrip("/")))
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
