"""What the rules page shows: the Sigma and correlation rules the application runs (Mamori's own and the rule
packs of MAMORI_SIGMA_RULES, of the statuses in MAMORI_SIGMA_STATUSES), those it left out and why, and the rule
files it could not read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from mamori.monitoring.models import short_path
from mamori.monitoring.ruleset import BUILTIN_RULES, current_rules, rule_paths

LEVEL_ORDER = ("critical", "high", "medium", "low", "informational")


@dataclass
class RuleRow:
    id: str
    title: str
    level: str
    status: str
    author: str
    attack: tuple[str, ...]
    file: str
    own: bool
    correlation: bool = False


@dataclass
class Catalogue:
    statuses: list[str]
    folders: list[str]
    by_level: list[tuple[str, int]]
    total: int
    correlations: int
    own: int
    skipped: list[tuple[str, int, list[str]]]  # kind, count, a few examples
    errors: list[tuple[str, str]]  # file, message
    rows: list[RuleRow] = field(default_factory=list)
    matching: int = 0


def _row(rule: Any, *, correlation: bool) -> RuleRow:
    own = str(rule.source).startswith(str(BUILTIN_RULES))
    return RuleRow(str(rule.id), str(rule.title), str(rule.level or "informational").lower(), str(rule.status or ""),
                   str(rule.author or ""), tuple(t for t in rule.tags if str(t).startswith("attack.")),
                   short_path(str(rule.source)), own, correlation)


def catalogue(query: str = "", *, limit: int = 200) -> Catalogue:
    """The rules in use; `query` (title, id, author, ATT&CK tag or file, any case) selects the rows listed."""
    rules = current_rules()
    rows = [_row(r, correlation=False) for r in rules.ruleset.rules]
    rows += [_row(r, correlation=True) for r in rules.correlations.rules if r.emit]
    levels = Counter(r.level for r in rows)
    kinds: dict[str, list[str]] = {}
    for s in [*rules.ruleset.skipped, *rules.correlations.skipped]:
        if s.kind == "correlation":
            continue  # a correlation document seen by the base compiler: it runs (correlation engine)
        kinds.setdefault(s.kind, []).append(f"{s.title or s.rule_id or '?'} ({short_path(s.source)}): {s.reason}")
    errors = [(short_path(e.source), e.message) for e in [*rules.ruleset.errors, *rules.correlations.errors]]
    needle = query.strip().casefold()
    found = [r for r in rows if not needle or any(needle in str(v).casefold() for v in (
        r.title, r.id, r.author, r.file, " ".join(r.attack)))]
    found.sort(key=lambda r: (not r.own, LEVEL_ORDER.index(r.level) if r.level in LEVEL_ORDER else 9, r.title))
    return Catalogue(
        statuses=list(settings.MAMORI_SIGMA_STATUSES), folders=[str(p) for p in rule_paths()[1:]],
        by_level=[(level, levels.get(level, 0)) for level in LEVEL_ORDER], total=len(rows),
        correlations=sum(r.correlation for r in rows), own=sum(r.own for r in rows),
        skipped=[(kind, len(items), items[:5]) for kind, items in sorted(kinds.items())],
        errors=errors[:100], rows=found[:limit], matching=len(found))
