"""The hash chain behind Mamori's tamper-evident audit trail.

Each entry's hash covers its own canonical content and the previous entry's hash, so editing,
deleting or reordering any entry breaks every link after it. Verification names the first
broken entry and why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["GENESIS_HASH", "ChainEntry", "ChainVerdict", "entry_hash", "verify_chain"]

GENESIS_HASH = "0" * 64


def _canonical(payload: Mapping[str, object]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode(
        "utf-8"
    )


def entry_hash(seq: int, prev_hash: str, payload: Mapping[str, object]) -> str:
    """SHA-256 over the sequence number, the previous hash and the canonical JSON payload."""
    digest = hashlib.sha256()
    digest.update(str(seq).encode("ascii"))
    digest.update(b"\x1f")
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\x1f")
    digest.update(_canonical(payload))
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One stored entry as read back: its sequence number, stored hashes and content."""

    seq: int
    prev_hash: str
    stored_hash: str
    payload: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ChainVerdict:
    """The result of a verification: ok, how many entries were checked, the first break."""

    ok: bool
    checked: int
    first_broken_seq: int | None = None
    reason: str = ""


def verify_chain(
    entries: Iterable[ChainEntry], *, expected_last: tuple[int, str] | None = None
) -> ChainVerdict:
    """Check entries in storage order.

    `expected_last` is the (seq, hash) the chain head recorded; it catches the removal of
    entries from the end, which no link inside the chain can show.
    """
    prev_hash = GENESIS_HASH
    expected_seq = 1
    checked = 0
    last: tuple[int, str] | None = None
    for entry in entries:
        if entry.seq != expected_seq:
            kind = "missing or out of order (deleted or reordered)" if entry.seq > expected_seq \
                else "out of order (reordered)"
            return ChainVerdict(False, checked, entry.seq,
                                f"expected entry {expected_seq} but found {entry.seq}: entries {kind}")
        if entry.prev_hash != prev_hash:
            return ChainVerdict(False, checked, entry.seq,
                                "link to the previous entry does not match (an entry before it was "
                                "changed, deleted or reordered)")
        recomputed = entry_hash(entry.seq, entry.prev_hash, entry.payload)
        if recomputed != entry.stored_hash:
            return ChainVerdict(False, checked, entry.seq, "content does not match its hash (entry was changed)")
        prev_hash = entry.stored_hash
        expected_seq += 1
        checked += 1
        last = (entry.seq, entry.stored_hash)
    if expected_last is not None and expected_last[0] > 0 and last != expected_last:
        seq = (last[0] + 1) if last else 1
        return ChainVerdict(False, checked, seq,
                            f"chain ends at entry {last[0] if last else 0} but the head records entry "
                            f"{expected_last[0]}: entries were removed from the end")
    return ChainVerdict(True, checked)
