"""CPE names: parsing the 2.3 formatted string (and the 2.2 URI), attribute matching per NISTIR 7696.

Values are held lower-cased in one canonical form: escapes removed except before `*`, `?` and `\\`
(so an unescaped `*` or `?` inside a value is a wildcard), with `ANY` ("*") and `NA` ("-") as the
two logical values. `Cpe.to_fs()` binds back to the formatted string with the standard quoting, so
`cpe:2.3:a:ibm:sterling_connect\\:direct:4.2.0:…` survives the round trip.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from enum import StrEnum
from urllib.parse import unquote

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.errors import CpeError

__all__ = [
    "ANY",
    "ATTRIBUTES",
    "EXTRA_ATTRIBUTES",
    "NA",
    "PRODUCT_ALIASES",
    "Cpe",
    "Relation",
    "canonical_key",
    "compare_attribute",
    "is_name_match",
    "normalize_name",
    "parse_cpe",
]

ANY = "*"
NA = "-"
ATTRIBUTES = ("part", "vendor", "product", "version", "update", "edition", "language",
              "sw_edition", "target_sw", "target_hw", "other")
EXTRA_ATTRIBUTES = ATTRIBUTES[5:]  # edition … other: neither the index key nor the version
_PARTS = frozenset({"a", "o", "h", ANY})
_FS_PREFIX = "cpe:2.3:"
_URI_PREFIX = "cpe:/"
_UNQUOTED_FS = re.compile(r"[0-9a-z_.\-]")
_PLAIN_FS = re.compile(r"[0-9a-z_.\-*?:]*")  # values that need no quoting when bound
_BAD_CHARACTER = re.compile(r"[\s\x00-\x1f\x7f]")

# Products NVD has renamed; both names index and match as the current one (evidence keeps the original).
PRODUCT_ALIASES: dict[tuple[str, str], tuple[str, str]] = {
    ("pulsesecure", "pulse_connect_secure"): ("ivanti", "connect_secure"),
    ("pulse_secure", "pulse_connect_secure"): ("ivanti", "connect_secure"),
    ("pulse_secure", "connect_secure"): ("ivanti", "connect_secure"),
    ("pulsesecure", "pulse_policy_secure"): ("ivanti", "policy_secure"),
    ("pulse_secure", "pulse_policy_secure"): ("ivanti", "policy_secure"),
}


class Relation(StrEnum):
    """How a source attribute (the feed's criteria) relates to a target attribute (the asset), NISTIR 7696."""

    SUPERSET = "superset"
    SUBSET = "subset"
    EQUAL = "equal"
    DISJOINT = "disjoint"
    UNDEFINED = "undefined"


class Cpe(msgspec.Struct, frozen=True, gc=False):
    """One CPE name: eleven attributes in canonical form (lower case; `*` ANY, `-` NA).

    Frozen and hashable; not tracked by the garbage collector (an index holds millions).
    """

    part: str
    vendor: str
    product: str
    version: str = ANY
    update: str = ANY
    edition: str = ANY
    language: str = ANY
    sw_edition: str = ANY
    target_sw: str = ANY
    target_hw: str = ANY
    other: str = ANY

    @property
    def key(self) -> tuple[str, str]:
        """(vendor, product) under which the name is indexed, renamed products mapped to their current name."""
        return canonical_key(self.vendor, self.product)

    @property
    def extras_are_any(self) -> bool:
        """True when edition, language, sw_edition, target_sw, target_hw and other are all ANY."""
        return (self.edition == ANY and self.language == ANY and self.sw_edition == ANY
                and self.target_sw == ANY and self.target_hw == ANY and self.other == ANY)

    def to_fs(self) -> str:
        """The CPE 2.3 formatted string."""
        plain = ":".join((self.part, self.vendor, self.product, self.version, self.update, self.edition,
                          self.language, self.sw_edition, self.target_sw, self.target_hw, self.other))
        if plain.count(":") == 10 and _PLAIN_FS.fullmatch(plain):
            return _FS_PREFIX + plain
        return _FS_PREFIX + ":".join(_bind_fs(getattr(self, name)) for name in ATTRIBUTES)

    def __str__(self) -> str:
        return self.to_fs()


def _location(location: InputLocation | None) -> InputLocation:
    return location or InputLocation()


def _bind_fs(value: str) -> str:
    if value in (ANY, NA):
        return value
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            out.append("\\" + next(chars, "\\"))
        elif char in "*?" or _UNQUOTED_FS.fullmatch(char) or (not char.isascii() and char.isalnum()):
            out.append(char)
        else:
            out.append("\\" + char)
    return "".join(out)


def _canonical(raw: str, name: str, text: str, location: InputLocation | None) -> str:
    """One FS component in canonical form (see the module docstring)."""
    if raw in (ANY, NA):
        return raw
    if not raw:
        raise CpeError(f"empty {name} in CPE name {text!r}", _location(location))
    if "\\" not in raw:
        return sys.intern(raw)
    out: list[str] = []
    index = 0
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            if index + 1 == len(raw):
                raise CpeError(f"{name} ends with a lone backslash in CPE name {text!r}", _location(location))
            quoted = raw[index + 1]
            out.append("\\" + quoted if quoted in "*?\\" else quoted)
            index += 2
        else:
            out.append(char)
            index += 1
    value = "".join(out)
    return "\\-" if value == NA else sys.intern(value)


def _split_fs(text: str) -> list[str]:
    if "\\" not in text:
        return text.split(":")
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            current.append(char)
            escaped = True
        elif char == ":":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _parse_fs(text: str, location: InputLocation | None) -> Cpe:
    parts = _split_fs(text)
    if not 5 <= len(parts) <= 13:
        raise CpeError(f"not a CPE 2.3 name (expected 13 parts, found {len(parts)}): {text!r}", _location(location))
    parts.extend([ANY] * (13 - len(parts)))
    values = [_canonical(raw, name, text, location) for raw, name in zip(parts[2:], ATTRIBUTES, strict=True)]
    return Cpe(*values)


def _uri_value(raw: str, name: str, text: str, location: InputLocation | None) -> str:
    if raw == "":
        return ANY
    if raw == NA:
        return NA
    if "%" in raw and re.search(r"%(?![0-9a-f]{2})", raw):
        raise CpeError(f"bad percent escape in {name} of CPE name {text!r}", _location(location))
    out: list[str] = []
    for piece in re.split(r"(%0[12])", raw):
        if piece == "%01":
            out.append("?")
        elif piece == "%02":
            out.append("*")
        else:
            decoded = unquote(piece)
            out.append("".join("\\" + c if c in "*?\\" else c for c in decoded))
    value = "".join(out)
    return "\\-" if value == NA else sys.intern(value)


def _parse_uri(text: str, location: InputLocation | None) -> Cpe:
    parts = text[len(_URI_PREFIX):].split(":")
    if not 1 <= len(parts) <= 7 or not parts[0]:
        raise CpeError(f"not a CPE 2.2 URI (expected 1 to 7 parts): {text!r}", _location(location))
    parts.extend([""] * (7 - len(parts)))
    edition = parts[5]
    packed = ["", "", "", ""]
    if edition.startswith("~"):
        unpacked = edition.split("~")
        if len(unpacked) != 6:
            raise CpeError(f"packed edition must have 5 parts in CPE 2.2 URI {text!r}", _location(location))
        edition, packed = unpacked[1], unpacked[2:]
    names = ("part", "vendor", "product", "version", "update", "edition", "language")
    values = [_uri_value(raw, name, text, location) for raw, name in zip(
        (*parts[:5], edition, parts[6]), names, strict=True)]
    extra = [_uri_value(raw, name, text, location) for raw, name in zip(packed, ATTRIBUTES[7:], strict=True)]
    return Cpe(*values, *extra)


def parse_cpe(text: str, location: InputLocation | None = None) -> Cpe:
    """Parse a CPE 2.3 formatted string (`cpe:2.3:…`) or a CPE 2.2 URI (`cpe:/…`, as JVN writes them).

    A formatted string may omit trailing attributes (they are ANY) but needs part, vendor and product.
    Raises CpeError (code `cpe_invalid`, params `text`) with `location` in front of the reason.
    """
    try:
        return _parse(text, location)
    except CpeError as exc:
        exc.params.setdefault("text", text)
        raise


def _parse(text: str, location: InputLocation | None) -> Cpe:
    value = text.strip().lower()
    if _BAD_CHARACTER.search(value):
        raise CpeError(f"CPE name contains whitespace or a control character: {text!r}", _location(location))
    if value.startswith(_FS_PREFIX):
        cpe = _parse_fs(value, location)
    elif value.startswith(_URI_PREFIX):
        cpe = _parse_uri(value, location)
    else:
        raise CpeError(f"not a CPE name (expected 'cpe:2.3:' or 'cpe:/'): {text!r}", _location(location))
    if cpe.part not in _PARTS:
        raise CpeError(f"part must be a, o or h, not {cpe.part!r}: {text!r}", _location(location))
    return cpe


def _has_wildcard(value: str) -> bool:
    if "*" not in value and "?" not in value:
        return False
    escaped = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "*?":
            return True
    return False


def _wildcard_pattern(value: str) -> re.Pattern[str]:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char == "\\":
            out.append(re.escape(next(chars, "\\")))
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        else:
            out.append(re.escape(char))
    return re.compile("".join(out), re.DOTALL)


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def compare_attribute(source: str, target: str) -> Relation:
    """NISTIR 7696 attribute comparison (Table 6-2) of canonical values."""
    if target not in (ANY, NA) and _has_wildcard(target):
        return Relation.UNDEFINED
    if source == target:
        return Relation.EQUAL
    if source == ANY:
        return Relation.SUPERSET
    if target == ANY:
        return Relation.SUBSET
    if target == NA or source == NA:
        return Relation.DISJOINT
    if _has_wildcard(source) and _wildcard_pattern(source).fullmatch(_unescape(target)):
        return Relation.SUPERSET
    return Relation.DISJOINT


def is_name_match(source: Cpe, target: Cpe) -> bool:
    """True when every attribute of `source` is a SUPERSET of or EQUAL to `target` (NISTIR 7696 name match)."""
    matching = (Relation.SUPERSET, Relation.EQUAL)
    return all(compare_attribute(getattr(source, name), getattr(target, name)) in matching for name in ATTRIBUTES)


def normalize_name(text: str) -> str:
    """A vendor or product name as a CPE attribute: NFKC, lower case, spaces to `_` (`Mirth Connect` becomes
    `mirth_connect`)."""
    value = unicodedata.normalize("NFKC", text).strip().lower()
    value = re.sub(r"\s+", "_", value)
    return sys.intern(re.sub(r"_+", "_", value))


def canonical_key(vendor: str, product: str) -> tuple[str, str]:
    """(vendor, product) with renamed products mapped to their current NVD name."""
    return PRODUCT_ALIASES.get((vendor, product), (vendor, product))
