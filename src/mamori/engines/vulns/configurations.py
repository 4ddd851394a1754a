"""Whole configurations against one asset, in three-valued logic (no / possible / exact).

AND takes the weakest node, OR the strongest; a negated node swaps no and exact. A node whose entries
are all `vulnerable: false` is a platform ("running on this hardware"): a matching asset CPE satisfies
it, other hardware on the asset refuses it, and no CPE of that part on the asset at all leaves it
unknown, so the hit is `possible` (要確認) with a note saying what to record. Entries with
`vulnerable: false` never produce a hit by themselves.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from mamori.engines.vulns.cpe import Cpe
from mamori.engines.vulns.matching import Judgement, judge
from mamori.engines.vulns.records import Configuration, CpeMatch
from mamori.engines.vulns.results import Evidence, Level, MatchTier, Reason

__all__ = ["CONFIRM_SOURCES", "ConfigRef", "Context", "EntryRef", "Found", "Result", "evaluate", "evidence_for",
           "platform_parts", "strongest"]

_PART_NAMES = {"h": "hardware", "o": "operating system", "a": "application"}
CONFIRM_SOURCES = frozenset({"JVN"})  # record sources whose hits are always 要確認


class ConfigRef(msgspec.Struct, eq=False, gc=False):
    """One configuration of one indexed record, with what evaluating it needs."""

    cve_id: str
    last_modified: datetime
    source: str
    number: int
    configuration: Configuration
    platform_parts: tuple[frozenset[str], ...]  # per node: the parts of a platform-only node, else empty
    simple: bool  # no negation and only OR nodes: evaluated from the per-CPE results alone
    notes: dict[int, Reason] | None = None  # per platform node, "runs on …" (built when first needed)

    def platform_note(self, node: int) -> Reason:
        """The reason given when the asset records nothing that could satisfy platform node `node`."""
        if self.notes is None:
            self.notes = {}
        note = self.notes.get(node)
        if note is None:
            note = self.notes[node] = _platform_note(self.configuration, node, self.platform_parts[node])
        return note


class EntryRef(msgspec.Struct, frozen=True, eq=False, gc=False):
    """One cpeMatch entry as indexed: the entry, its configuration and the number of its node."""

    match: CpeMatch
    config: ConfigRef
    node: int


Found = tuple[EntryRef, Judgement]
Result = tuple[EntryRef, Judgement, str]  # … and the asset CPE text


_PARTS: dict[frozenset[str], frozenset[str]] = {}  # one copy of each set of parts
_NOT_PLATFORM: frozenset[str] = frozenset()
_ONE_NODE = (_NOT_PLATFORM,)


def platform_parts(configuration: Configuration) -> tuple[frozenset[str], ...]:
    """Per node, the parts (a/o/h) of a node whose entries are all `vulnerable: false`; empty for other nodes."""
    nodes = configuration.nodes
    if len(nodes) == 1 and any(m.vulnerable for m in nodes[0].cpe_match):
        return _ONE_NODE
    found = []
    for node in nodes:
        if node.cpe_match and not any(m.vulnerable for m in node.cpe_match):
            parts = frozenset(m.cpe.part for m in node.cpe_match)
            found.append(_PARTS.setdefault(parts, parts))
        else:
            found.append(_NOT_PLATFORM)
    return tuple(found)


def _platform_note(configuration: Configuration, node: int, parts: frozenset[str]) -> Reason:
    names = [m.criteria for m in configuration.nodes[node].cpe_match]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    kind = " or ".join(sorted(_PART_NAMES.get(p, p) for p in parts))
    return Reason("platform_unknown", (("platforms", shown), ("kind", kind)))


Context = tuple[str, tuple[Reason, ...], str]
_NO_CONTEXT: Context = ("", (), "")


def evidence_for(config: ConfigRef, entry: EntryRef, judgement: Judgement, asset_cpe: str, level: Level,
                 context: Context = _NO_CONTEXT) -> Evidence:
    """`level` is the configuration's; `context` is what the other nodes of an AND configuration add: (the
    reason code when they weaken the tier, their reasons, the asset CPE that satisfied a platform)."""
    weaker_code, notes, platform = context
    tier = MatchTier.EXACT if min(level, judgement.level) is Level.EXACT else MatchTier.POSSIBLE
    code = judgement.code if tier is judgement.tier else weaker_code or "configuration_possible"
    reasons = judgement.reasons + notes if notes else judgement.reasons
    if code == "configuration_possible":
        reasons = (*reasons, Reason(code))
    if config.source in CONFIRM_SOURCES and tier is MatchTier.EXACT:
        # JVN names products without comparable versions and only covers CVEs NVD does not: never settled alone.
        tier, code = MatchTier.POSSIBLE, "source_unconfirmed"
        reasons = (*reasons, Reason(code, (("source", config.source),)))
    return Evidence(config.source, entry.match.criteria, entry.match.match_criteria_id, entry.match.bounds,
                    config.last_modified, asset_cpe, tier, code, reasons, config.number, platform)


def strongest(results: list[Result]) -> list[Result]:
    """The results of the strongest level (all exact ones, or else all possible ones)."""
    if len(results) == 1:
        return results
    return [r for r in results if r[1].level is Level.EXACT] or results


def _node_levels(config: ConfigRef, by_node: dict[int, list[Result]],
                 parts: frozenset[str]) -> tuple[list[Level], Context]:
    """Each node's level, and what the platform nodes say (see `evidence_for`)."""
    levels: list[Level] = []
    code = ""
    notes: list[Reason] = []
    platforms: list[str] = []
    for number, platform in enumerate(config.platform_parts):
        results = by_node.get(number)
        if results:
            entry, judgement, text = strongest(results)[0]
            levels.append(judgement.level)
            if platform:
                platforms.append(text)
                notes.append(Reason("running_on", (("asset_cpe", text), ("criteria", entry.match.criteria))))
                if judgement.level is Level.POSSIBLE:
                    code = code or "platform_possible"
                    notes.extend(judgement.reasons)
        elif platform and not platform & parts:
            levels.append(Level.POSSIBLE)
            code = "platform_unknown"
            notes.append(config.platform_note(number))
        else:
            levels.append(Level.NO)
    return levels, (code, tuple(notes), ", ".join(platforms))


