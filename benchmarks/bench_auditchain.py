"""Benchmark: verifying the audit hash chain (engine only, no database).

Generates N chained entries shaped like real audit rows, then verifies them.
Run: .venv/bin/python benchmarks/bench_auditchain.py [--entries 1000000]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator

from mamori.engines.auditchain import GENESIS_HASH, ChainEntry, entry_hash, verify_chain


def generate(n: int) -> Iterator[ChainEntry]:
    prev = GENESIS_HASH
    for seq in range(1, n + 1):
        payload = {"timestamp": f"2026-11-20T09:{seq // 60 % 60:02d}:{seq % 60:02d}.000000+00:00",
                   "actor_id": seq % 40, "actor_username": f"user{seq % 40}", "source": "web",
                   "ip": "10.40.0.21", "action": "update", "object_type": "ledger.asset", "object_id": str(seq),
                   "object_repr": f"PC-{seq:05d} 電子カルテ端末", "changes": {"os_version": ["22H2", "23H2"]}}
        digest = entry_hash(seq, prev, payload)
        yield ChainEntry(seq, prev, digest, payload)
        prev = digest


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    verdict = verify_chain(generate(args.entries))
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert verdict.ok and verdict.checked == args.entries
    print(f"audit chain: generated+verified {args.entries:,} entries in {elapsed:.1f} s "
          f"({args.entries / elapsed:,.0f} entries/s, each hashed twice), peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
