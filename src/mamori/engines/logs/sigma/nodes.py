"""Picklable matcher definitions (the compiled form of a Sigma detection) and the fast predicates built from them.

A rule's condition compiles to a tree of frozen dataclasses (:data:`Node`); :func:`build` turns a tree into a nested
Python closure ``pred(event, low) -> bool`` where ``event`` is the flat event dict and ``low`` its
:func:`prepare` d view (every value as a lower-cased string, lists as tuples). Sigma string matching is
case-insensitive, so strings are lower-cased once per event instead of once per test. Datetimes are not text to any
test (see :func:`_text`).
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Low = Mapping[str, "str | tuple[str, ...]"]
Pred = Callable[[Mapping[str, Any], Low], bool]
StrPred = Callable[[str], bool]


# --------------------------------------------------------------------------------------------- value tests
@dataclass(frozen=True, slots=True)
class StrTest:
    """String comparison. ``kind``: eq, prefix, suffix, contains, any (``*``), glob (``value`` is a regex, fullmatch).

    ``value`` is lower-cased unless ``cased`` (``|cased``), in which case the raw event value is compared.
    """

    kind: str
    value: str
    cased: bool = False


@dataclass(frozen=True, slots=True)
class RegexTest:
    """``|re``: ``re.search`` on the raw value; ``flags`` are Python ``re`` flags (``|i``, ``|m``, ``|s``)."""

    pattern: str
    flags: int = 0


@dataclass(frozen=True, slots=True)
class CidrTest:
    networks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NumTest:
    """Numeric comparison; ``op`` in eq, lt, lte, gt, gte, neq. Strings are parsed (decimal, float or 0x hex)."""

    op: str
    number: int | float


@dataclass(frozen=True, slots=True)
class BoolTest:
    value: bool


@dataclass(frozen=True, slots=True)
class NullTest:
    """``field: null``: the field is absent, null or empty."""


@dataclass(frozen=True, slots=True)
class ExistsTest:
    exists: bool


Test = StrTest | RegexTest | CidrTest | NumTest | BoolTest | NullTest | ExistsTest


# --------------------------------------------------------------------------------------------- tree nodes
@dataclass(frozen=True, slots=True)
class FieldTest:
    field: str
    test: Test


@dataclass(frozen=True, slots=True)
class KeywordTest:
    """Value-only detection: the test must hold for at least one value of any field."""

    test: Test


@dataclass(frozen=True, slots=True)
class FieldRef:
    """``|fieldref``: the field equals (``mode`` eq) / starts with / ends with / contains the value of ``other``."""

    field: str
    other: str
    mode: str = "eq"


@dataclass(frozen=True, slots=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Const:
    value: bool


Node = FieldTest | KeywordTest | FieldRef | And | Or | Not | Const


def fields_of(node: Node) -> set[str]:
    """Every event field the tree reads (keywords excluded)."""
    if isinstance(node, FieldTest):
        return {node.field}
    if isinstance(node, FieldRef):
        return {node.field, node.other}
    if isinstance(node, And | Or):
        out: set[str] = set()
        for c in node.children:
            out |= fields_of(c)
        return out
    if isinstance(node, Not):
        return fields_of(node.child)
    return set()


# --------------------------------------------------------------------------------------------- event views
def _text(v: Any) -> str | tuple[str, ...] | None:
    """A value as the text string tests see; None for null and for datetimes (``TimeCreated`` is Mamori's parsed
    time, not a text of the event: no rule is written against its ``isoformat``)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return str(v)
    if isinstance(v, dt.datetime):
        return None
    if isinstance(v, list | tuple):
        out: list[str] = []
        for x in v:
            t = _text(x)
            if t is None:
                continue
            if isinstance(t, tuple):
                out.extend(t)
            else:
                out.append(t)
        return tuple(out)
    return str(v)


#: Joins the values of a prepared event in :func:`search_text` (no value or needle Mamori tests holds a NUL).
SEARCH_SEPARATOR = "\x00"


