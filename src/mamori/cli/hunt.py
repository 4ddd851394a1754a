"""`mamori hunt PATH...`: detections in a folder of Windows logs, with no server and no database."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "cmd_hunt"]

LABELS = {"ja": {"critical": "緊急", "high": "高", "medium": "中", "low": "低", "informational": "情報"},
          "en": {"critical": "critical", "high": "high", "medium": "medium", "low": "low",
                 "informational": "informational"}}


def add_commands(sub: Any) -> None:
    p = sub.add_parser("hunt", help="scan EVTX / Windows-event JSON files with Mamori's and given Sigma rules",
                       description="Exit status: 0 no detection of level high or critical; 1 there is one; 2 no "
                                   "input could be read.")
    p.set_defaults(handler=cmd_hunt)
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--rules", action="append", type=Path, default=[], metavar="DIR|ZIP",
                   help="Sigma rules to add (folders or a rule-pack zip; repeatable)")
    p.add_argument("--experimental", action="store_true", help="also run rules of status experimental")
    p.add_argument("--recover", action="store_true", help="import what parses of a broken EVTX, listing the rest")
    p.add_argument("--timeline", type=Path, help="write the timeline as CSV (Excel)")
    p.add_argument("--encoding", choices=["utf-8", "cp932"], default="utf-8", help="timeline CSV encoding")
    p.add_argument("--jsonl", type=Path, help="write the timeline as JSON Lines")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8), metavar="N",
                   help="processes to scan files in (default: the number of CPUs, at most 8)")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--rule-cache", type=Path, metavar="FILE",
                       help="where to keep the compiled rules (default: ~/.cache/mamori/hunt-rules-*.pickle)")
    cache.add_argument("--no-rule-cache", action="store_true", help="compile the rules every time")


def cmd_hunt(args: argparse.Namespace) -> int:
    from mamori.engines.logs.hunt import LEVELS, hunt
    from mamori.engines.logs.timeline import write_csv, write_jsonl

    ja = args.lang == "ja"
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"mamori: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = hunt(args.paths, rules=args.rules, recover=args.recover, include_experimental=args.experimental,
                  workers=max(1, args.workers), rule_cache=False if args.no_rule_cache else args.rule_cache)
    read = [f for f in result.files if not f.error]
    for f in result.files:
        if f.error:
            print(("読めないファイル（取り込みません）: " if ja else "NOT READ: ") + f.error, file=sys.stderr)
    print(f"{'ルール' if ja else 'rules'}: {len(result.rules.rules):,} "
          f"({'対象外' if ja else 'skipped'} {len(result.rules.skipped):,}, {'エラー' if ja else 'errors'} "
          f"{len(result.rules.errors):,}); {'ファイル' if ja else 'files'}: {len(read)}/{len(result.files)}; "
          f"{'イベント' if ja else 'events'}: {result.events:,} ({result.seconds:.1f} {'秒' if ja else 's'}, "
          f"{result.events / max(result.seconds, 1e-9):,.0f} {'件/秒' if ja else 'events/s'}; "
          f"{'ルール読込' if ja else 'rules loaded in'} {result.rules_seconds:.1f} {'秒' if ja else 's'})")
    labels = LABELS[args.lang]
    print(("検知: " if ja else "detections: ") + ", ".join(f"{labels[level]} {result.by_level[level]:,}"
                                                           for level in LEVELS))
    for row in result.rows[:20]:
        if row.level in ("critical", "high"):
            print(f"  {row.cells()['time_jst']} JST {row.host} {row.channel}/{row.event_id} [{labels[row.level]}] "
                  f"{row.rule} ({'作成者' if ja else 'author'}: {row.author})")
    print("ログオン（成功/失敗）:" if ja else "logons (success/failure):")
    for account, source, kind, ok, failed in result.logons.rows()[:15]:
        print(f"  {account} ← {source} [{kind}] {ok}/{failed}")
    for f in read:
        first = f.first.isoformat() if f.first else "—"
        last = f.last.isoformat() if f.last else "—"
        print(f"  {Path(f.path).name}: {f.events:,} {'件' if ja else 'events'}, {first} … {last}"
              + (f", {'読み飛ばし' if ja else 'skipped'} {f.skipped}" if f.skipped else ""))
    if args.timeline:
        write_csv(result.rows, args.timeline, encoding="utf-8-sig" if args.encoding == "utf-8" else "cp932",
                  japanese_header=ja)
    if args.jsonl:
        write_jsonl(result.rows, args.jsonl)
    if result.files and not read:
        return 2
    return 1 if result.by_level["critical"] or result.by_level["high"] else 0
