"""The version text of a CSAF product branch, read into version ranges where that can be done without guessing.

Real advisories write versions in many ways (vulnerability-intel.md §2.6): `<= 7.2.8.810`, `<12.2.8.410`,
`>= 1.0.0 | <= 1.3.1`, purl vers (`vers:generic/>=1.2|<2.0`, `vers:all/*`), exact lists (`B.02 | C.02`),
`9.x` families, a vendor's product name in front (`FortiOS 7.0.3`), conditions after the version
(`9.x model 35700BAX3`, `<= 1.54 (integrated into GE MobileLink)`), and text that is no version at all
(`<=N`, `Rev B-M`, `< july 1 2017`, `882160 Gemini Dual`).

A version here is one word that starts with a digit or with at most three letters before a digit
(`7.2.8.810`, `B.02`, `20D32`, `R4.1L1`), optionally after `v`; `x` parts are wildcards (`9.x` is
[9, 10), `<= 11.x` is `< 12`). A word without a separator and with four or more digits in a row (`3120`,
`24950`, `A51200`) is taken for a model or part number, not a version. What follows the versions is
kept as the spec's `condition` ("model 35700BAX3") for a person to confirm. Anything else gives kind
"unknown": the matcher then reports the device as "incomparable", never as unaffected.
Versions are compared only through `versions.py`.
"""

from __future__ import annotations

import re
import unicodedata

import msgspec

from mamori.engines.vulns.versions import VersionRange, normalize_version

__all__ = ["ALL_VERSION_WORDS", "CsafVersionSpec", "parse_csaf_version"]

ALL_VERSION_WORDS = frozenset({"*", "all", "all versions", "any", "any version", "every version", "vers:all/*",
                               "すべて", "すべてのバージョン", "全バージョン", "全てのバージョン"})
_OPERATORS = ("<=", ">=", "==", "=", "<", ">")
_VERSION = re.compile(r"v?((?:[a-z]{1,3}[.\-]?)?\d[0-9a-z._\-+~]*)", re.IGNORECASE)
_WILDCARD = re.compile(r"(\d+(?:\.\d+)*)(?:\.x)+", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"\d{4,}")
_BUILD = re.compile(r"\s*,?\s*build\s*(\d+)", re.IGNORECASE)
_WORDED = (  # "2.3.6 and below", "All versions prior to 3.6.7", "7.3.7 より前", "1.2 以前"
    (re.compile(r"^(?:all versions\s+)?(?:prior to|before|earlier than|older than)\s+(.+)$", re.IGNORECASE), "<"),
    (re.compile(r"^(.+?)\s+(?:and|or)\s+(?:below|earlier|prior|older|lower)$", re.IGNORECASE), "<="),
    (re.compile(r"^(.+?)\s*(?:より前|未満)(?:の(?:バージョン|版))?$"), "<"),
    (re.compile(r"^(.+?)\s*以前(?:の(?:バージョン|版))?$"), "<="),
    (re.compile(r"^(.+?)\s*(?:以降|以上)(?:の(?:バージョン|版))?$"), ">="),
)


class CsafVersionSpec(msgspec.Struct, frozen=True, gc=False):
    """What versions a CSAF product covers.

    `kind`: "exact" (every range is one version, `start_including == end_including`), "range", "all"
    (every version) or "unknown" (the text could not be read; `raw` keeps it). `condition` is text after
    the versions that the device must also satisfy ("model 35700BAX3"); a person confirms it.
    """

    kind: str
    ranges: tuple[VersionRange, ...] = ()
    raw: str = ""
    condition: str = ""


def _unknown(raw: str) -> CsafVersionSpec:
    return CsafVersionSpec("unknown", (), raw)


def _clean(text: str, product: str) -> str:
    value = " ".join(unicodedata.normalize("NFKC", text).split())
    name = " ".join(unicodedata.normalize("NFKC", product).split()).casefold()
    if name and value.casefold().startswith(name + " "):
        value = value[len(name) + 1:]
    return value.strip()


def _version(word: str) -> str | None:
    """The word as a version for `versions.py`, or None when it is not one (see the module docstring)."""
    found = _VERSION.fullmatch(word)
    if found is None:
        return None
    value = found.group(1)
    if not re.search(r"[._\-+~]", value) and _DIGIT_RUN.search(value):
        return None
    return normalize_version(value) or None


