"""The abstract base every Mamori model inherits: timestamps and the audit trail."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, ClassVar, Self

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditedMixin(models.Model):
    """Remembers the values loaded from the database so a save can record what changed."""

    _audit_loaded: dict[str, Any] | None = None

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        from mamori.audit.recording import snapshot

        instance._audit_loaded = snapshot(instance)
        return instance


class MamoriModel(AuditedMixin):
    """Base model: created/updated times; every create/update/delete lands in the audit trail."""

    created = models.DateTimeField(_("created"), auto_now_add=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)

    # Fields whose changes are not worth an audit entry on their own.
    audit_ignore: ClassVar[frozenset[str]] = frozenset({"updated"})

    class Meta:
        abstract = True
