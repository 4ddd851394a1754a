"""The `mamori` command. Library code raises; only this module prints and exits.

Commands that touch the database run as a user given with `--user` (the same permission path
as the web UI and the API); without it they run as the local operator with full access.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mamori import config

Handler = Callable[[argparse.Namespace], int]


def _setup_django(*, create_key: bool = False) -> None:
    if create_key and not os.environ.get("MAMORI_SECRET_KEY"):
        config.ensure_secret_key()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()


def _operator_actor() -> Any:
    from mamori.audit.context import Actor

    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", source="cli")


def _user_actor(user: Any) -> Any:
    from mamori.audit.context import Actor

    return Actor(user_id=user.pk, username=user.get_username(), source="cli")


def _scoped(model: Any, user: Any, action: str = "view") -> Any:
    """All objects for the local operator; for a --user, what the permission path allows."""
    return model.objects.all() if user is None else model.objects.restrict(user, action)


def _actor_for(user: Any) -> Any:
    return _operator_actor() if user is None else _user_actor(user)


def _facility(args: argparse.Namespace, user: Any) -> Any:
    """The facility named by --facility among those the user may reach; None (reported) otherwise."""
    from mamori.tenancy.models import Facility

    facilities = _scoped(Facility, user)
    facility = facilities.filter(code=args.facility).first() if args.facility else None
    if facility is None:
        choices = ", ".join(facilities.values_list("code", flat=True)) or "none"
        print(f"mamori: name the facility with --facility ({choices})", file=sys.stderr)
    return facility


def _run_as(args: argparse.Namespace) -> Any:
    """The user named by --user (must exist and be active), or None for the local operator."""
    if not getattr(args, "user", None):
        return None
    from mamori.accounts.models import User

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        raise SystemExit(f"mamori: no active user named {args.user!r}")
    return user


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup_django(create_key=True)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    print(f"Database ready in {config.data_dir()}")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    _setup_django()
    from django.core.exceptions import ValidationError

    from mamori.accounts import services
    from mamori.audit.context import acting_as
    from mamori.ledger.models import Vendor
    from mamori.tenancy.models import Facility

    facility = Facility.objects.filter(code=args.facility).first() if args.facility else None
    if args.facility and facility is None:
        print(f"mamori: no facility with code {args.facility!r}", file=sys.stderr)
        return 2
    vendor = Vendor.objects.filter(code=args.vendor, facility=facility).first() if args.vendor else None
    if args.vendor and vendor is None:
        print(f"mamori: no vendor with code {args.vendor!r} in that facility", file=sys.stderr)
        return 2
    if args.generate_password:
        password = services.generate_password()
    elif args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
    try:
        with acting_as(_operator_actor()):
            user = services.create_user(args.username, args.role, password, facility=facility, vendor=vendor,
                                        email=args.email or "")
    except ValidationError as exc:
        for message in exc.messages:
            print(f"mamori: {message}", file=sys.stderr)
        return 2
    print(f"Created {user.username} ({user.get_role_display()})")
    if args.generate_password:
        print(f"Password (shown once): {password}")
    return 0


def cmd_load_demo(args: argparse.Namespace) -> int:
    _setup_django()
    from mamori.audit.context import acting_as
    from mamori.demo.loader import demo_loaded, load_demo

    if demo_loaded():
        print("mamori: the demo hospital is already loaded", file=sys.stderr)
        return 1
    with acting_as(_operator_actor()):
        result = load_demo(seed=args.seed, assets_target=args.assets)
    print(result.describe())
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _setup_django()
    from mamori.audit.services import verify

    verdict = verify()
    if verdict.ok:
        print(f"Audit trail intact: {verdict.checked} entries verified.")
        return 0
    print(f"Audit trail BROKEN at entry {verdict.first_broken_seq}: {verdict.reason} "
          f"({verdict.checked} entries before it verified).", file=sys.stderr)
    return 1


def cmd_ledger_list(args: argparse.Namespace) -> int:
    _setup_django()
    from mamori.ledger.filtersets import AssetFilterSet
    from mamori.ledger.models import Asset

    user = _run_as(args)
    qs = _scoped(Asset, user)
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
    _setup_django()
    from mamori.audit.context import acting_as
    from mamori.engines.sbom import SbomError
    from mamori.ledger.models import Asset
    from mamori.ledger.sboms import attach_sbom

    user = _run_as(args)
    qs = _scoped(Asset, user, "change")
    if args.facility:
        qs = qs.filter(facility__code=args.facility)
    matches = list(qs.filter(key=args.key)[:2])
    if len(matches) != 1:
        print(f"mamori: {'no' if not matches else 'more than one'} asset {args.key!r} "
              f"{'you may change' if user else ''} (use --facility)".replace("  ", " "), file=sys.stderr)
        return 2
    try:
        with acting_as(_actor_for(user)):
            sbom = attach_sbom(matches[0], args.file.read_bytes(), args.file.name)
    except SbomError as exc:
        print(f"mamori: {exc}", file=sys.stderr)
        return 1
    print(f"Attached {args.file.name} to {matches[0]}: {sbom.component_count} components")
    return 0


def cmd_ledger_import(args: argparse.Namespace) -> int:
    _setup_django()
    from mamori.audit.context import acting_as
    from mamori.engines.sheets import TableError
    from mamori.ledger.imports import apply_import, plan_import

    user = _run_as(args)
    facility = _facility(args, user)
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
    with acting_as(_actor_for(user)):
        apply_import(plan)
    print("Imported.")
    return 0


def cmd_ledger_export(args: argparse.Namespace) -> int:
    _setup_django()
    from mamori.engines.sheets import TableError
    from mamori.ledger.imports import export_assets
    from mamori.ledger.models import Asset

    user = _run_as(args)
    assets = _scoped(Asset, user)
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
    _setup_django()
    from mamori.audit.context import acting_as
    from mamori.engines.discovery import NmapParseError
    from mamori.ledger.discovery import import_nmap

    user = _run_as(args)
    if user is not None and not _allows(user, "ledger.discoveryrun", "add"):
        print(f"mamori: {user.username} may not import scans", file=sys.stderr)
        return 2
    facility = _facility(args, user)
    if facility is None:
        return 2
    try:
        with acting_as(_actor_for(user)):
            run = import_nmap(args.file.read_bytes(), args.file.name, facility)
    except NmapParseError as exc:
        print(f"mamori: {exc}", file=sys.stderr)
        return 1
    print(f"{args.file.name}: {run.hosts_up} hosts answered; {run.unregistered_count} not in the ledger, "
          f"{run.exposed_count} exposed services, {run.not_seen_count} registered hosts did not answer")
    for finding in run.findings.exclude(kind="not_seen"):
        print(f"  [{finding.kind}] {finding.address}{f':{finding.port}' if finding.port else ''} {finding.reason_en}")
    return 0


def _allows(user: Any, model: str, action: str) -> bool:
    from mamori.accounts.policy import allows

    return allows(user, model, action)


def cmd_token_create(args: argparse.Namespace) -> int:
    _setup_django()
    from mamori.accounts.models import ApiToken, User
    from mamori.audit.context import acting_as

    user = User.objects.get(username=args.username, is_active=True)
    with acting_as(_operator_actor()):
        _token, clear = ApiToken.issue(user, args.name)
    print(f"API token for {user.username} (shown once): {clear}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from mamori.serving import serve

    return serve(args.host, args.port, threads=args.threads)


def cmd_demo(args: argparse.Namespace) -> int:
    from mamori.serving import prepare_demo, serve

    prepare_demo(seed=args.seed)
    if args.no_serve:
        return 0
    return serve(args.host, args.port, threads=args.threads)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mamori", description="Mamori (まもり): hospital cybersecurity management")
    parser.add_argument("--data-dir", type=Path, help="where the database and files live (or MAMORI_DATA_DIR)")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    def serving(p: argparse.ArgumentParser) -> None:
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.add_argument("--threads", type=int, default=8)

    p = add("demo", cmd_demo, "set up, load the demo hospital and serve the web UI")
    serving(p)
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument("--no-serve", action="store_true", help="prepare only")
    serving(add("serve", cmd_serve, "serve the web UI and API"))
    p = add("migrate", cmd_migrate, "create or upgrade the database")
    p.add_argument("-v", "--verbose", action="store_true")
    p = add("createuser", cmd_createuser, "create a user")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["admin", "security_manager", "it_staff", "vendor", "executive",
                                                     "inspector", "privacy_officer"])
    p.add_argument("--facility", help="facility code (empty: all facilities)")
    p.add_argument("--vendor", help="vendor code (vendor users)")
    p.add_argument("--email")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--generate-password", action="store_true", help="generate one and print it once")
    group.add_argument("--password-stdin", action="store_true")
    p = add("load-demo", cmd_load_demo, "load the demo hospital into the database")
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument("--assets", type=int, default=1000)

    audit = add("audit", lambda a: 2, "the audit trail")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", help="verify the hash chain").set_defaults(handler=cmd_audit_verify)

    ledger = add("ledger", lambda a: 2, "the ledger (台帳)")
    ledger_sub = ledger.add_subparsers(dest="ledger_command", required=True)
    p = ledger_sub.add_parser("list", help="list assets")
    p.set_defaults(handler=cmd_ledger_list)
    p.add_argument("--user", help="run as this user (their permissions apply)")
    p.add_argument("--category")
    p.add_argument("--vendor", help="vendor code")
    p.add_argument("--search")
    p.add_argument("--json", action="store_true")

    p = ledger_sub.add_parser("attach-sbom", help="attach a CycloneDX JSON SBOM to an asset")
    p.set_defaults(handler=cmd_ledger_attach_sbom)
    p.add_argument("key", help="asset number")
    p.add_argument("file", type=Path)
    p.add_argument("--facility", help="facility code, when several facilities use the same asset number")
    p.add_argument("--user", help="run as this user (their permissions apply)")

    p = ledger_sub.add_parser("import", help="import assets from .xlsx or CSV (all or nothing)")
    p.set_defaults(handler=cmd_ledger_import)
    p.add_argument("file", type=Path)
    p.add_argument("--facility", help="facility code")
    p.add_argument("--dry-run", action="store_true", help="check and report only")
    p.add_argument("--user", help="run as this user (their permissions apply)")
    p = ledger_sub.add_parser("export", help="export assets to .xlsx or .csv (by the file's extension)")
    p.set_defaults(handler=cmd_ledger_export)
    p.add_argument("file", type=Path)
    p.add_argument("--facility", help="facility code")
    p.add_argument("--encoding", choices=["utf-8", "cp932"], default="utf-8", help="CSV encoding")
    p.add_argument("--user", help="run as this user (their permissions apply)")

    discover = add("discover", lambda a: 2, "network discovery")
    discover_sub = discover.add_subparsers(dest="discover_command", required=True)
    p = discover_sub.add_parser("import-nmap", help="import an nmap XML scan and compare it with the ledger")
    p.set_defaults(handler=cmd_discover_import_nmap)
    p.add_argument("file", type=Path)
    p.add_argument("--facility", help="facility code")
    p.add_argument("--user", help="run as this user (their permissions apply)")

    token = add("token", lambda a: 2, "API tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    p = token_sub.add_parser("create", help="issue an API token for a user")
    p.set_defaults(handler=cmd_token_create)
    p.add_argument("username")
    p.add_argument("--name", default="cli")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.data_dir:
        os.environ["MAMORI_DATA_DIR"] = str(args.data_dir.expanduser().resolve())
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
