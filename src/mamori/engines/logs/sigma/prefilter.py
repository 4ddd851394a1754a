"""Necessary conditions of a compiled condition tree, used to skip rules that cannot match an event.

Two facts are read off a tree (:mod:`.nodes`), both *necessary* (the tree can only be true when they hold), never
sufficient — a rule that passes the prefilter is still evaluated in full:

- :func:`required_event_ids`: the EventIDs the tree accepts, when it pins ``EventID`` (``EventID: 4624`` in an AND,
  or an OR of such branches). The index then files the rule under those (Channel, EventID) keys instead of
  (Channel, any).
- :func:`required_literals`: a set of lower-cased strings at least one of which must occur in the event's
  :func:`search_text` (its lower-cased values joined by NUL). Only positive string tests count: a ``not`` branch,
  a regex, a number, a CIDR, null/exists checks or a field reference give no requirement, so a rule built only from
  those is always evaluated.

:class:`LiteralScanner` finds, in one pass over an event's text, which rules of a candidate list still can match.
It uses RE2's multi-pattern ``Set`` (linear in the text, whatever the number of literals; ``google-re2`` is a
dependency of pySigma) and falls back to plain ``in`` tests when RE2 is unavailable.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

from .nodes import (
    SEARCH_SEPARATOR,
    And,
    Const,
    FieldTest,
    KeywordTest,
    Node,
    NumTest,
    Or,
    RegexTest,
    StrTest,
    search_text,
)

try:
    import re2 as _re2  # type: ignore[import-untyped]
except ImportError:  # pragma: no cover - google-re2 ships with pySigma
    _re2 = None

__all__ = ["SEPARATOR", "LiteralScanner", "raw_literal_sets", "raw_needle", "required_event_ids",
           "required_literal_sets", "required_literals", "search_text"]

#: Joins the values in :func:`search_text`; a literal holding it gets no requirement.
SEPARATOR = SEARCH_SEPARATOR
_RE2_MAX_MEM = 256 << 20


def required_event_ids(node: Node) -> frozenset[int] | None:
    """The EventIDs an event must have for ``node`` to be true, or None when the tree does not pin them."""
    if isinstance(node, FieldTest):
        if node.field != "EventID":
            return None
        test = node.test
        if isinstance(test, NumTest) and test.op == "eq" and isinstance(test.number, int):
            return frozenset({test.number})
        if isinstance(test, StrTest) and test.kind == "eq" and test.value.isascii() and test.value.isdigit():
            return frozenset({int(test.value)})
        return None
    if isinstance(node, Const):
        return None if node.value else frozenset()
    if isinstance(node, And):
        found: frozenset[int] | None = None
        for child in node.children:
            ids = required_event_ids(child)
            if ids is not None:
                found = ids if found is None else found & ids
        return found
    if isinstance(node, Or):
        union: set[int] = set()
        for child in node.children:
            ids = required_event_ids(child)
            if ids is None:
                return None
            union |= ids
        return frozenset(union)
    return None


def _glob_literal(pattern: str) -> str:
    """The longest literal run of a glob regex built by ``compile.string_test`` (escaped parts, ``.*``, ``.``)."""
    best, run, i = "", [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            run.append(pattern[i + 1])
            i += 2
            continue
        if c == ".":
            text = "".join(run)
            best = text if len(text) > len(best) else best
            run = []
            i += 2 if pattern[i + 1:i + 2] == "*" else 1
            continue
        run.append(c)
        i += 1
    text = "".join(run)
    return text if len(text) > len(best) else best


def _str_literal(test: StrTest) -> str | None:
    if test.kind in ("eq", "prefix", "suffix", "contains"):
        value = test.value
    elif test.kind == "glob":
        value = _glob_literal(test.value)
    else:
        return None
    if not value or SEPARATOR in value:
        return None
    if test.cased:  # the raw value holds it, so its lower-cased text holds value.lower() (ASCII: no context rules)
        if not value.isascii():
            return None
        value = value.lower()
    return value


_PARSER: Any = importlib.import_module("re._parser")
_C: Any = importlib.import_module("re._constants")
_REPEATS = tuple(getattr(_C, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_C, name))
#: Under re.IGNORECASE these ASCII letters also match a character whose lower case is not theirs (ı, İ, ſ).
_FOLD_UNSAFE = frozenset("iIsS")


def _regex_sets(pattern: str, flags: int) -> tuple[frozenset[str], ...]:
    """Literal sets a text must hold for ``re.search(pattern, text, flags)`` to succeed (see :func:`_pattern_sets`);
    ``()`` when the pattern cannot be analysed."""
    try:
        parsed = _PARSER.parse(pattern, flags)
    except Exception:  # any parser trouble only means "no requirement"
        return ()
    return _pattern_sets(parsed, bool(parsed.state.flags & re.IGNORECASE))


def _pattern_sets(items: Any, fold: bool) -> tuple[frozenset[str], ...]:
    """Required literal sets of a parsed regex sequence: each run of literal characters (lower-cased; ASCII only, and
    under IGNORECASE without i/s, whose case folding reaches non-ASCII letters), each mandatory group or repeat
    (min >= 1), and each alternation whose every branch requires something (their union)."""
    found: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            found.append(frozenset({"".join(run).lower()}))
            run.clear()

    for op, av in items:
        if op is _C.LITERAL:
            char = chr(av)
            if char.isascii() and char != SEPARATOR and not (fold and char in _FOLD_UNSAFE):
                run.append(char)
                continue
        flush()
        if op is _C.SUBPATTERN:
            _group, add, remove, sub = av
            inner = (fold or bool(add & re.IGNORECASE)) and not remove & re.IGNORECASE
            found.extend(_pattern_sets(sub, inner))
        elif op is getattr(_C, "ATOMIC_GROUP", None):
            found.extend(_pattern_sets(av, fold))
        elif op in _REPEATS and av[0] >= 1:
            found.extend(_pattern_sets(av[2], fold))
        elif op is _C.BRANCH:
            union: set[str] = set()
            for branch in av[1]:
                sets = _pattern_sets(branch, fold)
                if not sets:
                    break
                best: frozenset[str] = max(sets, key=_score)
                union |= best
            else:
                found.append(frozenset(union))
    flush()
    return tuple(found)


def _score(literals: frozenset[str]) -> tuple[int, int]:
    """Higher is a better filter: longer shortest literal first (short ones are common), then fewer literals."""
    if not literals:
        return (1 << 30, 0)
    return (min(len(x) for x in literals), -len(literals))


def required_literal_sets(node: Node, limit: int = 3) -> tuple[frozenset[str], ...]:
    """Up to ``limit`` sets of lower-cased strings; for ``node`` to be true, each set must have one member occurring
    in :func:`search_text`. ``()``: nothing is required (always evaluate); a set that is empty: never true.

    An AND contributes the best sets of its children (a conjunction of requirements), an OR one set: the union of
    every branch's best set (all branches must have one).
    """
    if isinstance(node, FieldTest | KeywordTest):
        test = node.test
        if isinstance(test, RegexTest):
            return tuple(sorted(set(_regex_sets(test.pattern, test.flags)), key=_score, reverse=True)[:limit])
        literal = _str_literal(test) if isinstance(test, StrTest) else None
        return () if literal is None else (frozenset({literal}),)
    if isinstance(node, Const):
        return () if node.value else (frozenset(),)
    if isinstance(node, And):
        found: dict[frozenset[str], None] = {}
        for child in node.children:
            found.update(dict.fromkeys(required_literal_sets(child, limit)))
        return tuple(sorted(found, key=_score, reverse=True)[:limit])
    if isinstance(node, Or):
        union: set[str] = set()
        for child in node.children:
            sets = required_literal_sets(child, 1)
            if not sets:
                return ()
            union |= sets[0]
        return (frozenset(union),)
    return ()


def required_literals(node: Node) -> frozenset[str] | None:
    """Lower-cased strings one of which must occur in :func:`search_text` for ``node`` to be true (the best set of
    :func:`required_literal_sets`). None: no such set is known; an empty set: the tree can never be true."""
    sets = required_literal_sets(node, 1)
    return sets[0] if sets else None


def raw_needle(literal: str) -> str | None:
    """``literal`` as it appears in an event's lower-cased JSON text (backslash and quote escaped as JSON does), or
    None when JSON would escape it otherwise (control characters)."""
    if any(c < " " for c in literal):
        return None
    return literal.replace("\\", "\\\\").replace('"', '\\"')


def raw_literal_sets(sets: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    """:func:`required_literal_sets` translated by :func:`raw_needle`; a set with an untranslatable member is
    dropped (it then requires nothing)."""
    out: list[frozenset[str]] = []
    for one in sets:
        needles = [raw_needle(x) for x in one]
        if all(n is not None for n in needles):
            out.append(frozenset(n for n in needles if n is not None))
    return tuple(out)




class LiteralScanner:
    """Which items of a list can still match an event, from the literal sets each requires.

    ``requirements[i]`` is item i's :func:`required_literal_sets`: ``()`` = always kept; otherwise kept when every
    set has a member in the event's text (a set that is empty is never satisfied). :meth:`select` returns the kept
    positions in ascending order. Sets are held as bit masks over the items, one mask list per requirement slot, so
    selecting is a few big-int ORs per literal found.
    """

    def __init__(self, requirements: Sequence[tuple[frozenset[str], ...]]) -> None:
        slots = max((len(r) for r in requirements), default=0)
        literal_no: dict[str, int] = {}
        for req in requirements:
            for one in req:
                for literal in sorted(one):
                    literal_no.setdefault(literal, len(literal_no))
        self.literals: tuple[str, ...] = tuple(literal_no)
        #: per slot: the items that have no set in that slot (satisfied whatever the text) and, per literal, the
        #: items whose set in that slot holds the literal.
        self._base: list[int] = [0] * slots
        self._masks: list[list[int]] = [[0] * len(literal_no) for _ in range(slots)]
        self._always: list[int] = [i for i, r in enumerate(requirements) if not r]
        for i, req in enumerate(requirements):
            bit = 1 << i
            for slot in range(slots):
                if slot >= len(req):
                    self._base[slot] |= bit
                    continue
                masks = self._masks[slot]
                for literal in req[slot]:
                    masks[literal_no[literal]] |= bit
        self._set: Any = None
        if self.literals and _re2 is not None:
            options = _re2.Options()
            options.max_mem = _RE2_MAX_MEM
            regex_set = _re2.Set.SearchSet(options)
            for literal in self.literals:
                regex_set.Add(_re2.escape(literal))
            regex_set.Compile()
            self._set = regex_set

    @property
    def always(self) -> tuple[int, ...]:
        """The items with no requirement."""
        return tuple(self._always)

    def present(self, text: str) -> list[int]:
        """Positions (in :attr:`literals`) of the literals found in ``text``."""
        if not self.literals:
            return []
        if self._set is not None:
            found: list[int] = self._set.Match(text)
            return found
        return [i for i, literal in enumerate(self.literals) if literal in text]

    def any(self, text: str) -> bool:
        """Whether any item can match an event whose text is ``text``."""
        return bool(self._always) or bool(self.select(text))

    def select(self, text: str) -> list[int]:
        """The positions of the items that can match an event whose :func:`search_text` is ``text``."""
        found = self.present(text)
        if not found:
            return list(self._always)
        kept = -1
        for base, masks in zip(self._base, self._masks, strict=True):
            kept &= reduce(or_, map(masks.__getitem__, found), base)
        out: list[int] = []
        while kept:
            low = kept & -kept
            out.append(low.bit_length() - 1)
            kept ^= low
        return out
