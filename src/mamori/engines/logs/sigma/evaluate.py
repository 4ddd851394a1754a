"""Match flat events (see :mod:`mamori.engines.logs`) against a compiled :class:`~.compile.RuleSet`.

Each event is tested only against the rules indexed under its (Channel, EventID) and (Channel, any), and of those
only against the rules whose required literals occur in its values (:mod:`.prefilter`). Every
:class:`Detection` carries the rule's ``author`` (DRL 1.1: messages based on a rule match must identify its authors),
id, title, level and ATT&CK tags, the event, and the event fields that made the rule match.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .compile import CompiledRule, RuleSet
from .nodes import explain, prepare


@dataclass(frozen=True)
class Detection:
    rule_id: str
    title: str
    level: str | None
    status: str | None
    author: str | None
    tags: tuple[str, ...]
    references: tuple[str, ...]
    falsepositives: tuple[str, ...]
    rule_source: str
    event: Mapping[str, Any] = field(repr=False)
    matched: tuple[tuple[str, Any], ...]
    field_map: str | None = None

    @classmethod
    def of(
        cls, rule: CompiledRule, event: Mapping[str, Any], matched: Iterable[tuple[str, Any]], field_map: str | None
    ) -> Detection:
        return cls(
            rule_id=rule.id,
            title=rule.title,
            level=rule.level,
            status=rule.status,
            author=rule.author,
            tags=rule.tags,
            references=rule.references,
            falsepositives=rule.falsepositives,
            rule_source=rule.source,
            event=event,
            matched=tuple(matched),
            field_map=field_map,
        )


@dataclass
class MatchStats:
    events: int = 0
    evaluations: int = 0  # rule predicates called
    detections: int = 0


def match(
    ruleset: RuleSet,
    events: Iterable[Mapping[str, Any]],
    *,
    stats: MatchStats | None = None,
    explain_matches: bool = True,
) -> Iterator[Detection]:
    """Yield one Detection per (event, rule) match, in event order."""
    st = stats if stats is not None else MatchStats()
    group_of = ruleset.group
    for ev in events:
        st.events += 1
        group = group_of(ev.get("Channel"), ev.get("EventID"))
        if not group.entries:
            continue
        low = prepare(ev)
        cands = group.select(low)
        st.evaluations += len(cands)
        for entry in cands:
            if entry.predicate(ev, low):
                st.detections += 1
                why = explain(entry.variant.condition, ev, low) if explain_matches else ()
                yield Detection.of(entry.rule, ev, why, entry.variant.field_map)
