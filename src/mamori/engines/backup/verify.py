"""Verifying a backup repository: every snapshot judged Clean / Suspicious / Encrypted, the last clean restore point.

For each snapshot, in time order: its listing is compared with the one before (renames, notes, volume), a
sample of its files is restored to a scratch folder and each file's content is checked against its type (the
files new or changed since the previous snapshot first, then a random fill: `sampling.detection_probability`
tells what the sample size catches), and the verdict is carried forward while encrypted files remain.
The repository's own integrity check (`restic check`, `borg check`) is run as well.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from mamori.engines.backup.content import ContentCheck, ContentVerdict, check_path, kind_of
from mamori.engines.backup.diff import SnapshotDiff, diff_snapshots
from mamori.engines.backup.indicators import appended_extension
from mamori.engines.backup.listing import CheckResult, FileEntry, SnapshotInfo
from mamori.engines.backup.sampling import choose_sample, detection_probability
from mamori.engines.backup.verdict import SnapshotState, SnapshotVerdict, judge, last_clean

__all__ = ["DEFAULT_SAMPLE", "BackupRepository", "SnapshotReport", "VerifyReport", "verify_repository"]

DEFAULT_SAMPLE = 300  # catches 1% of 20,000 files encrypted with 95% probability (sampling.detection_probability)


class BackupRepository(Protocol):
    """What verification needs of a repository (restic.ResticRepository, borg.BorgRepository)."""

    tool: str

    def snapshots(self) -> list[SnapshotInfo]: ...

    def ls(self, snapshot_id: str) -> Iterator[FileEntry]: ...

    def restore(self, snapshot_id: str, paths: Sequence[str], target: Path) -> Path: ...

    def check(self, read_data: bool = False) -> CheckResult: ...  # not called when `reads_contents` is False


@dataclass
class SnapshotReport:
    snapshot: SnapshotInfo
    verdict: SnapshotVerdict
    files: int
    diff: SnapshotDiff
    checks: list[ContentCheck] = field(default_factory=list)


@dataclass
class VerifyReport:
    tool: str
    snapshots: list[SnapshotReport]
    check: CheckResult | None
    sample_size: int
    seconds: float = 0.0

    @property
    def last_clean(self) -> SnapshotInfo | None:
        verdict = last_clean([s.verdict for s in self.snapshots])
        return next((s.snapshot for s in self.snapshots if s.verdict is verdict), None) if verdict else None

    @property
    def newest(self) -> SnapshotReport | None:
        return self.snapshots[-1] if self.snapshots else None

    @property
    def ok(self) -> bool:
        """The newest snapshot is Clean and the integrity check (when run) passed."""
        newest = self.newest
        return (newest is not None and newest.verdict.state == SnapshotState.CLEAN
                and (self.check is None or self.check.ok))

    def detection(self, affected_share: float = 0.01) -> float:
        """The chance that the newest snapshot's sample meets at least one file of `affected_share` encrypted."""
        newest = self.newest
        if newest is None or not newest.files:
            return 0.0
        return detection_probability(newest.files, max(1, round(newest.files * affected_share)),
                                     min(self.sample_size, newest.files))


def typed_name(path: str) -> str | None:
    """The name whose type the file's content should have: its own, or the one before an extension ransomware
    appended (`報告書.docx.lockbit` should still be a docx, and is not); None when no type is known."""
    if kind_of(path) is not None:
        return path
    extension = appended_extension(path)
    if extension is not None and kind_of(path[: -len(extension) - 1]) is not None:
        return path[: -len(extension) - 1]
    return None


def _sample(entries: list[FileEntry], diff: SnapshotDiff, size: int, seed: str) -> list[str]:
    eligible = [e.path for e in entries if e.type == "file" and e.size > 0 and typed_name(e.path) is not None]
    wanted = set(eligible)
    return choose_sample(eligible, size, seed, always=[p for p in diff.touched() if p in wanted],
                         checkable=typed_name)


def _check_sample(repo: BackupRepository, snapshot: SnapshotInfo, paths: list[str], scratch: Path
                  ) -> list[ContentCheck]:
    if not paths:
        return []
    target = scratch / snapshot.short_id
    target.mkdir(parents=True, exist_ok=True)
    try:
        root = repo.restore(snapshot.id, paths, target)
        return [replace(check_path(root / p.lstrip("/"), typed_name(p)), path=p) for p in paths]
    finally:
        shutil.rmtree(target, ignore_errors=True)


def _broken_before(repo: BackupRepository, earlier: SnapshotInfo, previous: list[FileEntry] | None,
                   checks: list[ContentCheck], scratch: Path) -> frozenset[str]:
    """Of the sampled files broken now, those the previous snapshot holds broken too (restored from it and
    checked again): a file that was sound there and is not now has been changed into something else."""
    broken = [c.path for c in checks if c.verdict in (ContentVerdict.MISMATCH, ContentVerdict.PARTIAL)]
    held = {e.path for e in previous or ()}
    again = _check_sample(repo, earlier, [p for p in broken if p in held], scratch)
    return frozenset(c.path for c in again if c.verdict in (ContentVerdict.MISMATCH, ContentVerdict.PARTIAL))


def verify_repository(repo: BackupRepository, scratch: Path, *, sample_size: int = DEFAULT_SAMPLE,
                      seed: str = "mamori", integrity: bool = True, read_data: bool = False) -> VerifyReport:
    """Judge every snapshot of the repository (restoring samples into `scratch`) and run its integrity check."""
    started = time.perf_counter()
    contents = getattr(repo, "reads_contents", True)  # a manifest lists files but holds no contents
    reports: list[SnapshotReport] = []
    previous: list[FileEntry] | None = None
    history: list[float] = []
    carried: tuple[str, frozenset[str]] | None = None
    earlier: SnapshotInfo | None = None
    for snapshot in repo.snapshots():
        entries = [e for e in repo.ls(snapshot.id) if e.type == "file"]
        diff = diff_snapshots(previous, entries)
        checks = _check_sample(repo, snapshot, _sample(entries, diff, sample_size, f"{seed}:{snapshot.id}"),
                               scratch) if contents else []
        broken_before = _broken_before(repo, earlier, previous, checks, scratch) \
            if earlier is not None and contents else None
        verdict = judge(snapshot.short_id, diff, checks, history, carried, frozenset(e.path for e in entries),
                        broken_before)
        if verdict.state == SnapshotState.ENCRYPTED:
            carried = (snapshot.short_id, verdict.flagged)
        elif verdict.state == SnapshotState.CLEAN and previous is not None:
            history.append(diff.change_ratio)
        reports.append(SnapshotReport(snapshot, verdict, len(entries), diff, checks))
        previous, earlier = entries, snapshot
    check = repo.check(read_data=read_data) if integrity and contents else None
    return VerifyReport(repo.tool, reports, check, sample_size if contents else 0, time.perf_counter() - started)
