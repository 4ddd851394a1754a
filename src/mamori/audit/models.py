"""The audit trail: an append-only, hash-chained record of every change made by a user."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One change: who, when, what, and the link to the previous entry."""

    seq = models.PositiveBigIntegerField(_("sequence"), unique=True)
    timestamp = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150)
    source = models.CharField(_("source"), max_length=16)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=32, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    entry_hash = models.CharField(_("hash"), max_length=64)

    class Meta:
        ordering: ClassVar[list[str]] = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_username} {self.action} {self.object_type} {self.object_repr}"

    def payload(self) -> dict[str, Any]:
        """The content the hash covers (everything but the hashes and the sequence number)."""
        return {
            "timestamp": self.timestamp.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "source": self.source,
            "ip": self.ip,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_repr": self.object_repr,
            "changes": self.changes,
        }


class AuditChainHead(models.Model):
    """A single row holding the newest entry: locked while appending; catches truncation."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
