"""Sign-in, two-factor enrolment and verification, sign-out, password change."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_otp import login as otp_login
from django_otp import match_token

from mamori.accounts import mfa
from mamori.accounts.forms import OtpTokenForm
from mamori.audit.recording import record


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return str(reverse_lazy("web:home"))


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class MfaVerifyView(LoginRequiredMixin, View):
    """Second step of sign-in for users with an enrolled authenticator."""

    template_name = "accounts/mfa_verify.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_verified():  # type: ignore[union-attr]
            return redirect(_next_url(request))
        return render(request, self.template_name, {"form": OtpTokenForm(), "next": _next_url(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OtpTokenForm(request.POST)
        if form.is_valid():
            device = match_token(request.user, form.cleaned_data["otp_token"])
            if device is not None:
                otp_login(request, device)
                record("mfa_verified", instance=request.user)  # type: ignore[arg-type]
                return redirect(_next_url(request))
            record("mfa_failed", instance=request.user)  # type: ignore[arg-type]
            form.add_error("otp_token", _("The code is not valid. Check the time on your device and try again."))
        return render(request, self.template_name, {"form": form, "next": _next_url(request)}, status=200)


class MfaSetupView(LoginRequiredMixin, View):
    """Enrol a TOTP authenticator: scan the QR code, confirm with a code, receive backup codes."""

    template_name = "accounts/mfa_setup.html"

    def _context(self, request: HttpRequest, form: OtpTokenForm) -> dict[str, Any]:
        device = mfa.pending_totp_device(request.user)
        return {
            "form": form,
            "qr": mfa.qr_svg_data_uri(device),
            "secret": mfa.secret_base32(device),
            "next": _next_url(request),
            "already_enrolled": request.user.has_mfa_device(),  # type: ignore[union-attr]
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self._context(request, OtpTokenForm()))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = OtpTokenForm(request.POST)
        if form.is_valid():
            device = mfa.pending_totp_device(request.user)
            if mfa.confirm(device, form.cleaned_data["otp_token"]):
                otp_login(request, device)
                codes = mfa.issue_backup_codes(request.user)
                record("mfa_enrolled", instance=request.user)  # type: ignore[arg-type]
                messages.success(request, _("Two-factor authentication is now enabled."))
                return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": _next_url(request)})
            form.add_error("otp_token", _("The code is not valid. Check the time on your device and try again."))
        return render(request, self.template_name, self._context(request, form))


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your password was changed."))
        return response


class ProfileView(LoginRequiredMixin, View):
    template_name = "accounts/profile.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"has_mfa": request.user.has_mfa_device()})  # type: ignore[union-attr]
