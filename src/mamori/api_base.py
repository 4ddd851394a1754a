"""The base of every API viewset: the same policy and `restrict()` as the web pages."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets

from mamori.accounts.api_permissions import request_action


class RestrictedModelViewSet(viewsets.ModelViewSet):  # type: ignore[type-arg]
    """Lists and objects narrowed to what the user may reach for the request's action."""

    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset()
        return qs.restrict(self.request.user, request_action(self.request))  # type: ignore[attr-defined,no-any-return]


class RestrictedReadOnlyViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    def get_queryset(self) -> QuerySet[Any]:
        qs = super().get_queryset()
        return qs.restrict(self.request.user, request_action(self.request))  # type: ignore[attr-defined,no-any-return]
