"""Compile Sigma rules (parsed by pySigma) into Mamori's own matcher definitions and a (Channel, EventID) index.

pySigma is used only as a parser: it applies the value modifiers and builds the condition tree; evaluation is pure
Python (:mod:`.nodes`). Every rule that is not compiled is reported, never dropped silently: parse errors in
``RuleSet.errors`` (file + pySigma's message), rules left out by status or because they use a feature this engine
does not evaluate in ``RuleSet.skipped`` (with the reason).

Not supported (reported as skipped): correlation and filter documents, placeholders (``|expand``), timestamp-part
modifiers (``|minute`` … ``|year``), backend query expressions, logsources without an event log channel.
"""

from __future__ import annotations

import re
import time
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from sigma.collection import SigmaCollection
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionNOT,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule
from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
)

from . import logsource as ls
from .nodes import (
    And,
    BoolTest,
    CidrTest,
    Const,
    ExistsTest,
    FieldRef,
    FieldTest,
    KeywordTest,
    Node,
    Not,
    NullTest,
    NumTest,
    Or,
    Pred,
    RegexTest,
    StrTest,
    Test,
    build,
)
from .prefilter import LiteralScanner, raw_literal_sets, required_event_ids, required_literal_sets, search_text

try:  # libyaml is ~5x faster than the pure-Python loader pySigma's from_yaml uses; same YAML semantics
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

DEFAULT_STATUSES = frozenset({"stable", "test"})
EXCLUDED_STATUSES = frozenset({"deprecated", "unsupported"})


class Unsupported(Exception):
    """The rule uses a Sigma feature this engine does not evaluate."""


class UnmappedLogsource(Exception):
    """The rule's logsource has no Windows event log channel in :mod:`.logsource`."""


@dataclass(frozen=True, slots=True)
class RuleSource:
    name: str
    text: str


@dataclass(frozen=True, slots=True)
class RuleError:
    source: str
    message: str


@dataclass(frozen=True, slots=True)
class SkippedRule:
    source: str
    rule_id: str | None
    title: str | None
    kind: str  # "status" | "unsupported" | "logsource"
    reason: str


@dataclass(frozen=True, slots=True)
class Variant:
    """The rule's condition as evaluated on one candidate (Channel, EventID set), field names translated."""

    channel: str
    event_ids: frozenset[int] | None
    field_map: str | None
    condition: Node


@dataclass(frozen=True)
class CompiledRule:
    id: str
    title: str
    level: str | None
    status: str | None
    author: str | None
    description: str | None
    tags: tuple[str, ...]
    references: tuple[str, ...]
    falsepositives: tuple[str, ...]
    logsource: Mapping[str, str | None]
    source: str
    variants: tuple[Variant, ...]

    @property
    def keys(self) -> tuple[tuple[str, int | None], ...]:
        """The (Channel, EventID) index keys; EventID ``None`` = every event of the channel."""
        out: list[tuple[str, int | None]] = []
        for v in self.variants:
            if v.event_ids is None:
                out.append((v.channel, None))
            else:
                out.extend((v.channel, e) for e in sorted(v.event_ids))
        return tuple(out)

    @property
    def attack(self) -> tuple[str, ...]:
        """ATT&CK tags (``attack.t1490``, ``attack.impact`` …)."""
        return tuple(t for t in self.tags if t.startswith("attack."))


class IndexEntry(NamedTuple):
    rule: CompiledRule
    variant: Variant
    predicate: Pred


Key = tuple[str, int | None]

#: A candidate list at most this long is evaluated without the literal prefilter (scanning costs more).
SCAN_THRESHOLD = 0


