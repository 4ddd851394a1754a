"""Former home of the demo hospital generator, kept so existing imports keep working.

New code imports `mamori.demo.generator`; this module only re-exports it.
"""

from __future__ import annotations

from mamori.demo.generator import DEFAULT_TODAY, generate_hospital

__all__ = ["DEFAULT_TODAY", "generate_hospital"]
