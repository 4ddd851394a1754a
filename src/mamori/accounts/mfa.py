"""Two-factor enrolment and verification on top of django-otp (TOTP plus one-time backup codes)."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import segno
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

BACKUP_CODE_COUNT = 10


def pending_totp_device(user: Any) -> TOTPDevice:
    """The user's unconfirmed TOTP device, created if there is none."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def qr_svg_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URI as an SVG QR code, inline (no external request, CSP allows data: images)."""
    return str(segno.make(device.config_url, error="m").svg_data_uri(scale=5))


def confirm(device: TOTPDevice, token: str) -> bool:
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return True


def issue_backup_codes(user: Any) -> list[str]:
    """Replace the user's backup codes with new ones; the clear codes are shown once."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="backup")
    device.token_set.all().delete()
    codes = [secrets.token_hex(4) for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
