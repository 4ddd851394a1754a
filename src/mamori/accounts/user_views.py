"""User administration pages: list, create (one-time password), change, reset 2FA, unlock."""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from mamori.accounts import services
from mamori.accounts.forms import UserAdminForm
from mamori.accounts.models import User
from mamori.accounts.policy import allows
from mamori.audit.recording import record
from mamori.web.views import PolicyRequiredMixin, RestrictedListView


class UserListView(RestrictedListView):
    model = User
    template_name = "accounts/user_list.html"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("facility", "vendor").order_by("username")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        enrolled = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
        context["mfa_user_ids"] = enrolled
        context["can_change"] = allows(self.request.user, User, "change")
        return context


class UserCreateView(PolicyRequiredMixin, View):
    model = User
    action = "add"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "accounts/user_form.html", {"form": UserAdminForm(acting_user=request.user)})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = UserAdminForm(request.POST, acting_user=request.user)
        if form.is_valid():
            password = services.generate_password()
            user = form.save(commit=False)
            user.set_password(password)
            user.save()
            return render(request, "accounts/user_created.html", {"new_user": user, "password": password})
        return render(request, "accounts/user_form.html", {"form": form})


class UserUpdateView(PolicyRequiredMixin, View):
    model = User
    action = "change"

    def _user(self, request: HttpRequest, pk: int) -> User:
        target: User = get_object_or_404(User.objects.restrict(request.user, "change"), pk=pk)
        return target

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = self._user(request, pk)
        form = UserAdminForm(instance=target, acting_user=request.user)
        return render(request, "accounts/user_form.html", {"form": form, "target": target})

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        target = self._user(request, pk)
        form = UserAdminForm(request.POST, instance=target, acting_user=request.user)
        if form.is_valid():
            if target.pk == request.user.pk and not form.cleaned_data["is_active"]:
                raise PermissionDenied
            form.save()
            messages.success(request, _("The user was updated."))
            return redirect("accounts:user_list")
        return render(request, "accounts/user_form.html", {"form": form, "target": target})


class UserSecurityActionView(PolicyRequiredMixin, View):
    """POST-only: reset a user's two-factor devices, or lift a lockout."""

    model = User
    action = "change"

    def post(self, request: HttpRequest, pk: int, operation: str) -> HttpResponse:
        target = get_object_or_404(User.objects.restrict(request.user, "change"), pk=pk)
        with transaction.atomic():
            if operation == "reset-mfa":
                TOTPDevice.objects.filter(user=target).delete()
                StaticDevice.objects.filter(user=target).delete()
                record("mfa_reset", instance=target)
                messages.success(request, _("Two-factor authentication was reset; the user enrols again at sign-in."))
            elif operation == "unlock":
                axes_reset(username=target.get_username())
                record("unlocked", instance=target)
                messages.success(request, _("The account was unlocked."))
            else:
                raise PermissionDenied
        return redirect("accounts:user_list")
