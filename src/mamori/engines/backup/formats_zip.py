"""Structure check of the ZIP family: zip archives and Office Open XML (docx, docm, xlsx, xlsm, pptx).

Checked in order: the local header signature at offset 0; the End Of Central Directory record in the last
64 KiB + 22 bytes (and the ZIP64 end record it may point to); the central directory; the local headers
of a sample of entries at the offsets the directory gives, with the same names; for Office files, that
`[Content_Types].xml` is listed; and the CRC-32 of a few small entries, decompressed. ZIP content is
high-entropy by nature, so no entropy test is used here: stored random data inside a valid archive is fine.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

from mamori.engines.backup.probe import BudgetSpent, Finding, Source, mismatch, ok, partial

__all__ = ["OOXML_KINDS", "check_zip"]

OOXML_KINDS = frozenset({"docx", "docm", "xlsx", "xlsm", "pptx"})
"""The kinds that are Office Open XML packages and must list `[Content_Types].xml`."""

_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
_END = b"PK\x05\x06"
_END64 = b"PK\x06\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END_SEARCH = 0xFFFF + 22  # the longest comment plus the record itself
_DIRECTORY_READ_MAX = 512 * 1024  # about 6,000 entries; larger directories are checked as far as read
_HEADER_PROBES = 128  # about 30 bytes plus the name read each
_CRC_CHECKS = 64
_CRC_BYTES = 512 * 1024  # compressed bytes read for CRC checks, all entries together
_INFLATE_MAX = 8 * 1024 * 1024  # an entry inflating to more is not CRC-checked (no zip bombs)
_INFLATE_PROBE = 16 * 1024  # the start of a large deflated entry is inflated to see it is still deflate
_CONTENT_TYPES = b"[Content_Types].xml"
_DIRECTORY_ENTRY = struct.Struct("<4sHHHHHHIIIHHHHHII")
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


@dataclass(frozen=True, slots=True)
class _Entry:
    name: bytes
    flags: int
    method: int
    crc: int
    compressed: int
    uncompressed: int
    offset: int  # of the local header in the file


@dataclass(frozen=True, slots=True)
class _End:
    position: int  # of the (ZIP64) end record that the directory immediately precedes
    directory_size: int
    directory_offset: int


def _find_end(src: Source) -> int | None:
    """The offset of the End Of Central Directory record, preferring the one whose comment ends the file."""
    start = max(0, src.size - _END_SEARCH)
    tail = src.read(start, src.size - start)
    fallback: int | None = None
    pos = tail.rfind(_END)
    while pos >= 0:
        if pos + 22 <= len(tail):
            comment = struct.unpack_from("<H", tail, pos + 20)[0]
            if pos + 22 + comment == len(tail):
                return start + pos
            if fallback is None and pos + 22 + comment <= len(tail):
                fallback = start + pos
        pos = tail.rfind(_END, 0, pos)
    return fallback


def _read_end(src: Source, position: int) -> _End | None:
    """The directory's size and offset from the end record, or from the ZIP64 end record when a ZIP64 locator
    precedes it (as Python's zipfile does, whatever the classic record says); None if that record is gone."""
    record = src.read(position, 22)
    size, offset = struct.unpack_from("<II", record, 12)
    locator = src.read(position - 20, 20) if position >= 20 else b""
    if len(locator) == 20 and locator.startswith(_END64_LOCATOR):
        for candidate in (struct.unpack_from("<Q", locator, 8)[0], position - 20 - 56):
            record64 = src.read(candidate, 56)
            if len(record64) == 56 and record64.startswith(_END64):
                size64, offset64 = struct.unpack_from("<QQ", record64, 40)
                return _End(candidate, size64, offset64)
    if 0xFFFFFFFF in (size, offset):
        return None  # ZIP64 placeholders without the ZIP64 records
    return _End(position, size, offset)  # (65,535 entries without ZIP64 is taken at its word)


def _zip64_values(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    """Sizes and offset with the 0xFFFFFFFF placeholders replaced from the ZIP64 extra field."""
    pos = 0
    while pos + 4 <= len(extra):
        header, length = struct.unpack_from("<HH", extra, pos)
        data = extra[pos + 4 : pos + 4 + length]
        if header == 0x0001:
            values = [struct.unpack_from("<Q", data, i)[0] for i in range(0, len(data) - 7, 8)]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
            break
        pos += 4 + length
    return usize, csize, offset


def _read_directory(src: Source, start: int, size: int, base: int) -> tuple[list[_Entry], bool, int | None]:
    """The entries read from the directory, whether it was read whole, and where it broke (or None)."""
    length = min(size, _DIRECTORY_READ_MAX)
    data = src.read(start, length)
    whole = length == size and len(data) == size
    entries: list[_Entry] = []
    pos = 0
    while pos < len(data):
        if pos + 46 > len(data):
            return entries, False, start + pos if whole else None
        fields = _DIRECTORY_ENTRY.unpack_from(data, pos)
        if fields[0] != _CENTRAL:
            return entries, False, start + pos
        flags, method, crc, csize, usize, name_len, extra_len, comment_len = (
            fields[3], fields[4], fields[7], fields[8], fields[9], fields[10], fields[11], fields[12])
        end = pos + 46 + name_len + extra_len + comment_len
        if end > len(data):
            return entries, False, start + pos if whole else None
        name = data[pos + 46 : pos + 46 + name_len]
        extra = data[pos + 46 + name_len : pos + 46 + name_len + extra_len]
        usize, csize, offset = _zip64_values(extra, usize, csize, fields[16])
        entries.append(_Entry(name, flags, method, crc, csize, usize, offset + base))
        pos = end
    return entries, whole, None


def _spread_entries(entries: list[_Entry], count: int) -> list[_Entry]:
    ordered = sorted(entries, key=lambda entry: entry.offset)
    if len(ordered) <= count:
        return ordered
    step = (len(ordered) - 1) / (count - 1)
    return [ordered[round(i * step)] for i in range(count)]


def _data_offset(src: Source, entry: _Entry, directory_start: int) -> int | Finding:
    """Where the entry's data begins, or the finding that its local header is not where the directory says."""
    if not 0 <= entry.offset < directory_start:
        return partial("zip_central_directory_broken",
                       f"The central directory places entry {_show(entry.name)} at offset {entry.offset}, "
                       f"outside the file's data (which ends at {directory_start}).", entry.offset)
    header = src.read(entry.offset, 30)
    fields = _LOCAL_HEADER.unpack_from(header) if len(header) == 30 else None
    if fields is None or fields[0] != _LOCAL:
        return partial("zip_local_header_mismatch",
                       f"No local file header at offset {entry.offset}, where the central directory "
                       f"places entry {_show(entry.name)}.", entry.offset)
    name_len, extra_len = fields[9], fields[10]
    if src.read(entry.offset + 30, name_len) != entry.name:
        return partial("zip_local_header_mismatch",
                       f"The local header at offset {entry.offset} does not name {_show(entry.name)} "
                       "as the central directory does.", entry.offset)
    return int(entry.offset + 30 + name_len + extra_len)


def _verifiable(entry: _Entry) -> int:
    """How many compressed bytes verifying the entry reads: all of a small one, the start of a large deflated
    one, nothing (0) when it cannot be verified (empty, encrypted, another method, large and stored)."""
    if entry.flags & 1 or entry.method not in (0, 8) or entry.compressed == 0:
        return 0
    if entry.compressed <= _CRC_BYTES and entry.uncompressed <= _INFLATE_MAX:
        return int(entry.compressed)
    return _INFLATE_PROBE if entry.method == 8 else 0


def _verify_data(src: Source, entry: _Entry, start: int) -> Finding | None:
    """CRC-32 of a whole small entry, or the start of a large deflated one inflated; a finding if it fails.

    Deflate data is fed 4 KiB at a time so that a failure is placed within 4 KiB of where the data broke.
    """
    whole = entry.compressed <= _CRC_BYTES and entry.uncompressed <= _INFLATE_MAX
    data = src.read(start, entry.compressed if whole else _INFLATE_PROBE)
    name = _show(entry.name)
    if entry.method == 0:
        crc, length = zlib.crc32(data), len(data)
    else:
        inflater = zlib.decompressobj(-15)
        crc = length = 0
        for at in range(0, len(data), 4096):
            try:
                piece = inflater.decompress(data[at : at + 4096])
            except zlib.error as exc:
                return partial("zip_entry_corrupt", f"Entry {name} (data from offset {start}) is no longer valid "
                               f"deflate data at about offset {start + at} ({exc}).", start + at)
            crc, length = zlib.crc32(piece, crc), length + len(piece)
            if length > _INFLATE_MAX or inflater.eof:
                break
        if whole and not inflater.eof:
            return partial("zip_entry_corrupt", f"Entry {name} (data from offset {start}) ends before its deflate "
                           "stream does.", start)
    if whole and (length != entry.uncompressed or crc != entry.crc):
        return partial("zip_entry_crc", f"Entry {name} (data from offset {start}) fails its CRC-32 check "
                       f"(expected {entry.crc:08x}, got {crc:08x}).", start)
    return None


def _show(name: bytes) -> str:
    return repr(name.decode("utf-8", "replace"))


def _check_entries(src: Source, entries: list[_Entry], directory_start: int) -> tuple[Finding | None, str]:
    """Local headers of a sample of entries, then the data of a few; a finding, and what was verified."""
    headers = verified = 0
    starts: dict[int, int] = {}
    sampled = _spread_entries(entries, _HEADER_PROBES)
    try:
        for entry in sampled:
            start = _data_offset(src, entry, directory_start)
            if isinstance(start, Finding):
                return start, ""
            starts[entry.offset] = start
            headers += 1
        # [Content_Types].xml first (an Office file's smallest, always-read part), then the smallest entries.
        candidates = sorted((entry for entry in sampled if _verifiable(entry)),
                            key=lambda entry: (entry.name != _CONTENT_TYPES, _verifiable(entry)))
        spent = 0
        for entry in candidates[:_CRC_CHECKS]:
            if spent + _verifiable(entry) > _CRC_BYTES:
                continue
            spent += _verifiable(entry)
            finding = _verify_data(src, entry, starts[entry.offset])
            if finding is not None:
                return finding, ""
            verified += 1
    except BudgetSpent:
        pass
    return None, f"{headers} local headers and the data of {verified} entries verified"


def check_zip(src: Source, kind: str) -> Finding:
    """The structure of a ZIP archive or an Office Open XML package (`kind` in `OOXML_KINDS`)."""
    head = src.read(0, 4)
    if head == _END and src.size >= 22 and kind == "zip":
        return ok("An empty ZIP archive: only its End Of Central Directory record.")
    if head != _LOCAL:
        return mismatch("zip_signature_missing",
                        f"The file does not start with a ZIP local file header (PK\\x03\\x04); it starts {head.hex()}.",
                        0)
    end_position = _find_end(src)
    if end_position is None:
        searched = max(0, src.size - _END_SEARCH)
        return mismatch("zip_eocd_missing",
                        f"No End Of Central Directory record in the last {src.size - searched} bytes "
                        f"(searched from offset {searched}): the archive cannot be opened.", searched)
    end = _read_end(src, end_position)
    if end is None:
        return partial("zip_central_directory_broken",
                       f"The end record at offset {end_position} announces ZIP64, but the ZIP64 end record is gone.",
                       end_position)
    base = end.position - end.directory_size - end.directory_offset
    if base < 0:
        return partial("zip_central_directory_broken",
                       f"The end record at offset {end.position} gives a central directory of {end.directory_size} "
                       f"bytes at offset {end.directory_offset}, which does not fit before it.", end.position)
    directory_start = end.directory_offset + base
    entries, whole, broken_at = _read_directory(src, directory_start, end.directory_size, base)
    if broken_at is not None:
        return partial("zip_central_directory_broken",
                       f"The central directory breaks at offset {broken_at} after {len(entries)} entries.", broken_at)
    if kind in OOXML_KINDS and whole and not any(entry.name == _CONTENT_TYPES for entry in entries):
        return mismatch("ooxml_content_types_missing",
                        f"The archive lists {len(entries)} entries but no [Content_Types].xml: it is not a {kind} "
                        "package.", directory_start)
    finding, verified = _check_entries(src, entries, directory_start)
    if finding is not None:
        return finding
    listed = f"{len(entries)} entries" if whole else f"the first {len(entries)} entries"
    return ok(f"ZIP structure intact: central directory at offset {directory_start} read ({listed}); {verified}.")
