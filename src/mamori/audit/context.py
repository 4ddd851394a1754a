"""Who is acting right now (web request, API call, CLI command, system job), per thread/task."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """The actor recorded in audit entries."""

    user_id: int | None
    username: str
    source: str  # "web" | "api" | "cli" | "system"
    ip: str | None = None


SYSTEM_ACTOR = Actor(user_id=None, username="system", source="system")
_current: ContextVar[Actor] = ContextVar("mamori_audit_actor", default=SYSTEM_ACTOR)


def current_actor() -> Actor:
    return _current.get()


@contextlib.contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Record every change made inside the block as done by `actor`."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def set_actor(actor: Actor) -> None:
    """Replace the actor for the rest of the current request (the middleware restores it after)."""
    _current.set(actor)
