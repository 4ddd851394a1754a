"""The console handler follows `sys.stderr`: a stream replaced and closed after the handler was made loses no
record and raises nothing."""

from __future__ import annotations

import io
import logging

import pytest

from mamori.log_handlers import StderrHandler


def test_records_go_to_the_stderr_of_the_moment_even_after_the_first_one_was_closed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stderr", first)
    handler = StderrHandler()
    logger = logging.getLogger("mamori.test-log-handlers")
    logger.addHandler(handler)
    logger.propagate = False
    errors: list[BaseException] = []
    monkeypatch.setattr(handler, "handleError", lambda record: errors.append(RuntimeError(record.getMessage())))
    try:
        logger.warning("one")
        assert first.getvalue() == "one\n"
        first.close()  # what a finished test's capture does to its stream
        monkeypatch.setattr("sys.stderr", second)
        logger.warning("two")
    finally:
        logger.removeHandler(handler)
    assert second.getvalue() == "two\n" and not errors


def test_the_settings_use_it_for_the_console() -> None:
    from django.conf import settings

    assert settings.LOGGING["handlers"]["console"]["class"] == "mamori.log_handlers.StderrHandler"
    assert any(isinstance(h, StderrHandler) for h in logging.getLogger("mamori").handlers)
