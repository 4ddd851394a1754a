"""Vendor and product names in the form the CSAF name matcher compares them.

Vendors: NFKC (full-width to half-width), accents dropped, case folded, parentheses and punctuation
removed, corporate suffixes dropped from the end ("Inc.", "Co., Ltd.", "Corporation", "GmbH", "AG",
"株式会社", a trailing "Japan"), then a small explicit alias table (`VENDOR_ALIASES`). A name that
joins several vendors ("Silex Technology and GE Healthcare", "Hillrom and ELI, Baxter International
Inc.") stands for each of them. No similarity measure: two vendors match only when a key is equal.

Products: the same folding, hyphens and apostrophes inside a word dropped ("Point-of-Care" is
"pointofcare", "MMT-1710" is "mmt1710"), the vendor's own name dropped from the front ("BD Alaris
Systems Manager" is "alaris systems manager"). Each advisory product gives one or more forms: the name
without parentheses, a trailing acronym in parentheses ("Patient Information Center iX (PICiX)" also
gives "picix"), each alternative of "a/b" words, and the part before ", not including …" (with what is
excluded kept for the reason). A form's required tokens are its tokens less generic words ("patient",
"monitor", "system", …) and the vendor's name, unless nothing else is left; those that are model codes
(letters and digits, "CMS8000") also match on their own, as the advisory's model. Model ranges
(`MX400-MX850`, `MP2-MP90`, `MX400-850`) and digit wildcards (`IGS 5x0`) are kept apart and need a
device token inside them.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from functools import lru_cache

import msgspec

__all__ = [
    "GENERIC_WORDS",
    "VENDOR_ALIASES",
    "DeviceName",
    "ModelPattern",
    "ProductForm",
    "device_name",
    "fold",
    "product_forms",
    "vendor_keys",
    "vendor_spellings",
]

# canonical key → spellings (any case, with or without suffixes); the key is how the index files a vendor.
VENDOR_ALIASES: dict[str, tuple[str, ...]] = {
    "bd": ("BD", "Becton, Dickinson and Company", "Becton Dickinson", "Becton Dickinson and Co",
           "日本ベクトン・ディッキンソン", "ベクトン・ディッキンソン"),
    "philips": ("Philips", "Koninklijke Philips", "Koninklijke Philips N.V.", "Royal Philips", "Philips Healthcare",
                "Philips Medical Systems", "Phillips", "フィリップス", "フィリップス・ジャパン"),
    "ge healthcare": ("GE Healthcare", "GE HealthCare", "GE HealthCare Technologies", "General Electric", "GE",
                      "GE Medical Systems", "GEヘルスケア", "GEヘルスケア・ジャパン", "ジーイーヘルスケア"),
    "baxter": ("Baxter", "Baxter International", "Baxter Healthcare", "バクスター"),
    "softneta": ("Softneta", "Softneta UAB"),
    "contec": ("Contec", "Contec Medical Systems", "Contec Medical", "Contec Health"),
    "fortinet": ("Fortinet", "Fortinet PSIRT", "フォーティネット"),
    "b braun": ("B. Braun", "B. Braun Medical", "B. Braun Melsungen", "ビー・ブラウン"),
    "drager": ("Dräger", "Draeger", "Drägerwerk", "ドレーゲル"),
    "hillrom": ("Hillrom", "Hill-Rom"),
    "medtronic": ("Medtronic", "日本メドトロニック", "メドトロニック"),
    "siemens healthineers": ("Siemens Healthineers", "Siemens Healthcare", "シーメンスヘルスケア"),
}
GENERIC_WORDS = frozenset({
    "a", "all", "an", "and", "app", "application", "device", "devices", "family", "firmware", "for", "machine",
    "model", "models", "module", "modules", "monitor", "monitoring", "monitors", "of", "only", "patient",
    "platform", "product", "products", "pump", "pumps", "series", "software", "suite", "system", "systems",
    "the", "unit", "units", "version", "versions", "with"})
_SUFFIXES = frozenset({"ab", "ag", "and", "co", "company", "corp", "corporation", "gmbh", "inc", "incorporated",
                       "japan", "kg", "kk", "limited", "llc", "ltd", "nv", "oy", "plc", "pty", "sa", "spa", "srl",
                       "ジャパン"})
_COMPANY_WORDS = re.compile(r"株式会社|有限会社|合同会社|\(株\)|（株）")
_PARENS = re.compile(r"\([^()]*\)")
_TRAILING_ACRONYM = re.compile(r"\(([^()\s]{2,16})\)\s*$")
_JOINERS = re.compile(r"(?<=[^\W_])[-'’](?=[^\W_])")
_TOKEN = re.compile(r"[^\W_]+")
_VENDOR_SPLIT = re.compile(r",|;|\s+and\s+|\s*&\s*|/")
_MODEL_RANGE = re.compile(r"\b([a-z]+)(\d+)\s*-\s*([a-z]*)(\d+)\b")
_DIGIT_WILDCARD = re.compile(r"^(\d+)x(\d*)$")
_MODEL_CODE = re.compile(r"^(?=.{4,}$)(?=.*\d)(?=.*[a-z])[a-z0-9]+$")  # letters and digits, 4 or more
_MODEL_TOKEN = re.compile(r"^([a-z]*)(\d+)([a-z]*)$")
_NOT_INCLUDING = re.compile(r",?\s*(?:not including|excluding|except)\s+(.+)$", re.IGNORECASE)
_SLASHED = re.compile(r"([^\W_]+(?:/[^\W_]+)+)")
_MAX_FORMS = 8


def fold(text: str) -> str:
    """NFKC, accents dropped, case folded, whitespace collapsed."""
    value = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFC", value).casefold().split())


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(sys.intern(t) for t in _TOKEN.findall(_JOINERS.sub("", text)))


def _vendor_key(text: str) -> str:
    tokens = list(_tokens(_PARENS.sub(" ", _COMPANY_WORDS.sub(" ", fold(text)))))
    while len(tokens) > 1 and tokens[-1] in _SUFFIXES:
        tokens.pop()
    return " ".join(t for t in tokens if t not in _SUFFIXES or len(tokens) == 1)


_ALIAS: dict[str, str] = {_vendor_key(s): key for key, spellings in VENDOR_ALIASES.items() for s in spellings}


@lru_cache(maxsize=1 << 14)
def vendor_keys(name: str) -> frozenset[str]:
    """The keys a vendor name is filed under: its alias key, or its own, plus those of each vendor it joins."""
    whole = _vendor_key(name)
    if not whole:
        return frozenset()
    if whole in _ALIAS:
        return frozenset({_ALIAS[whole]})
    keys = {whole}
    acronym = _TRAILING_ACRONYM.search(fold(name))
    if acronym is not None and _vendor_key(acronym.group(1)):  # "Natus Medical, Inc. (Natus)"
        keys.add(_ALIAS.get(_vendor_key(acronym.group(1)), _vendor_key(acronym.group(1))))
    for part in _VENDOR_SPLIT.split(_PARENS.sub(" ", fold(name))):
        key = _vendor_key(part)
        if key and key not in _SUFFIXES:
            keys.add(_ALIAS.get(key, key))
    return frozenset(keys)


@lru_cache(maxsize=1 << 14)
def vendor_spellings(keys: frozenset[str], name: str) -> tuple[tuple[str, ...], ...]:
    """Token runs that name the vendor at the front of a product name, longest first."""
    runs = {_tokens(fold(s)) for key in keys for s in VENDOR_ALIASES.get(key, ())}
    runs.update(_tokens(k) for k in keys)
    runs.add(_tokens(_PARENS.sub(" ", fold(name))))
    return tuple(sorted((r for r in runs if r), key=len, reverse=True))


def _drop_vendor(tokens: tuple[str, ...], spellings: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    for run in spellings:
        if len(run) < len(tokens) and tokens[:len(run)] == run:
            return tokens[len(run):]
    return tokens


class ModelPattern(msgspec.Struct, frozen=True, gc=False):
    """Models an advisory names as a range (`mx400-mx850`: prefix "mx", 400 to 850) or a digit wildcard (`5x0`)."""

    text: str
    prefix: str
    low: int = 0
    high: int = 0
    wildcard: str = ""  # a regex for digit wildcards

    def covers(self, model: tuple[str, int, str, str]) -> bool:
        prefix, number, _suffix, token = model
        if self.wildcard:
            return re.fullmatch(self.wildcard, token) is not None
        return prefix == self.prefix and self.low <= number <= self.high


class ProductForm(msgspec.Struct, frozen=True, gc=False):
    """One way an advisory names a product, ready to be compared with device names."""

    tokens: tuple[str, ...]  # all tokens, for the name_exact test
    required: frozenset[str]
    model_codes: frozenset[str] = frozenset()  # required tokens that are model codes ("cms8000", "mx100")
    models: tuple[ModelPattern, ...] = ()
    excluded: str = ""  # "not including …" text


class DeviceName(msgspec.Struct, frozen=True, gc=False):
    """A device name as tokens; `extended` adds adjacent tokens joined ("Med Dream" also gives "meddream")."""

    tokens: tuple[str, ...]
    extended: frozenset[str]
    models: tuple[tuple[str, int, str, str], ...]  # (letters, number, letters, token) of tokens like "mx450"


def _patterns(text: str) -> tuple[str, list[ModelPattern]]:
    patterns: list[ModelPattern] = []

    def keep(found: re.Match[str]) -> str:
        prefix, low, other, high = found.groups()
        if other and other != prefix:
            return found.group(0)  # not a simple range: its tokens stay required
        patterns.append(ModelPattern(found.group(0), prefix, int(low), int(high)))
        return " "

    return _MODEL_RANGE.sub(keep, text), patterns


def _form(text: str, spellings: tuple[tuple[str, ...], ...], excluded: str) -> ProductForm | None:
    rest, patterns = _patterns(text)
    tokens = _drop_vendor(_tokens(rest), spellings)
    required = set()
    for token in tokens:
        wild = _DIGIT_WILDCARD.match(token)
        if wild is not None:
            patterns.append(ModelPattern(token, "", wildcard=rf"{wild.group(1)}\d{wild.group(2)}"))
        else:
            required.add(token)
    vendor_words = {run[0] for run in spellings if len(run) == 1}
    distinctive = {t for t in required if t not in GENERIC_WORDS and t not in vendor_words}
    if not required and not patterns:
        return None
    all_tokens = _drop_vendor(_tokens(text), spellings)
    codes = frozenset(t for t in distinctive if _MODEL_CODE.match(t))
    return ProductForm(all_tokens, frozenset(distinctive or required), codes, tuple(patterns), excluded)


def _texts(name: str) -> list[tuple[str, str]]:
    """(text, excluded) pairs: the name's forms before tokenising."""
    written = " ".join(name.split())
    excluded = ""
    cut = _NOT_INCLUDING.search(written)
    if cut is not None:
        written, excluded = written[:cut.start()], cut.group(1)
    value = fold(written)
    base = _PARENS.sub(" ", value)
    texts = [base]
    acronym = _TRAILING_ACRONYM.search(value)
    raw = _TRAILING_ACRONYM.search(written)
    if acronym is not None and raw is not None and sum(c.isupper() for c in raw.group(1)) >= 2:
        texts.append(acronym.group(1))
    slashed = _SLASHED.search(base)
    if slashed is not None:
        for alternative in slashed.group(1).split("/")[:_MAX_FORMS]:
            texts.append(base[:slashed.start()] + alternative + base[slashed.end():])
    return [(t, excluded) for t in dict.fromkeys(texts)]


