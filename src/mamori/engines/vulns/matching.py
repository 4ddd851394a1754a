"""Does one feed criteria cover one CPE of an asset? Exact, possible (要確認, needs confirmation), or no.

NVD semantics (NISTIR 7696 attribute matching plus NVD's four version bounds), with Mamori's rules:

- Where the answer depends on something the data does not say, the match is `possible` with the
  reason: the asset's version or update is not recorded (NISTIR's SUBSET, which a strict matcher
  drops); a version cannot be compared; the record names only a release line such as Citrix `13.0`
  while the asset runs build `13.0-47.24`; the record lists the product without a version (`-`).
  Such a match is never silently counted as exact, nor silently dropped.
- An asset version written as one string (`9.0R3.3`) matches NVD's split into version `9.0` and update
  `r3.3` (and the other way round), and updates compare as versions (`r1.0` equals `r1`).
- A hardware model recorded without a version matches NVD's hardware entry, which never has one.
"""

from __future__ import annotations

import msgspec

from mamori.engines.vulns.cpe import ANY, EXTRA_ATTRIBUTES, NA, Cpe, Relation, compare_attribute
from mamori.engines.vulns.results import Level, MatchTier, Reason
from mamori.engines.vulns.versions import (
    VersionOrder,
    VersionRange,
    compare_release_tail,
    compare_versions,
    is_proper_prefix,
)

__all__ = ["Judgement", "judge"]

_EXACT = MatchTier.EXACT
_POSSIBLE = MatchTier.POSSIBLE
_Verdict = tuple[MatchTier, Reason] | None
_UPDATE_OK = (_EXACT, Reason("all_versions"))  # placeholder reason: an update check never supplies the reason


class Judgement(msgspec.Struct, frozen=True, gc=False):
    """The answer for one criteria against one asset CPE: tier (and its level) with the reasons, first the one
    that decided the tier."""

    tier: MatchTier
    level: Level
    reasons: tuple[Reason, ...]

    @property
    def code(self) -> str:
        """The code of the reason that decided the tier."""
        return self.reasons[0].code

    @property
    def reason(self) -> str:
        """The reasons as English text."""
        return "; ".join(r.text for r in self.reasons)


def _judge_update(criteria: Cpe, target: Cpe) -> _Verdict:
    wanted, have = criteria.update, target.update
    if wanted in (ANY, have):
        return _UPDATE_OK
    if wanted == NA:
        if have == ANY:
            return _POSSIBLE, Reason("update_unknown", (("record_update", "- (none)"),))
        return None
    if have == ANY:
        return _POSSIBLE, Reason("update_unknown", (("record_update", wanted),))
    if have == NA:
        return None
    order = compare_versions(have, wanted)
    if order is VersionOrder.EQUAL:
        return _UPDATE_OK
    if order is VersionOrder.INCOMPARABLE:
        return _POSSIBLE, Reason("update_incomparable", (("update", have), ("record_update", wanted)))
    return None


def _judge_range(bounds: VersionRange, criteria: Cpe, target: Cpe) -> _Verdict:
    have = target.version
    if have in (ANY, NA):
        return _POSSIBLE, Reason("version_unknown", (("wanted", bounds),))
    check = bounds.check(have, "" if target.update in (ANY, NA) else target.update)
    if check.verdict == "outside":
        return None
    update = _judge_update(criteria, target)
    if update is None:
        return None
    if check.verdict == "unknown":
        return _POSSIBLE, Reason("bound_incomparable", (("version", have), ("bound", check.bound), ("bounds", bounds)))
    if update[0] is _POSSIBLE:
        return update
    return _EXACT, Reason("in_range", (("version", have), ("bounds", bounds)))


def _judge_continuation(criteria: Cpe, target: Cpe) -> tuple[bool, _Verdict]:
    """The asset's version continues the record's (or the other way round): builds and one-string updates.

    Returns (decided, verdict); not decided means the versions are simply different or incomparable.
    """
    wanted, have = criteria.version, target.version
    if criteria.update not in (ANY, NA):
        order = compare_release_tail(have, wanted, criteria.update)
        args = (("version", have), ("record_version", wanted), ("record_update", criteria.update))
        if order is VersionOrder.EQUAL:
            return True, (_EXACT, Reason("update_in_version", args))
        if order is VersionOrder.INCOMPARABLE:
            return True, (_POSSIBLE, Reason("update_incomparable", (("update", have), ("record_update",
                                                                                         criteria.update))))
        return order is not None, None
    if target.update not in (ANY, NA) and compare_release_tail(wanted, have, target.update) is VersionOrder.EQUAL:
        return True, (_EXACT, Reason("version_in_update", (("version", have), ("update", target.update),
                                                            ("record_version", wanted))))
    if is_proper_prefix(wanted, have):
        return True, (_POSSIBLE, Reason("record_less_specific", (("record_version", wanted), ("version", have))))
    return False, None


