"""Concurrent writers never fork or break the chain (SQLite IMMEDIATE transactions, PostgreSQL row lock)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from mamori.audit.models import AuditEntry
from mamori.audit.services import verify
from mamori.ledger.models import Asset
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_writers_keep_one_unbroken_chain() -> None:
    fac = factories.facility()
    start = AuditEntry.objects.count()
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(20):
                Asset.objects.create(facility=fac, key=f"T{n}-{i}", category="terminal", name=f"端末{n}-{i}")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert AuditEntry.objects.count() == start + 80
    seqs = list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    verdict = verify()
    assert verdict.ok, verdict.reason
