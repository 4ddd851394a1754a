"""`mamori hunt PATH...`: detections, correlations and log health in a folder of Windows and syslog files, with no
server and no database."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "cmd_hunt"]

LABELS = {"ja": {"critical": "緊急", "high": "高", "medium": "中", "low": "低", "informational": "情報"},
          "en": {"critical": "critical", "high": "high", "medium": "medium", "low": "low",
                 "informational": "informational"}}


HEALTH_LABELS = {"ja": {"high": "高", "medium": "中", "low": "低", "info": "情報"},
                 "en": {"high": "high", "medium": "medium", "low": "low", "info": "info"}}


def add_commands(sub: Any) -> None:
    p = sub.add_parser("hunt", help="scan EVTX / Windows-event JSON / syslog / FortiGate / CSV log files with "
                                    "Mamori's and given Sigma rules",
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
    p.add_argument("--metrics", type=Path, help="write the log metrics per file as CSV (same --encoding)")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.add_argument("--no-health", action="store_true", help="do not check the logs' health")
    p.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                   help="show each file as it is done on stderr (default: when stderr is a terminal)")
    p.add_argument("--retention-days", type=int, default=0, metavar="DAYS",
                   help="also report a log whose oldest records were overwritten or cleared less than DAYS before "
                        "its newest (e.g. 1826 for five years; default: not checked)")
    p.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 8), metavar="N",
                   help="processes to scan files in (default: the number of CPUs, at most 8)")
    cache = p.add_mutually_exclusive_group()
    cache.add_argument("--rule-cache", type=Path, metavar="FILE",
                       help="where to keep the compiled rules (default: ~/.cache/mamori/hunt-rules-*.pickle)")
    cache.add_argument("--no-rule-cache", action="store_true", help="compile the rules every time")


#: Texts of the summary, by language.
TEXT = {
    "ja": {"not_read": "読めないファイル（取り込みません）: ", "rule_error": "使えないルール: ",
           "rules": "ルール", "skipped": "対象外",
           "errors": "エラー", "correlations": "相関ルール", "files": "ファイル", "events": "イベント", "s": "秒",
           "per_s": "件/秒", "loaded": "ルール読込", "detections": "検知", "author": "作成者",
           "more": "ほか {n:,} 件（タイムラインを参照）", "alerts": "相関アラート", "health": "ログの健全性",
           "logons": "ログオン（成功/失敗）", "hosts": "ホスト", "channels": "チャネル",
           "n_events": "件", "n_skipped": "読み飛ばし"},
    "en": {"not_read": "NOT READ: ", "rule_error": "RULE NOT USED: ", "rules": "rules", "skipped": "skipped",
           "errors": "errors",
           "correlations": "correlations", "files": "files", "events": "events", "s": "s", "per_s": "events/s",
           "loaded": "rules loaded in", "detections": "detections", "author": "author",
           "more": "and {n:,} more (see the timeline)", "alerts": "correlation alerts", "health": "log health",
           "logons": "logons (success/failure)", "hosts": "hosts", "channels": "channels", "n_events": "events",
           "n_skipped": "skipped"},
}
SHOWN = 20


def _finding_line(finding: Any, lang: str) -> str:
    label = HEALTH_LABELS[lang].get(finding.severity, finding.severity)
    return f"    [{label}] {finding.message_ja if lang == 'ja' else finding.message_en}"


def _print_summary(result: Any, lang: str) -> None:
    from mamori.engines.logs.hunt import LEVELS

    t, labels = TEXT[lang], LABELS[lang]
    read = [f for f in result.files if not f.error]
    rules, found = result.rules, result.correlations
    correlations = len(found.rules) if found else 0
    skipped = sum(s.kind != "correlation" for s in rules.skipped) + (len(found.skipped) if found else 0)
    errors = len(rules.errors) + (len(found.errors) if found else 0)
    print(f"{t['rules']}: {len(rules.rules):,} ({t['skipped']} {skipped:,}, {t['errors']} "
          f"{errors:,}; {t['correlations']} {correlations}); {t['files']}: {len(read)}/"
          f"{len(result.files)}; {t['events']}: {result.events:,} ({result.seconds:.1f} {t['s']}, "
          f"{result.events / max(result.seconds, 1e-9):,.0f} {t['per_s']}; {t['loaded']} "
          f"{result.rules_seconds:.1f} {t['s']})")
    print(f"{t['detections']}: " + ", ".join(f"{labels[level]} {result.by_level[level]:,}" for level in LEVELS)
          + (f"; {t['alerts']} {result.correlation_alerts:,}" if result.correlation_alerts else ""))
    serious = [row for row in result.rows if row.level in ("critical", "high")]
    for row in serious[:SHOWN]:
        where = f"{row.channel}/{row.event_id}" if row.event_id is not None else row.channel
        print(f"  {row.cells()['time_jst'] or '—'} JST {row.host} {where} [{labels[row.level]}] {row.rule} "
              f"({t['author']}: {row.author})")
    if len(serious) > SHOWN:
        print("  … " + t["more"].format(n=len(serious) - SHOWN))
    print(f"{t['logons']}:")
    for account, source, kind, ok, failed in result.logons.rows()[:15]:
        print(f"  {account} ← {source} [{kind}] {ok}/{failed}")
    by_file: dict[str, list[Any]] = {}
    for finding in result.health:
        by_file.setdefault(finding.source, []).append(finding)
    print(f"{t['files']}:")
    for f in read:
        first = f.first.isoformat() if f.first else "—"
        last = f.last.isoformat() if f.last else "—"
        print(f"  {Path(f.path).name}: {f.events:,} {t['n_events']}, {first} … {last}"
              + (f", {t['n_skipped']} {f.skipped}" if f.skipped else ""))
        hosts = ", ".join(h or "-" for h, _n in f.hosts.most_common(3)) + (" …" if len(f.hosts) > 3 else "")
        channels = ", ".join(f"{c or '-'} {n:,}" for c, n in f.channels.most_common(3))
        print(f"    {t['hosts']}: {hosts}; {t['channels']}: {channels}")
        for finding in by_file.pop(f.path, [])[:SHOWN]:
            print(_finding_line(finding, lang))
    rest = [finding for found in by_file.values() for finding in found]
    if rest:
        print(f"{t['health']} ({t['hosts']}):")
        for finding in rest[:SHOWN]:
            print(_finding_line(finding, lang))


def cmd_hunt(args: argparse.Namespace) -> int:
    from mamori.engines.logs.hunt import HUNT_HEALTH, hunt
    from mamori.engines.logs.timeline import write_csv, write_jsonl, write_metrics_csv

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"mamori: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    policy = dataclasses.replace(HUNT_HEALTH, default_retention_days=max(0, args.retention_days))
    show = sys.stderr.isatty() if args.progress is None else args.progress

    def progress(metrics: Any, done: int, total: int) -> None:
        state = f"{metrics.events:,} {TEXT[args.lang]['n_events']}" if not metrics.error else "×"
        print(f"[{done}/{total}] {Path(metrics.path).name}: {state}", file=sys.stderr, flush=True)

    result = hunt(args.paths, rules=args.rules, recover=args.recover, include_experimental=args.experimental,
                  workers=max(1, args.workers), rule_cache=False if args.no_rule_cache else args.rule_cache,
                  health=False if args.no_health else policy, lang=args.lang, on_file=progress if show else None)
    for f in result.files:
        if f.error:
            print(TEXT[args.lang]["not_read"] + f.error, file=sys.stderr)
    broken = [*result.rules.errors, *(result.correlations.errors if result.correlations else ())]
    for error in broken[:10]:
        print(f"{TEXT[args.lang]['rule_error']}{error.source}: {error.message}", file=sys.stderr)
    _print_summary(result, args.lang)
    if args.timeline:
        write_csv(result.rows, args.timeline, encoding="utf-8-sig" if args.encoding == "utf-8" else "cp932",
                  japanese_header=args.lang == "ja")
    if args.jsonl:
        write_jsonl(result.rows, args.jsonl)
    if args.metrics:
        write_metrics_csv(result.files, args.metrics, findings=result.health,
                          encoding="utf-8-sig" if args.encoding == "utf-8" else "cp932",
                          japanese_header=args.lang == "ja")
    if result.files and all(f.error for f in result.files):
        return 2
    return 1 if result.by_level["critical"] or result.by_level["high"] else 0
