"""Commands that set up and run Mamori: migrate, demo, serve, load-demo, createuser, token, audit verify."""

from __future__ import annotations

import argparse
import getpass
import sys

from mamori import config
from mamori.cli.common import operator_actor, setup_django


def cmd_migrate(args: argparse.Namespace) -> int:
    setup_django(create_key=True)
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    print(f"Database ready in {config.data_dir()}")
    return 0


def cmd_createuser(args: argparse.Namespace) -> int:
    setup_django()
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
        with acting_as(operator_actor()):
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
    setup_django()
    from mamori.audit.context import acting_as
    from mamori.demo.loader import demo_loaded, load_demo

    if demo_loaded():
        print("mamori: the demo hospital is already loaded", file=sys.stderr)
        return 1
    with acting_as(operator_actor()):
        result = load_demo(seed=args.seed, assets_target=args.assets)
    print(result.describe())
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.audit.services import verify

    verdict = verify()
    if verdict.ok:
        print(f"Audit trail intact: {verdict.checked} entries verified.")
        return 0
    print(f"Audit trail BROKEN at entry {verdict.first_broken_seq}: {verdict.reason} "
          f"({verdict.checked} entries before it verified).", file=sys.stderr)
    return 1


def cmd_token_create(args: argparse.Namespace) -> int:
    setup_django()
    from mamori.accounts.models import ApiToken, User
    from mamori.audit.context import acting_as

    user = User.objects.get(username=args.username, is_active=True)
    with acting_as(operator_actor()):
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
