"""The root of every error Mamori raises about its input, with the place it happened."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["InputError", "InputLocation", "MamoriError"]


class MamoriError(Exception):
    """Root of all Mamori errors."""


@dataclass(frozen=True, slots=True)
class InputLocation:
    """Where in an input a problem was found: file, line (or record/row) and field."""

    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.field:
            parts.append(self.field)
        return ", ".join(parts)


class InputError(MamoriError):
    """Bad input: the message always starts with the location ("file, line N, field: reason").

    `code` and `params` let an application show the reason in the user's language; `reason` is English.
    """

    def __init__(self, reason: str, location: InputLocation | None = None, *, code: str = "",
                 params: dict[str, object] | None = None) -> None:
        self.reason = reason
        self.code = code
        self.params = params or {}
        self.location = location or InputLocation()
        where = str(self.location)
        super().__init__(f"{where}: {reason}" if where else reason)