class CandidateGroup:
    """The rules indexed for one (Channel, EventID), with the literal prefilter over them.

    ``entries`` keep the index order (so detections come out in a stable order); :meth:`select` gives those whose
    required literals occur in the event's :func:`~.prefilter.search_text` (and those without any requirement).
    """

    __slots__ = ("_raw", "_scanner", "entries")

    def __init__(self, entries: tuple[IndexEntry, ...]) -> None:
        self.entries = entries
        self._scanner: LiteralScanner | None = None
        self._raw: LiteralScanner | None = None
        if len(entries) > SCAN_THRESHOLD:
            self._scanner = LiteralScanner([required_literal_sets(e.variant.condition) for e in entries])

    def select(self, low: Mapping[str, Any]) -> Sequence[IndexEntry]:
        """The entries that can match the event whose :func:`~.nodes.prepare` d view is ``low``."""
        if self._scanner is None:
            return self.entries
        entries = self.entries
        return [entries[i] for i in self._scanner.select(search_text(low))]

    def may_match_raw(self, raw_lower: str) -> bool:
        """False when no entry can match a record whose lower-cased JSON text is ``raw_lower`` — valid only for a
        record whose values are all flat (`evtx_reader.flat_values`): then each lower-cased value occurs in that
        text, JSON-escaped, and so does every literal a rule requires (:func:`~.prefilter.raw_needle`)."""
        if not self.entries:
            return False
        if self._raw is None:
            self._raw = LiteralScanner([raw_literal_sets(required_literal_sets(e.variant.condition))
                                        for e in self.entries])
        return self._raw.any(raw_lower)


