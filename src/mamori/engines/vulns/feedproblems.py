"""The problems found in one feed file (KEV, EPSS, CVE JSON 5), collected so the file is refused whole.

Every problem has its place (file, line, field) and a `code`. All are counted, the first 20 are kept, and
the FeedError raised says the first one and how many more there are, as the NVD reader does.
"""

from __future__ import annotations

import re

import msgspec

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.vulns.errors import FeedError

__all__ = [
    "CVE_ID",
    "MAX_PROBLEMS",
    "FeedProblems",
    "decode_utf8",
    "json_syntax_error",
    "line_at",
    "raw_offsets",
    "split_validation_error",
]

# The pattern of the KEV and CVE JSON 5 schemas; [0-9], not \d, which would also take non-ASCII digits.
CVE_ID = re.compile(r"CVE-[0-9]{4}-[0-9]{4,19}")
MAX_PROBLEMS = 20
_BYTE = re.compile(r"\(byte (\d+)\)")
_PATH = re.compile(r" - at `\$(.*)`$")


def line_at(data: bytes | bytearray, offset: int) -> int:
    """The 1-based line number of byte `offset` in `data`."""
    return data.count(b"\n", 0, offset) + 1


def raw_offsets(data: bytes | bytearray, items: list[msgspec.Raw], start: int = 0) -> list[int]:
    """Where each item of a JSON array decoded as `list[msgspec.Raw]` starts in `data`.

    The items are in file order and only whitespace and commas lie between them, so searching for each
    one's exact bytes from the end of the one before finds the item itself.
    """
    offsets = []
    position = start
    for item in items:
        raw = bytes(item)
        position = data.find(raw, position)
        offsets.append(position)
        position += len(raw)
    return offsets


def decode_utf8(data: bytes | bytearray, filename: str, advice: str = "") -> str:
    """`data` as UTF-8 text without its BOM; anything else is refused naming the byte offset and line."""
    bom = 3 if data[:3] == b"\xef\xbb\xbf" else 0
    try:
        return str(memoryview(data)[bom:], "utf-8")
    except UnicodeDecodeError as exc:
        offset = bom + exc.start  # the codec counts from after the BOM
        raise FeedError(f"not UTF-8 text: byte 0x{data[offset]:02x} at offset {offset:,} cannot be decoded{advice}",
                        InputLocation(filename, line_at(data, offset)), code="feed_encoding",
                        params={"byte": offset}) from exc


class FeedProblems:
    """The problems of one file so far; `raise_if_any` refuses the file when there is one."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.kept: list[InputError] = []
        self.count = 0

    def __bool__(self) -> bool:
        return self.count > 0

    def add(self, reason: str, *, code: str, line: int | None = None, field: str | None = None,
            params: dict[str, object] | None = None) -> None:
        """Note one problem at (line, field)."""
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(FeedError(reason, InputLocation(self.filename, line, field), code=code, params=params))

    def add_error(self, error: InputError) -> None:
        """Note a problem that is already an input error (a decoding error, a bad CPE name)."""
        self.count += 1
        if len(self.kept) < MAX_PROBLEMS:
            self.kept.append(error)

    def raise_if_any(self) -> None:
        """Raise one FeedError for the whole file: the first problem, the count of the rest, the first 20."""
        if not self.count:
            return
        first = self.kept[0]
        more = self.count - 1
        suffix = f" (and {more:,} more problem{'s' if more > 1 else ''})" if more else ""
        raise FeedError(first.reason + suffix, first.location, tuple(self.kept), code=first.code,
                        params={**first.params, "more": more})


def split_validation_error(exc: msgspec.ValidationError) -> tuple[str, str]:
    """msgspec's message as (reason, JSON path without the leading `$`, "" for the top)."""
    message = str(exc)
    found = _PATH.search(message)
    return _PATH.sub("", message), found.group(1) if found else ""


def json_syntax_error(exc: msgspec.DecodeError, data: bytes | bytearray, filename: str) -> FeedError:
    """A FeedError for JSON that does not parse (malformed or truncated), with the line it broke on."""
    message = str(exc)
    if message.startswith("Input data was truncated"):
        return FeedError(f"truncated JSON: the data ends at byte {len(data):,} before the document does",
                         InputLocation(filename, line_at(data, len(data))), code="feed_truncated",
                         params={"byte": len(data)})
    found = _BYTE.search(message)
    offset = int(found.group(1)) if found else 0
    return FeedError(message, InputLocation(filename, line_at(data, offset)), code="feed_malformed",
                     params={"byte": offset})


def decode_error(exc: msgspec.DecodeError, data: bytes | bytearray, filename: str,
                 top: str | None = None) -> FeedError:
    """A FeedError for a document msgspec refused: a wrong value at its JSON path (`top` names the document
    itself), or broken JSON at its line."""
    if isinstance(exc, msgspec.ValidationError):
        reason, path = split_validation_error(exc)
        return FeedError(reason, InputLocation(filename, None, "$" + path if path else top), code="feed_bad_value")
    return json_syntax_error(exc, data, filename)
