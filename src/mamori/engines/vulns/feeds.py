"""Which feed a file is, from its content (never its name alone), and reading it with the right parser.

    kind = detect_feed(path)         # "nvd" | "jvn" | "kev" | "epss" | "csaf" | "cve5"
    content = read_feed(path)        # NvdFeed | JvnFeed | KevCatalog | EpssFile | CsafAdvisory | Cve5File

Only the first bytes are decompressed to tell the kind; the parser then reads the file whole, all or
nothing. A file that is none of the known feeds is refused with a FeedError naming it.
"""

from __future__ import annotations

import gzip
import lzma
import zipfile
import zlib
from pathlib import Path
from typing import Literal

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.csaf import CsafAdvisory, looks_like_csaf, read_csaf_file
from mamori.engines.vulns.cve5 import Cve5File, looks_like_cve5, read_cve5_file
from mamori.engines.vulns.epss import EpssFile, looks_like_epss, read_epss_file
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedfiles import read_feed_bytes
from mamori.engines.vulns.jvn import JvnFeed, looks_like_jvn, read_jvn_file
from mamori.engines.vulns.kev import KevCatalog, looks_like_kev, read_kev_file
from mamori.engines.vulns.nvd import NvdFeed, read_nvd_file

__all__ = ["FeedContent", "FeedKind", "detect_feed", "read_feed"]

FeedKind = Literal["nvd", "jvn", "kev", "epss", "csaf", "cve5"]
FeedContent = NvdFeed | JvnFeed | KevCatalog | EpssFile | CsafAdvisory | Cve5File
HEAD_BYTES = 1 << 16
_NVD_MARKS = (b'"NVD_CVE"', b'"CVE_Items"', b'"CVE_data_type"', b'"sourceIdentifier"')


def _head(path: Path) -> bytes:
    """The first HEAD_BYTES of the file's content, decompressed (gzip, xz, or the one file of a zip)."""
    try:
        with path.open("rb") as raw:
            magic = raw.read(6)
        if magic.startswith(b"\x1f\x8b"):
            with gzip.open(path, "rb") as stream:
                return stream.read(HEAD_BYTES)
        if magic.startswith(b"\xfd7zXZ\x00"):
            with lzma.open(path, "rb") as stream:
                return stream.read(HEAD_BYTES)
        if magic.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise FeedError(f"a feed .zip must hold exactly one file, this one holds {len(members)}",
                                    InputLocation(path.name), code="feed_zip_members",
                                    params={"count": len(members)})
                with archive.open(members[0]) as stream:
                    return stream.read(HEAD_BYTES)
        with path.open("rb") as raw:
            return raw.read(HEAD_BYTES)
    except (OSError, EOFError, lzma.LZMAError, zlib.error, zipfile.BadZipFile) as exc:
        # A broken stream: the full reader says where it broke (the byte), which the head alone cannot.
        read_feed_bytes(path)
        raise FeedError(f"cannot read the file: {exc}", InputLocation(path.name), code="feed_corrupt") from exc


def detect_feed(path: str | Path) -> FeedKind:
    """The kind of feed in the file; raises FeedError when it is none Mamori knows."""
    path = Path(path)
    head = _head(path)
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith(b"<") or body.startswith(b"\xff\xfe") or body.startswith(b"\xfe\xff"):
        if looks_like_jvn(head):
            return "jvn"
    elif looks_like_cve5(head):
        return "cve5"
    elif looks_like_csaf(head):
        return "csaf"
    elif looks_like_kev(head):
        return "kev"
    elif any(mark in head for mark in _NVD_MARKS):
        return "nvd"
    elif looks_like_epss(head):
        return "epss"
    raise FeedError("not a feed Mamori can import (NVD JSON, JVN iPedia XML, CISA KEV, EPSS, CSAF 2.0, CVE JSON 5)",
                    InputLocation(path.name), code="feed_unknown_kind")


def read_feed(path: str | Path, kind: FeedKind | None = None) -> tuple[FeedKind, FeedContent]:
    """Detect (unless given) and read the feed, all or nothing."""
    path = Path(path)
    kind = kind or detect_feed(path)
    content: FeedContent
    if kind == "nvd":
        content = read_nvd_file(path)
    elif kind == "jvn":
        content = read_jvn_file(path)
    elif kind == "kev":
        content = read_kev_file(path)
    elif kind == "epss":
        content = read_epss_file(path)
    elif kind == "csaf":
        content = read_csaf_file(path)
    else:
        content = read_cve5_file(path)
    return kind, content