def search_text(low: Mapping[str, Any]) -> str:
    """Every value of a :func:`prepare` d event, joined by :data:`SEARCH_SEPARATOR`: one text to look for
    keywords and required literals in."""
    parts: list[str] = []
    for value in low.values():
        if value.__class__ is str:
            parts.append(value)
        else:
            parts.extend(value)
    return SEARCH_SEPARATOR.join(parts)


def prepare(event: Mapping[str, Any]) -> dict[str, str | tuple[str, ...]]:
    """Lower-cased text view of an event: private ``_…`` keys, null values and datetimes (``TimeCreated``, Mamori's
    own parsed form, not a text any rule was written against) are left out; ints become decimal text."""
    low: dict[str, str | tuple[str, ...]] = {}
    for k, v in event.items():
        c = v.__class__
        if c is str:
            if k[:1] != "_":
                low[k] = v.lower()
        elif c is int:
            if k[:1] != "_":
                low[k] = str(v)
        elif v is None or k[:1] == "_":
            continue
        else:
            t = _text(v)
            if t is not None:
                low[k] = t.lower() if isinstance(t, str) else tuple(x.lower() for x in t)
    return low


def _number(v: Any) -> int | float | None:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int | float):
        return v
    if isinstance(v, str):
        s = v.strip()
        try:
            return int(s)
        except ValueError:
            pass
        try:
            return float(s)
        except ValueError:
            pass
        if s[:2].lower() == "0x":
            try:
                return int(s, 16)
            except ValueError:
                return None
    return None


# --------------------------------------------------------------------------------------------- builders
def str_pred(test: StrTest) -> StrPred:
    v = test.value
    kind = test.kind
    if kind == "eq":
        return v.__eq__
    if kind == "prefix":
        return lambda s: s.startswith(v)
    if kind == "suffix":
        return lambda s: s.endswith(v)
    if kind == "contains":
        return lambda s: v in s
    if kind == "any":
        return lambda s: True
    if kind == "glob":
        rx = re.compile(v, re.DOTALL)
        return lambda s: rx.fullmatch(s) is not None
    raise ValueError(f"unknown string test kind {kind!r}")


def _multi_str_pred(kind: str, values: list[str]) -> StrPred:
    """One predicate for an OR of plain string tests of the same kind on the same field."""
    if kind == "eq":
        fs = frozenset(values)
        return fs.__contains__
    tv = tuple(values)
    if kind == "prefix":
        return lambda s: s.startswith(tv)
    if kind == "suffix":
        return lambda s: s.endswith(tv)
    if kind == "contains":
        return lambda s: any(n in s for n in tv)
    raise ValueError(kind)


def _on_low(field: str, sp: StrPred) -> Pred:
    def f(ev: Mapping[str, Any], low: Low) -> bool:
        v = low.get(field)
        if v is None:
            return False
        if v.__class__ is str:
            return sp(v)
        return any(sp(x) for x in v)

    return f


def _on_raw(field: str, sp: StrPred) -> Pred:
    def f(ev: Mapping[str, Any], low: Low) -> bool:
        v = _text(ev.get(field))
        if v is None:
            return False
        if isinstance(v, str):
            return sp(v)
        return any(sp(x) for x in v)

    return f


