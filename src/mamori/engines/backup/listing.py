"""What a backup repository holds, as plain values shared by the restic, borg and manifest readers.

A repository has snapshots (`SnapshotInfo`); a snapshot lists files (`FileEntry`); the repository's own
integrity check gives a `CheckResult`. Anything that stops a tool from answering is a `BackupToolError`
whose message starts with the repository (any password in a URL removed) and never holds the password.

The rest of this module is the process plumbing the two adapters share (`ToolRunner`): no shell, stdin
closed so that no tool can wait on a prompt, stderr spooled to a file so a chatty tool cannot block on a
full pipe, a hard timeout, and every message scrubbed of the secrets before it leaves.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import IO, Any

from mamori.engines.errors import InputError, InputLocation

__all__ = ["FILE_TYPES", "BackupToolError", "CheckResult", "FileEntry", "SnapshotInfo", "Streaming", "ToolRun",
           "ToolRunner", "arg_batches", "child_env", "file_time", "json_lines", "load_json", "parse_timestamp",
           "restored_path", "scrub_url"]

FILE_TYPES = frozenset({"file", "dir", "symlink", "other"})  # the values of FileEntry.type


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """One snapshot (restic) or archive (borg) or manifest, oldest first when listed.

    `id` is what `ls`, `restore` and `dump` take (the borg adapter takes the archive name as well);
    `short_id` is what a person reads: restic's 8-hex short id, borg's archive name, a manifest's first
    8 hex of its SHA-256. `summary` holds the integer counters the tool stored with the snapshot
    (restic ≥ 0.17: files_new, files_changed, data_added …); empty when the tool stores none.
    """

    id: str
    short_id: str
    time: datetime
    hostname: str
    paths: tuple[str, ...]
    tags: tuple[str, ...]
    tool: str
    parent: str | None = None
    summary: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One item of a snapshot's listing.

    `path` is as the tool stores it, POSIX (restic: absolute, "/srv/share/a.txt"; borg: relative,
    "srv/share/a.txt"); `restored_path` says where `restore` puts it. `size` is a regular file's length
    (a borg hard link counts its target's), 0 for anything else. `mode` is a POSIX st_mode (type and
    permission bits, as `os.stat` gives), `mtime` is aware UTC to the microsecond, `sha256` only from a
    manifest.
    """

    path: str
    type: str
    size: int
    mtime: datetime | None = None
    sha256: str | None = None
    mode: int | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The repository's own integrity check: passed or not, and what the tool said (secrets removed)."""

    ok: bool
    tool: str
    exit_code: int
    messages: tuple[str, ...]
    read_data: bool
    checked_at: datetime


class BackupToolError(InputError):
    """A backup tool could not answer: `code` is one of wrong_password, password_missing, repository_missing,
    repository_locked, access_refused, snapshot_missing, path_missing, tool_missing, tool_failed, timeout,
    too_large, bad_output.
    """


def restored_path(target: Path, path: str) -> Path:
    """Where `restore(…, [path], target)` puts a listed path: the stored path under the target folder.

    restic restores a snapshot's absolute paths under the target ("/srv/a.txt" → target/srv/a.txt); borg
    stores paths without the leading slash and extracts them relative to the target, which lands the same.
    """
    return target / path.lstrip("/")


_ISO = re.compile(r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:[.,](\d+))?(Z|[+-]\d\d:?\d\d)?", re.ASCII)


def parse_timestamp(text: str, *, naive: tzinfo | None = UTC) -> datetime:
    """An ISO 8601 time as aware UTC, the fraction cut (not rounded) to microseconds.

    restic prints nanoseconds with an offset; borg 1.2 prints no offset at all (`naive` is the zone it
    meant). With `naive=None` a time without offset is refused. Raises ValueError.
    """
    match = _ISO.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not an ISO 8601 time: {text!r}")
    stamp, fraction, offset = match.groups()
    micro = (fraction or "").ljust(6, "0")[:6]
    suffix = "" if offset is None else ("+00:00" if offset == "Z" else offset)
    value = datetime.fromisoformat(f"{stamp.replace(' ', 'T')}.{micro}{suffix}")
    if value.tzinfo is None:
        if naive is None:
            raise ValueError(f"time without a UTC offset: {text!r}")
        value = value.replace(tzinfo=naive)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:  # Go's zero time in a zone east of UTC: "0001-01-01T09:18:59+09:18"
        raise ValueError(f"time out of range: {text!r}") from exc


