"""API authentication: hashed tokens, and sessions that have passed two-factor verification."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.request import Request

from mamori.accounts.models import ApiToken
from mamori.audit.context import Actor, set_actor


class HashedTokenAuthentication(BaseAuthentication):
    """`Authorization: Token <prefix>.<secret>`; only the SHA-256 of the secret is stored."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        token = ApiToken.authenticate(parts[1].decode("ascii", errors="replace"))
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or expired token."))
        ApiToken.objects.filter(pk=token.pk).update(last_used=timezone.now())
        set_actor(Actor(user_id=token.user.pk, username=token.user.get_username(), source="api",
                        ip=request.META.get("REMOTE_ADDR")))
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication that ignores sessions which have not passed the second factor."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        django_user: Any = request._request.user
        if not django_user.is_verified() and (user.has_mfa_device() or user.mfa_required):
            return None
        return result
