"""A plain file manifest, for backup tools Mamori cannot read directly (a NAS's own backup, robocopy, tar …).

The format: a CSV file, UTF-8 (a byte-order mark is allowed, as Excel's "CSV UTF-8" writes one), comma
separated, quoted as RFC 4180, whose first line names exactly these four columns (in any order)::

    path,size,mtime,sha256
    /srv/share/検査結果.txt,1532,2025-04-01T09:30:00+09:00,9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    "/srv/share/[重要] 手順, 改訂.txt",0,1743467400,e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

- path: the file's path as the backup stores it, "/" between folders, each path once. Every row is a regular file.
- size: bytes, a whole number ≥ 0.
- mtime: ISO 8601 with a UTC offset ("Z" or "+09:00"; a time without offset is refused: the zone would be a
  guess) or Unix epoch seconds (a fraction allowed).
- sha256: 64 hexadecimal digits (either case), the file content's SHA-256.

A file saved by Excel as plain "CSV" in Japan is CP932 (Shift_JIS): it is refused with the byte offset of the
first byte that is not UTF-8, unless the caller says `encoding="cp932"`. Every row is checked and all the bad
ones are reported together in one ManifestError; nothing of a bad file is returned.

`manifest_snapshot` makes a SnapshotInfo of a manifest: its id is the SHA-256 of the file, its time the
YYYYmmddTHHMMSS in the file name (e.g. `nas-daily_20250401T020000+0900.csv`) or else the newest mtime listed.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import BinaryIO

from mamori.engines.backup.listing import CheckResult, FileEntry, SnapshotInfo, parse_timestamp
from mamori.engines.errors import InputError, InputLocation

__all__ = ["COLUMNS", "MAX_ROWS", "ManifestError", "ManifestFolder", "manifest_snapshot", "read_manifest",
           "write_manifest"]

COLUMNS = ("path", "size", "mtime", "sha256")
MAX_ROWS = 2_000_000
SHOWN = 20  # problems spelt out in the message; all of them (up to KEPT) are in params["problems"]
KEPT = 10_000
_SHA256 = re.compile(r"[0-9a-fA-F]{64}", re.ASCII)
_SIZE = re.compile(r"\d+", re.ASCII)
_EPOCH = re.compile(r"-?\d+(?:\.\d+)?", re.ASCII)
_NAME_TIME = re.compile(r"(\d{8}T\d{6})(Z|[+-]\d{4})?", re.ASCII)
_UTF8_BOM = codecs.BOM_UTF8
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)


class ManifestError(InputError):
    """A manifest that cannot be read: the message starts with the file; params["problems"] lists the rows."""


def _decoded_lines(raw: BinaryIO, name: str, encoding: str) -> Iterator[str]:
    """The file's lines as text, or a ManifestError naming the line and byte offset of the first bad byte."""
    utf8 = codecs.lookup(encoding).name == "utf-8"
    offset = 0
    for number, line in enumerate(raw, 1):
        # Line by line is safe for UTF-8 and CP932 alike: neither uses the byte 0x0A inside a character.
        start = 3 if number == 1 and utf8 and line.startswith(_UTF8_BOM) else 0
        try:
            yield line[start:].decode(encoding)
        except UnicodeDecodeError as exc:
            at = offset + start + exc.start
            hint = ""
            if utf8:
                try:
                    line.decode("cp932")
                    hint = (" – it looks like CP932 (Shift_JIS), as Excel saves a plain CSV in Japan: save it as "
                            "'CSV UTF-8' or read it with encoding='cp932'")
                except UnicodeDecodeError:
                    pass
            raise ManifestError(f"not {encoding}: byte 0x{line[exc.start + start]:02X} at byte offset {at} cannot be "
                                f"decoded{hint}", InputLocation(file=name, line=number), code="encoding",
                                params={"encoding": encoding, "offset": at}) from exc
        offset += len(line)


def _mtime(text: str) -> datetime:
    if _EPOCH.fullmatch(text):
        # Decimal, not float: 1743467400.123456 must come back to the microsecond.
        micro = int((Decimal(text) * 1_000_000).to_integral_value(rounding=ROUND_FLOOR))
        return _EPOCH_START + timedelta(microseconds=micro)
    return parse_timestamp(text, naive=None)


