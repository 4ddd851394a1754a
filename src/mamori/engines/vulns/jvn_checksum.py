"""JVN iPedia's `checksum.txt`: the JSON list of feed files with their SHA-256, size and time of change, and
checking a downloaded feed file against it.

    checksums = parse_jvn_checksums(Path("checksum.txt").read_bytes(), "checksum.txt")
    verify_jvn_checksum(Path("jvndb_2022.rdf"), checksums)   # True; FeedError "feed_checksum" if damaged

`lastModified` is JST without an offset (`2023/11/02 12:00:18`).
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedfiles import read_feed_bytes
from mamori.engines.vulns.jvn_entries import JST
from mamori.engines.vulns.jvn_xml import Problems

__all__ = ["JvnChecksum", "parse_jvn_checksums", "verify_jvn_checksum"]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_BYTE = re.compile(r"\(byte (\d+)\)")
_PATH = re.compile(r" - at `\$(.*)`$")
_COMPRESSED = (".gz", ".xz", ".zip")


class JvnChecksum(msgspec.Struct, frozen=True):
    """One line of checksum.txt: a feed file, its SHA-256 (lower-case hex), size in bytes and time of change."""

    url: str
    filename: str
    sha256: str
    size: int
    last_modified: datetime | None


class _Listed(msgspec.Struct, rename="camel"):
    url: str
    sha256: str
    size: int
    last_modified: str = ""
    filename: str = ""


def _decode(data: bytes, filename: str) -> list[_Listed]:
    try:
        return msgspec.json.decode(data, type=list[_Listed])
    except msgspec.ValidationError as exc:
        path = _PATH.search(str(exc))
        raise FeedError(_PATH.sub("", str(exc)), InputLocation(filename, None, "$" + path.group(1) if path else None),
                        code="feed_bad_value") from exc
    except msgspec.DecodeError as exc:
        found = _BYTE.search(str(exc))
        offset = int(found.group(1)) if found else len(data)
        raise FeedError(f"not a JSON checksum list: {exc}", InputLocation(filename, data.count(b"\n", 0, offset) + 1),
                        code="feed_malformed", params={"byte": offset}) from exc


def parse_jvn_checksums(data: bytes, filename: str) -> dict[str, JvnChecksum]:
    """checksum.txt as {file name: checksum}; all or nothing (a bad hash, date or duplicate raises FeedError)."""
    problems = Problems(filename)
    found: dict[str, JvnChecksum] = {}
    for index, listed in enumerate(_decode(data, filename)):
        where = f"$[{index}]"
        name = listed.filename or PurePosixPath(urlsplit(listed.url).path).name
        sha256 = listed.sha256.strip().lower()
        if not name:
            problems.note(f"no file name in {listed.url!r}", None, f"{where}.url", "feed_field_missing")
        if not _SHA256.fullmatch(sha256):
            problems.note(f"not a SHA-256 in hex: {listed.sha256!r}", None, f"{where}.sha256", "feed_field_invalid",
                         value=listed.sha256)
        modified = None
        if listed.last_modified:
            try:
                modified = datetime.strptime(listed.last_modified, "%Y/%m/%d %H:%M:%S").replace(tzinfo=JST)
            except ValueError:
                problems.note(f"not a date and time: {listed.last_modified!r}", None, f"{where}.lastModified",
                             "feed_date_invalid", value=listed.last_modified)
        entry = JvnChecksum(listed.url, name, sha256, listed.size, modified)
        if name in found and found[name].sha256 != sha256:
            problems.note(f"{name} is listed twice with different checksums", None, where, "feed_field_invalid",
                         value=name)
        found[name] = entry
    problems.raise_if_any()
    return found


def _digest(path: Path) -> str:
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError as exc:
        raise FeedError(f"cannot read the file: {exc.strerror or exc}", InputLocation(str(path)),
                        code="feed_unreadable") from exc


def verify_jvn_checksum(path: Path, checksums: dict[str, JvnChecksum]) -> bool:
    """Check a feed file against checksum.txt by its name: True when it matches, False when it is not listed.

    A compressed copy (`jvndb_2022.rdf.gz`) is checked by its decompressed content. Raises FeedError
    (code `feed_checksum`, params `expected`, `actual`) when the SHA-256 differs: the download is damaged
    or is not the file JVN lists.
    """
    path = Path(path)
    listed = checksums.get(path.name)
    if listed is not None:
        actual = _digest(path)
    else:
        base = next((path.name.removesuffix(s) for s in _COMPRESSED if path.name.endswith(s)), "")
        listed = checksums.get(base) if base else None
        if listed is None:
            return False
        actual = hashlib.sha256(read_feed_bytes(path)).hexdigest()
    if actual != listed.sha256:
        raise FeedError(f"the SHA-256 of the file is {actual}, but checksum.txt gives {listed.sha256} for "
                        f"{listed.filename}: the download is damaged or not the file JVN publishes",
                        InputLocation(path.name), code="feed_checksum",
                        params={"expected": listed.sha256, "actual": actual, "listed": listed.filename})
    return True
