"""Discovery pages: upload an nmap XML, see what differs from the ledger, register unknown hosts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from mamori.accounts.policy import allows
from mamori.engines.discovery import DEFAULT_MAX_NMAP_BYTES, NmapParseError
from mamori.input_errors import localise_input_error
from mamori.ledger.choices import DiscoveryFindingKind
from mamori.ledger.discovery import import_nmap, register_finding
from mamori.ledger.models import Asset, DiscoveryFinding, DiscoveryRun
from mamori.tenancy.models import Facility
from mamori.web.views import PolicyRequiredMixin, RestrictedDetailMixin, RestrictedListView


class DiscoveryRunListView(RestrictedListView):
    model = DiscoveryRun
    template_name = "ledger/discovery_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["facilities"] = Facility.objects.restrict(self.request.user, "view")
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        if not allows(request.user, DiscoveryRun, "add"):
            return HttpResponse(status=403)
        upload = request.FILES.get("file")
        facility = Facility.objects.restrict(request.user, "view").filter(pk=request.POST.get("facility") or 0).first()
        if upload is None or facility is None:
            messages.error(request, _("Choose a file and a facility."))
        elif upload.size is not None and upload.size > DEFAULT_MAX_NMAP_BYTES:
            messages.error(request, _("{file}: the file is too large.").format(file=upload.name))
        else:
            try:
                run = import_nmap(upload.read(), upload.name or "scan.xml", facility)
            except NmapParseError as exc:
                messages.error(request, _("The scan was not imported: {error}").format(error=localise_input_error(exc)))
            else:
                return redirect(run.get_absolute_url())
        return redirect("ledger:discovery_list")


class DiscoveryRunDetailView(RestrictedDetailMixin, DetailView):  # type: ignore[type-arg]
    model = DiscoveryRun
    template_name = "ledger/discovery_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        findings: QuerySet[DiscoveryFinding] = self.object.findings.select_related("asset", "registered_as")
        context["unregistered"] = findings.filter(kind=DiscoveryFindingKind.UNREGISTERED)
        context["exposed"] = findings.filter(kind=DiscoveryFindingKind.EXPOSED)
        context["not_seen"] = findings.filter(kind=DiscoveryFindingKind.NOT_SEEN)
        context["can_register"] = allows(self.request.user, Asset, "add")
        return context


class DiscoveryRegisterView(PolicyRequiredMixin, View):
    """POST: create a ledger entry for an unregistered host, then open it for editing."""

    model = Asset
    action = "add"

    def post(self, request: HttpRequest, pk: int, finding: int) -> HttpResponse:
        run = get_object_or_404(DiscoveryRun.objects.restrict(request.user, "view"), pk=pk)
        item = get_object_or_404(run.findings, pk=finding, kind=DiscoveryFindingKind.UNREGISTERED)
        if item.registered_as_id is not None:
            return redirect(run.get_absolute_url())
        asset = register_finding(item)
        messages.success(request, _("{asset} was added to the ledger; complete its details.").format(asset=asset))
        return redirect("ledger:asset_edit", key=asset.key)
