"""JVN iPedia's free-text affected versions (`VersionNumber` of the detail feed) as version ranges.

JVN writes versions in Japanese prose: `7.3.7 より前のバージョン` (before), `2.1 およびそれ以前` (up to and
including), `4.0 以降` (from), `1.0 から 1.4` (from–to, both included), `3.0 以上 3.2 未満`, or one version.
The text is NFKC-normalised first (full-width digits and spaces), and a leading `v`, `Ver.`, `Version`
or `バージョン` is dropped. A list (`1.0、1.1 および 1.2`) becomes one range per item.

Anything else gives `()`: the versions are unknown and a hit on the CPE needs a person to confirm it.
So does a version that is not a plain version string: `for EMC Celerra 5.8 (Build 1577) 未満` names an
edition and a build, and `7.x` a series; guessing a range from them could call a vulnerable device safe.
"""

from __future__ import annotations

import re
import unicodedata

from mamori.engines.vulns.versions import VersionRange, normalize_version, version_tokens

__all__ = ["parse_jvn_version_text"]

_VERSION = r"(?:(?:version|ver\.?|バージョン)\s*)?v?[0-9][0-9a-z._+\-]*"
_BEFORE = "より前|未満"
_UP_TO = "以前|以下|(?:および|及び|ならびに|並びに)?それ以前|まで"
_FROM = "以降|以上|から|より後|超"
_TAIL = r"(?:\s*の(?:各)?バージョン)?"
_RANGE = re.compile(rf"(?P<low>{_VERSION})\s*(?P<low_word>{_FROM}|~|〜)\s*(?P<high>{_VERSION})\s*"
                    rf"(?P<high_word>{_BEFORE}|{_UP_TO})?{_TAIL}")
_SINGLE = re.compile(rf"(?P<version>{_VERSION})\s*(?P<word>{_BEFORE}|{_UP_TO}|{_FROM})?{_TAIL}")
_LIST_SEPARATOR = re.compile(r"\s*(?:[、,;]|および|及び|ならびに|並びに)\s*")
_PREFIX = re.compile(r"^(?:version|ver\.?|バージョン)\s*")
_SERIES = re.compile(r"(?:^|[._\-])[x*](?:$|[._\-])")
_EXCLUSIVE_END = frozenset({"より前", "未満"})
_EXCLUSIVE_START = frozenset({"より後", "超"})
_OPEN_TO = frozenset({"から", "~", "〜"})  # "X から Y" with no word after Y includes Y


def _normalized(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).lower()
    return " ".join(value.split()).rstrip("。.")


def _version(raw: str) -> str | None:
    """The version in NVD's form, or None when the text is not a single plain version."""
    value = normalize_version(_PREFIX.sub("", raw))
    if _SERIES.search(value) or version_tokens(value) is None:
        return None
    return value


def _range(text: str) -> VersionRange | None:
    found = _RANGE.fullmatch(text)
    if found is not None:
        low, high = _version(found["low"]), _version(found["high"])
        low_word, high_word = found["low_word"], found["high_word"]
        if low is None or high is None or (high_word is None and low_word not in _OPEN_TO):
            return None
        start = {"start_excluding": low} if low_word in _EXCLUSIVE_START else {"start_including": low}
        end = {"end_excluding": high} if high_word in _EXCLUSIVE_END else {"end_including": high}
        return VersionRange(**start, **end)
    found = _SINGLE.fullmatch(text)
    if found is None:
        return None
    version, word = _version(found["version"]), found["word"]
    if version is None:
        return None
    if word is None:
        return VersionRange(start_including=version, end_including=version)
    if word in _EXCLUSIVE_END:
        return VersionRange(end_excluding=version)
    if word in _EXCLUSIVE_START:
        return VersionRange(start_excluding=version)
    if word in ("以降", "以上", "から"):
        return VersionRange(start_including=version)
    return VersionRange(end_including=version)


def parse_jvn_version_text(text: str) -> tuple[VersionRange, ...]:
    """The ranges a JVN `VersionNumber` text names, or `()` when it cannot be read without guessing.

    `7.3.7 より前のバージョン` → (< 7.3.7,); `1.0 から 1.4` → (>= 1.0, <= 1.4,); `Ver.2.0、2.1` → two exact
    versions; `for NetApp 5.8 (Build 1299) 未満` → ().
    """
    value = _normalized(text)
    if not value:
        return ()
    whole = _range(value)
    if whole is not None:
        return (whole,)
    parts = [part for part in _LIST_SEPARATOR.split(value) if part]
    if len(parts) < 2:
        return ()
    ranges = [_range(part) for part in parts]
    if any(r is None for r in ranges):
        return ()
    return tuple(dict.fromkeys(r for r in ranges if r is not None))
