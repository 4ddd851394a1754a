"""Structure check of PDF files.

Checked: `%PDF-1.x` / `%PDF-2.0` in the first 1 KiB; `%%EOF` in the last 2 KiB; the `startxref` offset
pointing at an `xref` table or an object (a cross-reference stream); the cross-reference sections (tables
and streams, following /Prev and /XRefStm) giving object offsets, a sample of which must still hold
`N G obj`; and blocks sampled through the middle of the file. PDF streams are compressed and may be
legitimately random (an encrypted PDF, an attached archive), and deflated text can look as random as
ciphertext by chi-square (see `probe.RANDOM_CHI2_MAX`), so a structure failure counts only when the bytes
there are also random: an object the xref lists whose place now holds random bytes, or a random block
with no PDF token that lies in no stream -- or lies in a deflate (or DCT) stream that no longer decodes.
A structure failure over non-random bytes (a sloppy writer's wrong xref offset) is not reported.
"""

from __future__ import annotations

import bisect
import re
import zlib

from mamori.engines.backup.formats_image import INVALID_SCAN_PAIRS, invalid_scan_pairs
from mamori.engines.backup.probe import BLOCK, BudgetSpent, Finding, Source, looks_random, mismatch, ok, partial, spread

__all__ = ["check_pdf"]

_HEADER = re.compile(rb"%PDF-(?:1\.[0-7]|2\.0)")
_TAIL = 8 * 1024
_EOF_WINDOW = 2048
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_TARGET = re.compile(rb"xref|(\d+)\s+(\d+)\s+obj\b")
_OBJ = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_TOKENS = re.compile(rb"endobj|endstream|stream|\bobj\b")
_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_SUBSECTION = re.compile(rb"\s*(\d+)\s+(\d+)\s")
_ENTRY = re.compile(rb"\s*(\d{10})\s+(\d{5})\s+([nf])")
_SECTIONS_MAX = 16
_SECTION_FIRST_READ = 32 * 1024
_SECTION_READ = 256 * 1024  # a cross-reference stream read whole up to this size
_TABLE_SAMPLES = 512  # entries read from a table longer than the first read
_XREF_STREAM_OUTPUT = 8 * 1024 * 1024
_OBJECT_PROBES = 256  # 96 bytes read each
_BLOCK_PROBES = 8
_INFLATE_CHECKS = 2
_INFLATE_PREFIX_MAX = 640 * 1024  # a stream is inflated from its start through the random block
_OUTSIDE = "outside"
_UNKNOWN = "unknown"


def _int(pattern: bytes, text: bytes) -> int | None:
    match = re.search(pattern, text)
    return int(match.group(1)) if match else None


def _locate(src: Source, offset: int) -> tuple[int, bytes] | None:
    """The position of the `xref` keyword or `N G obj` at (or a few bytes around) `offset`, and the match."""
    start = max(0, offset - 16)
    window = src.read(start, 96)
    match = _TARGET.search(window)
    return (start + match.start(), match.group(0)) if match else None


