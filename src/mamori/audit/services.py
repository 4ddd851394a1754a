"""Use cases of the audit trail shared by the CLI, the UI and the API."""

from __future__ import annotations

from collections.abc import Iterator

from mamori.audit.models import AuditChainHead, AuditEntry
from mamori.engines.auditchain import ChainEntry, ChainVerdict, verify_chain


def _entries() -> Iterator[ChainEntry]:
    for row in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        yield ChainEntry(seq=row.seq, prev_hash=row.prev_hash, stored_hash=row.entry_hash, payload=row.payload())


def verify() -> ChainVerdict:
    """Verify the whole chain in insertion order (primary key), against the recorded head."""
    head = AuditChainHead.objects.filter(id=1).first()
    expected = (head.last_seq, head.last_hash) if head else None
    return verify_chain(_entries(), expected_last=expected)
