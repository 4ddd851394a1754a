"""Save / load a compiled :class:`~.compile.RuleSet` so the ~2,400 SigmaHQ Windows rules are not re-parsed each run.

The cache file is a pickle of the rule *definitions* (node trees, metadata, skip/error lists; predicates are rebuilt
on load) under a key made of the pySigma version, this module's format version, the compiler's own source (compile.py,
logsource.py, nodes.py, cache.py), the compile options and the SHA-256 of every rule file. Any change recompiles.
A pickle executes code on load: keep the cache in a directory only Mamori writes (its data dir or the user's own
cache dir), never load one received from elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

from .compile import RuleSet, RuleSource, compile_sources, iter_sources

FORMAT_VERSION = 1
#: The modules whose code decides what a compiled rule is: a change to any of them recompiles.
_COMPILER = ("compile.py", "logsource.py", "nodes.py", "cache.py")


def _compiler_fingerprint() -> bytes:
    h = hashlib.sha256()
    for name in _COMPILER:
        try:
            h.update((Path(__file__).parent / name).read_bytes())
        except OSError:  # pragma: no cover - an installation without sources: the format version must do
            h.update(name.encode())
    return h.digest()


def cache_key(
    sources: Iterable[RuleSource], *, statuses: Iterable[str] | None, include_experimental: bool
) -> str:
    """The cache's validity key: this format, pySigma's version, the compiler's own code, the options and the
    SHA-256 of every rule file (name and content)."""
    h = hashlib.sha256()
    h.update(f"mamori-sigma:{FORMAT_VERSION}|pysigma:{version('pysigma')}|".encode())
    h.update(_compiler_fingerprint())
    h.update(repr((sorted(statuses) if statuses is not None else None, include_experimental)).encode())
    for src in sorted(sources, key=lambda s: s.name):
        h.update(src.name.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
        h.update(hashlib.sha256(src.text.encode("utf-8", "surrogatepass")).digest())
    return h.hexdigest()


def save(ruleset: RuleSet, path: str | Path, key: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"key": key, "ruleset": ruleset}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | Path, key: str) -> RuleSet | None:
    """The cached RuleSet when the file exists and its key matches, else ``None``."""
    try:
        with open(path, "rb") as fh:
            data: Any = pickle.load(fh)  # noqa: S301 - own cache file, see module docstring
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
        return None
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("ruleset"), RuleSet):
        return None
    rs: RuleSet = data["ruleset"]
    return rs


def load_or_compile(
    paths_or_yaml: str | Path | Iterable[str | Path],
    cache_path: str | Path,
    *,
    statuses: Iterable[str] | None = None,
    include_experimental: bool = False,
) -> tuple[RuleSet, bool]:
    """Return ``(ruleset, from_cache)``; compiles and rewrites the cache when the rules or options changed."""
    sources = iter_sources(paths_or_yaml)
    key = cache_key(sources, statuses=statuses, include_experimental=include_experimental)
    cached = load(cache_path, key)
    if cached is not None:
        return cached, True
    rs = compile_sources(sources, statuses=statuses, include_experimental=include_experimental)
    save(rs, cache_path, key)
    return rs, False