def _row(values: dict[str, str]) -> tuple[FileEntry | None, list[tuple[str, str]]]:
    problems: list[tuple[str, str]] = []
    path, size, mtime, digest = (values[c].strip() if c != "path" else values[c] for c in COLUMNS)
    if not path:
        problems.append(("path", "empty"))
    elif "\0" in path or "\n" in path or "\r" in path:
        problems.append(("path", "holds a NUL or line break"))
    if not _SIZE.fullmatch(size):
        problems.append(("size", f"not a whole number of bytes: {size!r}"))
    when: datetime | None = None
    try:
        when = _mtime(mtime)
    except (ValueError, OverflowError, OSError):
        problems.append(("mtime", f"not an ISO 8601 time with UTC offset nor epoch seconds: {mtime!r}"))
    if not _SHA256.fullmatch(digest):
        problems.append(("sha256", f"not 64 hexadecimal digits: {digest!r}"))
    if problems:
        return None, problems
    return FileEntry(path=path, type="file", size=int(size), mtime=when, sha256=digest.lower()), []


def read_manifest(path: Path, *, encoding: str = "utf-8", max_rows: int = MAX_ROWS) -> list[FileEntry]:
    """Every row of the manifest as a FileEntry, in file order; ManifestError if anything is wrong."""
    name = str(path)
    codecs.lookup(encoding)  # an unknown encoding is the caller's mistake: LookupError
    problems: list[str] = []
    count = 0
    entries: list[FileEntry] = []
    seen: dict[str, int] = {}
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise ManifestError(f"cannot be read ({exc.strerror})", InputLocation(file=name), code="unreadable") from exc
    with raw:
        reader = csv.reader(_decoded_lines(raw, name, encoding), strict=True)
        try:
            header = next(reader, None)
            if header is None:
                raise ManifestError("empty: the first line must be " + ",".join(COLUMNS), InputLocation(file=name),
                                    code="empty")
            names = [h.strip().lower() for h in header]
            if sorted(names) != sorted(COLUMNS):
                raise ManifestError(f"the header must name exactly the columns {','.join(COLUMNS)}, not "
                                    f"{','.join(header)}", InputLocation(file=name, line=1), code="header")
            for row in reader:
                if not row or row == [""]:
                    continue
                if len(entries) + count >= max_rows:
                    raise ManifestError(f"more than {max_rows:,} rows: split the manifest", InputLocation(file=name),
                                        code="too_many_rows", params={"max_rows": max_rows})
                line = reader.line_num
                if len(row) != len(names):
                    count += 1
                    _keep(problems, name, line, None, f"{len(row)} fields, the header has {len(names)}")
                    continue
                entry, bad = _row(dict(zip(names, row, strict=True)))
                if entry is not None and entry.path in seen:
                    bad = [("path", f"listed twice (first on line {seen[entry.path]})")]
                for field_name, reason in bad:
                    _keep(problems, name, line, field_name, reason)
                if bad:
                    count += 1
                elif entry is not None:
                    seen[entry.path] = line
                    entries.append(entry)
        except csv.Error as exc:
            raise ManifestError(f"not valid CSV ({exc})", InputLocation(file=name, line=reader.line_num),
                                code="csv") from exc
    if problems:
        shown = "\n".join(problems[:SHOWN]) + (f"\n… and {len(problems) - SHOWN:,} more" if len(problems) > SHOWN
                                              else "")
        raise ManifestError(f"{count:,} bad row{'s' if count != 1 else ''}, nothing was read:\n{shown}",
                            InputLocation(file=name), code="bad_rows",
                            params={"rows": count, "problems": problems[:KEPT]})
    return entries


def _keep(problems: list[str], name: str, line: int, field_name: str | None, reason: str) -> None:
    problems.append(f"{InputLocation(file=name, line=line, field=field_name)}: {reason}")


