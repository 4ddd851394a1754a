"""Vulnerability commands: feeds import/status, vulns match, vulns report --week, vulns weekly."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from mamori.cli.common import actor_for, policy_allows, run_as, scoped, setup_django


def add_commands(sub: Any) -> None:
    """Register `feeds` and `vulns` on the top-level subparsers."""
    feeds = sub.add_parser("feeds", help="vulnerability feeds (offline files)", description="vulnerability feeds")
    feeds.set_defaults(handler=lambda a: 2)
    feeds_sub = feeds.add_subparsers(dest="feeds_command", required=True)
    p = feeds_sub.add_parser("import", help="import feed files or folders (NVD, JVN, KEV, EPSS, CSAF, CVE JSON 5)")
    p.set_defaults(handler=cmd_feeds_import)
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--no-match", action="store_true", help="do not match the ledger afterwards")
    p.add_argument("--user", help="run as this user (their permissions apply)")
    p = feeds_sub.add_parser("status", help="what the catalogue holds per source")
    p.set_defaults(handler=cmd_feeds_status)
    p.add_argument("--json", action="store_true")

    vulns = sub.add_parser("vulns", help="vulnerability findings", description="vulnerability findings")
    vulns.set_defaults(handler=lambda a: 2)
    vulns_sub = vulns.add_subparsers(dest="vulns_command", required=True)
    p = vulns_sub.add_parser("match", help="match the whole ledger against the catalogue")
    p.set_defaults(handler=cmd_vulns_match)
    p.add_argument("--json", action="store_true", help="print the open findings as JSON")
    p.add_argument("--full", action="store_true",
                   help="re-evaluate every asset against every CVE, not only what changed since the last run")
    p.add_argument("--user", help="run as this user (their permissions apply)")
    p = vulns_sub.add_parser("report", help="this week's report (Markdown)")
    p.set_defaults(handler=cmd_vulns_report)
    p.add_argument("--week", action="store_true", required=True, help="the report since the previous one")
    p.add_argument("--facility", help="facility code (default: every facility)")
    p.add_argument("--lang", choices=["ja", "en"], default="ja")
    p.add_argument("--format", choices=["md", "json"], default="md")
    p.add_argument("--send", action="store_true", help="also e-mail it to the security managers")
    p.add_argument("--no-match", action="store_true", help="report on the last match without matching again")
    p = vulns_sub.add_parser("weekly", help="the scheduled weekly run (inbox import, match, reports, e-mail); "
                                            "for cron when MAMORI_SCHEDULER=0")
    p.set_defaults(handler=cmd_vulns_weekly)
    p.add_argument("--no-send", action="store_true")


def cmd_feeds_import(args: argparse.Namespace) -> int:
    setup_django()
    from pathlib import Path

    from mamori.audit.context import acting_as
    from mamori.vulns.choices import RunTrigger
    from mamori.vulns.imports import import_paths

    user = run_as(args)
    if user is not None and not policy_allows(user, "vulns.feedimport", "add"):
        print(f"mamori: {user.username} may not import feeds", file=sys.stderr)
        return 2
    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"mamori: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    with acting_as(actor_for(user)):
        outcome = import_paths([Path(p) for p in args.paths], match=not args.no_match, trigger=RunTrigger.CLI)
    for entry in outcome.imports:
        print(f"{entry.filename} [{entry.kind}]: {entry.records:,} records — {entry.new:,} new, {entry.changed:,} "
              f"changed, {entry.unchanged:,} unchanged, {entry.stale:,} older than held, {entry.dropped:,} dropped "
              f"({entry.duration:.1f} s)")
    for _path, error in outcome.rejected:
        print(f"REFUSED {error}", file=sys.stderr)
    if outcome.run is not None:
        _print_run(outcome.run)
    return 1 if outcome.rejected else 0


def cmd_feeds_status(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.vulns.catalogue import catalogue_state

    rows = [{"kind": str(s["kind"]), "records": s["count"], "last_import": s["last"].isoformat() if s["last"] else None,
             "note": s["note"]} for s in catalogue_state()]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            print(f"{r['kind']:5} {r['records']:>9,}  last import {r['last_import'] or '—'}  {r['note']}")
    return 0


def _print_run(run: Any) -> None:
    print(f"Matched {run.assets:,} assets against {run.records:,} records in {run.duration:.1f} s "
          f"({run.reevaluated:,} assets re-evaluated, {run.changed_cves:,} CVEs changed since the last run): "
          f"{run.findings:,} findings, {run.new:,} new, {run.gone:,} no longer detected "
          f"{json.dumps(run.origins, ensure_ascii=False)}")
    for skipped in run.skipped:
        print(f"  not matched: {skipped['asset']}: {skipped['reason']}", file=sys.stderr)


def cmd_vulns_match(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.audit.context import acting_as
    from mamori.vulns.choices import OPEN_STATUSES, RunTrigger
    from mamori.vulns.matching import run_match
    from mamori.vulns.models import Finding
    from mamori.vulns.texts import reasons_text

    user = run_as(args)
    if user is not None and not policy_allows(user, "vulns.matchrun", "add"):
        print(f"mamori: {user.username} may not start a match", file=sys.stderr)
        return 2
    actor = actor_for(user)
    with acting_as(actor):
        run = run_match(RunTrigger.CLI, actor.username, full=args.full)
    findings = scoped(Finding, user).filter(status__in=OPEN_STATUSES, detected=True) \
        .select_related("asset", "vulnerability", "detail").order_by("-priority_score", "due_date")
    if args.json:
        rows = [{"asset": f.asset.key, "cve": f.vulnerability.cve_id, "priority": f.priority, "tier": f.tier,
                 "source": f.source, "status": f.status, "due": f.due_date.isoformat(),
                 "why": reasons_text(f.priority_reasons), "evidence": f.evidence} for f in findings]
        print(json.dumps({"run": {"assets": run.assets, "reevaluated": run.reevaluated,
                                  "changed_cves": run.changed_cves, "findings": run.findings, "new": run.new,
                                  "gone": run.gone,
                                  "origins": run.origins, "seconds": run.duration}, "findings": rows},
                         ensure_ascii=False, indent=1))
        return 0
    _print_run(run)
    for f in findings[:30]:
        tier = "" if f.tier == "exact" else " 要確認"
        print(f"  [{f.priority}] {f.vulnerability.cve_id} {f.asset.key} {f.asset.name}{tier} due {f.due_date}")
    return 0


def cmd_vulns_report(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.audit.context import acting_as
    from mamori.cli.common import operator_actor
    from mamori.tenancy.models import Facility
    from mamori.vulns.choices import RunTrigger
    from mamori.vulns.matching import run_match
    from mamori.vulns.models import MatchRun
    from mamori.vulns.reports import build_report, render_markdown, send_report

    facilities = Facility.objects.order_by("code")
    if args.facility:
        facilities = facilities.filter(code=args.facility)
        if not facilities.exists():
            print(f"mamori: no facility with code {args.facility!r}", file=sys.stderr)
            return 2
    actor = operator_actor()
    with acting_as(actor):
        run = MatchRun.objects.filter(finished__isnull=False).first() if args.no_match \
            else run_match(RunTrigger.CLI, actor.username)
        for facility in facilities:
            report = build_report(facility, run)
            if args.format == "json":
                print(json.dumps(report.data, ensure_ascii=False, indent=1))
            else:
                print(render_markdown(report, args.lang))
            if args.send:
                sent = send_report(report)
                print(f"sent to {', '.join(sent) or 'nobody (no security manager has an e-mail address)'}",
                      file=sys.stderr)
    return 0


def cmd_vulns_weekly(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.vulns.scheduler import weekly_run

    outcome = weekly_run(send=not args.no_send)
    for name in outcome.imported:
        print(f"imported {name}")
    for line in outcome.rejected:
        print(f"REFUSED {line}", file=sys.stderr)
    if outcome.run is not None:
        _print_run(outcome.run)
    for report in outcome.reports:
        print(f"report {report.facility.code}: {report.data['summary']}; sent to {', '.join(report.sent_to) or '—'}")
    return 1 if outcome.rejected else 0
