"""Reading a feed file as bytes: plain, gzip (.gz), xz (.xz, as fkie-cad ships NVD) or a one-file .zip.

The compression is recognised by its magic bytes, not the file name. A truncated or corrupt stream is
refused with the file and the compressed byte position where it broke; so is a file that would
decompress past `max_bytes` (a zip bomb or the wrong file).
"""

from __future__ import annotations

import lzma
import zipfile
import zlib
from pathlib import Path

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.errors import FeedError

__all__ = ["MAX_FEED_BYTES", "read_feed_bytes"]

MAX_FEED_BYTES = 1 << 30  # 1 GiB decompressed; an NVD year file is 100–200 MB
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
_ZIP_MAGIC = b"PK\x03\x04"


def _too_big(name: str, max_bytes: int) -> FeedError:
    return FeedError(f"decompresses to more than {max_bytes:,} bytes; is this the right file?", InputLocation(name),
                     code="feed_too_large", params={"limit": max_bytes})


def _gunzip(data: bytes, name: str, max_bytes: int) -> bytearray:
    out = bytearray()
    position = 0
    while position < len(data):
        if data[position:position + 2] != _GZIP_MAGIC:
            if not data[position:].strip(b"\x00"):
                break
            raise FeedError(f"unexpected data after the gzip stream at byte {position:,}", InputLocation(name),
                            code="feed_corrupt", params={"byte": position})
        stream = zlib.decompressobj(wbits=31)
        while not stream.eof:
            if position >= len(data):
                raise FeedError(f"truncated gzip stream: the data ends at byte {len(data):,} before the end of "
                                "the stream", InputLocation(name), code="feed_truncated", params={"byte": len(data)})
            chunk = data[position:position + _CHUNK]
            try:
                out += stream.decompress(chunk, max_bytes - len(out) + 1)
            except zlib.error as exc:
                raise FeedError(f"corrupt gzip data near byte {position:,}: {exc}", InputLocation(name),
                                code="feed_corrupt", params={"byte": position}) from exc
            if len(out) > max_bytes or stream.unconsumed_tail:
                raise _too_big(name, max_bytes)
            position += len(chunk) - len(stream.unused_data)
    return out


def _unxz(data: bytes, name: str, max_bytes: int) -> bytearray:
    out = bytearray()
    stream = lzma.LZMADecompressor()
    position = 0
    while not stream.eof:
        if position >= len(data):
            raise FeedError(f"truncated xz stream: the data ends at byte {len(data):,} before the end of the stream",
                            InputLocation(name), code="feed_truncated", params={"byte": len(data)})
        chunk = data[position:position + _CHUNK]
        try:
            out += stream.decompress(chunk, max_bytes - len(out) + 1)
        except lzma.LZMAError as exc:
            raise FeedError(f"corrupt xz data near byte {position:,}: {exc}", InputLocation(name),
                            code="feed_corrupt", params={"byte": position}) from exc
        if len(out) > max_bytes or (not stream.needs_input and not stream.eof):
            raise _too_big(name, max_bytes)
        position += len(chunk)
    return out


def _unzip(path: Path, name: str, max_bytes: int) -> bytes:
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) != 1:
                raise FeedError(f"a feed .zip must hold exactly one file, this one holds {len(members)}",
                                InputLocation(name), code="feed_zip_members", params={"count": len(members)})
            if members[0].file_size > max_bytes:
                raise _too_big(name, max_bytes)
            return archive.read(members[0])
    except (zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise FeedError(f"corrupt or truncated zip archive: {exc}", InputLocation(name), code="feed_corrupt") from exc


def read_feed_bytes(path: str | Path, max_bytes: int = MAX_FEED_BYTES) -> bytes | bytearray:
    """The decompressed content of a feed file; raises FeedError naming the file (and byte) on any problem."""
    path = Path(path)
    name = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FeedError(f"cannot read the file: {exc.strerror or exc}", InputLocation(str(path)),
                        code="feed_unreadable") from exc
    if data.startswith(_GZIP_MAGIC):
        return _gunzip(data, name, max_bytes)
    if data.startswith(_XZ_MAGIC):
        return _unxz(data, name, max_bytes)
    if data.startswith(_ZIP_MAGIC):
        return _unzip(path, name, max_bytes)
    if len(data) > max_bytes:
        raise _too_big(name, max_bytes)
    return data
