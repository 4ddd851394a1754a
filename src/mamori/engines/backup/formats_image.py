"""Structure checks of JPEG and PNG images.

JPEG: `FF D8 FF` at the start, `FF D9` at the end (after any zero padding), the marker segments walked
from SOI to SOS, then blocks of the entropy-coded scan data sampled: in a valid scan a byte `FF` is only
followed by `00` (stuffing), a restart marker or another marker, while in ciphertext most `FF` bytes are
followed by a byte no marker uses. PNG: the signature, IHDR first with a good CRC, IEND at the end, and
the chunk list walked as far as the read budget allows, with the CRC of a sample of chunks checked.
Neither check uses entropy: both formats are compressed and high-entropy by nature.
"""

from __future__ import annotations

import re
import struct
import zlib

from mamori.engines.backup.probe import BLOCK, BudgetSpent, Finding, Source, chi_square, mismatch, ok, partial, spread

__all__ = ["INVALID_SCAN_PAIRS", "check_jpeg", "check_png", "invalid_scan_pairs"]

# Valid after FF inside scan data: 00 (stuffing), C0-CF (SOF/DHT/DAC between progressive scans),
# D0-D7 (RSTn), D8-DF (SOI, EOI, SOS, DQT, DNL, DRI...), E0-EF (APPn), FE (COM), FF (fill).
_INVALID_PAIR = re.compile(rb"\xff[\x01-\xbf\xf0-\xfd]")
INVALID_SCAN_PAIRS = 16
"""A 64 KiB scan-data block with this many impossible `FF xx` pairs is not JPEG data. Uniformly random
data has about 200 per 64 KiB (256 FF bytes, 80% followed by an unused value); a valid scan has none,
and the few an appended second image's binary APP segments may bring stay far below this."""

_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_SEGMENTS_MAX = 512
_SCAN_BLOCKS = 8

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_CHUNKS_MAX = 20_000  # chunk headers walked (8 bytes each); a 64 KiB-chunked PNG of 1.2 GiB
_CRC_CHUNKS = 8
_CRC_BYTES = 512 * 1024


def invalid_scan_pairs(data: bytes) -> tuple[int, int | None]:
    """How many `FF xx` pairs in `data` are impossible in JPEG scan data, and where the first one is."""
    first = _INVALID_PAIR.search(data)
    if first is None:
        return 0, None
    return len(_INVALID_PAIR.findall(data)), first.start()


def _walk_jpeg(src: Source) -> tuple[int | None, Finding | None]:
    """The offset where the scan data of the first SOS begins, or a finding; (None, None) if not reached."""
    pos = 2
    seen_frame = False
    for _ in range(_SEGMENTS_MAX):
        marker = src.read(pos, 2)
        if len(marker) < 2 or marker[0] != 0xFF:
            return None, partial("jpeg_marker_broken",
                                 f"Expected a JPEG marker (FF xx) at offset {pos}, found {marker.hex() or 'the end'}.",
                                 pos)
        code = marker[1]
        if code == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if code in _STANDALONE:
            pos += 2
            continue
        if code in (0xD8, 0xD9, 0x00):
            return None, partial("jpeg_marker_broken",
                                 f"Marker FF{code:02X} at offset {pos} cannot appear before the first scan.", pos)
        raw = src.read(pos + 2, 2)
        length = struct.unpack(">H", raw)[0] if len(raw) == 2 else 0
        if length < 2 or pos + 2 + length > src.size:
            return None, partial("jpeg_marker_broken",
                                 f"The segment FF{code:02X} at offset {pos} has an impossible length {length}.", pos)
        seen_frame = seen_frame or code in _SOF
        if code == 0xDA:
            if not seen_frame:
                return None, partial("jpeg_marker_broken",
                                     f"Start Of Scan at offset {pos} without a frame header (SOF) before it.", pos)
            return pos + 2 + length, None
        pos += 2 + length
    return None, None