def manifest_snapshot(path: Path, *, entries: Sequence[FileEntry] | None = None, encoding: str = "utf-8",
                      local_zone: tzinfo | None = None) -> SnapshotInfo:
    """The manifest as a snapshot: id = SHA-256 of the file, time from the file name or the newest mtime.

    A name time without offset ("…_20250401T020000.csv") is read in `local_zone` (default: this machine's).
    `entries` saves reading the manifest again when the caller has already read it.
    """
    digest = hashlib.sha256()
    with path.open("rb") as raw:
        for block in iter(lambda: raw.read(1 << 20), b""):
            digest.update(block)
    files = list(entries) if entries is not None else read_manifest(path, encoding=encoding)
    match = _NAME_TIME.search(path.name)
    when: datetime | None = None
    if match:
        try:
            stamp = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S")
        except ValueError:
            stamp = None
        if stamp is not None:
            zone = match.group(2)
            if zone:
                stamp = stamp.replace(tzinfo=UTC if zone == "Z" else datetime.strptime(zone, "%z").tzinfo)
            else:
                stamp = stamp.replace(tzinfo=local_zone) if local_zone else stamp.astimezone()
            when = stamp.astimezone(UTC)
    if when is None:
        times = [e.mtime for e in files if e.mtime is not None]
        if not times:
            raise ManifestError("no time: the file name has no YYYYmmddTHHMMSS and no row has an mtime",
                                InputLocation(file=str(path)), code="no_time")
        when = max(times)
    hexdigest = digest.hexdigest()
    return SnapshotInfo(id=hexdigest, short_id=hexdigest[:8], time=when, hostname="", paths=(), tags=(),
                        tool="manifest", summary={"files": len(files), "bytes": sum(e.size for e in files)})


class ManifestFolder:
    """A folder of manifests as a repository: each `*.csv` file is one snapshot, oldest first.

    A manifest (`.csv` in any case) lists files, it holds no contents: verification compares the listings
    (renames to a new extension, ransom notes, change volume, deletions, and a file whose SHA-256 changed while
    its size and mtime did not) but cannot sample contents, and there is no integrity check of the tool's own.
    Every manifest is read whole before any is judged: one bad file fails the folder with its line numbers.
    """

    tool = "manifest"
    reads_contents = False

    def __init__(self, folder: Path, *, encoding: str = "utf-8", local_zone: tzinfo | None = None) -> None:
        self.folder = folder
        self.encoding = encoding
        self.local_zone = local_zone
        self._entries: dict[str, list[FileEntry]] = {}

    def snapshots(self) -> list[SnapshotInfo]:
        if not self.folder.is_dir():
            raise ManifestError("is not a folder of manifests", InputLocation(file=str(self.folder)),
                                code="repository_missing")
        found = []
        for path in sorted(p for p in self.folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"):
            entries = read_manifest(path, encoding=self.encoding)
            snapshot = manifest_snapshot(path, entries=entries, encoding=self.encoding, local_zone=self.local_zone)
            self._entries[snapshot.id] = entries
            found.append(snapshot)
        if not found:
            raise ManifestError("holds no manifest (*.csv)", InputLocation(file=str(self.folder)), code="empty")
        return sorted(found, key=lambda s: s.time)

    def ls(self, snapshot_id: str) -> Iterator[FileEntry]:
        if snapshot_id not in self._entries:
            self.snapshots()
        if snapshot_id not in self._entries:
            raise ManifestError(f"no manifest with id {snapshot_id}", InputLocation(file=str(self.folder)),
                                code="snapshot_missing")
        return iter(self._entries[snapshot_id])

    def restore(self, snapshot_id: str, paths: Sequence[str], target: Path) -> Path:
        raise ManifestError("a manifest holds no file contents to restore", InputLocation(file=str(self.folder)),
                            code="no_contents")

    def check(self, read_data: bool = False) -> CheckResult:
        raise ManifestError("a manifest has no integrity check of its own", InputLocation(file=str(self.folder)),
                            code="no_check")


def write_manifest(path: Path, entries: Sequence[FileEntry]) -> Path:
    """Write `entries` (regular files with size, mtime and sha256) as a manifest in the format above."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for entry in entries:
            if entry.mtime is None or entry.sha256 is None:
                raise ValueError(f"{entry.path}: a manifest row needs an mtime and a sha256")
            writer.writerow((entry.path, entry.size, entry.mtime.isoformat(), entry.sha256))
    return path
