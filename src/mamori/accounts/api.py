"""REST API: the signed-in user, users (for those who may see them) and the audit trail."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts.models import User
from mamori.api_base import RestrictedReadOnlyViewSet


class UserSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = User
        fields = ("id", "username", "first_name", "email", "role", "facility", "vendor", "is_active", "last_login")


class UserViewSet(RestrictedReadOnlyViewSet):
    queryset = User.objects.order_by("username")
    serializer_class = UserSerializer


@api_view(["GET"])
def me(request: Request) -> Response:
    """The signed-in user."""
    data: dict[str, Any] = dict(UserSerializer(request.user).data)
    data["mfa_enrolled"] = request.user.has_mfa_device()  # type: ignore[union-attr]
    return Response(data)


me.cls.allow_any_authenticated = True  # type: ignore[attr-defined]

router = DefaultRouter()
router.register("users", UserViewSet)
