"""The small file share the restic and borg reader tests back up: Japanese names, brackets (glob characters), a
CP932 CSV, a nested folder and an empty file, with fixed times in whole microseconds (restic keeps nanoseconds,
borg rounds to microseconds: both must read back equal)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["BRACKETS", "JAPANESE", "make_share"]

JAPANESE = "検査結果.txt"
BRACKETS = "[重要] 手順.txt"


def make_share(root: Path) -> Path:
    share = root / "share"
    (share / "部署" / "放射線科").mkdir(parents=True)
    files = {
        "notes.txt": "定期バックアップの確認メモ\n".encode(),
        "export_cp932.csv": "氏名,検査\n山田太郎,血液検査\n".encode("cp932"),
        JAPANESE: "結果: 異常なし\n".encode(),
        BRACKETS: b"step 1\nstep 2\n",
        "部署/放射線科/report.txt": b"CT report\n" * 50,
        "empty.dat": b"",
    }
    for number, (name, data) in enumerate(files.items()):
        (share / name).write_bytes(data)
        os.utime(share / name, ns=(1_743_467_400_123_456_000 + number * 1_000_000_000,) * 2)
    return share
