"""Log monitoring pages: alerts (list, one alert with its explanation and workflow), a host's timeline from the
event store, log sources with their health and file uploads, and rule exclusions."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from mamori.accounts.policy import allows
from mamori.incidents.choices import OPEN_PHASES as OPEN_CASE_PHASES
from mamori.incidents.models import Incident, IncidentAlert
from mamori.incidents.services import may_escalate
from mamori.ledger.views import ScopedEditView
from mamori.monitoring.choices import OPEN_STATUSES, AlertKind, AlertStatus, ImportState, Level
from mamori.monitoring.forms import AlertStatusForm, LogSourceForm, RuleExclusionForm, UploadForm
from mamori.monitoring.ingest import import_file
from mamori.monitoring.ledger_context import reason_label
from mamori.monitoring.models import Alert, LogImport, LogSource, RuleExclusion
from mamori.monitoring.timeline import host_events, mark_detections
from mamori.web.views import PolicyRequiredMixin

LEVELS = [c.value for c in Level]


def _alerts(request: HttpRequest) -> QuerySet[Alert]:
    return Alert.objects.restrict(request.user, "view")


class AlertListView(PolicyRequiredMixin, View):
    model = Alert

    def get(self, request: HttpRequest) -> HttpResponse:
        qs = _alerts(request)
        status = request.GET.get("status", "open")
        if status == "open":
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif status in AlertStatus.values:
            qs = qs.filter(status=status)
        level = request.GET.get("level", "")
        if level in LEVELS:
            qs = qs.filter(level=level)
        kind = request.GET.get("kind", "")
        if kind in AlertKind.values:
            qs = qs.filter(kind=kind)
        host = request.GET.get("host", "").strip()
        if host:
            qs = qs.filter(host__icontains=host)
        counts = dict(_alerts(request).filter(status__in=OPEN_STATUSES).values_list("level")
                      .annotate(n=Count("id")).values_list("level", "n"))
        order = {lv: i for i, lv in enumerate(LEVELS)}
        page = Paginator(sorted(qs.select_related("source")[:2000],
                                key=lambda a: (order.get(a.level, 9), -a.last_seen.timestamp())),
                         50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(request, "monitoring/alert_list.html", {
            "page_obj": page, "alerts": page.object_list, "counts": [(lv, Level(lv).label, counts.get(lv, 0))
                                                                     for lv in LEVELS],
            "status": status, "level": level, "kind": kind, "host": host, "statuses": AlertStatus.choices,
            "kinds": AlertKind.choices, "levels": Level.choices, "query_string": query.urlencode(),
            "sources": LogSource.objects.restrict(request.user, "view").count(),
            "can_open_incident": allows(request.user, Incident, "add") and may_escalate(request.user)})


class AlertDetailView(PolicyRequiredMixin, View):
    model = Alert

    def _alert(self, request: HttpRequest, pk: int, action: str = "view") -> Alert:
        return get_object_or_404(Alert.objects.restrict(request.user, action).select_related("source"), pk=pk)

    def _render(self, request: HttpRequest, alert: Alert, form: AlertStatusForm, status: int = 200) -> HttpResponse:
        can_exclude = allows(request.user, RuleExclusion, "add")
        link = IncidentAlert.objects.filter(alert=alert).select_related("incident").first()
        can_escalate = link is None and may_escalate(request.user)
        return render(request, "monitoring/alert_detail.html", {
            "incident": link.incident if link is not None and allows(request.user, Incident, "view") else None,
            "can_open_incident": can_escalate and allows(request.user, Incident, "add"),
            "open_incidents": (Incident.objects.restrict(request.user, "view")
                               .filter(facility=alert.facility_id, phase__in=OPEN_CASE_PHASES)
                               if can_escalate else []),
            "alert": alert, "form": form, "can_change": allows(request.user, Alert, "change"),
            "can_exclude": can_exclude, "level_reason": reason_label(alert.level_reason),
            "exclusions": RuleExclusion.objects.restrict(request.user, "view").filter(rule_id=alert.rule_id),
            "samples": [{"time": s.get("TimeCreated"), "channel": s.get("Channel"), "event_id": s.get("EventID"),
                         "record_id": s.get("EventRecordID"), "user": s.get("_user"), "ip": s.get("_src_ip"),
                         "file": s.get("_source"), "offset": s.get("_offset")} for s in alert.samples],
            "references": [r for r in alert.references if str(r).startswith(("http://", "https://"))],
        }, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        alert = self._alert(request, pk)
        return self._render(request, alert, AlertStatusForm(instance=alert))

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not allows(request.user, Alert, "change"):
            return HttpResponse(status=403)
        alert = self._alert(request, pk, "change")
        form = AlertStatusForm(request.POST, instance=alert)
        if not form.is_valid():
            return self._render(request, alert, form, status=400)
        alert = form.save(commit=False)
        alert.handled_by = request.user.get_username()
        alert.handled_at = timezone.now()
        alert.save()
        messages.success(request, _("Alert updated."))
        return redirect(alert.get_absolute_url())


class HostTimelineView(PolicyRequiredMixin, View):
    """One host's events from the event store (this facility's sources only) beside its alerts."""

    model = Alert

    def get(self, request: HttpRequest, host: str) -> HttpResponse:
        sources = list(LogSource.objects.restrict(request.user, "view"))
        alerts = _alerts(request).filter(Q(host__iexact=host) | Q(host__istartswith=f"{host}."))
        try:
            days = max(1, min(int(request.GET.get("days", "7")), 3660))
        except ValueError:
            days = 7
        end = timezone.now()
        around = request.GET.get("around", "")
        anchor = alerts.filter(pk=int(around)).first() if around.isdigit() else None
        if anchor is not None:  # the alert's events: up to an hour after its last one
            end = anchor.last_seen + dt.timedelta(hours=1)
        start = end - dt.timedelta(days=days)
        page = max(1, int(request.GET.get("page", "1") or 1)) if request.GET.get("page", "1").isdigit() else 1
        rows = host_events(sources, host, start=start, end=end, limit=200, offset=(page - 1) * 200)
        mark_detections(rows, alerts.filter(last_seen__gte=start, first_seen__lte=end)[:500])
        return render(request, "monitoring/host_timeline.html", {
            "host": host, "rows": rows, "alerts": alerts[:100], "days": days, "start": start, "end": end,
            "page": page, "has_next": len(rows) == 200, "around": anchor})


class SourceListView(PolicyRequiredMixin, View):
    model = LogSource

    def get(self, request: HttpRequest) -> HttpResponse:
        from mamori.monitoring.health import source_health

        sources = LogSource.objects.restrict(request.user, "view").select_related("asset")
        rows = [source_health(s) for s in sources]
        return render(request, "monitoring/source_list.html", {
            "rows": rows, "can_add": allows(request.user, LogSource, "add")})


class SourceDetailView(PolicyRequiredMixin, View):
    model = LogSource

    def _source(self, request: HttpRequest, pk: int) -> LogSource:
        return get_object_or_404(LogSource.objects.restrict(request.user, "view"), pk=pk)

    def _render(self, request: HttpRequest, source: LogSource, form: UploadForm, status: int = 200,
                result: LogImport | None = None) -> HttpResponse:
        from mamori.monitoring.health import source_health

        return render(request, "monitoring/source_detail.html", {
            "source": source, "health": source_health(source), "form": form, "result": result,
            "imports": source.imports.all()[:30], "can_import": allows(request.user, LogImport, "add"),
            "can_change": allows(request.user, LogSource, "change"),
            "alerts": source.alerts.filter(status__in=OPEN_STATUSES)[:20]}, status=status)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._render(request, self._source(request, pk), UploadForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not allows(request.user, LogImport, "add"):
            return HttpResponse(status=403)
        source = self._source(request, pk)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, source, form, status=400)
        upload = form.cleaned_data["file"]
        name = Path(upload.name).name
        with tempfile.TemporaryDirectory(prefix="mamori-upload-") as tmp:
            path = Path(tmp) / ("upload" + Path(name).suffix.lower())
            with path.open("wb") as fh:
                for chunk in upload.chunks():
                    fh.write(chunk)
            result = import_file(source, path, file_name=name, recover=form.cleaned_data["recover"],
                                 imported_by=request.user.get_username())
        if result.state == ImportState.REJECTED:
            messages.error(request, _("%(file)s was not imported: %(error)s") % {"file": name, "error": result.error})
            return self._render(request, source, UploadForm(), status=400, result=result)
        if result.state == ImportState.RECOVERED:
            messages.warning(request, _("%(file)s: %(n)d events imported, %(skipped)d damaged parts skipped.") % {
                "file": name, "n": result.events, "skipped": len(result.skipped)})
        else:
            messages.success(request, _("%(file)s: %(n)d events imported, %(d)d detections.") % {
                "file": name, "n": result.events, "d": result.detections})
        return redirect(source.get_absolute_url())


class SourceEditView(ScopedEditView):
    model = LogSource
    action = "change"
    form_class = LogSourceForm


class RuleListView(PolicyRequiredMixin, View):
    """The rules in use, those left out and why, and the rule files that could not be read."""

    model = Alert

    def get(self, request: HttpRequest) -> HttpResponse:
        from mamori.monitoring.rule_catalogue import catalogue

        query = request.GET.get("q", "")[:200]
        return render(request, "monitoring/rule_list.html", {"c": catalogue(query), "q": query})


class ExclusionListView(PolicyRequiredMixin, View):
    model = RuleExclusion

    def get(self, request: HttpRequest) -> HttpResponse:
        today = timezone.localdate()
        exclusions = list(RuleExclusion.objects.restrict(request.user, "view"))
        return render(request, "monitoring/exclusion_list.html", {
            "active": [e for e in exclusions if e.in_force(today)],
            "expired": [e for e in exclusions if not e.in_force(today)],
            "can_add": allows(request.user, RuleExclusion, "add")})


class ExclusionEditView(ScopedEditView):
    model = RuleExclusion
    action = "change"
    form_class = RuleExclusionForm

    def _form(self, request: HttpRequest, instance: Any, data: Any = None) -> Any:
        initial: dict[str, Any] | None = None
        if instance is None:
            initial = {"facility": request.user.facility_id,  # type: ignore[union-attr]
                       "expires": timezone.localdate() + dt.timedelta(days=90)}
            alert_pk = request.GET.get("alert")
            if alert_pk and alert_pk.isdigit():
                alert = Alert.objects.restrict(request.user, "view").filter(pk=int(alert_pk)).first()
                if alert is None:
                    raise Http404
                initial.update({"rule_id": alert.rule_id, "rule_title": alert.rule_title, "host": alert.host})
        return self.form_class(data, instance=instance, acting_user=request.user, initial=initial)
