"""The log-health titles of `mamori hunt` (no Django) and of the application (translation catalogue) agree."""

from __future__ import annotations


def test_the_offline_health_titles_are_the_application_s_in_both_languages() -> None:
    """`mamori hunt` has no Django: its health titles are a copy, kept equal to the app's catalogue here."""
    from django.utils import translation

    from mamori.engines.logs.health import TITLES as ENGINE
    from mamori.monitoring.health import TITLES as APP

    assert set(ENGINE) == set(APP)
    for language, index in (("en", 0), ("ja", 1)):
        with translation.override(language):
            assert {code: str(title) for code, title in APP.items()} == {c: t[index] for c, t in ENGINE.items()}
