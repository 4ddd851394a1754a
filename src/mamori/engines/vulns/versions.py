"""Version strings as vendors write them (firmware, appliances, medical devices), compared without guessing.

A version is read as a run of tokens: digit runs (compared as integers) and letter runs (compared
case-insensitively), with every other character a separator, as rpmvercmp does. So `6.0.4 < 6.0.16`,
`20D30 > 20d29`, `B.02 < C.02`, `13.0-47.24 > 13.0-47.4` and `8.2R12.1 > 8.2R9.0`. Trailing zero
components are ignored (`8.3R1.0 == 8.3R1`, `6.0 == 6.0.0`).

Where two versions cannot be ordered with confidence the answer is `VersionOrder.INCOMPARABLE`, never
a guess: a number against a word at the same place (`9.0r3` against `9.0.1`), one version that
continues the other with a word (`20d30` against `20`, `1.0.1a` against `1.0.1`), and text that is
not a version at all (`7.3.7 より前`, `*`, empty). Pre-release words (`alpha`, `beta`, `pre`,
`preview`, `rc`, `dev`) are the exception: `2.0rc1 < 2.0 < 2.0.1`.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import lru_cache
from typing import Literal, NamedTuple, cast

import msgspec

__all__ = [
    "RangeCheck",
    "VersionOrder",
    "VersionRange",
    "compare_release_tail",
    "compare_versions",
    "is_proper_prefix",
    "normalize_version",
    "numeric_key",
    "split_release_update",
    "version_key",
    "version_tokens",
]

Token = int | str
Tokens = tuple[Token, ...]

_ALLOWED = re.compile(r"[0-9a-z._\-+~,;:()/ ]+")
_TOKEN = re.compile(r"\d+|[a-z]+")
_LEADING_V = re.compile(r"^v(?=\d)")
# Pre-release words sort before the release they lead up to; equal rank means the same stage.
_PRE_RELEASE = {"dev": 0, "alpha": 1, "beta": 2, "pre": 3, "preview": 3, "rc": 4}
_FORTINET_BUILD = re.compile(r"[\s,\-_]*\(?build\s*\d+\)?$")
_CITRIX_BUILD = re.compile(r"\s+build\s+")
_GIT_HASH = re.compile(r"-(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{7,40}$")
_SEMVER_METADATA = re.compile(r"\+[0-9a-z.\-]+$")
_RELEASE_UPDATE = re.compile(r"^(\d+(?:\.\d+)*)(r\d+(?:\.\d+)*)$")


class VersionOrder(StrEnum):
    """How version a stands to version b."""

    LESS = "less"
    EQUAL = "equal"
    GREATER = "greater"
    INCOMPARABLE = "incomparable"


def normalize_version(text: str, vendor: str = "") -> str:
    """A vendor's version text in the form NVD writes it: lower case, no leading `v`, no build noise.

    Generic: trims, lower-cases, drops a leading `v` before a digit, semver build metadata (`+…`) and
    a trailing git hash (`1.4.2.0-9d9eff4` → `1.4.2.0`). Fortinet: the build number is not part of a
    FortiOS release in NVD (`v6.0.4,build0231` → `6.0.4`). Citrix: `13.0 build 47.24` → `13.0-47.24`,
    the form NVD uses in its ranges.
    """
    value = " ".join(text.split()).lower()
    value = _LEADING_V.sub("", value)
    vendor = vendor.strip().lower()
    if vendor == "fortinet":
        value = _FORTINET_BUILD.sub("", value)
    elif vendor == "citrix":
        value = _CITRIX_BUILD.sub("-", value)
    value = _SEMVER_METADATA.sub("", value)
    return _GIT_HASH.sub("", value)


def split_release_update(version: str) -> tuple[str, str]:
    """Split an R-release version (Pulse/Ivanti `9.0R3.3`) into NVD's version and update: `("9.0", "r3.3")`.

    Any other version comes back unchanged with an empty update.
    """
    value = normalize_version(version)
    found = _RELEASE_UPDATE.match(value)
    if found is None:
        return version, ""
    return found.group(1), found.group(2)


@lru_cache(maxsize=1 << 18)
def version_tokens(text: str) -> Tokens | None:
    """The tokens of a version as written (no zeros dropped), or None when the text is not a version."""
    value = _LEADING_V.sub("", unicodedata.normalize("NFKC", text).strip().lower())
    if not value or _ALLOWED.fullmatch(value) is None:
        return None
    tokens = tuple(int(t) if t.isdigit() else t for t in _TOKEN.findall(value))
    return tokens or None


@lru_cache(maxsize=1 << 18)
def _parsed(text: str) -> tuple[Tokens, bool] | None:
    """The comparison key (trailing zero numbers dropped) and whether it is all numbers, or None."""
    tokens = version_tokens(text)
    if tokens is None:
        return None
    end = len(tokens)
    while end > 0 and tokens[end - 1] == 0 and (end == 1 or isinstance(tokens[end - 2], int)):
        end -= 1
    key = tokens[:end]
    return key, all(isinstance(t, int) for t in key)


def numeric_key(text: str) -> tuple[int, ...] | None:
    """The comparison key of a version made of numbers only (`6.0.4` → (6, 0, 4)), else None.

    Such keys order exactly as `compare_versions` does, by plain tuple comparison.
    """
    parsed = _parsed(text)
    if parsed is None or not parsed[1]:
        return None
    return cast(tuple[int, ...], parsed[0])  # all numbers, checked when parsed


def version_key(text: str) -> Tokens | None:
    """A key equal for exactly the versions that compare EQUAL (trailing zero numbers dropped), or None."""
    parsed = _parsed(text)
    return None if parsed is None else parsed[0]


def _tail_order(tail: Tokens) -> VersionOrder:
    """How a version that continues another with `tail` stands to it (GREATER means the longer is newer)."""
    for token in tail:
        if isinstance(token, int):
            if token == 0:
                continue
            return VersionOrder.GREATER
        return VersionOrder.LESS if token in _PRE_RELEASE else VersionOrder.INCOMPARABLE
    return VersionOrder.EQUAL


def _flip(order: VersionOrder) -> VersionOrder:
    if order is VersionOrder.GREATER:
        return VersionOrder.LESS
    if order is VersionOrder.LESS:
        return VersionOrder.GREATER
    return order


def _compare_words(x: str, y: str) -> VersionOrder | None:
    """Order two letter runs; None when they are the same stage (`pre` and `preview`)."""
    rank_x, rank_y = _PRE_RELEASE.get(x), _PRE_RELEASE.get(y)
    if rank_x is not None and rank_y is not None:
        if rank_x == rank_y:
            return None
        return VersionOrder.LESS if rank_x < rank_y else VersionOrder.GREATER
    if (rank_x is None) != (rank_y is None):
        return VersionOrder.INCOMPARABLE
    return VersionOrder.LESS if x < y else VersionOrder.GREATER


def _compare_tokens(a: Tokens, b: Tokens) -> VersionOrder:
    for x, y in zip(a, b, strict=False):
        if x == y:
            continue
        if isinstance(x, int) and isinstance(y, int):
            return VersionOrder.LESS if x < y else VersionOrder.GREATER
        if isinstance(x, str) and isinstance(y, str):
            order = _compare_words(x, y)
            if order is None:
                continue
            return order
        # A number against a word: only a pre-release word has a known place (before any number).
        if isinstance(x, str):
            return VersionOrder.LESS if x in _PRE_RELEASE else VersionOrder.INCOMPARABLE
        return VersionOrder.GREATER if y in _PRE_RELEASE else VersionOrder.INCOMPARABLE
    if len(a) == len(b):
        return VersionOrder.EQUAL
    if len(a) > len(b):
        return _tail_order(a[len(b):])
    return _flip(_tail_order(b[len(a):]))


def compare_versions(a: str, b: str) -> VersionOrder:
    """Order version `a` against version `b`; INCOMPARABLE when that cannot be done without guessing."""
    parsed_a, parsed_b = _parsed(a), _parsed(b)
    if parsed_a is None or parsed_b is None:
        return VersionOrder.INCOMPARABLE
    key_a, numeric_a = parsed_a
    key_b, numeric_b = parsed_b
    if key_a == key_b:
        return VersionOrder.EQUAL
    if numeric_a and numeric_b:  # all numbers: tuple order is the answer (the common case, done in C)
        return VersionOrder.LESS if key_a < key_b else VersionOrder.GREATER
    return _compare_tokens(key_a, key_b)


def is_proper_prefix(shorter: str, longer: str) -> bool:
    """True when `longer` continues `shorter` as written (`13.0` → `13.0-47.24`), token by token."""
    head, full = version_tokens(shorter), version_tokens(longer)
    return head is not None and full is not None and len(full) > len(head) and full[: len(head)] == head


def compare_release_tail(version: str, release: str, update: str) -> VersionOrder | None:
    """How the part of `version` after `release` stands to `update`; None when `version` does not continue `release`
    with a word (`9.0r3.3` continues `9.0` with `r3.3`, so against update `r3.3` the answer is EQUAL).

    This reads a vendor's one-string release (Ivanti `9.0R3.3`, Juniper `12.1X46-D10`) against NVD's split
    into version and update.
    """
    head, full = version_tokens(release), version_tokens(version)
    if head is None or full is None or len(full) <= len(head) or full[: len(head)] != head:
        return None
    tail = full[len(head):]
    if not isinstance(tail[0], str):
        return None
    update_key = version_key(update)
    if update_key is None:
        return VersionOrder.INCOMPARABLE
    end = len(tail)
    while end > 1 and tail[end - 1] == 0 and isinstance(tail[end - 2], int):
        end -= 1
    if tail[:end] == update_key:
        return VersionOrder.EQUAL
    return _compare_tokens(tail[:end], update_key)


class RangeCheck(NamedTuple):
    """Whether a version lies in a range; `bound` names the bound that decided (or could not be compared)."""

    verdict: Literal["inside", "outside", "unknown"]
    bound: str


_INSIDE = RangeCheck("inside", "")


class VersionRange(msgspec.Struct, frozen=True, gc=False):
    """NVD's four version bounds of one cpeMatch entry; at least one is set."""

    start_including: str | None = None
    start_excluding: str | None = None
    end_including: str | None = None
    end_excluding: str | None = None

    def __str__(self) -> str:
        parts = []
        if self.start_including is not None:
            parts.append(f">= {self.start_including}")
        if self.start_excluding is not None:
            parts.append(f"> {self.start_excluding}")
        if self.end_including is not None:
            parts.append(f"<= {self.end_including}")
        if self.end_excluding is not None:
            parts.append(f"< {self.end_excluding}")
        return ", ".join(parts)

    def check(self, version: str, update: str = "") -> RangeCheck:
        """Is `version` inside? An update such as `r3.3` is tried as part of the version where that decides."""
        unknown = ""
        for bound, allowed in ((self.start_including, _AT_LEAST), (self.start_excluding, _ABOVE),
                               (self.end_including, _AT_MOST), (self.end_excluding, _BELOW)):
            if bound is None:
                continue
            order = compare_versions(version, bound)
            if order is VersionOrder.INCOMPARABLE and update[:1].isalpha():
                order = compare_versions(version + update, bound)
            if order is VersionOrder.INCOMPARABLE:
                unknown = unknown or bound
            elif order not in allowed:
                return RangeCheck("outside", bound)
        return RangeCheck("unknown", unknown) if unknown else _INSIDE


_AT_LEAST = frozenset({VersionOrder.GREATER, VersionOrder.EQUAL})
_ABOVE = frozenset({VersionOrder.GREATER})
_AT_MOST = frozenset({VersionOrder.LESS, VersionOrder.EQUAL})
_BELOW = frozenset({VersionOrder.LESS})