def value_pred(test: Test) -> Callable[[Any], bool]:
    """Predicate over one raw event value (``None`` = field absent); used for non-string tests and regexes."""
    if isinstance(test, StrTest):
        sp = str_pred(test)
        cased = test.cased

        def fs(v: Any) -> bool:
            t = _text(v)
            if t is None:
                return False
            if isinstance(t, str):
                return sp(t if cased else t.lower())
            return any(sp(x if cased else x.lower()) for x in t)

        return fs
    if isinstance(test, RegexTest):
        rx = re.compile(test.pattern, test.flags)

        def fr(v: Any) -> bool:
            t = _text(v)
            if t is None:
                return False
            if isinstance(t, str):
                return rx.search(t) is not None
            return any(rx.search(x) is not None for x in t)

        return fr
    if isinstance(test, CidrTest):
        nets = tuple(ipaddress.ip_network(n, strict=False) for n in test.networks)

        @functools.lru_cache(maxsize=4096)
        def one_ip(s: str) -> bool:  # the same few addresses recur in every log: parse and test each once
            try:
                ip = ipaddress.ip_address(s.strip())
            except ValueError:
                return False
            return any(ip.version == n.version and ip in n for n in nets)

        def fc(v: Any) -> bool:
            t = _text(v)
            if t is None:
                return False
            if isinstance(t, str):
                return one_ip(t)
            return any(one_ip(x) for x in t)

        return fc
    if isinstance(test, NumTest):
        n = test.number
        op = test.op
        sn = str(n).lower()

        def one_num(x: Any) -> bool:
            num = _number(x)
            if op == "eq":
                return (num is not None and num == n) or (isinstance(x, str) and x.strip().lower() == sn)
            if num is None:
                return False
            if op == "lt":
                return num < n
            if op == "lte":
                return num <= n
            if op == "gt":
                return num > n
            if op == "gte":
                return num >= n
            return num != n  # neq

        def fn(v: Any) -> bool:
            if v is None:
                return False
            if isinstance(v, list | tuple):
                return any(one_num(x) for x in v)
            return one_num(v)

        return fn
    if isinstance(test, BoolTest):
        want = test.value

        def fb(v: Any) -> bool:
            if isinstance(v, bool):
                return v is want
            if isinstance(v, str):
                return v.strip().lower() == ("true" if want else "false")
            return False

        return fb
    if isinstance(test, NullTest):
        return lambda v: v is None or v == "" or (isinstance(v, list | tuple) and len(v) == 0)
    if isinstance(test, ExistsTest):
        want_exists = test.exists
        return lambda v: (v is not None) is want_exists
    raise TypeError(f"unknown test {test!r}")


def _plain_str(node: Node) -> tuple[str, str, str] | None:
    """(field, kind, value) for a case-insensitive plain string test that can be merged with its siblings."""
    if (
        isinstance(node, FieldTest)
        and isinstance(node.test, StrTest)
        and not node.test.cased
        and node.test.kind in ("eq", "prefix", "suffix", "contains")
    ):
        return node.field, node.test.kind, node.test.value
    return None


def _all(fs: list[Pred]) -> Pred:
    if len(fs) == 1:
        return fs[0]
    if len(fs) == 2:
        a, b = fs
        return lambda ev, low: a(ev, low) and b(ev, low)
    tf = tuple(fs)
    return lambda ev, low: all(g(ev, low) for g in tf)


def _any(fs: list[Pred]) -> Pred:
    if len(fs) == 1:
        return fs[0]
    if len(fs) == 2:
        a, b = fs
        return lambda ev, low: a(ev, low) or b(ev, low)
    tf = tuple(fs)
    return lambda ev, low: any(g(ev, low) for g in tf)


def _keywords_contain(needles: tuple[str, ...]) -> Pred:
    """An OR of keyword ``contains`` tests: one pass over the values joined by NUL (no needle holds a NUL)."""

    def fkw(ev: Mapping[str, Any], low: Low) -> bool:
        text = search_text(low)
        return any(n in text for n in needles)

    return fkw


