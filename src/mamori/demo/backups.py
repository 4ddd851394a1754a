"""The demo hospital's backup jobs: one healthy, one with no offline copy (on the EHR LAN and domain, as the
demo ledger's backup server is), one whose newest snapshot captured a LockBit 3.0-style encryption.

The jobs read plain manifests (path, size, mtime, SHA-256: the format for tools Mamori cannot read directly),
written here into the data directory with times relative to the moment the demo is loaded, and are verified
by the real engine, so every verdict, restore point and check on the pages comes from Mamori's own code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from pathlib import Path
from zoneinfo import ZoneInfo

from django.utils import timezone

from mamori.backups.choices import BackupTool, CopyKind, RunTrigger
from mamori.backups.models import BackupCopy, BackupJob, RestoreDrill
from mamori.backups.verification import verify_job
from mamori.engines.backup.listing import FileEntry
from mamori.engines.backup.manifest import write_manifest
from mamori.ledger.models import Asset

__all__ = ["AD_DOMAIN", "load_demo_backups"]

AD_DOMAIN = "MAMORI-HOSP.LOCAL"
JST = ZoneInfo("Asia/Tokyo")
GENERATIONS = 8
_FOLDERS = ("医事課/請求", "医事課/レセプト控え", "看護部/勤務表", "地域連携室/紹介状", "検査科/精度管理",
            "総務課/規程")
_KINDS = (("xlsx", 48_000), ("docx", 36_000), ("pdf", 220_000), ("csv", 9_000), ("txt", 2_500), ("jpg", 540_000))
LOCKBIT_EXTENSION = "GxzrLqNfm"  # LockBit 3.0 appends a random 9-character extension per victim


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()


def _share(root: str, files: int, rng: random.Random, start: dt.datetime) -> list[FileEntry]:
    entries = []
    for number in range(files):
        folder = _FOLDERS[number % len(_FOLDERS)]
        extension, size = _KINDS[number % len(_KINDS)]
        path = f"{root}/{folder}/{number:04d}_{folder.split('/')[-1]}.{extension}"
        mtime = start - dt.timedelta(days=rng.randint(1, 900), seconds=rng.randint(0, 86_399))
        entries.append(FileEntry(path, "file", size + rng.randint(0, size), mtime, _digest(path, 0)))
    return entries


def _edited(entries: list[FileEntry], day: int, when: dt.datetime, rng: random.Random) -> list[FileEntry]:
    """A day's ordinary work: a few files saved again, a few new ones."""
    changed = list(entries)
    for index in rng.sample(range(len(changed)), 4):
        e = changed[index]
        changed[index] = FileEntry(e.path, "file", e.size + rng.randint(-500, 2_000), when - dt.timedelta(hours=9),
                                   _digest(e.path, day))
    root = entries[0].path.split("/", 2)[1]
    for extra in range(2):
        path = f"/{root}/{_FOLDERS[(day + extra) % len(_FOLDERS)]}/{day:03d}{extra}_追加.docx"
        changed.append(FileEntry(path, "file", 30_000 + rng.randint(0, 9_000), when - dt.timedelta(hours=8),
                                 _digest(path, day)))
    return changed


def _encrypted(entries: list[FileEntry], when: dt.datetime) -> list[FileEntry]:
    """What LockBit 3.0 leaves: every document renamed to the victim's extension, a note in every folder."""
    out = []
    for e in entries:
        new = f"{e.path}.{LOCKBIT_EXTENSION}"
        out.append(FileEntry(new, "file", e.size + 512, when, _digest(new, "encrypted")))
    for folder in sorted({e.path.rsplit("/", 1)[0] for e in entries}):
        note = f"{folder}/{LOCKBIT_EXTENSION}.README.txt"
        out.append(FileEntry(note, "file", 8_514, when, _digest(note)))
    return out


