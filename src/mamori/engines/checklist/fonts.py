"""Where the Japanese font for the PDF export lives.

The checklist PDF embeds IPAexGothic (IPA Font License v1.0), which the `matplotlib-fontja` package ships as
`matplotlib_fontja/fonts/ipaexg.ttf`. Only the file is used: the package is located with
`importlib.util.find_spec`, which for a top-level package does not run its `__init__` (that one imports
matplotlib, which Mamori neither needs nor wants to load).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from mamori.engines.errors import MamoriError

__all__ = ["FONT_FILE", "FONT_LICENCE_FILE", "FONT_NAME", "FONT_PACKAGE", "FontNotFoundError", "japanese_font_path"]

FONT_NAME = "IPAexGothic"  # the name the PDF registers and embeds the font under
FONT_PACKAGE = "matplotlib_fontja"
FONT_FILE = "fonts/ipaexg.ttf"
FONT_LICENCE_FILE = "fonts/IPA_Font_License_Agreement_v1.0.txt"


class FontNotFoundError(MamoriError):
    """The Japanese TrueType font the PDF export embeds is not installed."""


def japanese_font_path() -> Path:
    """The path of IPAexGothic (`ipaexg.ttf`) inside the installed `matplotlib_fontja` package.

    Raises `FontNotFoundError` when the package or the file is missing; matplotlib is never imported.
    """
    try:
        spec = importlib.util.find_spec(FONT_PACKAGE)
    except (ImportError, ValueError):  # a broken or half-removed installation
        spec = None
    locations = list(spec.submodule_search_locations or ()) if spec is not None else []
    for location in locations:
        candidate = Path(location) / FONT_FILE
        if candidate.is_file():
            return candidate
    where = ", ".join(locations) or "not installed"
    raise FontNotFoundError(
        f"the Japanese font {FONT_FILE} of the Python package matplotlib-fontja was not found ({where}): "
        "install it with `pip install matplotlib-fontja` (it is one of Mamori's dependencies)")
