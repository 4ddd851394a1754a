"""Users with a role, a facility and (for vendor users) a vendor; hashed API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mamori.accounts.choices import MFA_REQUIRED_ROLES, Role
from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import AuditedMixin


class UserQuerySet(RestrictedQuerySet["User"]):
    pass


class MamoriUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AuditedMixin, AbstractUser):
    """A person who signs in to Mamori."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.IT_STAFF)
    facility = models.ForeignKey("tenancy.Facility", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="users", verbose_name=_("facility"),
                                 help_text=_("Empty: all facilities of the group."))
    vendor = models.ForeignKey("ledger.Vendor", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="users", verbose_name=_("vendor"))

    objects: ClassVar[Any] = MamoriUserManager()
    facility_path: ClassVar[str] = "facility"
    vendor_path: ClassVar[str] = "vendor"
    audit_ignore: ClassVar[frozenset[str]] = frozenset({"last_login"})

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def clean(self) -> None:
        super().clean()
        if self.role == Role.VENDOR and self.vendor_id is None:
            raise ValidationError({"vendor": _("A vendor user must belong to a vendor.")})
        if self.role != Role.VENDOR and self.vendor_id is not None:
            raise ValidationError({"vendor": _("Only vendor users belong to a vendor.")})

    @property
    def mfa_required(self) -> bool:
        return self.role in MFA_REQUIRED_ROLES

    def has_mfa_device(self) -> bool:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return bool(TOTPDevice.objects.filter(user=self, confirmed=True).exists())


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


class ApiToken(AuditedMixin):
    """An API token. Only its SHA-256 is stored; the token is shown once when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    expires = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used = models.DateTimeField(_("last used"), null=True, blank=True)

    audit_ignore: ClassVar[frozenset[str]] = frozenset({"last_used"})

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} / {self.name} ({self.prefix})"

    @classmethod
    def issue(cls, user: User, name: str, expires: Any = None) -> tuple[ApiToken, str]:
        """Create a token; returns it and the clear text, which is never stored."""
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = cls.objects.create(user=user, name=name, prefix=prefix, token_hash=_hash_token(secret),
                                   expires=expires)
        return token, f"{prefix}.{secret}"

    @classmethod
    def authenticate(cls, presented: str) -> ApiToken | None:
        prefix, _sep, secret = presented.partition(".")
        if not secret:
            return None
        token = cls.objects.select_related("user").filter(prefix=prefix).first()
        if token is None or not secrets.compare_digest(token.token_hash, _hash_token(secret)):
            return None
        if token.expires and token.expires <= timezone.now():
            return None
        return token
