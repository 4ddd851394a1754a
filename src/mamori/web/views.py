"""Shared view bases (one permission path for every page) and the home page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View
from django.views.generic import ListView

from mamori.accounts import services as account_services
from mamori.accounts.policy import allows
from mamori.audit.models import AuditEntry
from mamori.backups.status import backup_todos
from mamori.checklist.todos import checklist_todos
from mamori.incidents.todos import incident_todos
from mamori.ledger import services as ledger_services
from mamori.monitoring.todos import monitoring_todos
from mamori.vulns.todos import latest_report, vuln_todos
from mamori.web.todos import sort_todos


class PolicyRequiredMixin(LoginRequiredMixin):
    """Sign-in required; then the role must grant `action` on the view's model, else 403."""

    action = "view"
    model: Any

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if request.user.is_authenticated and not allows(request.user, self.model, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class RestrictedDetailMixin(PolicyRequiredMixin):
    """Objects outside the user's reach are 404, as if they did not exist."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context_data(**kwargs)  # type: ignore[misc]
        context["can_change"] = allows(self.request.user, self.model, "change")  # type: ignore[attr-defined]
        return context

    def get_queryset(self) -> QuerySet[Any]:
        return self.model.objects.restrict(self.request.user, self.action)  # type: ignore[attr-defined,no-any-return]


class RestrictedListView(PolicyRequiredMixin, ListView):  # type: ignore[type-arg]
    """A list page with a django-filter FilterSet over the restricted queryset."""

    filterset_class: Any = None

    def get_queryset(self) -> QuerySet[Any]:
        qs = self.model.objects.restrict(self.request.user, self.action)
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=qs, request=self.request)
            qs = self.filterset.qs if self.filterset.is_bound and self.filterset.is_valid() else qs
        return qs  # type: ignore[no-any-return]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filterset"] = getattr(self, "filterset", None)
        context["can_add"] = allows(self.request.user, self.model, "add")
        context["can_change"] = allows(self.request.user, self.model, "change")
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class HomeView(LoginRequiredMixin, View):
    """The security manager's home page: this week's to-dos from real data."""

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        todos = sort_todos(ledger_services.ledger_todos(user) + account_services.account_todos(user)
                           + vuln_todos(user) + backup_todos(user) + checklist_todos(user)
                           + monitoring_todos(user) + incident_todos(user))
        context = {"todos": todos, "summary": ledger_services.ledger_summary(user),
                   "vuln_report": latest_report(user)}
        return render(request, "web/home.html", context)


class AuditListView(RestrictedListView):
    model = AuditEntry
    template_name = "web/audit_list.html"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[Any]:
        if not allows(self.request.user, AuditEntry, "view"):
            return AuditEntry.objects.none()
        return AuditEntry.objects.order_by("-seq")
