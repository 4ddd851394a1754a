"""What storing one feed changed: counts, and the ids of what is new and what changed (a sample)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SAMPLE = 200  # ids kept per kind in the import's details


@dataclass
class StoreResult:
    records: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    stale: int = 0
    dropped: int = 0
    new_ids: list[str] = field(default_factory=list)
    changed_ids: list[str] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)

    def add_new(self, key: str) -> None:
        self.new += 1
        if len(self.new_ids) < SAMPLE:
            self.new_ids.append(key)

    def add_changed(self, key: str) -> None:
        self.changed += 1
        if len(self.changed_ids) < SAMPLE:
            self.changed_ids.append(key)

    def details(self) -> dict[str, Any]:
        return {"new_ids": self.new_ids, "changed_ids": self.changed_ids, **self.notes}
