"""The hunt timeline: one row per detection, written as CSV (UTF-8 with BOM, or CP932 for Excel) and JSON Lines.

Time is given in UTC and in JST. Every row carries the rule's author: the Detection Rule License 1.1 asks that
messages based on matches with SigmaHQ rules keep the identification of their authors.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = ["COLUMNS", "METRIC_COLUMNS", "TimelineRow", "as_dict", "write_csv", "write_jsonl", "write_metrics_csv"]

JST = ZoneInfo("Asia/Tokyo")
COLUMNS = ("time_utc", "time_jst", "host", "channel", "event_id", "record_id", "level", "rule", "rule_id", "author",
           "attack", "details", "source")
_LABELS_JA = ("時刻(UTC)", "時刻(JST)", "ホスト", "チャネル", "イベントID", "レコードID", "レベル", "ルール",
              "ルールID", "作成者", "ATT&CK", "詳細", "ファイル")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class TimelineRow:
    time: dt.datetime | None
    host: str
    channel: str
    event_id: int | None
    record_id: int | None
    level: str
    rule: str
    rule_id: str
    author: str
    attack: tuple[str, ...]
    details: str
    source: str

    def cells(self) -> dict[str, Any]:
        utc = self.time.astimezone(dt.UTC) if self.time else None
        return {"time_utc": f"{utc:%Y-%m-%d %H:%M:%S}.{utc.microsecond // 1000:03d}Z" if utc else "",
                "time_jst": utc.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S") if utc else "",
                "host": self.host, "channel": self.channel, "event_id": self.event_id, "record_id": self.record_id,
                "level": self.level, "rule": self.rule, "rule_id": self.rule_id, "author": self.author,
                "attack": " ".join(self.attack), "details": self.details, "source": self.source}


def _safe(value: Any) -> Any:
    """A text cell Excel would read as a formula is prefixed with a quote (CSV opened in Excel)."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def write_csv(rows: Iterable[TimelineRow], path: Path, *, encoding: str = "utf-8-sig", japanese_header: bool = True
              ) -> int:
    """CSV for Excel: UTF-8 with BOM by default, or `encoding="cp932"` (characters CP932 lacks become '?')."""
    count = 0
    with path.open("w", encoding=encoding, errors="replace", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_LABELS_JA if japanese_header else COLUMNS)
        for row in rows:
            cells = row.cells()
            writer.writerow([_safe(cells[c]) for c in COLUMNS])
            count += 1
    return count


def write_jsonl(rows: Iterable[TimelineRow], path: Path) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            record = row.cells()
            record["attack"] = list(row.attack)
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def as_dict(row: TimelineRow) -> dict[str, Any]:
    return asdict(row)


METRIC_COLUMNS = ("file", "events", "first_utc", "last_utc", "hosts", "channels", "event_ids", "skipped",
                  "health_findings", "error")
_METRIC_LABELS_JA = ("ファイル", "イベント数", "最初(UTC)", "最後(UTC)", "ホスト", "チャネル", "イベントID",
                     "読み飛ばし", "健全性の指摘", "エラー")


def _top(counts: Any, n: int = 10) -> str:
    return "; ".join(f"{key or '-'} {count}" for key, count in counts.most_common(n))


def write_metrics_csv(files: Iterable[Any], path: Path, *, findings: Iterable[Any] = (), encoding: str = "utf-8-sig",
                      japanese_header: bool = True) -> int:
    """Log metrics per file (`hunt.FileMetrics`) as CSV for Excel: events, time span, hosts, channels and EventIDs
    (the ten most frequent, with counts), parts skipped, health findings about the file, the error that kept it
    out."""
    per_file: dict[str, int] = {}
    for finding in findings:
        per_file[finding.source] = per_file.get(finding.source, 0) + 1
    count = 0
    with path.open("w", encoding=encoding, errors="replace", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_METRIC_LABELS_JA if japanese_header else METRIC_COLUMNS)
        for f in files:
            first = f.first.astimezone(dt.UTC).isoformat() if f.first else ""
            last = f.last.astimezone(dt.UTC).isoformat() if f.last else ""
            writer.writerow([_safe(v) for v in (f.path, f.events, first, last, _top(f.hosts), _top(f.channels),
                                                _top(f.event_ids), f.skipped, per_file.get(f.path, 0), f.error)])
            count += 1
    return count