def _bounds(op: str, word: str) -> VersionRange | None:
    """One constraint as a range; None when `word` is not a version."""
    wild = _WILDCARD.fullmatch(word.removeprefix("v").removeprefix("V"))
    if wild is not None:
        low = wild.group(1)
        parts = low.split(".")
        high = ".".join([*parts[:-1], str(int(parts[-1]) + 1)])
        return {"<=": VersionRange(end_excluding=high), "<": VersionRange(end_excluding=low),
                ">=": VersionRange(start_including=low), ">": VersionRange(start_including=high)}.get(
            op, VersionRange(start_including=low, end_excluding=high))
    version = _version(word)
    if version is None:
        return None
    return {"<=": VersionRange(end_including=version), "<": VersionRange(end_excluding=version),
            ">=": VersionRange(start_including=version), ">": VersionRange(start_excluding=version)}.get(
        op, VersionRange(start_including=version, end_including=version))


def _pair(ranges: list[VersionRange]) -> tuple[VersionRange, ...]:
    """Join a lower bound with the upper bound right after it (`>= 1.0 | <= 1.3` is one range), as vers does."""
    joined: list[VersionRange] = []
    for item in ranges:
        last = joined[-1] if joined else None
        is_upper = item.start_including is None and item.start_excluding is None
        if last is not None and is_upper and last.end_including is None and last.end_excluding is None:
            joined[-1] = VersionRange(last.start_including, last.start_excluding, item.end_including,
                                      item.end_excluding)
        else:
            joined.append(item)
    return tuple(joined)


def _spec(ranges: tuple[VersionRange, ...], raw: str, condition: str = "") -> CsafVersionSpec:
    exact = all(r.start_including is not None and r.start_including == r.end_including for r in ranges)
    return CsafVersionSpec("exact" if exact else "range", ranges, raw, condition)


def _parse_vers(value: str, raw: str) -> CsafVersionSpec:
    """purl vers: `vers:<scheme>/<constraint>|<constraint>…`; `!=` cannot be expressed as ranges."""
    _, _, constraints = value.partition("/")
    if constraints.strip() == "*":
        return CsafVersionSpec("all", (), raw)
    ranges = []
    for constraint in constraints.split("|"):
        text = constraint.strip()
        op = next((o for o in _OPERATORS if text.startswith(o)), "")
        if not text or text.startswith("!="):
            return _unknown(raw)
        found = _bounds(op, text[len(op):].strip())
        if found is None:
            return _unknown(raw)
        ranges.append(found)
    return _spec(_pair(ranges), raw) if ranges else _unknown(raw)


def _take(value: str) -> tuple[str, str, str] | None:
    """The first constraint of `value`: (operator, word, what follows), or None when it is not one."""
    op = next((o for o in _OPERATORS if value.startswith(o)), "")
    rest = value[len(op):].lstrip()
    found = re.match(r"[^\s|(]+", rest)
    if found is None:
        return None
    word = found.group(0)
    tail = rest[found.end():]
    build = _BUILD.match(tail)
    if build is not None and not op:
        word, tail = f"{word}-{build.group(1)}", tail[build.end():]
    return op, word, tail


def _parse_text(value: str, raw: str) -> CsafVersionSpec:
    """CSAF's free text and "vls" (`>= 1.0.0 | <= 1.3.1`), with a condition after the versions."""
    ranges: list[VersionRange] = []
    rest = value
    while True:
        taken = _take(rest)
        if taken is None:
            return _unknown(raw)
        op, word, rest = taken
        found = _bounds(op, word)
        if found is None:
            return _unknown(raw)
        ranges.append(found)
        rest = rest.strip()
        if not rest.startswith("|"):
            break
        rest = rest[1:].strip()
    if rest[:1] in ("<", ">", "="):  # `A10 < A11`: a comparison that is not a constraint
        return _unknown(raw)
    return _spec(_pair(ranges), raw, rest)


def parse_csaf_version(text: str, kind: str, *, product: str = "") -> CsafVersionSpec:
    """Read a product's version text (`CsafProduct.version_text`); `kind` is its `version_kind`.

    `product`, when given, is dropped from the front of the text (Fortinet writes `FortiOS 7.0.3`).
    """
    raw = text
    value = _clean(text, product)
    if not value or kind == "none":
        return _unknown(raw)
    if value.casefold() in ALL_VERSION_WORDS:
        return CsafVersionSpec("all", (), raw)
    if value[:5].casefold() == "vers:":
        return _parse_vers(value, raw)
    head, _, tail = value.partition(" ")
    if head == "*":
        return CsafVersionSpec("all", (), raw, tail.strip())
    for pattern, op in _WORDED:
        worded = pattern.match(value)
        if worded is not None:
            value = f"{op} {worded.group(1).strip()}"
            break
    return _parse_text(value, raw)
