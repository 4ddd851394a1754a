"""What every format check shares: the verdicts, a finding, a read-budgeted view of one file, chi-square.

A restored sample file may be gigabytes; a check reads only its head, its tail and a few blocks spread
through it, through `Source`, which refuses to read more than `MAX_BYTES_READ` bytes of one file.
Checks stop probing when the budget is spent (`BudgetSpent`) and judge on what they have read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

__all__ = [
    "BLOCK",
    "MAX_BYTES_READ",
    "RANDOM_CHI2_MAX",
    "BudgetSpent",
    "ContentVerdict",
    "Finding",
    "Source",
    "chi_square",
    "looks_random",
    "mismatch",
    "ok",
    "partial",
    "spread",
]

MAX_BYTES_READ = 1536 * 1024
"""At most this many bytes of one file are read, whatever its size (1.5 MiB)."""

BLOCK = 64 * 1024
"""The size of a sampled block."""

# Chi-square of the 256 byte counts against a uniform distribution, measured on this machine:
#   os.urandom, 8,000 blocks of 64 KiB: min 188, median 254, max 336 (20,000 blocks of 4 KiB: max 352).
#   The statistic of uniform data follows chi-square with 255 degrees of freedom whatever the block size;
#   P(X > 400) is about 2e-8 (Wilson-Hilferty approximation), so random data is called random with certainty.
#   zlib level 1/6/9 output, 64 KiB blocks: Python sources min 283, 10th percentile 324, median 377,
#   max 500 (157 blocks) -- this overlaps random data, so chi-square alone can NOT tell compressed
#   text from encrypted data (as Pont et al. found); CP932 CSV 903-2,001; spreadsheet XML 19,964+;
#   raw photo pixels 3,073+. Pillow PNG IDAT 1,900-2,568; JPEG scan data 5,204-10,770 (q95, q75).
#   At 4 KiB deflated sources and CSV reach 190-250 and deflated pixels 294: small blocks prove even less.
# Hence "random" below means only "could be ciphertext"; a check calls a region encrypted only when the
# format's structure also fails there (or, for uncompressed pixel data and text, cannot be random).
RANDOM_CHI2_MAX = 400.0
"""A block whose chi-square is below this is indistinguishable from uniformly random bytes."""

_CACHED_MIN = 1024  # small reads (chunk and element headers) are not kept: the list of spans stays short


class ContentVerdict(StrEnum):
    """Whether a file's content still matches its type."""

    OK = "ok"
    """The structure matches the type."""
    MISMATCH = "mismatch"
    """The content is no longer the type at all (its signature, or the trailer it cannot open without, is gone)."""
    PARTIAL = "partial"
    """The start and the trailer are intact but a sampled region inside is not: intermittent encryption."""
    UNCHECKED = "unchecked"
    """The type was not validated: unknown extension, empty file."""


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one format check: a verdict, a machine reason code, an English sentence, where."""

    verdict: ContentVerdict
    code: str
    detail: str
    offset: int | None = None


def ok(detail: str) -> Finding:
    """The structure matched."""
    return Finding(ContentVerdict.OK, "ok", detail, None)


def mismatch(code: str, detail: str, offset: int | None) -> Finding:
    """The content is not the type."""
    return Finding(ContentVerdict.MISMATCH, code, detail, offset)


def partial(code: str, detail: str, offset: int | None) -> Finding:
    """A region inside is not the type."""
    return Finding(ContentVerdict.PARTIAL, code, detail, offset)


class BudgetSpent(Exception):
    """The file's read budget is spent: stop probing and judge on what has been read."""


class Source:
    """One file seen through seek/read with a byte budget; repeated reads of a span already read are free."""

    def __init__(self, fileobj: BinaryIO, size: int, budget: int = MAX_BYTES_READ) -> None:
        self._file = fileobj
        self.size = size
        self._left = budget
        self.bytes_read = 0
        self._spans: list[tuple[int, bytes]] = []

    def read(self, offset: int, length: int) -> bytes:
        """The bytes at [offset, offset + length) clipped to the file; fewer only if the file ends early.

        Raises `BudgetSpent` instead of reading past the budget, and lets `OSError` through.
        """
        offset = max(0, offset)
        end = min(offset + max(0, length), self.size)
        if end <= offset:
            return b""
        for start, data in self._spans:
            if start <= offset and end <= start + len(data):
                return data[offset - start : end - start]
        wanted = end - offset
        if wanted > self._left:
            raise BudgetSpent
        self._file.seek(offset)
        parts: list[bytes] = []
        got = 0
        while got < wanted:
            chunk = self._file.read(wanted - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        data = b"".join(parts)
        self._left -= wanted
        self.bytes_read += len(data)
        if wanted >= _CACHED_MIN:
            self._spans.append((offset, data))
        return data

    def can_read(self, length: int) -> bool:
        """Whether `length` more bytes fit in the budget."""
        return length <= self._left


def chi_square(data: bytes) -> float:
    """Pearson's chi-square of the byte values of `data` against a uniform distribution over 256 values."""
    if not data:
        return 0.0
    expected = len(data) / 256
    counts = Counter(data)
    return sum((counts.get(value, 0) - expected) ** 2 for value in range(256)) / expected


def looks_random(data: bytes) -> bool:
    """Whether `data` (at least 4 KiB) is indistinguishable from uniformly random bytes by chi-square."""
    return len(data) >= 4096 and chi_square(data) < RANDOM_CHI2_MAX


def spread(start: int, end: int, count: int, block: int) -> Iterator[int]:
    """Offsets of up to `count` blocks of `block` bytes spread evenly over [start, end), without overlap."""
    span = end - start
    if span < block or count <= 0:
        return
    count = min(count, span // block)
    step = (span - block) / max(1, count - 1) if count > 1 else 0
    seen: set[int] = set()
    for i in range(count):
        offset = start + int(i * step)
        if offset not in seen:
            seen.add(offset)
            yield offset

