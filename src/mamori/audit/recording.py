"""Appending to the audit trail, and describing a model change in it without secrets."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from mamori.audit.context import current_actor
from mamori.audit.models import AuditChainHead, AuditEntry
from mamori.engines.auditchain import GENESIS_HASH, entry_hash

# Never written into the audit trail or logs: the fact of a change is, its value is not.
REDACTED_FIELDS = frozenset({"password", "key", "token", "token_hash", "secret", "otp_secret", "bin_key"})
REDACTED = "[redacted]"


def _fingerprint(value: Any) -> str | None:
    """Lets a diff see that a secret changed without keeping the secret (or its hash) anywhere."""
    if value in (None, ""):
        return None
    return f"{REDACTED}:{hashlib.sha256(str(value).encode()).hexdigest()[:12]}"


def _shown(value: Any) -> Any:
    return REDACTED if isinstance(value, str) and value.startswith(REDACTED) else value


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """The instance's concrete field values (foreign keys by id); secrets only as a fingerprint."""
    values: dict[str, Any] = {}
    deferred = instance.get_deferred_fields()  # not loaded (.only()/.defer()): reading them would query
    for field in instance._meta.concrete_fields:
        name = field.attname
        if name in deferred:
            continue
        value = getattr(instance, name)
        values[field.name] = _fingerprint(value) if field.name in REDACTED_FIELDS else _plain(value)
    return values


def diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> dict[str, Any]:
    """{field: [old, new]} for changed fields; a redacted field shows only that it changed."""
    before = before or {}
    after = after or {}
    changes: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            changes[name] = [_shown(old), _shown(new)]
    return changes


def record(
    action: str,
    *,
    instance: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    changes: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain, inside the caller's transaction (or its own)."""
    actor = current_actor()
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk)
        object_repr = object_repr or str(instance)[:200]
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(
            id=1, defaults={"last_seq": 0, "last_hash": GENESIS_HASH}
        )
        entry = AuditEntry(
            seq=head.last_seq + 1,
            timestamp=timezone.now().astimezone(dt.UTC),
            actor_id=actor.user_id,
            actor_username=actor.username,
            source=actor.source,
            ip=actor.ip,
            action=action,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            changes=_plain(dict(changes or {})),
            prev_hash=head.last_hash,
        )
        entry.entry_hash = entry_hash(entry.seq, entry.prev_hash, entry.payload())
        entry.save(force_insert=True)
        head.last_seq = entry.seq
        head.last_hash = entry.entry_hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry
