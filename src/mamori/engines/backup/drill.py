"""A sample restore drill run by Mamori itself: restore files from a snapshot, time it, compare hashes.

A file the production share still holds unchanged (same size and modification time as in the snapshot) must
come back byte for byte: its SHA-256 is compared with the production file's. A changed file cannot be
compared and is counted as such. Every restored file is also checked against its type. The restore time of
the sample, with the bytes restored, gives a measured rate for estimating the RTO of the whole job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mamori.engines.backup.content import ContentCheck, ContentVerdict, check_path
from mamori.engines.backup.listing import FileEntry, SnapshotInfo
from mamori.engines.backup.verify import BackupRepository, typed_name

__all__ = ["DrillResult", "run_drill"]

_MTIME_SLACK = dt.timedelta(seconds=1)  # borg 1.2 lists times rounded through a float


@dataclass
class DrillResult:
    snapshot: SnapshotInfo
    restored: int
    bytes: int
    seconds: float
    matched: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)  # unchanged in production, different when restored
    changed_since: list[str] = field(default_factory=list)  # production changed since: not comparable
    missing_in_production: list[str] = field(default_factory=list)
    broken: list[ContentCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.restored > 0 and not self.mismatched and not self.broken

    @property
    def bytes_per_second(self) -> float:
        return self.bytes / self.seconds if self.seconds else 0.0


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _unchanged(entry: FileEntry, source: Path) -> bool:
    stat = source.stat()
    if stat.st_size != entry.size or entry.mtime is None:
        return False
    mtime = dt.datetime.fromtimestamp(stat.st_mtime, dt.UTC)
    return abs(mtime - entry.mtime) <= _MTIME_SLACK


def run_drill(repo: BackupRepository, snapshot: SnapshotInfo, scratch: Path, *, files: int = 50,
              production_root: Path | None = None, seed: str = "drill") -> DrillResult:
    """Restore `files` files of the snapshot chosen at random (the whole snapshot when it has fewer) into
    `scratch`, and compare them with production under `production_root` (the snapshot's paths joined to it;
    `Path("/")` when the snapshot was taken of this machine's own folders)."""
    entries = [e for e in repo.ls(snapshot.id) if e.type == "file"]
    rng = random.Random(f"{seed}:{snapshot.id}")  # noqa: S311 -- a reproducible choice of files, not a secret
    chosen: Sequence[FileEntry] = rng.sample(entries, min(files, len(entries)))
    target = scratch / f"drill-{snapshot.short_id}"
    target.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        root = repo.restore(snapshot.id, [e.path for e in chosen], target)
        seconds = time.perf_counter() - started
        result = DrillResult(snapshot, len(chosen), sum(e.size for e in chosen), seconds)
        for entry in chosen:
            restored = root / entry.path.lstrip("/")
            name = typed_name(entry.path)
            if name is not None:
                check = check_path(restored, name)
                if check.verdict in (ContentVerdict.MISMATCH, ContentVerdict.PARTIAL):
                    result.broken.append(check)
            if production_root is None:
                continue
            source = production_root / entry.path.lstrip("/")
            if not source.is_file():
                result.missing_in_production.append(entry.path)
            elif not _unchanged(entry, source):
                result.changed_since.append(entry.path)
            elif _sha256(source) == _sha256(restored):
                result.matched.append(entry.path)
            else:
                result.mismatched.append(entry.path)
        return result
    finally:
        shutil.rmtree(target, ignore_errors=True)