@dataclass
class RuleSet:
    """Compiled rules, what was left out and why, and the (Channel, EventID) index over the rules' variants.

    A variant whose logsource gives a channel but no EventID is filed under the EventIDs its condition pins
    (:func:`~.prefilter.required_event_ids`) when it pins them, else under (Channel, None) = any EventID.
    """

    rules: list[CompiledRule]
    skipped: list[SkippedRule]
    errors: list[RuleError]
    statuses: frozenset[str]
    source_count: int = 0
    compile_seconds: float = 0.0
    index: dict[Key, list[IndexEntry]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._build_index()

    def _build_index(self) -> None:
        self.index = {}
        self._lookup: dict[tuple[Any, Any], CandidateGroup] = {}
        self._channels: dict[str, str] = {}
        self._pinned: dict[str, list[IndexEntry]] = {}  # per channel: entries filed under pinned EventIDs
        for rule in self.rules:
            for v in rule.variants:
                entry = IndexEntry(rule, v, build(v.condition))
                self._channels[v.channel.lower()] = v.channel
                pinned = required_event_ids(v.condition)
                if v.event_ids is None:
                    if pinned is None:
                        self.index.setdefault((v.channel, None), []).append(entry)
                        continue
                    self._pinned.setdefault(v.channel, []).append(entry)
                    eids = pinned
                else:
                    eids = v.event_ids if pinned is None else v.event_ids & pinned
                for eid in sorted(eids):
                    self.index.setdefault((v.channel, eid), []).append(entry)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for k in ("index", "_lookup", "_channels", "_pinned"):
            state.pop(k, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build_index()

    def group(self, channel: Any, event_id: Any) -> CandidateGroup:
        """The :class:`CandidateGroup` of the rules that can match an event of this Channel and EventID.

        An EventID that is not an int (None, a list, a text that is not a decimal number) gets every rule of the
        channel, including those filed under pinned EventIDs, so the index never hides a match.
        """
        key = (channel, event_id)
        try:
            hit = self._lookup.get(key)
        except TypeError:  # an unhashable EventID (a list)
            key, hit = (channel, None), None
        if hit is not None:
            return hit
        ch = self._channels.get(str(channel).lower(), str(channel)) if channel is not None else ""
        try:
            eid: int | None = int(event_id)
        except (TypeError, ValueError):
            eid = None
        found: list[IndexEntry] = []
        for chan in (ch, ls.ANY_CHANNEL):
            if eid is not None:
                found += self.index.get((chan, eid), ())
            else:
                found += self._pinned.get(chan, ())
            found += self.index.get((chan, None), ())
        if eid is None:  # an entry can be both filed under a pinned EventID and reached through (Channel, any)
            seen: set[int] = set()
            found = [e for e in found if not (id(e) in seen or seen.add(id(e)))]  # type: ignore[func-returns-value]
        hit = CandidateGroup(tuple(found))
        if len(self._lookup) < 100_000 and key == (channel, event_id):
            self._lookup[key] = hit
        return hit

    def candidates(self, channel: Any, event_id: Any) -> tuple[IndexEntry, ...]:
        """Rules (with the variant and predicate) that can match an event of this Channel and EventID."""
        return self.group(channel, event_id).entries

    def rule(self, rule_id: str) -> CompiledRule | None:
        for r in self.rules:
            if r.id == rule_id:
                return r
        return None


# --------------------------------------------------------------------------------------------- sources
def iter_sources(inputs: str | Path | Iterable[str | Path]) -> list[RuleSource]:
    """Rule documents from folders (recursively, ``*.yml``/``*.yaml``), single files, zips, or inline YAML text."""
    if isinstance(inputs, str | Path):
        inputs = [inputs]
    out: list[RuleSource] = []
    for item in inputs:
        if isinstance(item, str) and ("\n" in item or not item.strip()):
            out.append(RuleSource(f"<inline {len(out) + 1}>", item))
            continue
        p = Path(item)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.suffix in (".yml", ".yaml") and f.is_file())
            out.extend(RuleSource(str(f), f.read_bytes().decode("utf-8-sig")) for f in files)
        elif p.suffix == ".zip":
            with zipfile.ZipFile(p) as zf:
                for name in sorted(zf.namelist()):
                    if name.endswith((".yml", ".yaml")):
                        out.append(RuleSource(f"{p}:{name}", zf.read(name).decode("utf-8-sig")))
        else:
            out.append(RuleSource(str(p), p.read_bytes().decode("utf-8-sig")))
    return out


# --------------------------------------------------------------------------------------------- values
_OPS = {
    CompareOperators.LT: "lt",
    CompareOperators.LTE: "lte",
    CompareOperators.GT: "gt",
    CompareOperators.GTE: "gte",
    CompareOperators.NEQ: "neq",
}
_RE_FLAGS = {
    SigmaRegularExpressionFlag.IGNORECASE: re.IGNORECASE,
    SigmaRegularExpressionFlag.MULTILINE: re.MULTILINE,
    SigmaRegularExpressionFlag.DOTALL: re.DOTALL,
}
_M = SpecialChars.WILDCARD_MULTI


def string_test(value: SigmaString, *, keyword: bool = False) -> StrTest:
    """SigmaString (wildcards already placed by the modifiers) -> eq/prefix/suffix/contains fast path or a glob."""
    cased = isinstance(value, SigmaCasedString)
    parts: list[Any] = list(value.s)
    if any(isinstance(p, Placeholder) for p in parts):
        raise Unsupported("placeholder values (|expand) are not supported")
    if keyword:  # keywords are substring searches over every value
        parts = [_M, *parts, _M]
    merged: list[Any] = []
    for p in parts:
        if p is _M and merged and merged[-1] is _M:
            continue
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] += p
            continue
        merged.append(p)
    norm = [p if cased or not isinstance(p, str) else p.lower() for p in merged]
    strs = [p for p in norm if isinstance(p, str)]
    shape = tuple("s" if isinstance(p, str) else ("*" if p is _M else "?") for p in norm)
    if shape == ():
        return StrTest("eq", "", cased)
    if shape == ("s",):
        return StrTest("eq", strs[0], cased)
    if shape == ("*",):
        return StrTest("any", "", cased)
    if shape == ("*", "s"):
        return StrTest("suffix", strs[0], cased)
    if shape == ("s", "*"):
        return StrTest("prefix", strs[0], cased)
    if shape == ("*", "s", "*"):
        return StrTest("contains", strs[0], cased)
    rx = "".join(re.escape(p) if isinstance(p, str) else (".*" if p is _M else ".") for p in norm)
    return StrTest("glob", rx, cased)


