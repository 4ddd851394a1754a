"""What every command shares: Django set-up, the --user permission scope and the audit actor."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from mamori import config


def setup_django(*, create_key: bool = False) -> None:
    if create_key and not os.environ.get("MAMORI_SECRET_KEY"):
        config.ensure_secret_key()
    if create_key:
        config.data_dir().mkdir(parents=True, exist_ok=True)  # also when the key comes from the environment
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    import django

    django.setup()


def operator_actor() -> Any:
    from mamori.audit.context import Actor

    return Actor(user_id=None, username=f"cli:{getpass.getuser()}", source="cli")


def user_actor(user: Any) -> Any:
    from mamori.audit.context import Actor

    return Actor(user_id=user.pk, username=user.get_username(), source="cli")


def scoped(model: Any, user: Any, action: str = "view") -> Any:
    """All objects for the local operator; for a --user, what the permission path allows."""
    return model.objects.all() if user is None else model.objects.restrict(user, action)


def actor_for(user: Any) -> Any:
    return operator_actor() if user is None else user_actor(user)


def facility_from_args(args: argparse.Namespace, user: Any) -> Any:
    """The facility named by --facility among those the user may reach; None (reported) otherwise."""
    from mamori.tenancy.models import Facility

    facilities = scoped(Facility, user)
    facility = facilities.filter(code=args.facility).first() if args.facility else None
    if facility is None:
        choices = ", ".join(facilities.values_list("code", flat=True)) or "none"
        print(f"mamori: name the facility with --facility ({choices})", file=sys.stderr)
    return facility


def run_as(args: argparse.Namespace) -> Any:
    """The user named by --user (must exist and be active), or None for the local operator."""
    if not getattr(args, "user", None):
        return None
    from mamori.accounts.models import User

    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        raise SystemExit(f"mamori: no active user named {args.user!r}")
    return user


def policy_allows(user: Any, model: str, action: str) -> bool:
    from mamori.accounts.policy import allows

    return allows(user, model, action)
