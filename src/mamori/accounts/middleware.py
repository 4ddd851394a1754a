"""Enforces two-factor authentication: verify when enrolled; enrol first where the role requires it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

EXEMPT_PREFIXES = ("/static/", "/api/", "/i18n/")


class MfaEnforcementMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not user.is_verified():
            exempt = {reverse("accounts:mfa_verify"), reverse("accounts:mfa_setup"), reverse("accounts:logout")}
            if request.path not in exempt and not request.path.startswith(EXEMPT_PREFIXES):
                query = urlencode({"next": request.get_full_path()})
                if user.has_mfa_device():
                    return redirect(f"{reverse('accounts:mfa_verify')}?{query}")
                if user.mfa_required:
                    return redirect(f"{reverse('accounts:mfa_setup')}?{query}")
        return self.get_response(request)
