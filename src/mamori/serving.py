"""Serving the web UI with waitress, and preparing the demo installation."""

from __future__ import annotations

import ipaddress
import os
import sys

from mamori import config

LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _configure_http(host: str) -> None:
    """Plain HTTP is only accepted on a loopback address; anywhere else put HTTPS in front."""
    if _is_loopback(host):
        os.environ.setdefault("MAMORI_INSECURE_HTTP", "1")
    elif os.environ.get("MAMORI_INSECURE_HTTP") == "1":
        raise SystemExit("mamori: refusing plain HTTP on a non-loopback address; terminate TLS in a proxy "
                         "and set MAMORI_BEHIND_PROXY=1")
    hosts = os.environ.get("MAMORI_ALLOWED_HOSTS", "127.0.0.1,localhost")
    if host not in hosts.split(",") and host not in {"0.0.0.0", "::"}:  # noqa: S104 - checked, not bound here
        os.environ["MAMORI_ALLOWED_HOSTS"] = f"{hosts},{host}"


def prepare_demo(seed: int) -> None:
    """Migrate, load the demo hospital once, and create the first administrator with a one-time password."""
    config.ensure_secret_key()
    os.environ.setdefault("MAMORI_INSECURE_HTTP", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from mamori.accounts import services
    from mamori.accounts.models import User
    from mamori.audit.context import Actor, acting_as
    from mamori.demo.loader import demo_loaded, load_demo

    call_command("migrate", interactive=False, verbosity=0)
    actor = Actor(user_id=None, username="cli:demo", source="cli")
    with acting_as(actor):
        if not demo_loaded():
            print("Loading the demo hospital …", flush=True)
            print(load_demo(seed=seed).describe(), flush=True)
        if not User.objects.filter(role="admin").exists():
            password = services.generate_password()
            services.create_user("admin", "admin", password)
            print("\n  Administrator: admin")
            print(f"  One-time password (shown once, change it after signing in): {password}")
            print("  You will be asked to set up two-factor authentication at first sign-in.\n")
        else:
            print("\n  Administrator already exists; its password is not shown again.\n")


def serve(host: str, port: int, *, threads: int = 8) -> int:
    _configure_http(host)
    config.ensure_secret_key()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from waitress import serve as waitress_serve

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from mamori.vulns.scheduler import start_scheduler
    from mamori.wsgi import application  # after collectstatic: WhiteNoise indexes the files when loaded

    if start_scheduler() is not None:
        print("Weekly vulnerability run scheduled (MAMORI_WEEKLY_RUN, JST).", flush=True)

    print(f"Mamori is running at http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    sys.stdout.flush()
    waitress_serve(application, host=host, port=port, threads=threads, ident="mamori")
    return 0
