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


def test_the_engines_words_inside_values_are_translated_and_data_is_not() -> None:
    platform = {"platforms": "cpe:2.3:h:a:b:*, cpe:2.3:h:a:c:* and 2 more", "kind": "hardware or operating system"}
    csaf = {"relation": "installed on", "platform": "Windows 10"}
    with translation.override("ja"):
        text = reason_text("platform_unknown", platform)
        assert "ハードウェアまたはオペレーティングシステム" in text and "他2件" in text
        assert "cpe:2.3:h:a:b:*" in text and "hardware" not in text
        assert "installed on" not in reason_text("csaf_platform", csaf) and "Windows 10" in reason_text(
            "csaf_platform", csaf)
        assert "一覧の3版" in reason_text("version_unknown", {"wanted": "3 listed versions"})
        assert reason_text("version_unknown", {"wanted": ">= 2.0"}).endswith(">= 2.0")  # data stays as it is
    with translation.override("en"):
        assert "hardware or operating system CPE" in reason_text("platform_unknown", platform)
