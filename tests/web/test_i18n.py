"""Japanese first, English second: the catalogue is complete and the compiled file matches it."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

import mamori
from tests import factories

CATALOGUE = Path(mamori.__file__).parent / "locale" / "ja" / "LC_MESSAGES"


def test_every_message_has_a_japanese_translation() -> None:
    po = polib.pofile(str(CATALOGUE / "django.po"))
    untranslated = [e.msgid for e in po if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []
    assert len(po) > 250


def test_compiled_catalogue_matches_the_source() -> None:
    po = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in polib.pofile(str(CATALOGUE / "django.po"))
          if not e.obsolete}
    mo = {(e.msgid, e.msgstr or str(e.msgstr_plural)) for e in polib.mofile(str(CATALOGUE / "django.mo"))
          if e.msgid}
    assert po == mo, "run: msgfmt -o src/mamori/locale/ja/LC_MESSAGES/django.mo …/django.po"


def test_placeholders_survive_translation() -> None:
    for entry in polib.pofile(str(CATALOGUE / "django.po")):
        for token in ("{minimum}", "{rule}", "{date}", "%(counter)s", "%(number)s", "%(total)s", "%(items)s"):
            if token in entry.msgid:
                translated = entry.msgstr or " ".join(entry.msgstr_plural.values())
                assert token in translated, (entry.msgid, token)


@pytest.mark.django_db
def test_english_can_be_chosen_and_sticks(client: Client) -> None:
    factories.login(client, factories.user("it_staff", factories.facility()))
    assert "今週のやること" in client.get(reverse("web:home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("web:home")).content.decode()
    assert "to-dos" in page and '<html lang="en">' in page and "今週のやること" not in page