def _unpredict(data: bytes, columns: int) -> bytes:
    """Undo the PNG row predictors (/Predictor >= 10) of a cross-reference stream, one byte per pixel."""
    out = bytearray()
    previous = bytearray(columns)
    for row_start in range(0, len(data) - columns, columns + 1):
        kind, row = data[row_start], bytearray(data[row_start + 1 : row_start + 1 + columns])
        for i in range(len(row)):
            left = row[i - 1] if i else 0
            up, corner = previous[i], previous[i - 1] if i else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                row[i] = (row[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        out += row
        previous = row
    return bytes(out)


def _stream_section(data: bytes) -> tuple[list[tuple[int, int]], bytes, bool]:
    """Object numbers and offsets from a cross-reference stream object read from its start, its dictionary,
    and whether `data` held the whole stream."""
    match = _STREAM.search(data)
    if match is None:
        return [], b"", len(data) < _SECTION_READ
    dictionary = data[: match.start()]
    widths_text = re.search(rb"/W\s*\[([^\]]*)\]", dictionary)
    widths = [int(width) for width in re.findall(rb"\d+", widths_text.group(1))] if widths_text else []
    size = _int(rb"/Size\s+(\d+)", dictionary) or 0
    index_text = re.search(rb"/Index\s*\[([^\]]*)\]", dictionary)
    index = [int(n) for n in re.findall(rb"\d+", index_text.group(1))] if index_text else [0, size]
    length = _int(rb"/Length\s+(\d+)(?!\s+\d+\s+R)", dictionary)
    raw = data[match.end() :]
    end = length if length is not None else raw.find(b"endstream")
    if end < 0 or end > len(raw):
        return [], dictionary, False
    if len(widths) != 3 or sum(widths) == 0:
        return [], dictionary, True
    try:
        content = raw[:end]
        if b"/FlateDecode" in dictionary:
            content = zlib.decompressobj().decompress(content, _XREF_STREAM_OUTPUT)
    except zlib.error:
        return [], dictionary, True
    row_size = sum(widths)
    if (_int(rb"/Predictor\s+(\d+)", dictionary) or 1) >= 10:
        content = _unpredict(content, row_size)
    numbers = [n for first, count in zip(index[::2], index[1::2], strict=False) for n in range(first, first + count)]
    entries: list[tuple[int, int]] = []
    for number, row_start in zip(numbers, range(0, len(content) - row_size + 1, row_size), strict=False):
        fields, pos = [], row_start
        for width in widths:
            fields.append(int.from_bytes(content[pos : pos + width], "big"))
            pos += width
        if (fields[0] if widths[0] else 1) == 1:
            entries.append((number, fields[1]))
    return entries, dictionary, True


def _table_section(src: Source, at: int) -> tuple[list[tuple[int, int]], bytes, bool]:
    """Object numbers and offsets from the cross-reference table at `at`, its trailer, and whether every
    entry was read. A subsection longer than the first read is sampled: entries have a fixed stride, so
    `_TABLE_SAMPLES` of them spread through it are read directly, and the table goes on after its last."""
    base, data = at, src.read(at, _SECTION_FIRST_READ)
    pos = data.find(b"xref") + 4
    entries: list[tuple[int, int]] = []
    complete = True
    while (section := _SUBSECTION.match(data, pos)) is not None:
        first, count = int(section.group(1)), int(section.group(2))
        pos = section.end()
        starts: list[int] = []
        for number in range(first, first + count):
            entry = _ENTRY.match(data, pos)
            if entry is None:
                break
            starts.append(entry.start(1))
            if entry.group(3) == b"n":
                entries.append((number, int(entry.group(1))))
            pos = entry.end()
        if len(starts) == count:
            continue
        if len(starts) < 2 or pos < len(data) - 40:
            return entries, b"", False  # a broken table, not one longer than the read
        stride, origin = starts[1] - starts[0], base + starts[0]
        for index in sorted({len(starts) + (count - len(starts)) * i // _TABLE_SAMPLES for i in range(_TABLE_SAMPLES)}):
            entry = _ENTRY.match(src.read(origin + index * stride, 20))
            if entry is not None and entry.group(3) == b"n":
                entries.append((first + index, int(entry.group(1))))
        complete = False
        base, pos = origin + count * stride, 0
        data = src.read(base, 16 * 1024)
    trailer = data.find(b"trailer", pos)
    complete = complete and trailer >= 0 and b">>" in data[trailer:]
    return entries, data[trailer : trailer + 4096] if trailer >= 0 else b"", complete


def _objects(src: Source, first: int) -> tuple[list[tuple[int, int]], bool, bool]:
    """(object number, offset) of the objects the cross-reference sections list (sorted by offset), whether
    the document is encrypted, and whether the list is complete. Sections are followed through /Prev and
    /XRefStm."""
    found: list[tuple[int, int]] = []
    encrypted, complete = False, True
    todo, seen = [first], set[int]()
    try:
        while todo and len(seen) < _SECTIONS_MAX:
            offset = todo.pop(0)
            if offset in seen or not 0 <= offset < src.size:
                continue
            seen.add(offset)
            located = _locate(src, offset)
            if located is None:
                complete = False
                continue
            if located[1] == b"xref":
                entries, dictionary, whole = _table_section(src, located[0])
            else:
                entries, dictionary, whole = _stream_section(src.read(located[0], _SECTION_FIRST_READ))
                if not whole:
                    entries, dictionary, whole = _stream_section(src.read(located[0], _SECTION_READ))
            found += entries
            complete = complete and whole
            encrypted = encrypted or b"/Encrypt" in dictionary
            todo += [int(n) for n in re.findall(rb"/(?:Prev|XRefStm)\s+(\d+)", dictionary)]
    except BudgetSpent:
        complete = False
    return sorted(set(found), key=lambda pair: pair[1]), encrypted, complete and not todo


def _probe_objects(src: Source, objects: list[tuple[int, int]]) -> Finding | None:
    """A sample of listed objects must still start with `N G obj`, unless the bytes there are not random."""
    step = max(1, len(objects) // _OBJECT_PROBES)
    for number, offset in objects[::step][:_OBJECT_PROBES]:
        window = src.read(max(0, offset - 16), 96)
        if any(int(match.group(1)) == number for match in _OBJ.finditer(window)):
            continue
        if looks_random(src.read(offset, 4096)):
            return partial("pdf_object_missing",
                           f"Object {number}, which the cross-reference section places at offset {offset}, is gone: "
                           "the bytes there are uniformly random.", offset)
    return None


def _stream_around(src: Source, at: int, starts: list[int], offsets: dict[int, int]) -> tuple[int, int, bytes] | str:
    """The stream the listed object nearest before offset `at` opens, as (data start, declared length,
    dictionary); or _OUTSIDE when that object has no stream (or is gone), _UNKNOWN when it cannot be told."""
    i = bisect.bisect_right(starts, at) - 1
    if i < 0:
        return _OUTSIDE
    header = src.read(starts[i], 4096)
    match = _STREAM.search(header)
    if match is None:
        return _OUTSIDE if b"endobj" in header or looks_random(header) else _UNKNOWN
    opened = header.rfind(b"obj", 0, match.start())  # the object that opens this stream, if another follows
    dictionary = header[max(0, opened) : match.start()]
    reference = re.search(rb"/Length\s+(\d+)\s+(\d+)\s+R", dictionary)
    if reference:
        holder = offsets.get(int(reference.group(1)))
        length = _int(rb"obj\s*(\d+)", src.read(holder, 64)) if holder is not None else None
    else:
        length = _int(rb"/Length\s+(\d+)", dictionary)
    return (starts[i] + match.end(), length, dictionary) if length is not None else _UNKNOWN


def _explain_random_block(src: Source, at: int, starts: list[int], offsets: dict[int, int], flags: tuple[bool, bool],
                          inflate_left: list[int]) -> Finding | None:
    """None if the random block at `at` lies in a stream that may hold such bytes; else the finding.
    `flags`: whether the document is encrypted, whether the object list is complete."""
    encrypted, complete = flags
    stream = _stream_around(src, at, starts, offsets)
    if stream == _UNKNOWN:
        return None  # unknown is not evidence
    inside = isinstance(stream, tuple) and stream[0] <= at and at + BLOCK <= stream[0] + stream[1] + 2
    if not isinstance(stream, tuple) or not inside:
        before = src.read(max(0, at - 16 * 1024), min(at, 16 * 1024))
        keywords = re.findall(rb"endstream|(?<!end)stream", before)
        if keywords and keywords[-1] == b"stream":
            return None  # an object the cross-reference sections do not list opens a stream just before
        if not complete:
            return None  # an object we did not read may hold the block in its stream
        return partial("pdf_block_random", f"The block at offset {at} is uniformly random, holds no PDF token and "
                       "lies in no stream the document declares.", at)
    start, _, dictionary = stream
    if encrypted:
        return None  # the streams of an encrypted PDF are ciphertext by design
    if b"/DCTDecode" in dictionary:
        count, first = invalid_scan_pairs(src.read(at, BLOCK))
        if count >= INVALID_SCAN_PAIRS and first is not None:
            return partial("pdf_stream_corrupt", f"The JPEG image stream starting at offset {start} holds {count} "
                           f"byte pairs impossible in JPEG data in the random block at offset {at}.", at + first)
    elif (b"/FlateDecode" in dictionary and at + BLOCK - start <= _INFLATE_PREFIX_MAX and inflate_left[0] > 0
          and src.can_read(at + BLOCK - start)):
        inflate_left[0] -= 1
        try:
            zlib.decompressobj().decompress(src.read(start, at + BLOCK - start), 64 * 1024 * 1024)
        except zlib.error as exc:
            return partial("pdf_stream_corrupt", f"The deflate stream starting at offset {start} no longer decodes "
                           f"through the random block at offset {at} ({exc}).", at)
    return None


def check_pdf(src: Source) -> Finding:
    """The structure of a PDF document."""
    head = src.read(0, 1024)
    header = _HEADER.search(head)
    if header is None:
        return mismatch("pdf_header_missing", "No %PDF-1.x or %PDF-2.0 header in the first 1 KiB.", 0)
    tail_start = max(0, src.size - _TAIL)
    tail = src.read(tail_start, src.size - tail_start)
    eof = tail.rfind(b"%%EOF")
    if eof < 0 or eof < len(tail) - _EOF_WINDOW:
        window = max(tail_start, src.size - _EOF_WINDOW)
        return mismatch("pdf_eof_missing", f"No %%EOF marker in the last 2 KiB (from offset {window}): the document "
                        "ends early or its end was overwritten.", window)
    xrefs = list(_STARTXREF.finditer(tail, 0, eof))
    if not xrefs:
        if looks_random(tail[max(0, eof - 4096) : eof]):
            return partial("pdf_startxref_missing", f"No startxref before the %%EOF at offset {tail_start + eof}; "
                           "the bytes before it are uniformly random.", tail_start + max(0, eof - 4096))
        return ok("PDF header and %%EOF intact; no startxref (a reader rebuilds the cross-reference table).")
    first = int(xrefs[-1].group(1))
    if first >= src.size or _locate(src, first) is None:
        if first < src.size and looks_random(src.read(first, 4096)):
            return partial("pdf_startxref_broken", f"startxref points at offset {first}, which now holds uniformly "
                           "random bytes instead of a cross-reference section.", first)
        return ok(f"PDF header and %%EOF intact; startxref ({first}) points at no cross-reference section, which a "
                  "reader repairs (the bytes there are not random).")
    objects, encrypted, complete = _objects(src, first)
    blocks = 0
    try:
        finding = _probe_objects(src, objects)
        if finding is not None:
            return finding
        starts = [offset for _, offset in objects]
        offsets = dict(objects)
        inflate_left = [_INFLATE_CHECKS]
        for at in spread(len(head), tail_start, _BLOCK_PROBES, BLOCK):
            block = src.read(at, BLOCK)
            blocks += 1
            if _TOKENS.search(block) or not looks_random(block):
                continue
            finding = _explain_random_block(src, at, starts, offsets, (encrypted, complete), inflate_left)
            if finding is not None:
                return finding
    except BudgetSpent:
        return ok(f"PDF header, %%EOF and startxref intact; the read budget was spent probing {len(objects)} objects.")
    return ok(f"PDF structure intact: {len(objects)} objects listed, {min(len(objects), _OBJECT_PROBES)} probed, "
              f"{blocks} blocks sampled.")
