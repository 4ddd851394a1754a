"""Roles of Mamori's users."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    SECURITY_MANAGER = "security_manager", _("Security manager")
    IT_STAFF = "it_staff", _("IT staff")
    VENDOR = "vendor", _("Vendor")
    EXECUTIVE = "executive", _("Executive")
    INSPECTOR = "inspector", _("Inspector")
    PRIVACY_OFFICER = "privacy_officer", _("Privacy officer")


# Roles that must enrol two-factor authentication before they can do anything.
MFA_REQUIRED_ROLES = frozenset({Role.ADMIN, Role.SECURITY_MANAGER})
