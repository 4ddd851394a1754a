"""Snapshot listings compared and judged: renames, notes, volume, sampled contents, carried verdicts."""

from __future__ import annotations

import datetime as dt

from mamori.engines.backup.content import ContentCheck, ContentVerdict
from mamori.engines.backup.diff import diff_snapshots
from mamori.engines.backup.indicators import appended_extension, is_generic_note, is_strong_note
from mamori.engines.backup.listing import FileEntry
from mamori.engines.backup.verdict import SnapshotState, judge, last_clean

WHEN = dt.datetime(2026, 11, 30, 22, 0, tzinfo=dt.UTC)


def share(count: int, folders: int = 10) -> list[FileEntry]:
    """A file share of documents in `folders` department folders."""
    kinds = ("docx", "xlsx", "pdf", "csv", "jpg")
    return [FileEntry(f"/share/部署{n % folders:02d}/文書{n:05d}.{kinds[n % len(kinds)]}", "file", 1000 + n, WHEN,
                      None, 0o644) for n in range(count)]


def ok(path: str) -> ContentCheck:
    return ContentCheck(path, "docx", ContentVerdict.OK, "ok", "", None)


def broken(path: str, verdict: ContentVerdict = ContentVerdict.MISMATCH) -> ContentCheck:
    return ContentCheck(path, "docx", verdict, "zip_signature_missing", "", 0)


def encrypted_copy(entries: list[FileEntry], share_: float, extension: str = "lockbit") -> list[FileEntry]:
    """Ransomware's result: a share of the files renamed with an appended extension, notes in every folder."""
    count = int(len(entries) * share_)
    later = WHEN + dt.timedelta(days=1)
    out = [FileEntry(f"{e.path}.{extension}", "file", e.size + 512, later, None, 0o644) for e in entries[:count]]
    out += entries[count:]
    out += [FileEntry(f"/share/部署{n:02d}/Restore-My-Files.txt", "file", 900, later, None, 0o644) for n in range(10)]
    return out


def test_names_ransomware_leaves_are_told_from_ordinary_ones() -> None:
    assert is_strong_note("Restore-My-Files.txt") and is_strong_note("HOW_TO_DECRYPT.html")
    assert not is_strong_note("README.txt") and is_generic_note("README.txt")
    assert appended_extension("報告書.docx.lockbit") == "lockbit" and appended_extension("x.akira") == "akira"
    assert appended_extension("access.log.gz") is None and appended_extension("access.log.1") is None
    assert appended_extension("写真.jpg") is None


def test_an_ordinary_day_is_clean() -> None:
    before = share(1000)
    edited = [FileEntry(e.path, "file", e.size + 10, WHEN + dt.timedelta(days=1), None, 0o644) for e in before[990:]]
    after = [*before[:990], *edited, FileEntry("/share/部署01/新規.docx", "file", 5000, WHEN, None, 0)]
    diff = diff_snapshots(before, after)
    assert (len(diff.added), len(diff.modified), len(diff.removed)) == (1, 10, 0)
    verdict = judge("b", diff, [ok(p) for p in diff.touched()], history=[0.01, 0.02])
    assert verdict.state == SnapshotState.CLEAN and not verdict.reasons


def test_mass_renames_and_notes_make_it_encrypted() -> None:
    before = share(1000)
    diff = diff_snapshots(before, encrypted_copy(before, 0.4))
    assert diff.new_extensions["lockbit"] == 400 and len(diff.ransom_notes) == 10
    verdict = judge("c", diff, [])
    assert verdict.state == SnapshotState.ENCRYPTED
    codes = {r.code for r in verdict.reasons}
    assert {"mass_rename", "ransom_note"} <= codes
    text = next(r for r in verdict.reasons if r.code == "mass_rename").text
    assert "400 files" in text and ".lockbit" in text


def test_a_generic_note_counts_only_when_it_lands_in_many_folders() -> None:
    before = share(200)
    one = diff_snapshots(before, [*before, FileEntry("/share/部署01/readme.txt", "file", 10, WHEN, None, 0)])
    assert one.ransom_notes == []
    many = diff_snapshots(before, [*before, *(FileEntry(f"/share/部署{n:02d}/readme.txt", "file", 10, WHEN, None, 0)
                                              for n in range(5))])
    assert len(many.ransom_notes) == 5


def test_intermittent_encryption_with_unchanged_names_is_found_by_the_sample_only() -> None:
    before = share(1000)
    diff = diff_snapshots(before, before)  # names, sizes and times kept: the listing says nothing
    sampled = [broken(e.path, ContentVerdict.PARTIAL) for e in before[:5]] + [ok(e.path) for e in before[5:30]]
    verdict = judge("d", diff, sampled)
    assert verdict.state == SnapshotState.ENCRYPTED
    assert verdict.reasons[0].code == "content_partial" and verdict.reasons[0].count == 5
    one = judge("e", diff, [broken(before[0].path)] + [ok(e.path) for e in before[1:30]])
    assert one.state == SnapshotState.SUSPICIOUS  # one broken file is worth a look, not an alarm


def test_an_unusual_change_volume_is_suspicious_against_the_jobs_history() -> None:
    before = share(1000)
    after = [FileEntry(e.path, "file", e.size + 1, WHEN + dt.timedelta(days=1), None, 0) if n < 400 else e
             for n, e in enumerate(before)]
    diff = diff_snapshots(before, after)
    assert judge("f", diff, [], history=[0.02, 0.03, 0.02]).state == SnapshotState.SUSPICIOUS
    assert judge("f", diff, [], history=[0.5, 0.4, 0.45]).state == SnapshotState.CLEAN  # a job that churns


def test_a_later_snapshot_still_holding_the_encrypted_files_stays_encrypted_and_the_clean_one_is_named() -> None:
    first = share(500)
    hit = encrypted_copy(first, 0.5)
    v1 = judge("s1", diff_snapshots(None, first), [])
    v2 = judge("s2", diff_snapshots(first, hit), [])
    v3 = judge("s3", diff_snapshots(hit, hit), [], carried=("s2", v2.flagged),
               present=frozenset(e.path for e in hit))
    assert [v.state for v in (v1, v2, v3)] == [SnapshotState.CLEAN, SnapshotState.ENCRYPTED, SnapshotState.ENCRYPTED]
    assert v3.reasons[0].code == "carried" and "s2" in v3.reasons[0].text
    assert last_clean([v1, v2, v3]) is v1


def test_a_few_sampled_files_that_were_sound_in_the_previous_snapshot_are_encryption() -> None:
    before = share(20000)
    diff = diff_snapshots(before, before)
    sampled = [broken(e.path, ContentVerdict.PARTIAL) for e in before[:4]] + [ok(e.path) for e in before[4:300]]
    assert judge("g", diff, sampled).state == SnapshotState.SUSPICIOUS  # 4 of 300, nothing to compare with
    assert judge("g", diff, sampled, broken_before=frozenset()).state == SnapshotState.ENCRYPTED  # all were sound
    already = frozenset(e.path for e in before[:4])  # corrupt before: judged with the snapshot they broke in
    verdict = judge("g", diff, sampled, broken_before=already)
    assert verdict.state == SnapshotState.SUSPICIOUS  # not new evidence, but not a clean restore point either
    assert [r.code for r in verdict.reasons] == ["still_broken"] and verdict.reasons[0].count == 4
