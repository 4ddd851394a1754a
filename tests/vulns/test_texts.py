"""Reasons in the reader's language: every engine sentence is a msgid with a Japanese translation."""

from __future__ import annotations

from pathlib import Path

import polib
from django.utils import translation

import mamori.vulns.engine_msgids as engine_msgids
from mamori.vulns.texts import ALL_REASON_TEXTS, reason_text

CATALOGUE = Path(engine_msgids.__file__).resolve().parents[1] / "locale" / "ja" / "LC_MESSAGES" / "django.po"


def test_the_msgid_list_is_generated_from_the_engines() -> None:
    source = Path(engine_msgids.__file__).read_text(encoding="utf-8")
    assert engine_msgids.render() == source, "run: python -m mamori.vulns.engine_msgids"
    assert set(engine_msgids.MSGIDS) == set(ALL_REASON_TEXTS.values())


def test_every_engine_reason_has_a_japanese_translation() -> None:
    translated = {e.msgid for e in polib.pofile(str(CATALOGUE)) if e.translated() and "fuzzy" not in e.flags}
    missing = sorted(set(ALL_REASON_TEXTS.values()) - translated)
    assert missing == []


def test_a_stored_reason_reads_in_japanese_and_in_english() -> None:
    args = {"version": "6.0.4", "bounds": ">= 6.0.0, < 6.0.5"}
    with translation.override("ja"):
        japanese = reason_text("in_range", args)
    with translation.override("en"):
        english = reason_text("in_range", args)
    assert english == "version 6.0.4 is within >= 6.0.0, < 6.0.5"
    assert japanese != english and "6.0.4" in japanese and ">= 6.0.0, < 6.0.5" in japanese


def test_an_unknown_code_or_missing_value_never_breaks_a_page() -> None:
    assert reason_text("no_such_code", {}) == "no_such_code"
    with translation.override("en"):
        assert reason_text("in_range", {"version": "1"}) == "version {version} is within {bounds}"
