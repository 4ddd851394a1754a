"""Incident pages: the list of cases, one case (timeline, alerts, assets, phase), opening a case from alerts or
from a report, editing its facts, and the POSTs that add to it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from mamori.accounts.policy import allows
from mamori.incidents.choices import OPEN_PHASES, PHASE_ORDER, Category, Phase
from mamori.incidents.forms import EntryForm, IncidentForm, PhaseForm
from mamori.incidents.models import SEVERITY_ORDER, Incident, IncidentAlert, TimelineEntry
from mamori.incidents.services import (
    IncidentError,
    add_alerts,
    add_entry,
    affected_assets,
    change_phase,
    may_escalate,
    open_incident,
    related_alerts,
    set_assets,
    severity_for,
    suggest_category,
)
from mamori.monitoring.models import Alert
from mamori.web.views import PolicyRequiredMixin

MAX_ALERTS = 200


def _incidents(request: HttpRequest, action: str = "view") -> QuerySet[Incident]:
    return Incident.objects.restrict(request.user, action)


def _alerts_from(request: HttpRequest, ids: list[str]) -> list[Alert]:
    wanted = {int(i) for i in ids[:MAX_ALERTS] if str(i).isdigit()}
    return list(Alert.objects.restrict(request.user, "view").filter(pk__in=wanted).select_related("source__asset")
                .order_by("first_seen"))


class IncidentListView(PolicyRequiredMixin, View):
    model = Incident

    def get(self, request: HttpRequest) -> HttpResponse:
        qs = _incidents(request).annotate(n_alerts=Count("alert_links"))
        category = request.GET.get("category", "")
        if category in Category.values:
            qs = qs.filter(category=category)
        rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
        open_cases = sorted(qs.filter(phase__in=OPEN_PHASES),
                            key=lambda i: (rank.get(i.severity, 9), -i.detected_at.timestamp()))
        return render(request, "incidents/incident_list.html", {
            "open": open_cases, "closed": qs.filter(phase=Phase.CLOSED).order_by("-closed_at")[:50],
            "category": category, "categories": Category.choices,
            "can_add": allows(request.user, Incident, "add")})


class IncidentCreateView(PolicyRequiredMixin, View):
    """Open a case. `?alert=1&alert=2` (from the alert list or an alert's page) fills it in from the alerts."""

    model = Incident
    action = "add"

    def _render(self, request: HttpRequest, form: IncidentForm, alerts: list[Alert], status: int = 200
                ) -> HttpResponse:
        return render(request, "incidents/incident_form.html", {"form": form, "alerts": alerts, "object": None},
                      status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        alerts = _alerts_from(request, request.GET.getlist("alert"))
        initial: dict[str, Any] = {"facility": getattr(request.user, "facility_id", None),
                                   "detected_at": timezone.localtime().replace(second=0, microsecond=0),
                                   "lead": request.user.get_username(), "severity": "high"}
        if alerts:
            first = alerts[0]
            hosts = sorted({a.host for a in alerts if a.host})
            initial.update({
                "facility": first.facility_id, "title": f"{first.display_title} — {', '.join(hosts[:3]) or '-'}",
                "category": suggest_category(alerts), "severity": severity_for(a.level for a in alerts),
                "detected_at": timezone.localtime(min(a.first_seen for a in alerts)).replace(second=0,
                                                                                             microsecond=0),
                "asset_refs": "\n".join(a.key for a in affected_assets(first.facility, alerts))})
        return self._render(request, IncidentForm(acting_user=request.user, initial=initial), alerts)

    def post(self, request: HttpRequest) -> HttpResponse:
        alerts = _alerts_from(request, request.POST.getlist("alert"))
        form = IncidentForm(request.POST, acting_user=request.user)
        if not form.is_valid():
            return self._render(request, form, alerts, status=400)
        data = form.cleaned_data
        if alerts and not may_escalate(request.user):
            return HttpResponse(status=403)
        try:
            incident = open_incident(
                facility=data["facility"], user=request.user, title=data["title"], category=data["category"],
                severity=data["severity"], detected_at=data["detected_at"], alerts=alerts,
                assets=data["asset_refs"], lead=data["lead"], summary=data["summary"],
                care_impact=data["care_impact"])
        except IncidentError as exc:
            form.add_error(None, str(exc))
            return self._render(request, form, alerts, status=400)
        messages.success(request, _("Incident %(number)s opened.") % {"number": incident.number})
        return redirect(incident.get_absolute_url())


class IncidentEditView(PolicyRequiredMixin, View):
    model = Incident
    action = "change"

    def _render(self, request: HttpRequest, form: IncidentForm, incident: Incident, status: int = 200
                ) -> HttpResponse:
        return render(request, "incidents/incident_form.html", {"form": form, "alerts": [], "object": incident},
                      status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = get_object_or_404(_incidents(request, "change"), pk=pk)
        return self._render(request, IncidentForm(instance=incident, acting_user=request.user), incident)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = get_object_or_404(_incidents(request, "change"), pk=pk)
        form = IncidentForm(request.POST, instance=incident, acting_user=request.user)
        if not form.is_valid():
            return self._render(request, form, incident, status=400)
        with transaction.atomic():
            incident = form.save()
            set_assets(incident, form.cleaned_data["asset_refs"])
        messages.success(request, _("Incident updated."))
        return redirect(incident.get_absolute_url())


class IncidentDetailView(PolicyRequiredMixin, View):
    model: Any = Incident

    def _render(self, request: HttpRequest, incident: Incident, *, entry_form: EntryForm | None = None,
                phase_form: PhaseForm | None = None, status: int = 200) -> HttpResponse:
        user = request.user
        can_alerts = allows(user, Alert, "view")
        entries = list(incident.entries.select_related("alert"))
        if not can_alerts:  # the alert's rule and host stay with those who may see alerts
            for entry in entries:
                entry.alert = None
        links = list(incident.alert_links.select_related("alert")) if can_alerts else []
        now = timezone.localtime().replace(second=0, microsecond=0)
        return render(request, "incidents/incident_detail.html", {
            "incident": incident, "entries": entries, "alerts": [link.alert for link in links],
            "assets": incident.assets.all(), "can_change": allows(user, Incident, "change"),
            "can_write": allows(user, TimelineEntry, "add"),
            "can_link": may_escalate(user) and incident.is_open,
            "related": related_alerts(incident, user) if can_alerts and may_escalate(user) else [],
            "phases": [(p, Phase(p).label, PHASE_ORDER.index(p) <= PHASE_ORDER.index(incident.phase))
                       for p in PHASE_ORDER],
            "entry_form": entry_form or EntryForm(initial={"occurred_at": now}),
            "phase_form": phase_form or PhaseForm(initial={"phase": _next_phase(incident.phase)}),
        }, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, get_object_or_404(_incidents(request), pk=pk))


def _next_phase(phase: str) -> str:
    index = PHASE_ORDER.index(phase) if phase in PHASE_ORDER else 0
    return PHASE_ORDER[min(index + 1, len(PHASE_ORDER) - 1)]


class EntryAddView(IncidentDetailView):
    model = TimelineEntry
    action = "add"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = get_object_or_404(_incidents(request), pk=pk)
        form = EntryForm(request.POST)
        if form.is_valid():
            try:
                add_entry(incident, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"],
                          occurred_at=form.cleaned_data["occurred_at"], user=request.user)
            except IncidentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Entry added to the timeline."))
                return redirect(incident.get_absolute_url() + "#timeline")
        return self._render(request, incident, entry_form=form, status=400)


class PhaseChangeView(IncidentDetailView):
    model = Incident
    action = "change"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        incident = get_object_or_404(_incidents(request, "change"), pk=pk)
        form = PhaseForm(request.POST)
        if form.is_valid():
            try:
                change_phase(incident, form.cleaned_data["phase"], request.user, note=form.cleaned_data["note"],
                             lessons_learned=form.cleaned_data["lessons_learned"])
            except IncidentError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Phase: %(phase)s") % {"phase": incident.get_phase_display()})
                return redirect(incident.get_absolute_url())
        return self._render(request, incident, phase_form=form, status=400)


class AlertsAddView(IncidentDetailView):
    """Take alerts into the case: from the case's related alerts, or from an alert's page."""

    model = IncidentAlert
    action = "add"
    http_method_names = ["post"]

    def post(self, request: HttpRequest, pk: int | None = None) -> HttpResponse:
        if not may_escalate(request.user):  # escalating changes the alert's status
            return HttpResponse(status=403)
        if pk is None:  # from an alert's page: the case chosen there
            chosen = request.POST.get("incident", "")
            if not chosen.isdigit():
                messages.error(request, _("Choose an incident."))
                alerts = _alerts_from(request, request.POST.getlist("alert"))
                return redirect(alerts[0].get_absolute_url() if alerts else "incidents:incident_list")
            pk = int(chosen)
        incident = get_object_or_404(_incidents(request), pk=pk)
        alerts = _alerts_from(request, request.POST.getlist("alert"))
        if not alerts:
            messages.error(request, _("Choose at least one alert."))
            return redirect(incident.get_absolute_url())
        try:
            n = add_alerts(incident, alerts, request.user)
        except IncidentError as exc:
            messages.error(request, str(exc))
            return redirect((request.POST.get("back") == "alert" and alerts[0].get_absolute_url())
                            or incident.get_absolute_url())
        messages.success(request, _("%(n)d alerts added to %(number)s.") % {"n": n, "number": incident.number})
        return redirect(incident.get_absolute_url())
