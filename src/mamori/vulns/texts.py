"""Reasons in the reader's language. The engines give a reason as a code with named values and an English
sentence; the English sentence is the msgid of the Japanese catalogue (tests/vulns/test_texts.py checks
that every one is translated)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from mamori.engines.vulns.csaf_match import NAME_REASON_TEXTS
from mamori.engines.vulns.priority import PRIORITY_REASON_TEXTS
from mamori.engines.vulns.results import REASON_TEXTS

ALL_REASON_TEXTS: dict[str, str] = {**REASON_TEXTS, **NAME_REASON_TEXTS, **PRIORITY_REASON_TEXTS}


def reason_text(code: str, args: dict[str, Any] | None = None) -> str:
    """One stored reason ({"code", "args"}) as a sentence in the active language."""
    template = ALL_REASON_TEXTS.get(code)
    if template is None:
        return code
    try:
        return gettext(template).format(**(args or {}))
    except (KeyError, IndexError, ValueError):  # a stored reason from an older version with other values
        return gettext(template)


def reasons_text(rows: list[dict[str, Any]] | None) -> list[str]:
    return [reason_text(r.get("code", ""), r.get("args")) for r in rows or []]
