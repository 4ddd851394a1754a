"""The rules the application runs: Mamori's own plus the folders or rule packs in MAMORI_SIGMA_RULES, compiled
once (pickled in the data directory, keyed on pySigma's version and every file's hash) and kept in the process."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from mamori.engines.logs.sigma import RuleSet, load_or_compile

BUILTIN_RULES = Path(__file__).resolve().parent.parent / "engines" / "logs" / "rules"

_lock = threading.Lock()
_loaded: dict[tuple[str, ...], Rules] = {}


@dataclass(frozen=True)
class Rules:
    ruleset: RuleSet
    correlations: Any  # mamori.engines.logs.sigma.correlation.CorrelationSet


def rule_paths() -> list[Path]:
    return [BUILTIN_RULES, *(Path(p) for p in settings.MAMORI_SIGMA_RULES)]


def _fingerprint(paths: list[Path]) -> tuple[str, ...]:
    parts: list[str] = []
    for path in paths:
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        parts += [f"{f}:{f.stat().st_mtime_ns}:{f.stat().st_size}" for f in files if f.is_file()]
    return tuple(parts)


def current_rules() -> Rules:
    """Compiled rules of the statuses in MAMORI_SIGMA_STATUSES; recompiled when a rule file or the statuses change
    (the pickle cache, keyed on both, makes a restart cheap)."""
    paths = rule_paths()
    statuses = tuple(settings.MAMORI_SIGMA_STATUSES)
    key = (*statuses, "|", *_fingerprint(paths))
    with _lock:
        found = _loaded.get(key)
        if found is None:
            from mamori.engines.logs.sigma.correlation import compile_correlations

            ruleset, _cached = load_or_compile(paths, settings.MAMORI_RULE_CACHE, statuses=statuses)
            found = Rules(ruleset, compile_correlations(paths, statuses=statuses))
            _loaded.clear()
            _loaded[key] = found
        return found
