"""Signal handlers that put every change of an audited model, and every login, in the trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import models
from django.db.models.signals import post_delete, post_save

from mamori.audit.base import AuditedMixin
from mamori.audit.context import Actor, acting_as, current_actor
from mamori.audit.recording import diff, record, snapshot


def _is_audited(sender: type[models.Model]) -> bool:
    return issubclass(sender, AuditedMixin) and not sender._meta.abstract


def _on_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool = False,
             **kwargs: Any) -> None:
    if raw or not _is_audited(sender):
        return
    after = snapshot(instance)
    before = None if created else getattr(instance, "_audit_loaded", None)
    if before is not None:  # compare only what was loaded; deferred fields were not read
        after = {name: value for name, value in after.items() if name in before}
    ignore: frozenset[str] = getattr(sender, "audit_ignore", frozenset())
    changes = {k: v for k, v in diff(before, after).items() if k not in ignore}
    if not created and not changes:
        return
    record("create" if created else "update", instance=instance, changes=changes)
    instance._audit_loaded = after  # type: ignore[attr-defined]


def _on_delete(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if _is_audited(sender):
        record("delete", instance=instance, changes=diff(snapshot(instance), None))


def _on_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    previous = current_actor()
    actor = Actor(user_id=user.pk, username=user.get_username(), source=previous.source, ip=previous.ip)
    with acting_as(actor):
        record("login", instance=user)


def _on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", instance=user)


def _on_login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record("login_failed", object_type=get_user_model()._meta.label_lower, object_repr=username)


def connect() -> None:
    post_save.connect(_on_save, dispatch_uid="mamori_audit_save")
    post_delete.connect(_on_delete, dispatch_uid="mamori_audit_delete")
    user_logged_in.connect(_on_login, dispatch_uid="mamori_audit_login")
    user_logged_out.connect(_on_logout, dispatch_uid="mamori_audit_logout")
    user_login_failed.connect(_on_login_failed, dispatch_uid="mamori_audit_login_failed")