def value_test(value: SigmaType, *, keyword: bool = False) -> Test:
    if isinstance(value, SigmaString):
        return string_test(value, keyword=keyword)
    if isinstance(value, SigmaRegularExpression):
        flags = 0
        for f in value.flags:
            flags |= _RE_FLAGS[f]
        pattern = str(value.regexp)
        try:
            re.compile(pattern, flags)
        except re.error as e:
            raise Unsupported(f"regular expression {pattern!r} is not valid for Python re: {e}") from e
        return RegexTest(pattern, flags)
    if isinstance(value, SigmaCIDRExpression):
        return CidrTest((str(value.network),))
    if isinstance(value, SigmaCompareExpression):
        return NumTest(_OPS[value.op], value.number.number)
    if isinstance(value, SigmaTimestampPart):
        raise Unsupported("timestamp-part modifiers (|minute, |hour, …) are not supported")
    if isinstance(value, SigmaNumber):
        return NumTest("eq", value.number)
    if isinstance(value, SigmaBool):
        return BoolTest(bool(value.boolean))
    if isinstance(value, SigmaNull):
        return NullTest()
    if isinstance(value, SigmaExists):
        return ExistsTest(bool(value.exists))
    raise Unsupported(f"value type {type(value).__name__} is not supported")


class _Ctx(NamedTuple):
    fields: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]]


def _leaf(fname: str, value: SigmaType, ctx: _Ctx) -> Node:
    if isinstance(value, SigmaExpansion):  # windash / base64offset variants are OR-linked
        return _or([_leaf(fname, v, ctx) for v in value.values])
    target = ctx.fields.get(fname, fname)
    if isinstance(value, SigmaFieldReference):
        mode = "eq"
        if value.starts_with and value.ends_with:
            mode = "contains"
        elif value.starts_with:
            mode = "startswith"
        elif value.ends_with:
            mode = "endswith"
        return FieldRef(target, ctx.fields.get(value.field, value.field), mode)
    test = value_test(value)
    vmap = ctx.values.get(fname)
    if vmap and isinstance(test, StrTest) and test.kind == "eq" and test.value in vmap:
        test = StrTest("eq", vmap[test.value].lower(), test.cased)
    return FieldTest(target, test)


