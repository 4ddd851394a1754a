"""The console log handler: writes to the `sys.stderr` of the moment a record is emitted.

`logging.StreamHandler` keeps the stream it was given. Django configures logging again on every `django.setup()`
(each in-process `mamori` command does one), so a handler created while something had replaced `sys.stderr`
(a test's output capture, a redirect) kept writing to that stream after it was closed: the records were lost with
"I/O operation on closed file". This one always looks `sys.stderr` up.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

__all__ = ["StderrHandler"]


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A `StreamHandler` on whatever `sys.stderr` is when a record is written."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        """Ignored: the stream is always the current `sys.stderr`."""
