"""The audit hash chain detects a changed, deleted, reordered or truncated entry and names it."""

from __future__ import annotations

from dataclasses import replace

from mamori.engines.auditchain import GENESIS_HASH, ChainEntry, entry_hash, verify_chain


def _chain(n: int) -> list[ChainEntry]:
    entries, prev = [], GENESIS_HASH
    for seq in range(1, n + 1):
        payload = {"action": "update", "object_repr": f"資産{seq}", "changes": {"name": ["a", "b"]}}
        digest = entry_hash(seq, prev, payload)
        entries.append(ChainEntry(seq, prev, digest, payload))
        prev = digest
    return entries


def test_intact_chain_verifies_every_entry() -> None:
    verdict = verify_chain(_chain(5), expected_last=(5, _chain(5)[-1].stored_hash))
    assert verdict.ok and verdict.checked == 5 and verdict.first_broken_seq is None


def test_changed_content_is_named() -> None:
    entries = _chain(5)
    entries[2] = replace(entries[2], payload={**entries[2].payload, "object_repr": "改ざん"})
    verdict = verify_chain(entries)
    assert not verdict.ok
    assert verdict.first_broken_seq == 3
    assert "changed" in verdict.reason
    assert verdict.checked == 2


def test_deleted_entry_is_named() -> None:
    entries = _chain(5)
    del entries[1]
    verdict = verify_chain(entries)
    assert (verdict.ok, verdict.first_broken_seq) == (False, 3)
    assert "deleted" in verdict.reason


def test_reordered_entries_are_named() -> None:
    entries = _chain(5)
    entries[1], entries[2] = entries[2], entries[1]
    verdict = verify_chain(entries)
    assert (verdict.ok, verdict.first_broken_seq) == (False, 3)
    assert "reordered" in verdict.reason


def test_renumbered_entries_break_the_link() -> None:
    entries = _chain(4)
    # swap the sequence numbers but keep storage order: the hash covers seq, so content check fails
    entries[1], entries[2] = replace(entries[2], seq=2), replace(entries[1], seq=3)
    verdict = verify_chain(entries)
    assert not verdict.ok and verdict.first_broken_seq == 2


def test_truncated_tail_is_caught_by_the_head() -> None:
    entries = _chain(5)
    verdict = verify_chain(entries[:3], expected_last=(5, entries[-1].stored_hash))
    assert (verdict.ok, verdict.first_broken_seq) == (False, 4)
    assert "removed from the end" in verdict.reason


def test_hash_depends_on_previous_hash() -> None:
    payload = {"a": 1}
    assert entry_hash(1, GENESIS_HASH, payload) != entry_hash(1, "f" * 64, payload)
    assert entry_hash(1, GENESIS_HASH, {"b": 1, "a": 2}) == entry_hash(1, GENESIS_HASH, {"a": 2, "b": 1})
