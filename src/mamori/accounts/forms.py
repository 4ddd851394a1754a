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


class UserAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    """Create or change a user's identity, role and scope (never the password)."""

    class Meta:
        from mamori.accounts.models import User

        model = User
        fields = ("username", "first_name", "email", "role", "facility", "vendor", "is_active")
        labels = {"first_name": _("Display name"), "is_active": _("Active")}

    def __init__(self, *args: object, acting_user: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        from mamori.ledger.models import Vendor
        from mamori.tenancy.models import Facility

        self.fields["facility"].queryset = Facility.objects.restrict(acting_user, "view")  # type: ignore[attr-defined]
        self.fields["vendor"].queryset = Vendor.objects.restrict(acting_user, "view")  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["username"].disabled = True
