"""Clean / Suspicious / Encrypted for one snapshot, from its listing's changes and its sampled contents.

No single weak signal decides. A snapshot is **Encrypted** when the evidence is of ransomware itself: many files
renamed to one new extension, ransom notes, or several sampled files whose content no longer matches their type;
**Suspicious** when something needs a person's look (one or two sampled files broken, a few renames, an unusual
change volume or mass deletion); **Clean** otherwise. A snapshot that still holds files an earlier snapshot was
judged Encrypted for stays Encrypted: restoring it brings them back.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mamori.engines.backup.content import ContentCheck, ContentVerdict
from mamori.engines.backup.diff import SnapshotDiff

__all__ = ["REASON_TEXTS", "SnapshotReason", "SnapshotState", "SnapshotVerdict", "judge", "last_clean"]

# Thresholds, each with why.
MASS_RENAME_FILES = 20  # a family renames every file it encrypts; users do not rename 20 files to one new extension
MASS_RENAME_SHARE = 0.05  # … or 5% of a small share
BROKEN_FOR_ENCRYPTED = 3  # one broken file can be a bad download; three sampled ones are not chance
BROKEN_SHARE_FOR_ENCRYPTED = 0.1
VOLUME_FACTOR = 3.0  # against the median change ratio of the job's earlier snapshots
VOLUME_FLOOR = 0.3  # with no history: a third of the files changed in one run
VOLUME_MIN_FILES = 100  # small shares change wholesale legitimately
DELETION_SHARE = 0.3

REASON_TEXTS: dict[str, str] = {
    "mass_rename": "{count} files were renamed to a new extension (.{extension}), e.g. {example}",
    "renamed": "{count} files were renamed to an appended extension (.{extension}), e.g. {example}",
    "ransom_note": "{count} ransom-note files appeared, e.g. {example}",
    "content_broken": "{count} of {sampled} sampled files no longer match their type, e.g. {example}",
    "content_partial": "{count} sampled files have parts that are no longer their type (partial encryption), "
                       "e.g. {example}",
    "change_volume": "{count} files changed ({share} of the previous snapshot), against a usual {usual}",
    "mass_deletion": "{count} files were deleted ({share} of the previous snapshot)",
    "carried": "still holds {count} files judged encrypted in snapshot {snapshot}, e.g. {example}",
    "still_broken": "{count} sampled files were already broken in the previous snapshot and still are, e.g. {example}",
}


class SnapshotState(StrEnum):
    CLEAN = "clean"
    SUSPICIOUS = "suspicious"
    ENCRYPTED = "encrypted"


@dataclass(frozen=True, slots=True)
class SnapshotReason:
    code: str
    state: SnapshotState
    count: int
    examples: tuple[str, ...]
    args: tuple[tuple[str, str], ...] = ()

    @property
    def text(self) -> str:
        values = {"count": str(self.count), "example": self.examples[0] if self.examples else "", **dict(self.args)}
        return REASON_TEXTS[self.code].format(**values)


@dataclass
class SnapshotVerdict:
    snapshot_id: str
    state: SnapshotState
    reasons: list[SnapshotReason] = field(default_factory=list)
    sampled: int = 0
    broken: list[str] = field(default_factory=list)  # sampled files that failed, MISMATCH or PARTIAL
    flagged: frozenset[str] = frozenset()  # the paths that made it Encrypted (carried to later snapshots)


def _share(value: float) -> str:
    return f"{value:.0%}"


def _listing_reasons(diff: SnapshotDiff, history: Sequence[float]) -> list[SnapshotReason]:
    reasons: list[SnapshotReason] = []
    if diff.new_extensions:
        extension, count = diff.new_extensions.most_common(1)[0]
        examples = tuple(new for _old, new in diff.renamed if new.lower().endswith("." + extension))[:5]
        extension = examples[0][-len(extension):] if examples else extension  # as the files have it (.GxzrLqNfm)
        mass = count >= MASS_RENAME_FILES or (diff.previous_files and count >= MASS_RENAME_SHARE * diff.previous_files
                                              and count >= 3)
        state = SnapshotState.ENCRYPTED if mass else SnapshotState.SUSPICIOUS
        reasons.append(SnapshotReason("mass_rename" if mass else "renamed", state, count, examples,
                                      (("extension", extension),)))
    if diff.ransom_notes:
        reasons.append(SnapshotReason("ransom_note", SnapshotState.ENCRYPTED, len(diff.ransom_notes),
                                      tuple(diff.ransom_notes[:5])))
    renamed_from = {old for old, _new in diff.renamed}
    deleted = [p for p in diff.removed if p not in renamed_from]  # a renamed file is not a deleted one
    # A small share emptied whole is as telling as a third of a large one gone (a wiper, or a listing job that
    # wrote nothing).
    if diff.previous_files and len(deleted) >= DELETION_SHARE * diff.previous_files \
            and (len(deleted) >= VOLUME_MIN_FILES or len(deleted) == diff.previous_files):
        reasons.append(SnapshotReason("mass_deletion", SnapshotState.SUSPICIOUS, len(deleted),
                                      tuple(deleted[:5]), (("share", _share(len(deleted) / diff.previous_files)),)))
    usual = statistics.median(history) if history else None
    limit = max(VOLUME_FLOOR, VOLUME_FACTOR * usual) if usual is not None else VOLUME_FLOOR
    if diff.previous_files and diff.changed >= VOLUME_MIN_FILES and diff.change_ratio >= limit:
        reasons.append(SnapshotReason("change_volume", SnapshotState.SUSPICIOUS, diff.changed,
                                      tuple(diff.touched()[:5]), (("share", _share(diff.change_ratio)),
                                                                  ("usual", _share(usual or 0.0)))))
    return reasons


def _content_reasons(checks: Sequence[ContentCheck], compared: bool) -> tuple[list[SnapshotReason], list[str]]:
    """`compared`: the broken files were checked in the previous snapshot too and were sound there (their
    content changed into something that is not their type: ransomware's work, however few the sample holds)."""
    checked = [c for c in checks if c.verdict != ContentVerdict.UNCHECKED]
    whole = [c.path for c in checked if c.verdict == ContentVerdict.MISMATCH]
    partial = [c.path for c in checked if c.verdict == ContentVerdict.PARTIAL]
    broken = whole + partial
    if not broken:
        return [], []
    many = len(broken) >= BROKEN_FOR_ENCRYPTED and (
        compared or len(broken) >= BROKEN_SHARE_FOR_ENCRYPTED * len(checked))
    state = SnapshotState.ENCRYPTED if many else SnapshotState.SUSPICIOUS
    reasons = []
    if whole:
        reasons.append(SnapshotReason("content_broken", state, len(whole), tuple(whole[:5]),
                                      (("sampled", str(len(checked))),)))
    if partial:
        reasons.append(SnapshotReason("content_partial", state, len(partial), tuple(partial[:5])))
    return reasons, broken


def judge(snapshot_id: str, diff: SnapshotDiff, checks: Sequence[ContentCheck], history: Sequence[float] = (),
          carried: tuple[str, frozenset[str]] | None = None, present: frozenset[str] = frozenset(),
          broken_before: frozenset[str] | None = None) -> SnapshotVerdict:
    """The verdict of one snapshot. `history`: the change ratios of the job's earlier clean snapshots;
    `carried`: (snapshot id, paths) of the latest Encrypted snapshot before this one; `present`: this
    snapshot's paths, to see which of those it still holds; `broken_before`: of the sampled files that are
    broken here, those already broken in the previous snapshot (None: not compared, e.g. the first snapshot).
    A file broken before is not new evidence (it was judged with the snapshot it first broke in) but keeps this
    one Suspicious: no snapshot that holds a broken file is offered as the clean restore point."""
    reasons = _listing_reasons(diff, history)
    if broken_before:  # not new evidence, but restoring this snapshot brings them back as they are
        checks = [c for c in checks if c.path not in broken_before]
        reasons.append(SnapshotReason("still_broken", SnapshotState.SUSPICIOUS, len(broken_before),
                                      tuple(sorted(broken_before)[:5])))
    content, broken = _content_reasons(checks, compared=broken_before is not None)
    reasons += content
    if carried is not None:
        still = sorted(carried[1] & present)
        if still:
            reasons.append(SnapshotReason("carried", SnapshotState.ENCRYPTED, len(still), tuple(still[:5]),
                                          (("snapshot", carried[0]),)))
    reasons.sort(key=lambda r: r.state != SnapshotState.ENCRYPTED)  # the reasons that decide first
    encrypted = [r for r in reasons if r.state == SnapshotState.ENCRYPTED]
    state = SnapshotState.ENCRYPTED if encrypted else SnapshotState.SUSPICIOUS if reasons else SnapshotState.CLEAN
    flagged: set[str] = set()
    if encrypted:
        flagged.update(new for _old, new in diff.renamed)
        flagged.update(diff.ransom_notes)
        flagged.update(broken)
        if carried is not None:
            flagged.update(carried[1] & present)
    return SnapshotVerdict(snapshot_id, state, reasons, sampled=len(checks), broken=broken,
                           flagged=frozenset(flagged))


def last_clean(verdicts: Sequence[SnapshotVerdict]) -> SnapshotVerdict | None:
    """The newest Clean snapshot (verdicts in time order): the restore point to use."""
    return next((v for v in reversed(verdicts) if v.state == SnapshotState.CLEAN), None)
