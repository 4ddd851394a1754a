"""Pages for the feeds (what is loaded, upload, history), match runs and the weekly reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from mamori.accounts.policy import allows
from mamori.audit.context import current_actor
from mamori.input_errors import localise_input_error
from mamori.tenancy.models import Facility
from mamori.vulns.catalogue import catalogue_state
from mamori.vulns.choices import RunTrigger
from mamori.vulns.imports import MAX_UPLOAD_BYTES, FeedImportError, import_upload
from mamori.vulns.matching import run_match
from mamori.vulns.models import FeedImport, MatchRun, WeeklyReport
from mamori.vulns.reports import build_report, render_markdown, send_report
from mamori.web.views import PolicyRequiredMixin, RestrictedDetailMixin, RestrictedListView


class FeedListView(RestrictedListView):
    model = FeedImport
    template_name = "vulns/feed_list.html"
    paginate_by = 50

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["state"] = catalogue_state()
        context["last_run"] = MatchRun.objects.filter(finished__isnull=False).first()
        context["can_match"] = allows(self.request.user, MatchRun, "add")
        context["max_mb"] = MAX_UPLOAD_BYTES // (1024 * 1024)
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        if not allows(request.user, FeedImport, "add"):
            return HttpResponse(status=403)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("Choose a feed file."))
        elif upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            messages.error(request, _("{file}: the file is larger than {limit} MB; import it with "
                                      "`mamori feeds import`.").format(file=upload.name,
                                                                      limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
        else:
            try:
                outcome = import_upload(upload.read(), upload.name or "feed")
            except FeedImportError as exc:
                for _name, error in exc.errors:
                    messages.error(request, _("Nothing was imported: {error}").format(
                        error=localise_input_error(error)))
            else:
                for entry in outcome.imports:
                    messages.success(request, _("{file} ({kind}): {new} new, {changed} changed, {unchanged} "
                                                "unchanged.").format(file=entry.filename, kind=entry.get_kind_display(),
                                                                     new=entry.new, changed=entry.changed,
                                                                     unchanged=entry.unchanged))
                if outcome.run is not None:
                    messages.info(request, _("The ledger was matched again: {findings} findings, {new} new.").format(
                        findings=outcome.run.findings, new=outcome.run.new))
        return redirect("vulns:feed_list")


class MatchRunView(PolicyRequiredMixin, View):
    """POST: match the whole ledger now."""

    model = MatchRun
    action = "add"

    def post(self, request: HttpRequest) -> HttpResponse:
        run = run_match(RunTrigger.MANUAL, current_actor().username)
        messages.success(request, _("Matched {assets} assets in {seconds} s ({reevaluated} re-evaluated for what "
                                    "changed): {findings} findings, {new} new, {gone} no longer detected.").format(
            assets=run.assets, seconds=run.duration, reevaluated=run.reevaluated, findings=run.findings, new=run.new,
            gone=run.gone))
        return redirect(request.POST.get("next") or "vulns:finding_list")


class ReportListView(RestrictedListView):
    model = WeeklyReport
    template_name = "vulns/report_list.html"
    paginate_by = 52

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["facilities"] = Facility.objects.restrict(self.request.user, "view")
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        """Write (and e-mail) this week's report now, after matching the ledger again."""
        if not allows(request.user, WeeklyReport, "add"):
            return HttpResponse(status=403)
        facility = get_object_or_404(Facility.objects.restrict(request.user, "view"), pk=request.POST.get("facility")
                                     or 0)
        run = run_match(RunTrigger.MANUAL, current_actor().username)
        report = build_report(facility, run)
        sent = send_report(report) if request.POST.get("send") else []
        if sent:
            messages.success(request, _("Sent to {to}.").format(to=", ".join(sent)))
        return redirect(report.get_absolute_url())


class ReportDetailView(RestrictedDetailMixin, DetailView):  # type: ignore[type-arg]
    model = WeeklyReport
    template_name = "vulns/report_detail.html"


class ReportMarkdownView(PolicyRequiredMixin, View):
    model = WeeklyReport

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        report = get_object_or_404(WeeklyReport.objects.restrict(request.user, "view"), pk=pk)
        language = request.GET.get("lang") or request.LANGUAGE_CODE
        response = HttpResponse(render_markdown(report, language if language in ("ja", "en") else "ja"),
                                content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="mamori-vulns-{report.period_end:%Y%m%d}.md"'
        return response