def build(node: Node) -> Pred:
    """Compile a tree into a predicate ``pred(event, low)``; ``low`` is :func:`prepare` (event)."""
    if isinstance(node, FieldTest):
        test = node.test
        field = node.field
        if isinstance(test, StrTest):
            sp = str_pred(test)
            return _on_raw(field, sp) if test.cased else _on_low(field, sp)
        vp = value_pred(test)
        return lambda ev, low: vp(ev.get(field))
    if isinstance(node, KeywordTest):
        test = node.test
        if isinstance(test, StrTest) and not test.cased:
            sp = str_pred(test)

            def fk(ev: Mapping[str, Any], low: Low) -> bool:
                for v in low.values():
                    if v.__class__ is str:
                        if sp(v):
                            return True
                    elif any(sp(x) for x in v):
                        return True
                return False

            return fk
        vp = value_pred(test)
        return lambda ev, low: any(vp(v) for k, v in ev.items() if k[:1] != "_")
    if isinstance(node, FieldRef):
        a_f, b_f, mode = node.field, node.other, node.mode

        def fref(ev: Mapping[str, Any], low: Low) -> bool:
            a, b = low.get(a_f), low.get(b_f)
            if not isinstance(a, str) or not isinstance(b, str):
                return False
            if mode == "startswith":
                return a.startswith(b)
            if mode == "endswith":
                return a.endswith(b)
            if mode == "contains":
                return b in a
            return a == b

        return fref
    if isinstance(node, Const):
        val = node.value
        return lambda ev, low: val
    if isinstance(node, Not):
        inner = build(node.child)
        return lambda ev, low: not inner(ev, low)
    if isinstance(node, And):
        return _all([build(c) for c in node.children])
    if isinstance(node, Or):
        groups: dict[tuple[str, str], list[str]] = {}
        keywords: list[str] = []
        rest: list[Node] = []
        for c in node.children:
            p = _plain_str(c)
            if p is not None:
                groups.setdefault((p[0], p[1]), []).append(p[2])
            elif (isinstance(c, KeywordTest) and isinstance(c.test, StrTest) and not c.test.cased
                  and c.test.kind == "contains" and "\x00" not in c.test.value):
                keywords.append(c.test.value)
            else:
                rest.append(c)
        fs = [_on_low(f, _multi_str_pred(k, vals)) for (f, k), vals in groups.items()]
        if keywords:
            fs.append(_keywords_contain(tuple(keywords)))
        fs += [build(c) for c in rest]
        return _any(fs)
    raise TypeError(f"unknown node {node!r}")


def explain(node: Node, event: Mapping[str, Any], low: Low) -> list[tuple[str, Any]]:
    """The (field, value) pairs of the event that made a (matching) tree true; negated parts contribute nothing."""
    out: list[tuple[str, Any]] = []
    _explain(node, event, low, out)
    seen: set[str] = set()
    uniq: list[tuple[str, Any]] = []
    for k, v in out:
        if k not in seen:
            seen.add(k)
            uniq.append((k, v))
    return uniq


_BUILT: dict[int, tuple[Node, Pred]] = {}


def _built(node: Node) -> Pred:
    """``build(node)``, kept per node object (explaining a detection would otherwise rebuild every subtree)."""
    found = _BUILT.get(id(node))
    if found is not None and found[0] is node:
        return found[1]
    pred = build(node)
    if len(_BUILT) < 200_000:
        _BUILT[id(node)] = (node, pred)
    return pred


def _explain(node: Node, ev: Mapping[str, Any], low: Low, out: list[tuple[str, Any]]) -> None:
    if isinstance(node, FieldTest | FieldRef):
        if _built(node)(ev, low):
            out.append((node.field, ev.get(node.field)))
    elif isinstance(node, KeywordTest):
        one = _built(node)
        for k, v in ev.items():
            if k[:1] != "_" and k in low and one({k: v}, {k: low[k]}):
                out.append((k, v))
    elif isinstance(node, And):
        for c in node.children:
            _explain(c, ev, low, out)
    elif isinstance(node, Or):
        for c in node.children:
            if _built(c)(ev, low):
                _explain(c, ev, low, out)


def iter_tests(node: Node) -> Iterable[Node]:
    """All leaves of a tree (for diagnostics)."""
    if isinstance(node, And | Or):
        for c in node.children:
            yield from iter_tests(c)
    elif isinstance(node, Not):
        yield from iter_tests(node.child)
    else:
        yield node