@lru_cache(maxsize=1 << 16)
def product_forms(name: str, vendor_key_set: frozenset[str], vendor: str) -> tuple[ProductForm, ...]:
    """The forms of an advisory's product name (see the module docstring)."""
    spellings = vendor_spellings(vendor_key_set, vendor)
    forms = (_form(text, spellings, excluded) for text, excluded in _texts(name))
    return tuple(dict.fromkeys(f for f in forms if f is not None))


@lru_cache(maxsize=1 << 16)
def device_name(name: str, vendor_key_set: frozenset[str], vendor: str) -> DeviceName:
    """A device's name as the matcher compares it (its vendor dropped from the front)."""
    tokens = _drop_vendor(_tokens(_PARENS.sub(" ", fold(name)) + " " + " ".join(
        m.group(0)[1:-1] for m in _PARENS.finditer(fold(name)))), vendor_spellings(vendor_key_set, vendor))
    extended = set(tokens)
    for size in (2, 3):
        extended.update("".join(tokens[i:i + size]) for i in range(len(tokens) - size + 1))
    models = []
    for token in tokens:
        found = _MODEL_TOKEN.match(token)
        if found is not None:
            models.append((found.group(1), int(found.group(2)), found.group(3), token))
    return DeviceName(tokens, frozenset(extended), tuple(models))
