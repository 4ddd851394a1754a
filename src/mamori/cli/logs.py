"""Log commands with Mamori's database: `mamori logs import` (a file into a registered source, staged: whole or
nothing), `mamori logs listen` (the syslog receiver: UDP, TCP, TLS with optional client certificates),
`mamori logs retention` (delete day partitions older than each source's policy). For a laptop with no database
use `mamori hunt`."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["add_commands"]


def add_commands(sub: Any) -> None:
    logs = sub.add_parser("logs", help="log monitoring", description="log monitoring")
    logs.set_defaults(handler=lambda a: 2)
    logs_sub = logs.add_subparsers(dest="logs_command", required=True)
    p = logs_sub.add_parser("import", help="import log files into a registered source (each file whole or not at all)",
                            description="Exit status: 0 every file imported; 1 a file was rejected.")
    p.set_defaults(handler=cmd_logs_import)
    p.add_argument("files", type=Path, nargs="+")
    p.add_argument("--source", required=True, help="log source code")
    p.add_argument("--facility", help="facility code (when several facilities use the same source code)")
    p.add_argument("--recover", action="store_true", help="import what parses and list every skipped part")
    p.add_argument("--user", help="run as this user (their permissions apply)")
    p = logs_sub.add_parser("listen", help="receive syslog (RFC 3164 / 5424, FortiGate) into a source")
    p.set_defaults(handler=cmd_logs_listen)
    p.add_argument("--source", required=True,
                   help="log source code (kind syslog or fortigate) for senders no other source names; the "
                        "facility's syslog and FortiGate sources with senders get their senders' messages")
    p.add_argument("--facility", help="facility code")
    p.add_argument("--host", default="0.0.0.0",  # noqa: S104 - syslog senders are on the hospital network
                   help="address to listen on (default all)")
    p.add_argument("--udp", type=int, metavar="PORT", help="UDP port (e.g. 514)")
    p.add_argument("--tcp", type=int, metavar="PORT", help="TCP port (e.g. 601)")
    p.add_argument("--tls", type=int, metavar="PORT", help="TLS port (e.g. 6514); needs --cert and --key")
    p.add_argument("--cert", type=Path, help="server certificate (PEM)")
    p.add_argument("--key", type=Path, help="server private key (PEM)")
    p.add_argument("--client-ca", type=Path, help="require client certificates signed by this CA (PEM)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="processes that parse and match the messages (default: the number of CPUs; 0: parse in "
                        "the receiving process)")
    p.add_argument("--reroute-every", type=float, default=30.0, metavar="SECONDS",
                   help="how often the log sources' senders are read again (default 30 s)")
    p = logs_sub.add_parser("retention", help="delete stored events older than each source's retention")
    p.set_defaults(handler=cmd_logs_retention)


def _source(args: argparse.Namespace, action: str) -> tuple[Any, Any]:
    from mamori.cli.common import run_as, scoped
    from mamori.monitoring.models import LogSource

    user = run_as(args)
    sources = scoped(LogSource, user, action).filter(code=args.source)
    if args.facility:
        sources = sources.filter(facility__code=args.facility)
    found = list(sources[:2])
    if len(found) != 1:
        what = "no" if not found else "more than one"
        raise SystemExit(f"mamori: {what} log source {args.source!r} (register it under ログ監視 → ログソース; "
                         "give --facility when several facilities use the code)")
    return user, found[0]


def cmd_logs_import(args: argparse.Namespace) -> int:
    from mamori.cli.common import setup_django

    setup_django()
    from mamori.audit.context import acting_as
    from mamori.cli.common import actor_for, policy_allows
    from mamori.monitoring.choices import ImportState
    from mamori.monitoring.ingest import import_file

    user, source = _source(args, "view")
    if user is not None and not policy_allows(user, "monitoring.logimport", "add"):
        print(f"mamori: {user.username} may not import logs", file=sys.stderr)
        return 2
    failed = False
    with acting_as(actor_for(user)):
        for path in args.files:
            if not path.is_file():
                print(f"{path}: not a file", file=sys.stderr)
                failed = True
                continue
            result = import_file(source, path, file_name=path.name, recover=args.recover,
                                 imported_by=getattr(user, "username", "cli"))
            if result.state == ImportState.REJECTED:
                failed = True
                print(f"{path.name}: rejected, nothing imported: {result.error}", file=sys.stderr)
                continue
            print(f"{path.name}: {result.events} events imported, {result.detections} detections"
                  + (f", {len(result.skipped)} damaged parts skipped" if result.skipped else ""))
            for where, why in result.skipped[:20]:
                print(f"  skipped {where}: {why}")
    return 1 if failed else 0


def cmd_logs_listen(args: argparse.Namespace) -> int:
    from mamori.cli.common import setup_django

    setup_django()
    import asyncio
    import contextlib
    import time

    from mamori.audit.context import acting_as
    from mamori.cli.common import operator_actor
    from mamori.engines.logs.receiver import SyslogReceiver, make_server_ssl_context
    from mamori.engines.logs.store import EventWriter
    from mamori.monitoring.ingest import LiveRoutes

    _user, source = _source(args, "view")
    if not (args.udp or args.tcp or args.tls):
        print("mamori: give at least one of --udp, --tcp, --tls", file=sys.stderr)
        return 2
    context = None
    if args.tls:
        if not (args.cert and args.key):
            print("mamori: --tls needs --cert and --key", file=sys.stderr)
            return 2
        context = make_server_ssl_context(args.cert, args.key, client_ca=args.client_ca,
                                          require_client_cert=args.client_ca is not None)
    routes = LiveRoutes(source)
    workers = max(0, args.workers)

    def print_routes() -> None:
        for network, code in routes.table():
            print(f"  from {network:<20} into {code}", flush=True)

    async def serve(receiver: SyslogReceiver, open_writer: Callable[[str], EventWriter] | None = None) -> None:
        await receiver.start(host=args.host, udp_port=args.udp, tcp_port=args.tcp, tls_port=args.tls,
                             ssl_context=context)
        print(f"listening for syslog: udp={args.udp} tcp={args.tcp} tls={args.tls}, "
              f"{workers or 'no'} parsing processes", flush=True)
        print_routes()
        checked = time.monotonic()
        try:
            while True:
                await asyncio.sleep(1.0)
                if routes.due():
                    await asyncio.to_thread(routes.flush)
                if time.monotonic() - checked >= args.reroute_every:  # senders edited on the web page apply
                    checked = time.monotonic()
                    if await asyncio.to_thread(routes.refresh):
                        if open_writer is not None:
                            routes.reroute(receiver, open_writer)
                        print("routes changed:", flush=True)
                        print_routes()
        finally:
            await receiver.stop()

    async def run() -> None:
        if not workers:
            await serve(SyslogReceiver(routes.add))
            return
        with contextlib.ExitStack() as stack:
            def open_writer(key: str) -> EventWriter:
                return stack.enter_context(routes.store.writer(key))

            writers = {key: open_writer(key) for key in routes.pipelines}
            await serve(SyslogReceiver(writers, route=routes.routes, parse_workers=workers,
                                       analyser=routes.analyser(), on_analysis=routes.take), open_writer)

    with acting_as(operator_actor()):
        try:
            asyncio.run(run())
        except KeyboardInterrupt:
            pass
        finally:
            routes.flush(final=True)
    recorded = routes.recorded
    print(f"stored {routes.stored} events; alerts {recorded.created} new, {recorded.updated} updated")
    return 0


def cmd_logs_retention(args: argparse.Namespace) -> int:
    from mamori.cli.common import setup_django

    setup_django()
    from mamori.monitoring.retention import apply_retention

    for line in apply_retention():
        print(line)
    return 0