def _evaluate_simple(config: ConfigRef, by_node: dict[int, list[Result]], parts: frozenset[str]) -> list[Evidence]:
    """Only OR nodes and no negation: each node is as strong as its best matching entry."""
    levels, context = _node_levels(config, by_node, parts)
    joined = config.configuration.operator == "AND"
    found: list[Evidence] = []
    for number, results in by_node.items():
        vulnerable = [r for r in results if r[0].match.vulnerable]
        level = min(levels) if joined else levels[number]
        if not vulnerable or level is Level.NO:
            continue
        for entry, judgement, text in strongest(vulnerable):
            found.append(evidence_for(config, entry, judgement, text, level, context if joined else _NO_CONTEXT))
    return found


def _entry_level(match: CpeMatch, cpes: tuple[tuple[Cpe, str], ...],
                 parts: frozenset[str]) -> tuple[Level, Judgement | None, str]:
    best: tuple[Level, Judgement | None, str] = (Level.NO, None, "")
    for cpe, text in cpes:
        judgement = judge(match.cpe, match.bounds, cpe)
        if judgement is not None and judgement.level > best[0]:
            best = (judgement.level, judgement, text)
    if best[0] is Level.NO and not match.vulnerable and match.cpe.part not in parts:
        return Level.POSSIBLE, None, ""
    return best


def _evaluate_full(config: ConfigRef, cpes: tuple[tuple[Cpe, str], ...], parts: frozenset[str]) -> list[Evidence]:
    """Any configuration (AND nodes, negation): every entry against every asset CPE."""
    configuration = config.configuration
    node_levels: list[Level] = []
    candidates: list[Result] = []
    for number, node in enumerate(configuration.nodes):
        levels = []
        for match in node.cpe_match:
            level, judgement, text = _entry_level(match, cpes, parts)
            levels.append(level)
            if judgement is not None and match.vulnerable and not node.negate:
                candidates.append((EntryRef(match, config, number), judgement, text))
        level = (min(levels) if node.operator == "AND" else max(levels)) if levels else Level.NO
        if node.negate:
            level = Level(2 - level)
        node_levels.append(level)
    if not node_levels:
        return []
    overall = min(node_levels) if configuration.operator == "AND" else max(node_levels)
    if configuration.negate:
        overall = Level(2 - overall)
    if overall is Level.NO:
        return []
    joined = configuration.operator == "AND"
    found = []
    for entry, judgement, text in candidates:
        level = overall if joined else node_levels[entry.node]  # under OR, each node stands for itself
        if level is not Level.NO:
            found.append(evidence_for(config, entry, judgement, text, level))
    return found


def evaluate(config: ConfigRef, by_node: dict[int, list[Result]], cpes: tuple[tuple[Cpe, str], ...],
             parts: frozenset[str]) -> list[Evidence]:
    """Evidence from one configuration for one asset (`by_node`: the asset's matches per node, `parts`: the
    parts of all its CPEs); empty when the configuration does not hold."""
    if not any(e.match.vulnerable for results in by_node.values() for e, _, _ in results):
        return []
    if config.simple:
        return _evaluate_simple(config, by_node, parts)
    return _evaluate_full(config, cpes, parts)
