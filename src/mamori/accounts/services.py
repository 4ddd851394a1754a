"""Account use cases shared by the UI, the API and the CLI."""

from __future__ import annotations

import secrets
import string
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts.choices import MFA_REQUIRED_ROLES, Role
from mamori.accounts.models import User
from mamori.accounts.policy import allows
from mamori.web.todos import Todo

_ALPHABET = string.ascii_letters + string.digits


def generate_password(length: int = 20) -> str:
    """A random password that passes the GL 7.0 rules (letters and digits, 13+ characters)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate


@transaction.atomic
def create_user(username: str, role: str, password: str, *, facility: Any = None, vendor: Any = None,
                email: str = "", display_name: str = "") -> User:
    """Create a user after checking the password against every validator (raises ValidationError)."""
    user = User(username=username, role=Role(role), facility=facility, vendor=vendor, email=email,
                first_name=display_name)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    return user


def account_todos(user: Any) -> list[Todo]:
    """Users whose role requires two-factor authentication but who have not enrolled it."""
    if not allows(user, User, "view"):
        return []
    enrolled = TOTPDevice.objects.filter(confirmed=True).values("user_id")
    missing = User.objects.restrict(user, "view").filter(role__in=MFA_REQUIRED_ROLES, is_active=True).exclude(
        pk__in=enrolled)
    count = missing.count()
    if not count:
        return []
    return [Todo("high", _("Administrators without two-factor authentication"),
                 _("They cannot use Mamori until they enrol; enrolment happens at their next sign-in."),
                 count, reverse("accounts:user_list"), tuple(missing[:5]), "2-⑩")]