def file_time(text: object, *, naive: tzinfo | None = UTC) -> datetime | None:
    """A listed file's mtime, or None when there is none or it cannot be read (one odd file must not sink a
    listing of 20,000)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_timestamp(text, naive=naive)
    except ValueError:
        return None


_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


def scrub_url(text: str) -> str:
    """The text with any user:password@ of a URL replaced by ***@ (rest:https://u:p@host/ repositories)."""
    return _USERINFO.sub("***@", text)


@dataclass(frozen=True, slots=True)
class ToolRun:
    """A finished tool call: exit code, raw stdout, stderr as text."""

    exit_code: int
    stdout: bytes
    stderr: str


class ToolRunner:
    """Runs one backup tool for one repository: the environment, the timeout, the scrubbing of secrets."""

    def __init__(self, tool: str, binary: str, repository: str, *, env: Callable[[], dict[str, str]],
                 secrets: Callable[[], Sequence[str]], timeout: float) -> None:
        self.tool = tool
        self.binary = binary
        self.location = scrub_url(repository)
        self._env = env
        self._secrets = secrets
        self.timeout = timeout

    def scrub(self, text: str) -> str:
        """The text without the passwords (those of 3 or more characters; shorter would garble every message)."""
        for secret in self._secrets():
            if len(secret) >= 3:
                text = text.replace(secret, "***")
        return scrub_url(text)

    def error(self, code: str, reason: str, **params: object) -> BackupToolError:
        """A BackupToolError about this repository (the reason scrubbed)."""
        return BackupToolError(self.scrub(f"{self.tool}: {reason}"), InputLocation(file=self.location), code=code,
                               params={"tool": self.tool, **params})

    def messages(self, *texts: str) -> tuple[str, ...]:
        """The non-empty lines of the texts, scrubbed, without progress-bar lines ("[0:01] 100.00% …")."""
        lines = (line.strip() for text in texts for line in text.splitlines())
        return tuple(self.scrub(line) for line in lines if line and not _PROGRESS.match(line))

    def run(self, args: Sequence[str], *, cwd: Path | None = None) -> ToolRun:
        """Run the tool to the end and capture what it printed."""
        try:
            done = subprocess.run([self.binary, *args], env=self._env(), cwd=cwd, stdin=subprocess.DEVNULL,  # noqa: S603
                                  capture_output=True, timeout=self.timeout, check=False)
        except FileNotFoundError as exc:
            raise self._missing() from exc
        except subprocess.TimeoutExpired as exc:
            raise self.error("timeout", f"no answer within {self.timeout:g} s", timeout=self.timeout) from exc
        return ToolRun(done.returncode, done.stdout, done.stderr.decode("utf-8", "replace"))

    def start(self, args: Sequence[str], *, cwd: Path | None = None) -> Streaming:
        """Start the tool with its stdout to be read while it runs (listings of 20,000+ files, file contents)."""
        return Streaming(self, args, cwd)

    def _missing(self) -> BackupToolError:
        return self.error("tool_missing", f"the program {self.binary!r} was not found (install {self.tool})",
                          binary=self.binary)


_PROGRESS = re.compile(r"\[\d+:\d\d(?::\d\d)?\]\s+\d")


class Streaming:
    """A running tool whose stdout is read as it comes; `finish` waits for it, `close` kills it if still running."""

    def __init__(self, runner: ToolRunner, args: Sequence[str], cwd: Path | None) -> None:
        self._runner = runner
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()
        self.timed_out = False
        try:
            self._proc = subprocess.Popen([runner.binary, *args], env=runner._env(), cwd=cwd,  # noqa: S603
                                          stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=self._stderr)
        except FileNotFoundError as exc:
            self._stderr.close()
            raise runner._missing() from exc
        # A timer, not a deadline between reads: a tool that hangs without printing must be stopped too.
        self._timer = threading.Timer(runner.timeout, self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def stdout(self) -> IO[bytes]:
        assert self._proc.stdout is not None  # noqa: S101 - Popen was given stdout=PIPE
        return self._proc.stdout

    def lines(self) -> Iterator[bytes]:
        """stdout line by line."""
        yield from self.stdout

    def _expire(self) -> None:
        self.timed_out = True
        self._proc.kill()

    def finish(self) -> ToolRun:
        """Wait for the tool; its exit code and stderr (stdout was read by the caller)."""
        code = self._proc.wait()
        self._timer.cancel()
        if self.timed_out:
            raise self._runner.error("timeout", f"no answer within {self._runner.timeout:g} s",
                                     timeout=self._runner.timeout)
        self._stderr.seek(0)
        return ToolRun(code, b"", self._stderr.read().decode("utf-8", "replace"))

    def close(self) -> None:
        """Stop the tool if it still runs (the caller stopped reading) and release its pipes."""
        self._timer.cancel()
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        self.stdout.close()
        self._stderr.close()


def child_env(remove: Sequence[str], add: Mapping[str, str]) -> dict[str, str]:
    """A copy of this process's environment without the `remove` names (a stray password), plus `add`."""
    env = {k: v for k, v in os.environ.items() if k not in remove}
    env.update(add)
    return env


def load_json(runner: ToolRunner, data: bytes, what: str) -> Any:
    """A tool's JSON output, or bad_output naming the command."""
    try:
        return json.loads(data)
    except ValueError as exc:
        raise runner.error("bad_output", f"{what} did not print JSON ({exc})") from exc


def json_lines(runner: ToolRunner, lines: Iterator[bytes], what: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-empty line of NDJSON output; bad_output for a line that is not an object."""
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except ValueError as exc:
            raise runner.error("bad_output", f"{what} line {number} is not JSON ({exc})", line=number) from exc
        if not isinstance(item, dict):
            raise runner.error("bad_output", f"{what} line {number} is not a JSON object", line=number)
        yield number, item


ARGS_BUDGET = 100_000  # characters of paths per tool run, far below Linux's limits (128 KiB per argument)


def arg_batches(args: Sequence[str], budget: int = ARGS_BUDGET) -> Iterator[list[str]]:
    """The arguments in consecutive batches of at most `budget` characters (one tool run per batch)."""
    batch: list[str] = []
    size = 0
    for arg in args:
        if batch and size + len(arg) > budget:
            yield batch
            batch, size = [], 0
        batch.append(arg)
        size += len(arg) + 1
    if batch:
        yield batch
