"""A to-do on the security manager's home page: what is wrong, why, and where to act."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}


@dataclass(frozen=True, slots=True)
class Todo:
    severity: str  # critical | high | medium | low
    title: str
    reason: str
    count: int
    link: str = ""
    examples: tuple[Any, ...] = field(default_factory=tuple)
    checklist_item: str = ""  # e.g. "2-⑬"


def sort_todos(todos: list[Todo]) -> list[Todo]:
    return sorted(todos, key=lambda t: (SEVERITY_ORDER.get(t.severity, 9), -t.count))
