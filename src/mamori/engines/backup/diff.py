"""What changed between two snapshots of the same backup job: the listing signals of ransomware.

Mass renames to one new extension, ransom notes dropped into many folders, mass deletion and an unusual change
volume are read from the two file listings alone (restic `ls --json`, borg `list --json-lines`, a manifest).
A file is modified when its size, mtime or (manifests) SHA-256 changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from mamori.engines.backup.indicators import appended_extension, is_generic_note, is_strong_note
from mamori.engines.backup.listing import FileEntry

__all__ = ["NOTE_FOLDERS", "SnapshotDiff", "diff_snapshots"]

# A generic note name (readme.txt) new in at least this many folders at once is a ransom note.
NOTE_FOLDERS = 3
_EXAMPLES = 10


@dataclass
class SnapshotDiff:
    """The differences of a snapshot from the one before it (`previous_files` 0: the first snapshot)."""

    previous_files: int
    files: int
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)  # (old path, new path with an appended extension)
    new_extensions: Counter[str] = field(default_factory=Counter)  # appended extension → files
    ransom_notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        """Files added, removed or modified; a rename (the old name removed, the new one added) counts once."""
        removed = set(self.removed)
        renames = sum(1 for old, _new in self.renamed if old in removed)
        return len(self.added) + len(self.removed) + len(self.modified) - renames

    @property
    def change_ratio(self) -> float:
        """Changed files as a share of the previous snapshot's files."""
        return self.changed / self.previous_files if self.previous_files else 0.0

    def touched(self) -> list[str]:
        """The paths whose content is new in this snapshot (added or modified): the first to sample."""
        return [*self.modified, *self.added]


def _key(entry: FileEntry) -> tuple[int, object, str | None]:
    return entry.size, entry.mtime, entry.sha256


def _notes(added: list[str], seen_before: set[str]) -> list[str]:
    strong = [p for p in added if is_strong_note(p)]
    folders: dict[str, set[str]] = {}
    for path in added:
        name = PurePosixPath(path).name
        if name.lower() not in seen_before and is_generic_note(name) and not is_strong_note(name):
            folders.setdefault(name.lower(), set()).add(str(PurePosixPath(path).parent))
    generic = [p for p in added if PurePosixPath(p).name.lower() in folders
               and len(folders[PurePosixPath(p).name.lower()]) >= NOTE_FOLDERS]
    return sorted({*strong, *generic})


def diff_snapshots(previous: Iterable[FileEntry] | None, current: Iterable[FileEntry]) -> SnapshotDiff:
    """Compare two listings (regular files only are compared; folders and links are skipped)."""
    before = {e.path: _key(e) for e in previous or () if e.type == "file"}
    now = {e.path: _key(e) for e in current if e.type == "file"}
    result = SnapshotDiff(previous_files=len(before), files=len(now))
    result.added = sorted(p for p in now if p not in before)
    result.removed = sorted(p for p in before if p not in now)
    result.modified = sorted(p for p, k in now.items() if p in before and before[p] != k)
    removed = set(result.removed)
    for path in result.added:
        extension = appended_extension(path)
        if extension is None:
            continue
        original = path[: -len(extension) - 1]
        if original in removed or original not in now:  # renamed, or written beside a file that went
            result.renamed.append((original, path))
            result.new_extensions[extension.lower()] += 1
    names_before = {PurePosixPath(p).name.lower() for p in before}
    result.ransom_notes = _notes(result.added, names_before)
    return result