def _write_manifests(folder: Path, name: str, root: str, files: int, now: dt.datetime, seed: int, at: dt.time,
                     encrypt_last: bool = False) -> None:
    """One manifest a night at `at` (JST, the job's schedule), the newest the last such time before `now`."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.csv"):
        stale.unlink()
    rng = random.Random(seed)  # noqa: S311 -- demo data, not a secret
    local = now.astimezone(JST)
    newest = dt.datetime.combine(local.date(), at, tzinfo=JST)
    if newest > local:
        newest -= dt.timedelta(days=1)
    first = newest - dt.timedelta(days=GENERATIONS - 1)
    entries = _share(root, files, rng, first)
    for day in range(GENERATIONS):
        when = first + dt.timedelta(days=day)
        if day:
            entries = _edited(entries, day, when, rng)
        listed = _encrypted(entries, when - dt.timedelta(hours=1)) if encrypt_last and day == GENERATIONS - 1 \
            else entries
        stamp = when.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        write_manifest(folder / f"{name}_{stamp}.csv", listed)


def _asset(facility_id: int, key: str = "", name: str = "") -> Asset:
    qs = Asset.objects.filter(facility_id=facility_id)
    found = qs.filter(key=key).first() if key else qs.filter(name__startswith=name).order_by("key").first()
    if found is None:
        raise ValueError(f"demo ledger has no asset {key or name}")
    return found


def _file_server(facility_id: int) -> Asset:
    """The generated file server; a small demo (few assets) may have none: then an office-segment server."""
    servers = Asset.objects.filter(facility_id=facility_id, category="server").order_by("key")
    found = servers.filter(name__startswith="ファイルサーバ").first() or servers.filter(
        segment__kind="office").first() or servers.exclude(key__in=("SV-90006", "SV-90012", "SV-90013")).first()
    if found is None:
        raise ValueError("demo ledger has no server for the file-share backup")
    return found


def load_demo_backups(facility_id: int, data_dir: Path) -> dict[str, str]:
    """Create the three jobs with their copies and drills, write their manifests, verify them; return each
    job's newest state."""
    now = timezone.now()
    ehr_db, ehr_backup = _asset(facility_id, "SV-90006"), _asset(facility_id, "SV-90012")
    accounting, file_server = _asset(facility_id, "SV-90013"), _file_server(facility_id)
    Asset.objects.filter(pk__in=[ehr_db.pk, ehr_backup.pk, accounting.pk, file_server.pk]).update(ad_domain=AD_DOMAIN)
    folder = data_dir / "backups" / f"demo-{facility_id}"
    day = dt.timedelta(days=1)
    jobs = []

    ehr = BackupJob.objects.create(
        facility_id=facility_id, code="BK-EHR", name="電子カルテDB 日次バックアップ", system=ehr_db,
        backup_host=ehr_backup, tool=BackupTool.MANIFEST, repository=str(folder / "ehr"), schedule="毎日 02:00",
        rpo_hours=26, generations_required=7, rto_hours=24,
        restore_procedure="電子カルテ復旧手順書 第3版（情報システム課 共有フォルダ）",
        restore_procedure_reviewed=(now - 200 * day).date(), last_integrity_check=now - 2 * day, integrity_ok=True,
        notes="バックアップサーバは電子カルテ系と同一LAN・同一ドメイン。"
              "NAS のみで、オフライン／イミュータブルな複製がない。")
    BackupCopy.objects.create(job=ehr, kind=CopyKind.ONLINE, medium="NAS（Synology RS1221+）",
                              location="本館2F サーバ室", last_verified=now - day)
    RestoreDrill.objects.create(job=ehr, performed_at=now - 200 * day, performed_by="情報システム課 佐藤",
                                restored_what="電子カルテDB フルバックアップ", restored_to="待機系サーバ SV-90007",
                                files_restored=12, hashes_matched=12,
                                application_check="テスト患者のカルテを表示できた", application_ok=True,
                                measured_rto_minutes=410)
    _write_manifests(folder / "ehr", "ehr-db", "/backup/ehrdb", 90, now, 1, dt.time(2, 0))
    jobs.append(ehr)

    iji = BackupJob.objects.create(
        facility_id=facility_id, code="BK-IJI", name="医事会計・レセプト 日次バックアップ", system=accounting,
        tool=BackupTool.MANIFEST, repository=str(folder / "iji"), schedule="毎日 01:30", rpo_hours=26,
        generations_required=7, rto_hours=48, restore_procedure="医事会計システム復旧手順書（BCP 付録 C）",
        restore_procedure_reviewed=(now - 40 * day).date(), last_integrity_check=now - day, integrity_ok=True)
    BackupCopy.objects.create(job=iji, kind=CopyKind.ONLINE, medium="NAS", location="本館2F サーバ室",
                              last_verified=now - day)
    BackupCopy.objects.create(job=iji, kind=CopyKind.OFFLINE, medium="LTO-8 テープ（週次交換）",
                              location="別棟 金庫", last_verified=now - 6 * day)
    BackupCopy.objects.create(job=iji, kind=CopyKind.IMMUTABLE, medium="S3 互換ストレージ（オブジェクトロック 30日）",
                              location="委託先データセンター", last_verified=now - day)
    RestoreDrill.objects.create(job=iji, performed_at=now - 40 * day, performed_by="情報システム課 田中",
                                restored_what="医事会計DB（前日分）", restored_to="検証用仮想マシン",
                                files_restored=30, hashes_matched=30, application_check="レセプト1件を再出力できた",
                                application_ok=True, measured_rto_minutes=185)
    _write_manifests(folder / "iji", "iji", "/backup/iji", 120, now, 2, dt.time(1, 30))
    jobs.append(iji)

    share = BackupJob.objects.create(
        facility_id=facility_id, code="BK-FILE", name=f"{file_server.name.split()[0]} 共有フォルダ", system=file_server,
        tool=BackupTool.MANIFEST, repository=str(folder / "file"), schedule="毎日 03:00", rpo_hours=26,
        generations_required=7, restore_procedure="ファイルサーバ復旧手順（情報システム課）",
        restore_procedure_reviewed=(now - 100 * day).date(), last_integrity_check=now - day, integrity_ok=True)
    BackupCopy.objects.create(job=share, kind=CopyKind.ONLINE, medium="NAS", location="本館2F サーバ室",
                              last_verified=now - day)
    BackupCopy.objects.create(job=share, kind=CopyKind.OFFLINE, medium="USB HDD（月次、金庫保管）",
                              location="事務長室 金庫", last_verified=now - 30 * day)
    RestoreDrill.objects.create(job=share, performed_at=now - 100 * day, performed_by="情報システム課 佐藤",
                                restored_what="医事課フォルダ", restored_to="検証用フォルダ", files_restored=240,
                                hashes_matched=240, application_check="Excel で開けることを確認", application_ok=True,
                                measured_rto_minutes=35)
    _write_manifests(folder / "file", "fileserver", "/srv/share", 360, now, 3, dt.time(3, 0), encrypt_last=True)
    jobs.append(share)

    states = {}
    for job in jobs:
        run = verify_job(job, trigger=RunTrigger.DEMO)
        if run.failed:  # the project's own files: a failure is a bug
            raise ValueError(f"demo backup {job.code} could not be verified: {run.error}")
        states[job.code] = run.newest_state
    return states
