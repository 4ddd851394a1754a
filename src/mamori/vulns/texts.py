"""Reasons in the reader's language. The engines give a reason as a code with named values and an English
sentence; the English sentence is the msgid of the Japanese catalogue (tests/vulns/test_texts.py checks
that every one is translated)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext, gettext_noop

from mamori.engines.vulns.csaf_match import NAME_REASON_TEXTS
from mamori.engines.vulns.priority import PRIORITY_REASON_TEXTS
from mamori.engines.vulns.results import REASON_TEXTS

ALL_REASON_TEXTS: dict[str, str] = {**REASON_TEXTS, **NAME_REASON_TEXTS, **PRIORITY_REASON_TEXTS}


# Words the engines put into reasons' values (CPE parts, CSAF relationship categories): shown translated.
_VALUE_WORDS = frozenset({
    gettext_noop("hardware"), gettext_noop("operating system"), gettext_noop("application"),
    gettext_noop("installed on"), gettext_noop("installed with"), gettext_noop("default component of"),
    gettext_noop("external component of"), gettext_noop("optional component of"), gettext_noop("no version"),
})
_LISTED = re.compile(r"^(\d+) listed versions$")
_MORE = re.compile(r"^(.*) and (\d+) more$", re.DOTALL)


def value_text(value: Any) -> Any:
    """A reason's value in the active language where it is one of the engines' words; data stays as it is."""
    if not isinstance(value, str):
        return value
    if value in _VALUE_WORDS:
        return gettext(value)
    parts = value.split(" or ")
    if len(parts) > 1 and all(p in _VALUE_WORDS for p in parts):
        return gettext("{first} or {second}").format(first=", ".join(gettext(p) for p in parts[:-1]),
                                                     second=gettext(parts[-1]))
    if listed := _LISTED.match(value):
        return gettext("{count} listed versions").format(count=listed.group(1))
    if more := _MORE.match(value):
        return gettext("{names} and {count} more").format(names=more.group(1), count=more.group(2))
    return value


def reason_text(code: str, args: dict[str, Any] | None = None) -> str:
    """One stored reason ({"code", "args"}) as a sentence in the active language."""
    template = ALL_REASON_TEXTS.get(code)
    if template is None:
        return code
    try:
        return gettext(template).format(**{k: value_text(v) for k, v in (args or {}).items()})
    except (KeyError, IndexError, ValueError):  # a stored reason from an older version with other values
        return gettext(template)


def reasons_text(rows: list[dict[str, Any]] | None) -> list[str]:
    return [reason_text(r.get("code", ""), r.get("args")) for r in rows or []]
