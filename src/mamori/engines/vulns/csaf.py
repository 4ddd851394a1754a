"""CSAF 2.0 advisories (CISA ICS/ICSMA, vendor CSAF such as Fortinet PSIRT's) to plain data.

    advisory = read_csaf_file("icsma-23-248-01.json")   # checks icsma-23-248-01.json.sha512 when present
    advisory.products[0]        # CsafProduct("CSAFPID-0001", "Softneta", "MedDream PACS", "<= 7.2.8.810", "range", …)
    advisory.vulnerabilities[0] # CsafVulnerability("CVE-2023-40150", …, known_affected=("CSAFPID-0001",), …)

Files may be plain, .gz, .xz or a one-file .zip (`feedfiles.read_feed_bytes`). All or nothing: broken
JSON (with its line), a wrong type (with its JSON path), a bad date or CVE id, a product id defined
twice or referenced but never defined, a checksum that does not match: FeedError naming the file and
the place, listing up to 20 problems; nothing of the file is returned. A document of another CSAF
version (2.1) is refused before its fields are read as 2.0.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns import csaf_schema as schema
from mamori.engines.vulns.converter import RecordConverter
from mamori.engines.vulns.csaf_convert import convert_csaf
from mamori.engines.vulns.csaf_records import CsafAdvisory, CsafProduct, CsafRemediation, CsafVulnerability
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedfiles import MAX_FEED_BYTES, read_feed_bytes
from mamori.engines.vulns.feedproblems import decode_error

__all__ = [
    "CSAF_HEAD_BYTES",
    "CsafAdvisory",
    "CsafProduct",
    "CsafRemediation",
    "CsafVulnerability",
    "looks_like_csaf",
    "parse_csaf",
    "read_csaf_file",
    "verify_checksums",
]

CSAF_HEAD_BYTES = 1 << 16  # how much of a file `looks_like_csaf` wants to see
SUPPORTED_VERSION = "2.0"
_MAX_PROBLEMS = 20
_BOM = b"\xef\xbb\xbf"
_DIGESTS = ((".sha512", "sha512", 128), (".sha256", "sha256", 64))
_HEX = re.compile(r"[0-9a-fA-F]+")


def looks_like_csaf(head: bytes) -> bool:
    """True when the start of a (decompressed) file looks like a CSAF document; pass `CSAF_HEAD_BYTES` of it."""
    text = head.removeprefix(_BOM).lstrip()
    if not text.startswith(b"{"):
        return False
    return b'"csaf_version"' in head or (b'"document"' in head and b'"publisher"' in head
                                         and b'"tracking"' in head)


def _decode_error(exc: msgspec.DecodeError, data: bytes | bytearray, filename: str) -> FeedError:
    return decode_error(exc, data, filename, "$")


def _check_version(data: bytes | bytearray, filename: str) -> None:
    try:
        probe = msgspec.json.decode(data, type=schema.CsafVersionProbe)
    except msgspec.DecodeError as exc:
        raise _decode_error(exc, data, filename) from exc
    if probe.document is None or probe.document.csaf_version is None:
        raise FeedError("not a CSAF document: no 'document.csaf_version' at the top", InputLocation(filename),
                        code="feed_not_csaf")
    version = probe.document.csaf_version
    if version != SUPPORTED_VERSION:
        raise FeedError(f"CSAF version {version!r} is not supported: Mamori reads CSAF {SUPPORTED_VERSION} only, "
                        "whose fields differ", InputLocation(filename, None, "$.document.csaf_version"),
                        code="csaf_version", params={"version": version})


def parse_csaf(data: bytes | bytearray, filename: str) -> CsafAdvisory:
    """Decode one CSAF 2.0 JSON document (already decompressed), all or nothing."""
    if data[:3] == _BOM:
        data = data[3:]
    _check_version(data, filename)
    try:
        doc = msgspec.json.decode(data, type=schema.Csaf)
    except msgspec.DecodeError as exc:
        raise _decode_error(exc, data, filename) from exc
    conv = RecordConverter(filename)
    advisory = convert_csaf(doc, filename, conv)
    if conv.problems:
        first = conv.problems[0]
        more = len(conv.problems) - 1
        suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise FeedError(first.reason + suffix, first.location, tuple(conv.problems[:_MAX_PROBLEMS]), code=first.code,
                        params={**first.params, "more": more})
    return advisory


def _expected_digest(sidecar: Path, algorithm: str, length: int, name: str) -> str:
    try:
        text = sidecar.read_text(encoding="ascii", errors="replace")
    except OSError as exc:
        raise FeedError(f"cannot read the checksum file {sidecar.name}: {exc.strerror or exc}", InputLocation(name),
                        code="feed_unreadable") from exc
    words = text.split()
    digest = words[0] if words else ""
    if len(digest) != length or not _HEX.fullmatch(digest):
        raise FeedError(f"the checksum file {sidecar.name} does not hold a {algorithm.upper()} digest",
                        InputLocation(name), code="feed_checksum", params={"algorithm": algorithm})
    return digest.lower()


def verify_checksums(path: Path) -> tuple[str, ...]:
    """Check `path` against `<file>.sha512` and `<file>.sha256` beside it; the algorithms checked.

    Raises FeedError (code `feed_checksum`) on a mismatch or a checksum file that holds no digest.
    """
    checked = []
    for suffix, algorithm, length in _DIGESTS:
        sidecar = path.with_name(path.name + suffix)
        if not sidecar.is_file():
            continue
        expected = _expected_digest(sidecar, algorithm, length, path.name)
        try:
            with path.open("rb") as handle:
                actual = hashlib.file_digest(handle, algorithm).hexdigest()
        except OSError as exc:
            raise FeedError(f"cannot read the file: {exc.strerror or exc}", InputLocation(str(path)),
                            code="feed_unreadable") from exc
        if actual != expected:
            raise FeedError(f"{algorithm.upper()} mismatch: {sidecar.name} says {expected[:16]}…, the file's is "
                            f"{actual[:16]}…; the file is damaged or not the one published", InputLocation(path.name),
                            code="feed_checksum", params={"algorithm": algorithm, "expected": expected,
                                                          "actual": actual})
        checked.append(algorithm)
    return tuple(checked)


def read_csaf_file(path: str | Path, *, check_hash: bool = True, max_bytes: int = MAX_FEED_BYTES) -> CsafAdvisory:
    """Read and decode one CSAF file (.json, .json.gz, .json.xz or .zip), all or nothing.

    With `check_hash`, a `<file>.sha512` or `<file>.sha256` beside it (as CISA publishes them) must match.
    """
    path = Path(path)
    if check_hash:
        verify_checksums(path)
    return parse_csaf(read_feed_bytes(path, max_bytes), path.name)
