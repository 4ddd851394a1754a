"""Forms of the accounts app."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class OtpTokenForm(forms.Form):
    """A six-digit code from the authenticator app, or a backup code."""

    otp_token = forms.CharField(
        label=_("Authentication code"), max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_otp_token(self) -> str:
        return str(self.cleaned_data["otp_token"]).replace(" ", "").strip()
