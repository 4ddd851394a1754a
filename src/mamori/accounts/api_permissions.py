"""The API's permission class: the same policy table as the UI and the CLI."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from mamori.accounts.policy import Action, allows

METHOD_ACTIONS = {
    "GET": Action.VIEW, "HEAD": Action.VIEW, "OPTIONS": Action.VIEW,
    "POST": Action.ADD, "PUT": Action.CHANGE, "PATCH": Action.CHANGE, "DELETE": Action.DELETE,
}


def request_action(request: Request) -> Action:
    return METHOD_ACTIONS.get(request.method or "GET", Action.CHANGE)


class PolicyPermission(BasePermission):
    """Allows a request when the user's role grants the method's action on the view's model."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        queryset = getattr(view, "queryset", None)
        if queryset is None:
            return bool(getattr(view, "allow_any_authenticated", False))
        return allows(request.user, queryset.model, request_action(request))
