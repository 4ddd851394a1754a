"""The demo hospital: a deterministic generator of plain records (no Django) and its database loader.

`mamori.demo.generator.generate_hospital` builds the records; `mamori.demo.loader` (the only module
here that imports Django) writes them to the database.
"""

from __future__ import annotations

__all__: list[str] = []
