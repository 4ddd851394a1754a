"""Sets the audit actor for the duration of each web or API request."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from mamori.audit.context import Actor, acting_as


class AuditActorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        source = "api" if request.path.startswith("/api/") else "web"
        authenticated = bool(user and user.is_authenticated)
        actor = Actor(
            user_id=user.pk if authenticated and user else None,
            username=user.get_username() if authenticated and user else "anonymous",
            source=source,
            ip=request.META.get("REMOTE_ADDR"),
        )
        with acting_as(actor):
            return self.get_response(request)
