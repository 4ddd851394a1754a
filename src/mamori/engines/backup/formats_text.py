"""Check of text files: CSV, logs, XML, HL7 and the like, in UTF-8, UTF-16 (with a BOM), CP932, EUC-JP, cp1252.

Blocks of 4 KiB are sampled (the first 64 KiB, 64 blocks spread through the middle, the last 64 KiB);
each must decode in one of the file's candidate encodings -- a block edge may cut a multibyte character,
so up to 3 bytes are dropped at each inner edge and at the end of the file (a log backed up while being
written) -- and hold few control characters. Ciphertext decodes in none of them. Chi-square only names
the failure ("text_high_entropy_block" when the block is also uniformly random). A failing first block
means the file is not text (MISMATCH); a failing later block after a good start is intermittent
encryption (PARTIAL). Text has no trailer, so a file cut short is not detected.

A block may decode in a different candidate than the first block: Japanese logs often mix UTF-8 and
CP932 lines, and telling them apart is not the point here.
"""

from __future__ import annotations

from mamori.engines.backup.probe import Finding, Source, looks_random, mismatch, ok, partial, spread

__all__ = ["check_text"]

_BLOCK = 4096
_EDGE = 64 * 1024
_MIDDLE_BLOCKS = 64
# cp1252 and latin-1 come last for Western European text (a vendor's log, an XML file in ISO-8859-1): latin-1
# decodes anything, but ciphertext read as latin-1 is about 20% control characters and fails the count.
_CANDIDATES = ("utf-8", "cp932", "euc_jp", "cp1252", "latin-1")
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Tab, LF, VT, FF, CR; NUL (zero-filled regions are not ciphertext); SUB (DOS end of file); ESC (ISO-2022-JP);
# FS, GS, RS, US (HL7 MLLP framing and EDI separators).
_ALLOWED = frozenset("\t\n\v\f\r\x00\x1a\x1b\x1c\x1d\x1e\x1f")
_CONTROLS_MAX = 0.02


def _controls(text: str) -> int:
    return sum(1 for char in text if (char < " " and char not in _ALLOWED) or "\x7f" <= char <= "\x9f")


def _decode(block: bytes, encoding: str, cut_start: bool, cut_end: bool) -> str | None:
    """The block decoded, dropping up to 3 bytes (1 code unit in UTF-16) at an edge that may cut a character."""
    step = 2 if encoding.startswith("utf-16") else 1
    starts = range(0, 4, step) if cut_start else (0,)
    ends = range(0, 4, step) if cut_end else (0,)
    for drop_start in starts:
        for drop_end in ends:
            try:
                return block[drop_start : len(block) - drop_end].decode(encoding)
            except UnicodeDecodeError:
                continue
    return None


def _readable(block: bytes, encoding: str, cut_start: bool, cut_end: bool) -> bool:
    text = _decode(block, encoding, cut_start, cut_end)
    return text is not None and _controls(text) <= _CONTROLS_MAX * max(1, len(text))


def _offsets(size: int, align: int) -> list[int]:
    edge = [*range(0, min(size, _EDGE), _BLOCK), *range(max(_EDGE, size - _EDGE), size, _BLOCK)]
    middle = spread(_EDGE, size - _EDGE, _MIDDLE_BLOCKS, _BLOCK)
    return sorted({offset - offset % align for offset in (*edge, *middle)})


def check_text(src: Source) -> Finding:
    """Whether sampled blocks of a text file still decode as text."""
    head = src.read(0, 4)
    bom, candidates = 0, tuple[str, ...](_CANDIDATES)
    for mark, encoding in _BOMS:
        if head.startswith(mark):
            bom, candidates = len(mark), (encoding,)
            break
    align = 2 if candidates[0].startswith("utf-16") else 1
    used: dict[str, int] = {}
    offsets = _offsets(src.size, align)
    for offset in offsets:
        start = max(offset, bom)
        block = src.read(start, offset + _BLOCK - start)
        cut_end = True  # a block edge, or the end of a file copied while it was written, may cut a character
        fits = [enc for enc in candidates if _readable(block, enc, start > bom, cut_end)]
        if fits:
            used[fits[0]] = used.get(fits[0], 0) + 1
            continue
        decodes = any(_decode(block, enc, start > bom, cut_end) is not None for enc in candidates)
        if looks_random(block):
            code, what = "text_high_entropy_block", "is uniformly random bytes"
        elif decodes:
            code, what = "text_control_characters", "holds too many control characters for text"
        else:
            code, what = "text_undecodable", f"decodes as text in none of {', '.join(candidates)}"
        if offset == 0:
            return mismatch(code, f"The start of the file (offset 0) {what}: it is not text.", 0)
        return partial(code, f"The {len(block)}-byte block at offset {start} {what}, after a readable start.", start)
    encodings = ", ".join(f"{enc} ({count} blocks)" for enc, count in used.items())
    return ok(f"Text: {len(offsets)} blocks of up to {_BLOCK} bytes sampled, all readable: {encodings or 'none'}.")
