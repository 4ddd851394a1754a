"""Sigma rule evaluation over flat Windows events, in pure Python (pySigma only parses the rules).

- :mod:`.logsource` — Sigma logsource -> candidate (Channel, EventID set), incl. process_creation on Security 4688.
- :mod:`.compile` — ``compile_rules(paths_or_yaml) -> RuleSet`` (rules, skipped with reason, errors, index).
- :mod:`.evaluate` — ``match(ruleset, events) -> Iterator[Detection]`` (every Detection carries the rule author).
- :mod:`.cache` — ``load_or_compile(paths, cache_path)``: pickled rule definitions keyed by pySigma + file SHA-256.
"""

from .cache import load_or_compile
from .compile import CompiledRule, RuleError, RuleSet, SkippedRule, compile_rules, compile_sources
from .evaluate import Detection, MatchStats, match

__all__ = [
    "CompiledRule",
    "Detection",
    "MatchStats",
    "RuleError",
    "RuleSet",
    "SkippedRule",
    "compile_rules",
    "compile_sources",
    "load_or_compile",
    "match",
]
