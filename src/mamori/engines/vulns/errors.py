"""The vulnerability engine's errors: each says where (file, line or record, field) and why.

Each also carries a `code` (and `params`) so the application can say it in Japanese.
"""

from __future__ import annotations

from mamori.engines.errors import InputError, InputLocation

__all__ = ["AssetError", "CpeError", "FeedError", "VulnsError"]


class VulnsError(InputError):
    """Root of the vulnerability engine's input errors."""

    default_code = "invalid"

    def __init__(self, reason: str, location: InputLocation | None = None, *, code: str = "",
                 params: dict[str, object] | None = None) -> None:
        super().__init__(reason, location, code=code or self.default_code, params=params)


class CpeError(VulnsError):
    """A string that is not a usable CPE name."""

    default_code = "cpe_invalid"


class FeedError(VulnsError):
    """A feed file that cannot be imported; nothing of it is used.

    `problems` lists the problems found (up to 20; the message shows the first and how many more).
    """

    default_code = "feed_invalid"

    def __init__(self, reason: str, location: InputLocation | None = None, problems: tuple[InputError, ...] = (),
                 *, code: str = "", params: dict[str, object] | None = None) -> None:
        super().__init__(reason, location, code=code, params=params)
        self.problems = problems or (self,)


class AssetError(VulnsError):
    """An inventory item that cannot be matched (for example a CPE without vendor or product)."""

    default_code = "asset_invalid"
