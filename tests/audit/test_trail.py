"""Every user change lands in the hash-chained audit trail, without secrets, and tampering is caught."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from mamori.audit.context import Actor, acting_as
from mamori.audit.models import AuditEntry
from mamori.audit.services import verify
from tests import factories

pytestmark = pytest.mark.django_db


def _entries(action: str, object_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, object_type=object_type).order_by("seq"))


def test_create_update_delete_are_recorded_with_actor_and_changes() -> None:
    fac = factories.facility()
    with acting_as(Actor(user_id=7, username="suzuki", source="web", ip="10.0.0.5")):
        a = factories.asset(fac, name="電子カルテDB")
        a.name = "電子カルテDBサーバ"
        a.save()
        a.delete()
    created = _entries("create", "ledger.asset")[-1]
    updated = _entries("update", "ledger.asset")[-1]
    deleted = _entries("delete", "ledger.asset")[-1]
    assert created.actor_username == "suzuki" and created.actor_id == 7 and created.ip == "10.0.0.5"
    assert created.changes["name"] == [None, "電子カルテDB"]
    assert updated.changes == {"name": ["電子カルテDB", "電子カルテDBサーバ"]}
    assert deleted.changes["name"] == ["電子カルテDBサーバ", None]
    assert verify().ok


def test_save_without_change_adds_no_entry() -> None:
    fac = factories.facility()
    a = factories.asset(fac)
    before = AuditEntry.objects.count()
    a.save()
    assert AuditEntry.objects.count() == before


def test_password_and_token_values_never_enter_the_trail() -> None:
    u = factories.user("it_staff")
    u.set_password("Another-secret-9x7q")
    u.save()
    entry = _entries("update", "accounts.user")[-1]
    assert entry.changes == {"password": ["[redacted]", "[redacted]"]}
    from mamori.accounts.models import ApiToken

    _token, clear = ApiToken.issue(u, "ci")
    secret = clear.split(".")[1]
    dump = " ".join(str(e.changes) for e in AuditEntry.objects.all())
    assert secret not in dump and "Another-secret" not in dump and u.password not in dump


def test_sql_edit_of_an_entry_is_detected_and_named() -> None:
    fac = factories.facility()
    for i in range(5):
        factories.asset(fac, name=f"端末{i}")
    target = AuditEntry.objects.order_by("seq")[2]
    assert verify().ok
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor_username = %s WHERE id = %s", ["attacker", target.pk])
    verdict = verify()
    assert not verdict.ok
    assert verdict.first_broken_seq == target.seq
    assert "changed" in verdict.reason


def test_sql_delete_of_an_entry_is_detected() -> None:
    fac = factories.facility()
    for i in range(4):
        factories.asset(fac, name=f"端末{i}")
    target = AuditEntry.objects.order_by("seq")[1]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [target.pk])
    verdict = verify()
    assert not verdict.ok and verdict.first_broken_seq == target.seq + 1


def test_sql_delete_of_the_newest_entry_is_detected() -> None:
    fac = factories.facility()
    factories.asset(fac)
    factories.asset(fac)
    newest = AuditEntry.objects.order_by("-seq").first()
    assert newest is not None
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [newest.pk])
    verdict = verify()
    assert not verdict.ok and verdict.first_broken_seq == newest.seq


def test_sql_reorder_is_detected() -> None:
    fac = factories.facility()
    for i in range(4):
        factories.asset(fac, name=f"端末{i}")
    first, second = AuditEntry.objects.order_by("seq")[1:3]
    cols = ["seq", "timestamp", "actor_username", "action", "object_repr", "changes", "prev_hash", "entry_hash"]
    values = {row.pk: [getattr(row, c) if c != "changes" else json.dumps(row.changes) for c in cols]
              for row in (first, second)}
    assignments = ", ".join(f"{c} = %s" for c in cols)
    with connection.cursor() as cursor:
        # physically swap two rows (ids stay): storage order no longer follows the chain
        cursor.execute("UPDATE audit_auditentry SET seq = %s WHERE id = %s", [10**12, first.pk])
        cursor.execute(f"UPDATE audit_auditentry SET {assignments} WHERE id = %s",  # noqa: S608 - fixed column names
                       [*values[first.pk], second.pk])
        cursor.execute(f"UPDATE audit_auditentry SET {assignments} WHERE id = %s",  # noqa: S608 - fixed column names
                       [*values[second.pk], first.pk])
    verdict = verify()
    assert not verdict.ok and verdict.first_broken_seq == second.seq


def test_partially_loaded_objects_are_audited_without_loading_the_rest() -> None:
    fac = factories.facility()
    asset = factories.asset(fac, name="部分読込")
    partial = type(asset).objects.only("pk", "name").get(pk=asset.pk)
    partial.name = "部分読込（変更）"
    partial.save(update_fields=["name"])
    entry = AuditEntry.objects.filter(action="update", object_type="ledger.asset").latest("seq")
    assert entry.changes["name"] == ["部分読込", "部分読込（変更）"]
    assert "location" not in entry.changes
