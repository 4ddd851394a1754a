"""The plain CSV manifest: what it accepts, and how it refuses a CP932 file or bad rows."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from mamori.engines.backup.listing import FileEntry
from mamori.engines.backup.manifest import ManifestError, manifest_snapshot, read_manifest

EMPTY_SHA = hashlib.sha256(b"").hexdigest()
ONE_SHA = hashlib.sha256(b"1").hexdigest()
JST = timezone(timedelta(hours=9))


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_a_good_manifest_is_read_row_by_row(tmp_path: Path) -> None:
    manifest = write(tmp_path / "m.csv", (
        "path,size,mtime,sha256\r\n"
        f"/共有/検査結果.txt,1532,2025-04-01T09:30:00+09:00,{ONE_SHA.upper()}\r\n"
        f'"/共有/[重要] 手順, 改訂.txt",0,1743467400.123456,{EMPTY_SHA}\r\n'
        f"/共有/z.txt,7,2025-04-01T00:30:00.5Z,{ONE_SHA}\r\n"), "utf-8-sig")
    assert manifest.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel's "CSV UTF-8" writes a BOM
    assert read_manifest(manifest) == [
        FileEntry("/共有/検査結果.txt", "file", 1532, datetime(2025, 4, 1, 0, 30, tzinfo=UTC), ONE_SHA),
        FileEntry("/共有/[重要] 手順, 改訂.txt", "file", 0, datetime(2025, 4, 1, 0, 30, 0, 123456, tzinfo=UTC),
                  EMPTY_SHA),
        FileEntry("/共有/z.txt", "file", 7, datetime(2025, 4, 1, 0, 30, 0, 500000, tzinfo=UTC), ONE_SHA),
    ]


def test_the_columns_may_come_in_any_order(tmp_path: Path) -> None:
    manifest = write(tmp_path / "m.csv", f"sha256,path,mtime,size\n{ONE_SHA},a.txt,0,1\n")
    assert read_manifest(manifest) == [FileEntry("a.txt", "file", 1, datetime(1970, 1, 1, tzinfo=UTC), ONE_SHA)]


def test_a_cp932_file_is_refused_with_the_byte_offset_unless_cp932_is_asked_for(tmp_path: Path) -> None:
    text = f"path,size,mtime,sha256\n/共有/検査結果.csv,1,2025-04-01T09:30:00+09:00,{ONE_SHA}\n"
    manifest = write(tmp_path / "excel.csv", text, "cp932")
    offset = manifest.read_bytes().index("共".encode("cp932"))
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    message = str(caught.value)
    assert message.startswith(f"{manifest}, line 2: not utf-8:")
    assert f"byte offset {offset}" in message and "CP932" in message and "encoding='cp932'" in message
    assert caught.value.code == "encoding" and caught.value.params["offset"] == offset
    assert [e.path for e in read_manifest(manifest, encoding="cp932")] == ["/共有/検査結果.csv"]


def test_every_bad_row_is_reported_at_once_and_nothing_is_returned(tmp_path: Path) -> None:
    manifest = write(tmp_path / "bad.csv", (
        "path,size,mtime,sha256\n"
        f"/ok.txt,1,0,{ONE_SHA}\n"
        f"/size.txt,1.5,0,{ONE_SHA}\n"
        f"/naive.txt,1,2025-04-01T09:30:00,{ONE_SHA}\n"
        "/sha.txt,1,0,abc123\n"
        f"/ok.txt,1,0,{ONE_SHA}\n"
        "/short.txt,1\n"
        f",-1,yesterday,{ONE_SHA}\n"))
    with pytest.raises(ManifestError) as caught:
        read_manifest(manifest)
    error = caught.value
    assert error.code == "bad_rows" and error.params["rows"] == 6
    message = str(error)
    assert message.startswith(f"{manifest}: 6 bad rows, nothing was read:")
    for where in (f"{manifest}, line 3, size: not a whole number of bytes: '1.5'",
                  f"{manifest}, line 4, mtime: not an ISO 8601 time with UTC offset",
                  f"{manifest}, line 5, sha256: not 64 hexadecimal digits: 'abc123'",
                  f"{manifest}, line 6, path: listed twice (first on line 2)",
                  f"{manifest}, line 7: 2 fields, the header has 4",
                  f"{manifest}, line 8, path: empty", f"{manifest}, line 8, size:", f"{manifest}, line 8, mtime:"):
        assert where in message


def test_a_wrong_header_an_empty_file_and_too_many_rows_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match=r"line 1: the header must name exactly the columns path,size,mtime,sha256"):
        read_manifest(write(tmp_path / "h.csv", "path,size,mtime,md5\n"))
    with pytest.raises(ManifestError, match="empty"):
        read_manifest(write(tmp_path / "e.csv", ""))
    rows = "".join(f"/f{n}.txt,1,0,{ONE_SHA}\n" for n in range(4))
    with pytest.raises(ManifestError, match="more than 3 rows") as caught:
        read_manifest(write(tmp_path / "big.csv", "path,size,mtime,sha256\n" + rows), max_rows=3)
    assert caught.value.code == "too_many_rows"
    assert len(read_manifest(tmp_path / "big.csv", max_rows=4)) == 4
    with pytest.raises(ManifestError, match="cannot be read"):
        read_manifest(tmp_path / "missing.csv")


def test_a_manifest_as_a_snapshot_takes_its_id_from_the_file_and_its_time_from_the_name(tmp_path: Path) -> None:
    body = f"path,size,mtime,sha256\n/a.txt,1,2025-04-01T01:00:00Z,{ONE_SHA}\n/b.txt,2,2025-04-02T01:00:00Z,{ONE_SHA}\n"
    named = write(tmp_path / "nas-daily_20250403T020000+0900.csv", body)
    snapshot = manifest_snapshot(named)
    assert snapshot.id == hashlib.sha256(named.read_bytes()).hexdigest() and snapshot.short_id == snapshot.id[:8]
    assert snapshot.time == datetime(2025, 4, 2, 17, 0, tzinfo=UTC) and snapshot.tool == "manifest"
    assert snapshot.summary == {"files": 2, "bytes": 3}
    naive = write(tmp_path / "nas-daily_20250403T020000.csv", body)
    assert manifest_snapshot(naive, local_zone=JST).time == datetime(2025, 4, 2, 17, 0, tzinfo=UTC)
    plain = write(tmp_path / "manifest.csv", body)
    assert manifest_snapshot(plain).time == datetime(2025, 4, 2, 1, 0, tzinfo=UTC)  # the newest mtime
    with pytest.raises(ManifestError, match="no time"):
        manifest_snapshot(write(tmp_path / "empty-manifest.csv", "path,size,mtime,sha256\n"))
