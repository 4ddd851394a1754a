"""Checklist commands: `mamori checklist export` (official-layout Excel or PDF) and `mamori checklist status`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "cmd_checklist_export", "cmd_checklist_status"]


def add_commands(sub: Any) -> None:
    checklist = sub.add_parser("checklist", help="the MHLW cybersecurity checklist", description="the MHLW checklist")
    checklist.set_defaults(handler=lambda a: 2)
    checklist_sub = checklist.add_subparsers(dest="checklist_command", required=True)
    p = checklist_sub.add_parser("export", help="write a checklist in the official layout (xlsx) or as PDF")
    p.set_defaults(handler=cmd_checklist_export)
    p.add_argument("out", type=Path, metavar="OUT")
    p.add_argument("--year", type=int, required=True, help="fiscal year (2025 = 令和7年度)")
    p.add_argument("--form", choices=["hospital", "pharmacy", "vendor"], default="hospital")
    p.add_argument("--format", choices=["xlsx", "pdf", "zip"], default=None,
                   help="xlsx, pdf, or zip (the evidence pack); default: from OUT's extension")
    p.add_argument("--facility", help="facility code (default: the only one)")
    p.add_argument("--vendor", help="vendor code, for a 事業者確認用")
    p.add_argument("--user", help="run as this user (their permissions apply)")
    p = checklist_sub.add_parser("status", help="answers per checklist: answered, いいえ, overdue target dates")
    p.set_defaults(handler=cmd_checklist_status)
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", help="run as this user (their permissions apply)")


def _find(args: argparse.Namespace, user: Any) -> Any:
    from mamori.checklist.models import ChecklistResponse
    from mamori.cli.common import scoped

    found = scoped(ChecklistResponse, user).filter(fiscal_year=args.year, form=args.form)
    if args.facility:
        found = found.filter(facility__code=args.facility)
    found = found.filter(vendor__code=args.vendor) if args.vendor else found.filter(vendor__isnull=True)
    count = found.count()
    if count != 1:
        what = "no such checklist" if count == 0 else "several facilities have it: name one with --facility"
        print(f"mamori: {what} (fiscal year {args.year}, form {args.form})", file=sys.stderr)
        return None
    return found.get()


def cmd_checklist_export(args: argparse.Namespace) -> int:
    from mamori.cli.common import setup_django

    setup_django()
    from mamori.audit.context import acting_as
    from mamori.checklist import services
    from mamori.checklist.models import EvidenceFile
    from mamori.cli.common import actor_for, run_as, scoped
    from mamori.engines.checklist.export_pdf import write_pdf
    from mamori.engines.checklist.export_xlsx import write_xlsx

    user = run_as(args)
    response = _find(args, user)
    if response is None:
        return 2
    fmt = args.format or args.out.suffix.lstrip(".").lower()
    if fmt not in ("xlsx", "pdf", "zip"):
        print("mamori: give --format xlsx|pdf|zip or an OUT ending in one of them", file=sys.stderr)
        return 2
    with acting_as(actor_for(user)):
        if fmt == "zip":
            args.out.write_bytes(services.evidence_pack(response))
        else:
            evidence = scoped(EvidenceFile, user).filter(answer__response=response)
            sheet = services.filled(response, evidence)
            with args.out.open("wb") as out:
                (write_xlsx if fmt == "xlsx" else write_pdf)(sheet, out)
    print(f"{response}: {len(services.definition_of(response).items)} items written to {args.out}")
    return 0


def cmd_checklist_status(args: argparse.Namespace) -> int:
    from mamori.cli.common import setup_django

    setup_django()
    from django.utils import timezone

    from mamori.checklist.models import ChecklistResponse
    from mamori.cli.common import run_as, scoped

    user = run_as(args)
    today = timezone.localdate()
    rows = []
    for response in scoped(ChecklistResponse, user).select_related("facility", "vendor"):
        answers = list(response.answers.all())
        rows.append({
            "facility": response.facility.code, "fiscal_year": response.fiscal_year, "form": response.form,
            "vendor": response.vendor.code if response.vendor else None, "items": len(answers),
            "answered": sum(1 for a in answers if a.current), "yes": sum(1 for a in answers if a.current == "yes"),
            "no": sum(1 for a in answers if a.current == "no"),
            "overdue": sorted(a.item_number for a in answers if a.current == "no" and a.target_date
                              and a.target_date < today),
        })
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for r in rows:
            print(f"{r['facility']} FY{r['fiscal_year']} {r['form']}{' ' + r['vendor'] if r['vendor'] else ''}: "
                  f"{r['answered']}/{r['items']} answered, {r['yes']} はい, {r['no']} いいえ"
                  + (f", past target date: {', '.join(r['overdue'])}" if r["overdue"] else ""))
    return 0