def _and(children: list[Node]) -> Node:
    flat: list[Node] = []
    for c in children:
        flat.extend(c.children if isinstance(c, And) else (c,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _or(children: list[Node]) -> Node:
    flat: list[Node] = []
    for c in children:
        flat.extend(c.children if isinstance(c, Or) else (c,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def condition_node(cond: Any, ctx: _Ctx) -> Node:
    """pySigma condition tree (after postprocessing) -> Mamori node tree."""
    if cond is None:
        return Const(False)
    if isinstance(cond, ConditionAND):
        return _and([condition_node(a, ctx) for a in cond.args])
    if isinstance(cond, ConditionOR):
        return _or([condition_node(a, ctx) for a in cond.args])
    if isinstance(cond, ConditionNOT):
        return Not(condition_node(cond.args[0], ctx))
    if isinstance(cond, ConditionFieldEqualsValueExpression):
        return _leaf(cond.field, cond.value, ctx)
    if isinstance(cond, ConditionValueExpression):
        if isinstance(cond.value, SigmaExpansion):
            return _or([KeywordTest(value_test(v, keyword=True)) for v in cond.value.values])
        return KeywordTest(value_test(cond.value, keyword=True))
    raise Unsupported(f"condition element {type(cond).__name__} is not supported")


# --------------------------------------------------------------------------------------------- rules
def _text_list(v: Any) -> tuple[str, ...]:
    if not v:
        return ()
    return tuple(str(x) for x in v)


def compile_rule(rule: SigmaRule, source: str) -> CompiledRule:
    """Compile one parsed rule; raises :class:`Unsupported` / :class:`UnmappedLogsource` with the reason."""
    lsrc = rule.logsource
    cands, why = ls.candidates_for(lsrc.product, lsrc.category, lsrc.service)
    if why is not None:
        raise UnmappedLogsource(why)
    trees = [c.parsed for c in rule.detection.parsed_condition]
    variants: list[Variant] = []
    for cand in cands:
        fmap = cand.field_map
        ctx = _Ctx(ls.FIELD_MAPS.get(fmap, {}) if fmap else {}, ls.VALUE_MAPS.get(fmap, {}) if fmap else {})
        node = _or([condition_node(t, ctx) for t in trees])
        variants.append(Variant(cand.channel, cand.event_ids, fmap, node))
    return CompiledRule(
        id=str(rule.id) if rule.id else f"{source}#{rule.title}",
        title=rule.title,
        level=str(rule.level) if rule.level is not None else None,
        status=str(rule.status) if rule.status is not None else None,
        author=rule.author,
        description=rule.description,
        tags=tuple(f"{t.namespace}.{t.name}" for t in rule.tags),
        references=_text_list(rule.references),
        falsepositives=_text_list(rule.falsepositives),
        logsource={
            "product": lsrc.product,
            "category": lsrc.category,
            "service": lsrc.service,
        },
        source=source,
        variants=tuple(variants),
    )


def compile_sources(
    sources: Iterable[RuleSource],
    *,
    statuses: Iterable[str] | None = None,
    include_experimental: bool = False,
) -> RuleSet:
    """Parse and compile rule documents. ``statuses`` defaults to stable + test (+ experimental when asked).

    Rules without a ``status`` are kept; deprecated and unsupported rules are never compiled.
    """
    t0 = time.perf_counter()
    wanted = set(statuses) if statuses is not None else set(DEFAULT_STATUSES)
    if include_experimental:
        wanted.add("experimental")
    wanted -= EXCLUDED_STATUSES
    rules: list[CompiledRule] = []
    skipped: list[SkippedRule] = []
    errors: list[RuleError] = []
    n = 0
    for src in sources:
        n += 1
        try:
            docs = list(yaml.load_all(src.text, Loader=_Loader))
            # references are correlation.py's business (across files); resolving them here, file by file, would
            # report a correlation whose rules sit in another file as broken
            coll = SigmaCollection.from_dicts(
                docs, collect_errors=True, source=SigmaRuleLocation(Path(src.name)), resolve_references=False
            )
        except (yaml.YAMLError, SigmaError) as e:
            errors.append(RuleError(src.name, f"{type(e).__name__}: {e}"))
            continue
        for err in coll.errors:
            errors.append(RuleError(src.name, f"{type(err).__name__}: {err}"))
        for r in coll.rules:
            rid = str(r.id) if getattr(r, "id", None) else None
            title = getattr(r, "title", None)
            if not isinstance(r, SigmaRule):
                if "Correlation" in type(r).__name__:  # compiled by `correlation.compile_correlations`
                    skipped.append(SkippedRule(src.name, rid, title, "correlation",
                                               "a correlation rule (run by the correlation engine)"))
                else:
                    skipped.append(SkippedRule(src.name, rid, title, "unsupported", "filter rules are not supported"))
                continue
            if r.errors:
                continue  # already reported through coll.errors
            status = str(r.status) if r.status is not None else None
            if status is not None and status not in wanted:
                skipped.append(SkippedRule(src.name, rid, title, "status", f"status {status!r} not selected"))
                continue
            try:
                rules.append(compile_rule(r, src.name))
            except UnmappedLogsource as e:
                skipped.append(SkippedRule(src.name, rid, title, "logsource", str(e)))
            except Unsupported as e:
                skipped.append(SkippedRule(src.name, rid, title, "unsupported", str(e)))
            except SigmaError as e:  # raised lazily while the condition is parsed
                errors.append(RuleError(src.name, f"{type(e).__name__}: {e}"))
    return RuleSet(rules, skipped, errors, frozenset(wanted), n, time.perf_counter() - t0)


def compile_rules(
    paths_or_yaml: str | Path | Iterable[str | Path],
    *,
    statuses: Iterable[str] | None = None,
    include_experimental: bool = False,
) -> RuleSet:
    """Compile rules from folders (recursively), files, zips of rules, or inline YAML strings."""
    return compile_sources(
        iter_sources(paths_or_yaml), statuses=statuses, include_experimental=include_experimental
    )