def check_jpeg(src: Source) -> Finding:
    """The structure of a JPEG (JFIF/Exif) image."""
    head = src.read(0, BLOCK)
    if not head.startswith(b"\xff\xd8\xff"):
        return mismatch("jpeg_soi_missing", "The file does not start with a JPEG Start Of Image (FF D8 FF); it "
                        f"starts {head[:4].hex()}.", 0)
    tail_start = max(0, src.size - 4096)
    tail = src.read(tail_start, src.size - tail_start).rstrip(b"\x00")
    if not tail.endswith(b"\xff\xd9"):
        at = tail_start + len(tail)
        return mismatch("jpeg_eoi_missing",
                        f"The file does not end with a JPEG End Of Image (FF D9): the last bytes before offset {at} "
                        f"are {tail[-4:].hex()}.", max(0, at - 2))
    scan_end = tail_start + len(tail) - 2
    scan_start: int | None = None
    try:
        scan_start, finding = _walk_jpeg(src)
        if finding is not None:
            return finding
        if scan_start is None:
            return ok(f"JPEG start and end intact; {_SEGMENTS_MAX} marker segments walked without reaching the scan.")
        offsets = list(spread(scan_start, scan_end, _SCAN_BLOCKS, BLOCK))
        checked = len(offsets)
        for at in offsets:
            block = src.read(at, BLOCK)
            count, first = invalid_scan_pairs(block)
            if count >= INVALID_SCAN_PAIRS and first is not None:
                return partial("jpeg_scan_data_broken",
                               f"The scan data block at offset {at} holds {count} byte pairs impossible in JPEG data "
                               f"(first at offset {at + first}; chi-square {chi_square(block):.0f}).", at + first)
    except BudgetSpent:
        checked = -1
    sampled = "the read budget was spent sampling it" if checked < 0 else f"{checked} blocks of scan data sampled"
    return ok(f"JPEG structure intact: markers walked to the scan at offset {scan_start}; {sampled}.")


def _chunk_crc_ok(src: Source, pos: int, length: int) -> bool:
    data = src.read(pos + 4, length + 8)
    return len(data) == length + 8 and zlib.crc32(data[:-4]) == struct.unpack(">I", data[-4:])[0]


def check_png(src: Source) -> Finding:
    """The structure of a PNG image."""
    head = src.read(0, BLOCK)
    if not head.startswith(_PNG_SIGNATURE):
        return mismatch("png_signature_missing", f"The file does not start with the PNG signature; it starts "
                        f"{head[:8].hex()}.", 0)
    if head[12:16] != b"IHDR" or head[8:12] != b"\x00\x00\x00\x0d" or not _chunk_crc_ok(src, 8, 13):
        return mismatch("png_ihdr_broken", "The PNG header chunk (IHDR) at offset 8 is missing or fails its CRC.", 8)
    tail_start = max(0, src.size - 4096)
    tail = src.read(tail_start, src.size - tail_start).rstrip(b"\x00")
    # IEND's own bytes end with its CRC (AE 42 60 82), so stripping zero padding cannot eat into it.
    if not tail.endswith(_IEND):
        at = tail_start + len(tail)
        return mismatch("png_iend_missing", f"The file does not end with the PNG IEND chunk (before offset {at}).",
                        max(0, at - 12))
    iend_at = tail_start + len(tail) - 12
    chunks: list[tuple[int, int]] = []
    pos = 8
    try:
        while pos < iend_at and len(chunks) < _CHUNKS_MAX:
            header = src.read(pos, 8)
            length, ctype = struct.unpack(">I4s", header) if len(header) == 8 else (-1, b"")
            if length < 0 or length > 0x7FFFFFFF or not ctype.isalpha() or pos + 12 + length > iend_at:
                return partial("png_chunk_broken", f"No valid PNG chunk header at offset {pos}, where the previous "
                               f"chunk ends (found {header.hex()}).", pos)
            chunks.append((pos, length))
            pos += 12 + length
        if pos == iend_at:
            chunks.append((iend_at, 0))
        elif pos > iend_at:
            return partial("png_chunk_broken", f"The chunk list runs past the IEND chunk at offset {iend_at}.", pos)
        # The chunks already in the head are free to check; then a few spread through the file.
        wanted = [chunk for chunk in chunks if chunk[0] + chunk[1] + 12 <= len(head)]
        rest = [chunk for chunk in chunks if chunk not in wanted and chunk[1] <= _CRC_BYTES // _CRC_CHUNKS]
        if rest:
            step = max(1, len(rest) // _CRC_CHUNKS)
            wanted += rest[::step][:_CRC_CHUNKS]
        for at, length in wanted:
            if not _chunk_crc_ok(src, at, length):
                return partial("png_chunk_crc", f"The PNG chunk at offset {at} ({length} bytes) fails its CRC.", at)
        checked = f"{len(chunks)} chunks walked, {len(wanted)} CRCs verified"
    except BudgetSpent:
        checked = f"{len(chunks)} chunks walked before the read budget was spent"
    return ok(f"PNG structure intact: {checked}.")
