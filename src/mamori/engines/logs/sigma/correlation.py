"""Sigma v2 correlation rules (``event_count``, ``value_count``, ``temporal``, ``temporal_ordered``) over detections.

:func:`compile_correlations` reads the same rule documents as :func:`~.compile.compile_rules` (folders, files, zips,
inline YAML); pySigma parses the correlation documents and resolves their ``rules:`` references by ``id`` or
``name``, also across files. The base rules themselves are compiled and matched by :mod:`.compile` /
:mod:`.evaluate`; :class:`Correlator` consumes the resulting :class:`~.evaluate.Detection` s.

Semantics (the Sigma correlation specification, made precise where it leaves room):

- Window: occurrences at ``t0 … t1`` are in one window when ``t1 - t0 <= timespan`` (the boundary is inside).
- ``group-by`` values are read from the matched event (``Detection.event``; for a nested correlation, from its
  ``group`` and then its triggering event); ``aliases`` rename the field per referenced rule. A missing field gives
  the value None (its own group). Text compares case-insensitively, ``::ffff:192.0.2.1`` as ``192.0.2.1``.
- ``gte``/``gt`` conditions fire as soon as they hold (sliding window). ``lt``/``lte``/``eq``/``neq`` can only be
  decided once a window is over: a window opens at a group's first occurrence, closes ``timespan`` later (seen when a
  later occurrence arrives, at :meth:`Correlator.expire` or :meth:`Correlator.finish`) and is then evaluated.
- De-duplication: once a correlation fired for a group, every further occurrence of that group within ``timespan``
  of the alert's last one extends the same alert (``count``, ``last``, values, references): a 3,561-event brute
  force is one alert. A later occurrence closes the alert and starts afresh.
- ``temporal``: the condition counts the distinct referenced rules seen in the window (default: all of them).
  ``temporal_ordered``: the longest chain of referenced rules in their listed order within the window (equal times
  count as in order); default: all of them.
- ``generate: false`` (the default): the referenced rules give no stand-alone alerts. A rule is suppressed when every
  correlation referencing it says so (:attr:`CorrelationSet.suppressed_rule_ids`; nested correlations likewise).
- A nested correlation firing is one occurrence, at its firing time, for the correlation that references it.

Not evaluated (reported in ``skipped``): ``value_sum``/``value_avg``/``value_percentile``/``value_median`` and
extended (boolean string) conditions. Memory per group: at most ``N`` timestamps for a ``gte N`` count, one time per
distinct value (at most ``max_values``), ``n²`` chain states for ``n`` rules; a group idle for ``timespan`` behind
the newest time seen is evicted, and at most ``max_groups`` groups are kept per correlation.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationCondition, SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule

from . import logsource as ls
from .compile import DEFAULT_STATUSES, EXCLUDED_STATUSES, RuleError, RuleSource, SkippedRule, iter_sources
from .evaluate import Detection

__all__ = [
    "CorrelationAlert",
    "CorrelationRule",
    "CorrelationSet",
    "Correlator",
    "EventRef",
    "compile_correlations",
]

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

SUPPORTED_TYPES = ("event_count", "value_count", "temporal", "temporal_ordered")
FIRE_EARLY = ("gte", "gt")  # conditions decided as soon as they hold; the others when the window is over


# --------------------------------------------------------------------------------------------- definitions
@dataclass(frozen=True)
class CorrelationRule:
    """One correlation, references resolved: ``rules`` holds the rule ids a Detection / nested alert carries.

    ``aliases``: group-by alias -> {referenced rule id: field name in that rule's events}. ``emit``: False when every
    correlation referencing this one has ``generate: false`` (it then only feeds them).
    """

    id: str
    name: str | None
    title: str
    type: str
    rules: tuple[str, ...]
    group_by: tuple[str, ...]
    timespan: float
    op: str
    count: float
    value_field: str | None
    generate: bool
    emit: bool
    level: str | None
    status: str | None
    author: str | None
    description: str | None
    tags: tuple[str, ...]
    references: tuple[str, ...]
    falsepositives: tuple[str, ...]
    source: str
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def holds(self, n: float) -> bool:
        """The correlation condition applied to a count."""
        c = self.count
        return {"gte": n >= c, "gt": n > c, "lte": n <= c, "lt": n < c, "eq": n == c, "neq": n != c}[self.op]

    @property
    def condition_text(self) -> str:
        what = "rules" if self.type.startswith("temporal") else "events"
        if self.value_field:
            what = f"distinct {self.value_field}"
        return f"{what} {self.op} {self.count:g} within {self.timespan:g}s"


@dataclass
class CorrelationSet:
    """Compiled correlations in dependency order (a nested correlation comes before the ones referencing it)."""

    rules: list[CorrelationRule]
    errors: list[RuleError]
    skipped: list[SkippedRule]
    suppressed_rule_ids: frozenset[str]
    statuses: frozenset[str]

    def rule(self, rule_id: str) -> CorrelationRule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


def _rule_key(rule: SigmaRule | SigmaCorrelationRule) -> str:
    """The id compile.py gives the rule (its ``id``, else ``<source>#<title>``), which Detections carry."""
    if rule.id:
        return str(rule.id)
    src = str(rule.source.path) if rule.source is not None and rule.source.path is not None else ""
    return f"{src}#{rule.title}"


def _texts(v: Any) -> tuple[str, ...]:
    return tuple(str(x) for x in v) if v else ()


def _as_sources(inputs: Iterable[RuleSource] | str | Path | Iterable[str | Path]) -> list[RuleSource]:
    if isinstance(inputs, str | Path):
        return iter_sources(inputs)
    items = list(inputs)
    if all(isinstance(i, RuleSource) for i in items):
        return [i for i in items if isinstance(i, RuleSource)]
    return iter_sources([i for i in items if isinstance(i, str | Path)])


def _parse(sources: list[RuleSource], errors: list[RuleError]) -> tuple[list[Any], dict[int, str]]:
    """Parse the correlation documents and the documents that may hold the rules they reference.

    A file is parsed when it holds a correlation or a text any correlation refers to (its id or name), so a
    folder of thousands of plain rules costs one substring scan each.
    """
    loaded: dict[str, list[Any]] = {}
    wanted: set[str] = set()
    for src in sources:
        if "correlation" not in src.text:
            continue
        try:
            docs = list(yaml.load_all(src.text, Loader=_Loader))
        except yaml.YAMLError as e:
            errors.append(RuleError(src.name, f"{type(e).__name__}: {e}"))
            continue
        corr = [d for d in docs if isinstance(d, dict) and "correlation" in d]
        if not corr:
            continue
        loaded[src.name] = docs
        for d in corr:
            refs = d["correlation"].get("rules") if isinstance(d["correlation"], dict) else None
            wanted.update(str(r) for r in ([refs] if isinstance(refs, str) else refs or []))
    for src in sources:
        if src.name in loaded or not any(w in src.text for w in wanted):
            continue
        try:
            loaded[src.name] = list(yaml.load_all(src.text, Loader=_Loader))
        except yaml.YAMLError:
            continue  # compile.py reports it
    parsed: list[Any] = []
    origin: dict[int, str] = {}
    for name, docs in loaded.items():
        try:
            coll = SigmaCollection.from_dicts(docs, collect_errors=True, source=SigmaRuleLocation(Path(name)),
                                              resolve_references=False)
        except SigmaError as e:
            errors.append(RuleError(name, f"{type(e).__name__}: {e}"))
            continue
        for r in coll.rules:
            origin[id(r)] = name
            parsed.append(r)
            if isinstance(r, SigmaCorrelationRule):
                errors.extend(RuleError(name, f"{type(err).__name__}: {err}") for err in r.errors)
    return parsed, origin


def _base_problem(rule: SigmaRule, wanted: set[str]) -> str | None:
    """Why compile.py will not evaluate a referenced base rule (so the correlation could never fire), or None."""
    if rule.errors:
        return f"{type(rule.errors[0]).__name__}: {rule.errors[0]}"
    status = str(rule.status) if rule.status is not None else None
    if status is not None and status not in wanted:
        return f"status {status!r} not selected"
    lsrc = rule.logsource
    _, why = ls.candidates_for(lsrc.product, lsrc.category, lsrc.service)
    return why


def _unsupported(c: SigmaCorrelationRule) -> str | None:
    kind = str(c.type)
    if kind not in SUPPORTED_TYPES:
        return f"correlation type {kind!r} is not supported"
    if not isinstance(c.condition, SigmaCorrelationCondition):
        return "extended (boolean) correlation conditions are not supported"
    ref = c.condition.fieldref
    if isinstance(ref, list) and len(ref) != 1:
        return "a value_count over several fields is not supported"
    return None


def _dependency_order(corrs: list[SigmaCorrelationRule]) -> list[SigmaCorrelationRule]:
    """Correlations with every nested correlation before the ones referencing it (reference cycles are cut)."""
    out: list[SigmaCorrelationRule] = []
    placed: set[int] = set()

    def place(c: SigmaCorrelationRule) -> None:
        if id(c) in placed:
            return
        placed.add(id(c))
        for ref in getattr(c, "referenced_rules", []):
            if isinstance(getattr(ref, "rule", None), SigmaCorrelationRule):
                place(ref.rule)
        out.append(c)

    for c in corrs:
        place(c)
    return out


def compile_correlations(
    sources: Iterable[RuleSource] | str | Path | Iterable[str | Path],
    *,
    statuses: Iterable[str] | None = None,
    include_experimental: bool = False,
) -> CorrelationSet:
    """Correlation rules from rule sources (or folders/files/zips/inline YAML, as :func:`~.compile.iter_sources`).

    ``statuses`` (default stable + test, + experimental when asked) selects the outermost correlations; a nested
    one is evaluated when a selected correlation needs it. A correlation is skipped, with the reason, when its type
    or condition is not evaluated, a reference cannot be resolved, or a referenced base rule will not be compiled.
    """
    wanted = set(statuses) if statuses is not None else set(DEFAULT_STATUSES)
    if include_experimental:
        wanted.add("experimental")
    wanted -= EXCLUDED_STATUSES
    errors: list[RuleError] = []
    skipped: list[SkippedRule] = []
    parsed, origin = _parse(_as_sources(sources), errors)
    coll = SigmaCollection(parsed, resolve_references=False)
    corrs = [r for r in parsed if isinstance(r, SigmaCorrelationRule) and not r.errors]
    problem: dict[int, str] = {}
    for c in corrs:
        try:
            c.resolve_rule_references(coll)
            c.aliases.resolve_rule_references(coll)
        except SigmaError as e:
            problem[id(c)] = f"{type(e).__name__}: {e}"
            continue
        problem_text = _unsupported(c)
        if problem_text is None:
            for ref in c.referenced_rules:
                if isinstance(ref.rule, SigmaRule) and (why := _base_problem(ref.rule, wanted)) is not None:
                    problem_text = f"referenced rule {ref.reference!r} cannot be evaluated: {why}"
                    break
        if problem_text is not None:
            problem[id(c)] = problem_text
    # a nested correlation that cannot be evaluated takes its parents down with it (dependency order from pySigma)
    ordered = _dependency_order(corrs)
    for c in ordered:
        if id(c) not in problem:
            bad = next((ref for ref in c.referenced_rules if id(ref.rule) in problem), None)
            if bad is not None:
                problem[id(c)] = f"referenced correlation {bad.reference!r} cannot be evaluated"
    referencing: dict[int, list[SigmaCorrelationRule]] = {}
    for c in ordered:
        for ref in c.referenced_rules:
            if (target := getattr(ref, "rule", None)) is not None:  # unresolved references have no rule
                referencing.setdefault(id(target), []).append(c)
    # selected = outermost correlations with a wanted status, plus everything they need
    selected: set[int] = set()

    def select(c: SigmaCorrelationRule) -> None:
        if id(c) in selected:
            return
        selected.add(id(c))
        for ref in c.referenced_rules:
            if isinstance(ref.rule, SigmaCorrelationRule):
                select(ref.rule)

    for c in reversed(ordered):
        status = str(c.status) if c.status is not None else None
        key, src = _rule_key(c), origin.get(id(c), "")
        if id(c) in problem:
            if id(c) not in referencing:
                skipped.append(SkippedRule(src, key, c.title, "unsupported", problem[id(c)]))
            continue
        if id(c) in referencing:
            continue
        if status is not None and status not in wanted:
            skipped.append(SkippedRule(src, key, c.title, "status", f"status {status!r} not selected"))
            continue
        select(c)

    for c in ordered:  # referenced by no selected correlation: stands alone when it has a wanted status of its own
        if (id(c) in referencing and id(c) not in selected and id(c) not in problem and c.status is not None
                and str(c.status) in wanted):
            select(c)

    def quiet(rule: Any) -> bool:
        users = [u for u in referencing.get(id(rule), []) if id(u) in selected]
        return bool(users) and not any(u.generate for u in users)

    out: list[CorrelationRule] = []
    suppressed: set[str] = set()
    for c in ordered:
        if id(c) not in selected:
            continue
        refs = tuple(_rule_key(ref.rule) for ref in c.referenced_rules)
        suppressed.update(k for ref, k in zip(c.referenced_rules, refs, strict=True)
                          if isinstance(ref.rule, SigmaRule) and quiet(ref.rule))
        cond = c.condition
        if not isinstance(cond, SigmaCorrelationCondition):  # pragma: no cover - excluded by _unsupported
            continue
        fref = cond.fieldref[0] if isinstance(cond.fieldref, list) else cond.fieldref
        aliases = {a.alias: {_rule_key(ref.rule): name for ref, name in a.mapping.items()} for a in c.aliases}
        out.append(CorrelationRule(
            id=_rule_key(c), name=c.name, title=c.title, type=str(c.type), rules=refs,
            group_by=tuple(c.group_by or ()), timespan=float(c.timespan.seconds), op=cond.op.name.lower(),
            count=cond.count, value_field=fref, generate=bool(c.generate), emit=not quiet(c),
            level=str(c.level) if c.level is not None else None,
            status=str(c.status) if c.status is not None else None, author=c.author, description=c.description,
            tags=tuple(f"{t.namespace}.{t.name}" for t in c.tags), references=_texts(c.references),
            falsepositives=_texts(c.falsepositives), source=origin.get(id(c), ""), aliases=aliases))
    return CorrelationSet(out, errors, skipped, frozenset(suppressed), frozenset(wanted))


# --------------------------------------------------------------------------------------------- alerts
@dataclass(frozen=True, slots=True)
class EventRef:
    """Where one contributing event is: file or peer, record/line number, EventRecordID, time, the rule it hit."""

    source: str | None
    offset: int | None
    record_id: int | None
    time: dt.datetime | None
    rule_id: str


@dataclass
class CorrelationAlert:
    """One correlation firing for one group; updated in place while its burst lasts, final once ``closed``.

    ``count``: contributing occurrences (events, or nested firings); ``distinct``: distinct values of the
    ``value_count`` field (``values``: the first ``max_values`` of them); ``rule_ids``: the referenced rules that
    contributed; ``refs``: sample contributing events (the first and the latest ``max_refs // 2`` each).
    """

    rule_id: str
    title: str
    level: str | None
    status: str | None
    author: str | None
    tags: tuple[str, ...]
    references: tuple[str, ...]
    falsepositives: tuple[str, ...]
    rule_source: str
    type: str
    condition: str
    group: dict[str, Any]
    first: dt.datetime
    last: dt.datetime
    fired: dt.datetime
    count: int = 0
    distinct: int = 0
    values: list[Any] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    refs: list[EventRef] = field(default_factory=list)
    closed: bool = False
    _more_refs: deque[EventRef] = field(default_factory=deque, repr=False)
    _seen: set[Any] = field(default_factory=set, repr=False)

    @property
    def sample_refs(self) -> list[EventRef]:
        """The first contributing events, then the latest ones (capped)."""
        return [*self.refs, *self._more_refs]

    @property
    def attack(self) -> tuple[str, ...]:
        return tuple(t for t in self.tags if t.startswith("attack."))


@dataclass(frozen=True, slots=True)
class _Occ:
    """One occurrence of a referenced rule: a Detection, or a nested correlation firing."""

    ts: float
    time: dt.datetime
    rule_id: str
    fields: Mapping[str, Any]
    refs: tuple[EventRef, ...]


def _norm(v: Any) -> Any:
    if isinstance(v, str):
        s = v.strip().casefold()
        if s.startswith("::ffff:"):
            try:
                return str(ipaddress.IPv4Address(s[7:]))
            except ValueError:
                return s
        return s
    return v


def _lookup(fields: Mapping[str, Any], name: str) -> Any:
    if name in fields:
        return fields[name]
    low = name.lower()
    return next((v for k, v in fields.items() if isinstance(k, str) and k.lower() == low), None)


# --------------------------------------------------------------------------------------------- state per group
class _Group:
    """Window state of one correlation for one group value."""

    __slots__ = ("alert", "bucket_start", "chains", "display", "last_ts", "n", "recent", "seen", "times", "values")

    def __init__(self, display: dict[str, Any]) -> None:
        self.display = display
        self.alert: CorrelationAlert | None = None
        self.last_ts = float("-inf")
        self.times: deque[tuple[float, _Occ]] = deque()  # event_count: the last N occurrences
        # value_count: value -> (latest ts, raw value as first seen, latest occurrence, events with it in the window)
        self.values: dict[Any, tuple[float, Any, _Occ, int]] = {}
        self.seen: dict[str, _Occ] = {}  # temporal: rule id -> latest occurrence
        self.chains: dict[tuple[int, int], tuple[float, tuple[_Occ, ...]]] = {}  # ordered: (idx, len) -> chain
        self.bucket_start: float | None = None  # window-end conditions
        self.n = 0
        self.recent: list[_Occ] = []


class Correlator:
    """Streaming evaluation of a :class:`CorrelationSet` over Detections (see the module docstring).

    ``feed`` expects roughly time-ordered input (disorder within a ``timespan`` is tolerated); ``run`` sorts a batch
    first. Alerts of correlations that emit are collected in :attr:`alerts`.
    """

    def __init__(self, correlations: CorrelationSet, *, max_refs: int = 20, max_values: int = 1000,
                 max_groups: int = 100_000) -> None:
        """``max_refs``: sample event references kept per alert; ``max_values``: distinct values kept per group
        and listed per alert (beyond it ``distinct`` is an upper bound); ``max_groups``: groups per correlation.

        A long-running (live) caller should call :meth:`expire` now and then, so that bursts close, and empty
        :attr:`alerts` once it has recorded them.
        """
        self.correlations = correlations
        self.max_refs, self.max_values, self.max_groups = max_refs, max_values, max_groups
        self.alerts: list[CorrelationAlert] = []
        self.untimed = 0
        self._watermark = float("-inf")
        self._groups: dict[str, OrderedDict[tuple[Any, ...], _Group]] = {r.id: OrderedDict()
                                                                        for r in correlations.rules}
        # rule id -> correlations referencing it, with its positions there (descending: an occurrence listed twice
        # in a temporal_ordered chain must not follow itself)
        self._listeners: dict[str, list[tuple[CorrelationRule, tuple[int, ...]]]] = {}
        for r in correlations.rules:
            for ref in dict.fromkeys(r.rules):
                where = tuple(i for i in reversed(range(len(r.rules))) if r.rules[i] == ref)
                self._listeners.setdefault(ref, []).append((r, where))

    @property
    def suppressed_rule_ids(self) -> frozenset[str]:
        """Base rules whose Detections must not be shown on their own (``generate: false``)."""
        return self.correlations.suppressed_rule_ids

    # ------------------------------------------------------------------ public
    def held_groups(self) -> int:
        """How many group windows are held in memory (over all correlations)."""
        return sum(len(g) for g in self._groups.values())

    def feed(self, detection: Detection) -> list[CorrelationAlert]:
        """Take one Detection; return the alerts it made fire (or that closing windows decided)."""
        if detection.rule_id not in self._listeners:
            return []
        ev = detection.event
        when = ev.get("TimeCreated") or ev.get("_received")
        if not isinstance(when, dt.datetime):
            self.untimed += 1
            return []
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        ref = EventRef(ev.get("_source"), ev.get("_offset"), ev.get("EventRecordID"), when, detection.rule_id)
        out: list[CorrelationAlert] = []
        self._route(_Occ(when.timestamp(), when, detection.rule_id, ev, (ref,)), out)
        return out

    def run(self, detections: Iterable[Detection], *,
            on_fire: Callable[[CorrelationAlert, Detection], None] | None = None) -> list[CorrelationAlert]:
        """Sort a batch by time (then source and offset), feed it all, finish; return every alert, by first time.
        `on_fire(alert, detection)`: called for each alert a detection made fire (e.g. to note the host it hit)."""
        keyed = []
        for d in detections:
            if d.rule_id not in self._listeners:
                continue
            t = d.event.get("TimeCreated") or d.event.get("_received")
            if not isinstance(t, dt.datetime):
                self.untimed += 1
                continue
            t = t if t.tzinfo is not None else t.replace(tzinfo=dt.UTC)
            keyed.append((t, str(d.event.get("_source") or ""), d.event.get("_offset") or 0, d))
        keyed.sort(key=lambda k: k[:3])
        for *_, d in keyed:
            for alert in self.feed(d):
                if on_fire is not None:
                    on_fire(alert, d)
        self.finish()
        return sorted(self.alerts, key=lambda a: (a.first, a.title))

    def expire(self, now: dt.datetime) -> list[CorrelationAlert]:
        """Live mode: close every window and burst idle for a timespan before ``now``; return alerts decided now."""
        out: list[CorrelationAlert] = []
        ts = now.timestamp()
        for rule in self.correlations.rules:
            groups = self._groups[rule.id]
            for key in [k for k, g in groups.items() if ts - g.last_ts > rule.timespan]:
                self._close(rule, groups.pop(key), out)
        return out

    def finish(self) -> list[CorrelationAlert]:
        """End of input: close everything; return alerts decided now (window-end conditions)."""
        out: list[CorrelationAlert] = []
        for rule in self.correlations.rules:  # dependency order: nested firings still reach their parents
            groups = self._groups[rule.id]
            while groups:
                _, g = groups.popitem(last=False)
                self._close(rule, g, out)
        return out

    # ------------------------------------------------------------------ routing
    def _route(self, occ: _Occ, out: list[CorrelationAlert]) -> None:
        self._watermark = max(self._watermark, occ.ts)
        for rule, where in self._listeners.get(occ.rule_id, ()):
            self._evict(rule, out)
            g = self._group(rule, occ)
            fired = self._step(rule, g, where, occ, out)
            if fired is not None:
                self._fired(rule, fired, occ, out)

    def _fired(self, rule: CorrelationRule, alert: CorrelationAlert, occ: _Occ, out: list[CorrelationAlert]) -> None:
        if rule.emit:
            self.alerts.append(alert)
            out.append(alert)
        if rule.id in self._listeners:
            fields = {**occ.fields, **alert.group}
            self._route(_Occ(occ.ts, occ.time, rule.id, fields, tuple(alert.sample_refs)), out)

    def _group(self, rule: CorrelationRule, occ: _Occ) -> _Group:
        names = [rule.aliases.get(f, {}).get(occ.rule_id, f) for f in rule.group_by]
        raw = [_lookup(occ.fields, n) for n in names]
        key = tuple(_norm(v) for v in raw)
        groups = self._groups[rule.id]
        g = groups.get(key)
        if g is None:
            g = groups[key] = _Group(dict(zip(rule.group_by, raw, strict=True)))
        else:
            groups.move_to_end(key)
        return g

    def _evict(self, rule: CorrelationRule, out: list[CorrelationAlert]) -> None:
        groups = self._groups[rule.id]
        while groups:
            key, g = next(iter(groups.items()))
            if len(groups) <= self.max_groups and self._watermark - g.last_ts <= rule.timespan:
                break
            del groups[key]
            self._close(rule, g, out)

    def _close(self, rule: CorrelationRule, g: _Group, out: list[CorrelationAlert]) -> None:
        if g.alert is not None:
            g.alert.closed = True
            g.alert = None
        if rule.op not in FIRE_EARLY and g.bucket_start is not None:
            self._end_bucket(rule, g, out)

    # ------------------------------------------------------------------ evaluation
    def _step(self, rule: CorrelationRule, g: _Group, where: tuple[int, ...], occ: _Occ,
              out: list[CorrelationAlert]) -> CorrelationAlert | None:
        g.last_ts = max(g.last_ts, occ.ts)
        if rule.op not in FIRE_EARLY:
            return self._bucket_step(rule, g, occ, out)
        a = g.alert
        if a is not None:
            if occ.ts - a.last.timestamp() <= rule.timespan:
                self._extend(rule, a, occ)
                return None
            a.closed = True
            g.alert = None
            g.times.clear()
            g.values.clear()
            g.seen.clear()
            g.chains.clear()
        cutoff = occ.ts - rule.timespan
        if rule.type == "event_count":
            return self._count_step(rule, g, occ, cutoff)
        if rule.type == "value_count":
            return self._value_step(rule, g, occ, cutoff)
        if rule.type == "temporal":
            return self._temporal_step(rule, g, occ, cutoff)
        fired = None
        for index in where:
            fired = fired or self._ordered_step(rule, g, index, occ, cutoff)
        return fired

    def _count_step(self, rule: CorrelationRule, g: _Group, occ: _Occ, cutoff: float) -> CorrelationAlert | None:
        keep = int(rule.count) + 1
        g.times.append((occ.ts, occ))
        if len(g.times) > 1 and g.times[-2][0] > occ.ts:  # out of order: keep the deque sorted
            g.times = deque(sorted(g.times, key=lambda x: x[0]))
            cutoff = g.times[-1][0] - rule.timespan
        while g.times and (g.times[0][0] < cutoff or len(g.times) > keep):
            g.times.popleft()
        if not rule.holds(len(g.times)):
            return None
        return self._open(rule, g, [o for _, o in g.times])

    def _value_step(self, rule: CorrelationRule, g: _Group, occ: _Occ, cutoff: float) -> CorrelationAlert | None:
        raw = _lookup(occ.fields, rule.value_field or "")
        if raw is not None and raw != "":
            key = _norm(raw)
            old = g.values.get(key)
            if old is None and len(g.values) < self.max_values:
                g.values[key] = (occ.ts, raw, occ, 1)
            elif old is not None:
                g.values[key] = (occ.ts, old[1], occ, old[3] + 1)
        for k in [k for k, v in g.values.items() if v[0] < cutoff]:
            del g.values[k]
        if not rule.holds(len(g.values)):
            return None
        items = sorted(g.values.values(), key=lambda x: x[0])
        a = self._open(rule, g, [v[2] for v in items])
        a.count = sum(v[3] for v in items)
        for k, v in g.values.items():
            self._add_value(a, k, v[1])
        return a

    def _temporal_step(self, rule: CorrelationRule, g: _Group, occ: _Occ, cutoff: float) -> CorrelationAlert | None:
        prev = g.seen.get(occ.rule_id)
        if prev is None or prev.ts <= occ.ts:
            g.seen[occ.rule_id] = occ
        for k in [k for k, o in g.seen.items() if o.ts < cutoff]:
            del g.seen[k]
        if not rule.holds(len(g.seen)):
            return None
        return self._open(rule, g, sorted(g.seen.values(), key=lambda o: o.ts))

    def _ordered_step(self, rule: CorrelationRule, g: _Group, index: int, occ: _Occ,
                      cutoff: float) -> CorrelationAlert | None:
        chains = g.chains
        for k in [k for k, (start, _) in chains.items() if start < cutoff]:
            del chains[k]
        new: dict[tuple[int, int], tuple[float, tuple[_Occ, ...]]] = {(index, 1): (occ.ts, (occ,))}
        for (j, length), (start, occs) in chains.items():
            if j < index and occs[-1].ts <= occ.ts:
                cand = (start, (*occs, occ))
                old = new.get((index, length + 1))
                if old is None or old[0] < start:
                    new[(index, length + 1)] = cand
        for k, v in new.items():
            if k not in chains or chains[k][0] <= v[0]:
                chains[k] = v
        best = max(((length, start, occs) for (j, length), (start, occs) in new.items()), key=lambda x: (x[0], x[1]))
        if not rule.holds(best[0]):
            return None
        return self._open(rule, g, list(best[2]))

    def _bucket_step(self, rule: CorrelationRule, g: _Group, occ: _Occ,
                     out: list[CorrelationAlert]) -> CorrelationAlert | None:
        if g.bucket_start is not None and occ.ts - g.bucket_start > rule.timespan:
            self._end_bucket(rule, g, out)
        if g.bucket_start is None:
            g.bucket_start, g.n, g.recent = occ.ts, 0, []
            g.values.clear()
            g.seen.clear()
        g.n += 1
        if len(g.recent) < self.max_refs:
            g.recent.append(occ)
        if rule.type == "value_count":
            raw = _lookup(occ.fields, rule.value_field or "")
            if raw is not None and raw != "" and len(g.values) < self.max_values:
                g.values.setdefault(_norm(raw), (occ.ts, raw, occ, 1))
        else:
            g.seen.setdefault(occ.rule_id, occ)
        return None

    def _end_bucket(self, rule: CorrelationRule, g: _Group, out: list[CorrelationAlert]) -> None:
        measure = {"event_count": g.n, "value_count": len(g.values)}.get(rule.type, len(g.seen))
        g.bucket_start = None
        if not rule.holds(measure) or not g.recent:
            return
        a = self._open(rule, g, g.recent)
        a.count = g.n
        for k, v in g.values.items():
            self._add_value(a, k, v[1])
        a.closed = True
        g.alert = None
        last = g.recent[-1]
        self._fired(rule, a, last, out)

    # ------------------------------------------------------------------ alert bookkeeping
    def _open(self, rule: CorrelationRule, g: _Group, occs: list[_Occ]) -> CorrelationAlert:
        last = max(occs, key=lambda o: o.ts)
        a = CorrelationAlert(
            rule_id=rule.id, title=rule.title, level=rule.level, status=rule.status, author=rule.author,
            tags=rule.tags, references=rule.references, falsepositives=rule.falsepositives,
            rule_source=rule.source, type=rule.type, condition=rule.condition_text, group=dict(g.display),
            first=min(o.time for o in occs), last=last.time, fired=last.time)
        for o in occs:
            self._extend(rule, a, o, add_value=False)
        g.alert = a
        return a

    def _extend(self, rule: CorrelationRule, a: CorrelationAlert, occ: _Occ, *, add_value: bool = True) -> None:
        a.count += 1
        a.first, a.last = min(a.first, occ.time), max(a.last, occ.time)
        if occ.rule_id not in a.rule_ids:
            a.rule_ids.append(occ.rule_id)
        half = max(self.max_refs // 2, 1)
        for ref in occ.refs:
            if len(a.refs) < half:
                a.refs.append(ref)
            else:
                a._more_refs.append(ref)
                if len(a._more_refs) > half:
                    a._more_refs.popleft()
        if add_value and rule.type == "value_count":
            raw = _lookup(occ.fields, rule.value_field or "")
            if raw is not None and raw != "":
                self._add_value(a, _norm(raw), raw)

    def _add_value(self, a: CorrelationAlert, key: Any, raw: Any) -> None:
        if key in a._seen:
            return
        a.distinct += 1
        if len(a._seen) < self.max_values:
            a._seen.add(key)
            a.values.append(raw)
