"""Ledger and discovery commands: list, import, export, attach-sbom, discover import-nmap."""

from __future__ import annotations

import argparse
import json
import sys

from mamori.cli.common import actor_for, facility_from_args, policy_allows, run_as, scoped, setup_django


def cmd_ledger_list(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.ledger.filtersets import AssetFilterSet
    from mamori.ledger.models import Asset

    user = run_as(args)
    qs = scoped(Asset, user)
    data = {k: v for k, v in (("category", args.category), ("vendor", args.vendor), ("q", args.search)) if v}
    qs = AssetFilterSet(data, queryset=qs.select_related("vendor", "segment")).qs
    rows = [{"key": a.key, "name": a.name, "category": a.category, "ip_address": a.ip_address,
             "vendor": a.vendor.code if a.vendor else None, "os": f"{a.os_name} {a.os_version}".strip()}
            for a in qs.order_by("key")]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            print(f"{row['key']}\t{row['name']}\t{row['category']}\t{row['ip_address'] or '-'}\t{row['os']}")
        print(f"{len(rows)} assets", file=sys.stderr)
    return 0


def cmd_ledger_attach_sbom(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.audit.context import acting_as
    from mamori.engines.sbom import SbomError
    from mamori.ledger.models import Asset
    from mamori.ledger.sboms import attach_sbom

    user = run_as(args)
    qs = scoped(Asset, user, "change")
    if args.facility:
        qs = qs.filter(facility__code=args.facility)
    matches = list(qs.filter(key=args.key)[:2])
    if len(matches) != 1:
        print(f"mamori: {'no' if not matches else 'more than one'} asset {args.key!r} "
              f"{'you may change' if user else ''} (use --facility)".replace("  ", " "), file=sys.stderr)
        return 2
    try:
        with acting_as(actor_for(user)):
            sbom = attach_sbom(matches[0], args.file.read_bytes(), args.file.name)
    except SbomError as exc:
        print(f"mamori: {exc}", file=sys.stderr)
        return 1
    print(f"Attached {args.file.name} to {matches[0]}: {sbom.component_count} components")
    return 0


def cmd_ledger_import(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.audit.context import acting_as
    from mamori.engines.sheets import TableError
    from mamori.ledger.imports import apply_import, plan_import

    user = run_as(args)
    facility = facility_from_args(args, user)
    if facility is None:
        return 2
    try:
        plan = plan_import(args.file.read_bytes(), args.file.name, facility, user)
    except TableError as exc:
        print(f"mamori: {exc}", file=sys.stderr)
        return 1
    for error in plan.errors:
        print(error, file=sys.stderr)
    summary = plan.summary()
    print(f"{args.file.name}: {summary['created']} to create, {summary['updated']} to update, "
          f"{summary['unchanged']} unchanged, {summary['errors']} errors")
    if not plan.ok:
        print("Nothing was imported.", file=sys.stderr)
        return 1
    if args.dry_run:
        return 0
    with acting_as(actor_for(user)):
        apply_import(plan)
    print("Imported.")
    return 0


def cmd_ledger_export(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.engines.sheets import TableError
    from mamori.ledger.imports import export_assets
    from mamori.ledger.models import Asset

    user = run_as(args)
    assets = scoped(Asset, user)
    if args.facility:
        assets = assets.filter(facility__code=args.facility)
    fmt = "csv" if args.file.suffix.lower() == ".csv" else "xlsx"
    encoding = "cp932" if args.encoding == "cp932" else "utf-8-sig"
    try:
        data = export_assets(assets, fmt, encoding, args.file.name)
    except TableError as exc:
        print(f"mamori: {exc}", file=sys.stderr)
        return 1
    args.file.write_bytes(data)
    print(f"Wrote {assets.count()} assets to {args.file}")
    return 0


def cmd_discover_import_nmap(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.audit.context import acting_as
    from mamori.engines.discovery import NmapParseError
    from mamori.ledger.discovery import import_nmap

    user = run_as(args)
    if user is not None and not policy_allows(user, "ledger.discoveryrun", "add"):
        print(f"mamori: {user.username} may not import scans", file=sys.stderr)
        return 2
    facility = facility_from_args(args, user)
    if facility is None:
        return 2
    try:
        with acting_as(actor_for(user)):
            run = import_nmap(args.file.read_bytes(), args.file.name, facility)
    except NmapParseError as exc:
        print(f"mamori: {exc}", file=sys.stderr)
        return 1
    print(f"{args.file.name}: {run.hosts_up} hosts answered; {run.unregistered_count} not in the ledger, "
          f"{run.exposed_count} exposed services, {run.not_seen_count} registered hosts did not answer")
    for finding in run.findings.exclude(kind="not_seen"):
        print(f"  [{finding.kind}] {finding.address}{f':{finding.port}' if finding.port else ''} {finding.reason_en}")
    return 0