def _judge_exact_version(criteria: Cpe, target: Cpe) -> _Verdict:
    wanted, have = criteria.version, target.version
    if have == ANY:
        return _POSSIBLE, Reason("version_unknown", (("wanted", wanted),))
    if have == NA:
        return None
    if have != wanted and compare_versions(have, wanted) is not VersionOrder.EQUAL:
        decided, verdict = _judge_continuation(criteria, target)
        if decided:
            return verdict
        if compare_versions(have, wanted) is VersionOrder.INCOMPARABLE:
            return _POSSIBLE, Reason("version_incomparable", (("version", have), ("record_version", wanted)))
        return None
    update = _judge_update(criteria, target)
    if update is None or update[0] is _POSSIBLE:
        return update
    if criteria.update not in (ANY, NA):
        return _EXACT, Reason("update_equal", (("version", have), ("update", target.update)))
    return _EXACT, Reason("version_equal", (("version", have),))


def _judge_version(criteria: Cpe, bounds: VersionRange | None, target: Cpe) -> _Verdict:
    if bounds is not None:
        return _judge_range(bounds, criteria, target)
    wanted, have = criteria.version, target.version
    if wanted == NA:
        if have == NA or (have == ANY and target.part == "h"):
            return _EXACT, Reason("no_version")
        if have == ANY:
            return _POSSIBLE, Reason("version_unknown", (("wanted", "no version ('-')"),))
        return _POSSIBLE, Reason("record_without_version", (("version", have),))
    if wanted != ANY:
        return _judge_exact_version(criteria, target)
    update = _judge_update(criteria, target)
    if update is None or update[0] is _POSSIBLE:
        return update
    return _EXACT, Reason("all_versions")


def _judge_extras(criteria: Cpe, target: Cpe) -> list[Reason] | None:
    doubts: list[Reason] = []
    for name in EXTRA_ATTRIBUTES:
        wanted, have = getattr(criteria, name), getattr(target, name)
        relation = compare_attribute(wanted, have)
        if relation is Relation.DISJOINT:
            return None
        if relation is Relation.SUBSET:
            doubts.append(Reason("attribute_unknown", (("attribute", name), ("value", wanted))))
        elif relation is Relation.UNDEFINED:
            doubts.append(Reason("attribute_incomparable", (("attribute", name), ("asset_value", have),
                                                             ("value", wanted))))
    return doubts


def _same_product(criteria: Cpe, target: Cpe) -> bool:
    if criteria.vendor == target.vendor and criteria.product == target.product:
        return True
    if criteria.key == target.key:
        return True
    return all(compare_attribute(getattr(criteria, n), getattr(target, n)) in (Relation.SUPERSET, Relation.EQUAL)
               for n in ("vendor", "product"))


def judge(criteria: Cpe, bounds: VersionRange | None, target: Cpe) -> Judgement | None:
    """Does `criteria` (a feed's cpeMatch, with its version bounds) cover the asset CPE `target`?

    None means no. Part, vendor and product must agree (renamed products count as the same).
    """
    if criteria.part != target.part and criteria.part != ANY:
        return None
    if not _same_product(criteria, target):
        return None
    doubts: list[Reason] = []
    if not criteria.extras_are_any:
        found = _judge_extras(criteria, target)
        if found is None:
            return None
        doubts = found
    verdict = _judge_version(criteria, bounds, target)
    if verdict is None:
        return None
    tier, reason = verdict
    if not doubts:
        return Judgement(tier, Level.EXACT if tier is _EXACT else Level.POSSIBLE, (reason,))
    reasons = (*doubts, reason) if tier is _EXACT else (reason, *doubts)
    return Judgement(_POSSIBLE, Level.POSSIBLE, reasons)
