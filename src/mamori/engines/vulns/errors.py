"""The vulnerability engine's errors: each says where (file, line or record, field) and why."""

from __future__ import annotations

from mamori.engines.errors import InputError, InputLocation

__all__ = ["AssetError", "CpeError", "FeedError", "VulnsError"]


class VulnsError(InputError):
    """Root of the vulnerability engine's input errors."""


class CpeError(VulnsError):
    """A string that is not a usable CPE name."""


class FeedError(VulnsError):
    """A feed file that cannot be imported; nothing of it is used.

    `problems` lists every problem found (the message shows the first and how many more).
    """

    def __init__(self, reason: str, location: InputLocation | None = None,
                 problems: tuple[InputError, ...] = ()) -> None:
        super().__init__(reason, location)
        self.problems = problems or (InputError(reason, location),)


class AssetError(VulnsError):
    """An inventory item that cannot be matched (for example a CPE without vendor or product)."""
