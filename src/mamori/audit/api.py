"""REST API of the audit trail (read-only for those the policy allows)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from mamori.accounts.policy import allows
from mamori.audit.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AuditEntry
        fields = ("seq", "timestamp", "actor_username", "source", "ip", "action", "object_type", "object_id",
                  "object_repr", "changes", "prev_hash", "entry_hash")


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    queryset = AuditEntry.objects.order_by("-seq")
    serializer_class = AuditEntrySerializer
    lookup_field = "seq"

    def get_queryset(self) -> QuerySet[Any]:
        if not allows(self.request.user, AuditEntry, "view"):
            return AuditEntry.objects.none()
        return super().get_queryset()


router = DefaultRouter()
router.register("audit", AuditEntryViewSet)
