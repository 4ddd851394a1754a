"""The `mamori` command. Library code raises; only this package prints and exits.

Commands that touch the database run as a user given with `--user` (the same permission path
as the web UI and the API); without it they run as the local operator with full access.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from mamori.cli.backup import add_commands as add_backup_commands
from mamori.cli.checklist import add_commands as add_checklist_commands
from mamori.cli.hunt import add_commands as add_hunt_commands
from mamori.cli.ledger import (
    cmd_discover_import_nmap,
    cmd_ledger_attach_sbom,
    cmd_ledger_export,
    cmd_ledger_import,
    cmd_ledger_list,
)
from mamori.cli.logs import add_commands as add_logs_commands
from mamori.cli.system import (
    cmd_audit_verify,
    cmd_createuser,
    cmd_demo,
    cmd_load_demo,
    cmd_migrate,
    cmd_serve,
    cmd_token_create,
)
from mamori.cli.vulns import add_commands as add_vuln_commands

__all__ = ["build_parser", "main"]

Handler = Callable[[argparse.Namespace], int]


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

    add_vuln_commands(sub)
    add_backup_commands(sub)
    add_checklist_commands(sub)
    add_hunt_commands(sub)
    add_logs_commands(sub)

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
