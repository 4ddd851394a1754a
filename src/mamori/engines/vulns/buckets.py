"""The entries of one (vendor, product), arranged so that an asset CPE meets only its candidates.

A much-patched product (Windows, Chrome, the Linux kernel) has thousands of entries. For an asset version
made of numbers only, which is nearly every version, exact-version entries are looked up by version, and
ranges whose bounds are numbers only are checked as integer tuples; everything else goes through `judge`.
The answers are the same as `judge` gives for every entry (the tests check this on real NVD data).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from mamori.engines.vulns.configurations import EntryRef, Found
from mamori.engines.vulns.cpe import ANY, NA, Cpe
from mamori.engines.vulns.matching import Judgement, judge
from mamori.engines.vulns.results import Level, MatchTier, Reason
from mamori.engines.vulns.versions import VersionRange, numeric_key, version_tokens

__all__ = ["PLAN_THRESHOLD", "BucketPlan", "judge_entries", "plan_bucket"]

PLAN_THRESHOLD = 32  # CVEs of one product; smaller buckets are judged entry by entry

Key = tuple[int, ...]
_Range = tuple[Key | None, bool, Key | None, bool, EntryRef]


class BucketPlan(msgspec.Struct, gc=False):
    """Exact numeric versions by key, plain numeric ranges as tuples, and the rest."""

    exact: dict[Key, list[EntryRef]]
    ranges: list[_Range]
    rest: list[EntryRef]


def _bound(first: str | None, second: str | None) -> tuple[bool, Key | None, bool]:
    """(usable, key, inclusive) for one side of a range: at most one bound, numbers only."""
    if first is not None and second is not None:
        return False, None, False
    text = first if first is not None else second
    if text is None:
        return True, None, False
    key = numeric_key(text)
    return key is not None, key, first is not None


def _numeric_range(bounds: VersionRange) -> tuple[Key | None, bool, Key | None, bool] | None:
    ok_low, low, low_inclusive = _bound(bounds.start_including, bounds.start_excluding)
    ok_high, high, high_inclusive = _bound(bounds.end_including, bounds.end_excluding)
    if not (ok_low and ok_high):
        return None
    return low, low_inclusive, high, high_inclusive


def plan_bucket(bucket: Iterable[tuple[EntryRef, ...]]) -> BucketPlan:
    """Arrange the entries of one (vendor, product)."""
    plan = BucketPlan({}, [], [])
    for entries in bucket:
        for entry in entries:
            criteria, bounds = entry.match.cpe, entry.match.bounds
            if bounds is None:
                key = numeric_key(criteria.version) if criteria.version not in (ANY, NA) else None
                if key is None:
                    plan.rest.append(entry)
                else:
                    plan.exact.setdefault(key, []).append(entry)
                continue
            numeric = _numeric_range(bounds) if criteria.update == ANY and criteria.extras_are_any else None
            if numeric is None:
                plan.rest.append(entry)
            else:
                plan.ranges.append((*numeric, entry))
    return plan


def _judge_each(entries: Iterable[EntryRef], cpe: Cpe, found: list[Found]) -> None:
    for entry in entries:
        judgement = judge(entry.match.cpe, entry.match.bounds, cpe)
        if judgement is not None:
            found.append((entry, judgement))


def _prefixes(version: str, own: Key) -> list[Key]:
    """Keys of the releases an asset version continues (`13.0.47` continues `13.0` and `13`), other than its own
    (`6.0.0` continues `6.0`, but both are the key of `6`)."""
    tokens = version_tokens(version) or ()
    keys: list[Key] = []
    for end in range(len(tokens) - 1, 0, -1):
        head = tokens[:end]
        while head and head[-1] == 0:
            head = head[:-1]
        key = tuple(t for t in head if isinstance(t, int))
        if len(key) == len(head) and key != own and key not in keys:
            keys.append(key)
    return keys


def judge_entries(bucket: Iterable[tuple[EntryRef, ...]], plan: BucketPlan | None, cpe: Cpe) -> list[Found]:
    """Every entry of the bucket that covers `cpe`, with its judgement; `plan` is used when it can be."""
    found: list[Found] = []
    key = numeric_key(cpe.version) if plan is not None and cpe.update in (ANY, NA) else None
    if plan is None or key is None:
        for entries in bucket:
            _judge_each(entries, cpe, found)
        return found
    _judge_each(plan.exact.get(key, ()), cpe, found)
    for prefix in _prefixes(cpe.version, key):
        _judge_each(plan.exact.get(prefix, ()), cpe, found)
    part, version = cpe.part, cpe.version
    shared: dict[int, Judgement] = {}  # many CVEs share one range ("< 6.0.16"): one judgement for them all
    for low, low_inclusive, high, high_inclusive, entry in plan.ranges:
        if low is not None and (key < low or (key == low and not low_inclusive)):
            continue
        if high is not None and (key > high or (key == high and not high_inclusive)):
            continue
        criteria = entry.match.cpe
        if criteria.part != part and criteria.part != ANY:
            continue
        bounds = entry.match.bounds
        judgement = shared.get(id(bounds))
        if judgement is None:
            reason = Reason("in_range", (("version", version), ("bounds", bounds)))
            judgement = shared[id(bounds)] = Judgement(MatchTier.EXACT, Level.EXACT, (reason,))
        found.append((entry, judgement))
    _judge_each(plan.rest, cpe, found)
    return found
