"""Vulnerability pages: findings (per asset and per vulnerability), one finding with its workflow, one CVE."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from mamori.accounts.policy import allows
from mamori.audit.models import AuditEntry
from mamori.engines.vulns.priority import CREDENTIAL_LEAK_CVES
from mamori.vulns.choices import OPEN_STATUSES
from mamori.vulns.filtersets import FindingFilterSet, default_filters
from mamori.vulns.forms import FindingStatusForm
from mamori.vulns.models import (
    CsafCve,
    CveEnrichment,
    EpssScore,
    Finding,
    JvnCve,
    KevEntry,
    MatchRun,
    Vulnerability,
)
from mamori.vulns.workflow import WorkflowError, change_status
from mamori.web.views import PolicyRequiredMixin, RestrictedDetailMixin, RestrictedListView


def jvn_titles(cve_ids: list[str]) -> dict[str, str]:
    return dict(JvnCve.objects.filter(cve_id__in=cve_ids).values_list("cve_id", "entry__title"))


class FindingListView(RestrictedListView):
    """All findings the user may see, most urgent first; by default the ones still to be done."""

    model = Finding
    filterset_class = FindingFilterSet
    template_name = "vulns/finding_list.html"
    paginate_by = 100

    def get_queryset(self) -> QuerySet[Any]:
        qs = Finding.objects.restrict(self.request.user, "view").select_related("asset", "vulnerability", "detail")
        self.filterset = FindingFilterSet(default_filters(self.request.GET), queryset=qs, request=self.request)
        return self.filterset.qs if self.filterset.is_valid() else qs.none()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        page = list(context["object_list"])
        cves = [f.vulnerability.cve_id for f in page]
        context["titles"] = jvn_titles(cves)
        context["kev"] = {k.cve_id: k for k in KevEntry.objects.filter(cve_id__in=cves)}
        context["epss"] = dict(EpssScore.objects.filter(cve_id__in=cves).values_list("cve_id", "epss"))
        context["today"] = timezone.localdate()
        return context


class VulnerabilityListView(PolicyRequiredMixin, View):
    """Per vulnerability: how many of the user's assets it affects, most urgent first."""

    model = Finding

    def get(self, request: HttpRequest) -> HttpResponse:
        findings = Finding.objects.restrict(request.user, "view").filter(status__in=OPEN_STATUSES, detected=True)
        rows = list(findings.values("vulnerability__cve_id", "vulnerability__cvss_max")
                    .annotate(assets=Count("asset", distinct=True), top=Max("priority_score"),
                              exact=Count("id", filter=Q(tier="exact")))
                    .order_by("-top", "vulnerability__cve_id")[:500])
        cves = [r["vulnerability__cve_id"] for r in rows]
        kev = {k.cve_id: k for k in KevEntry.objects.filter(cve_id__in=cves)}
        priority = dict(findings.filter(vulnerability__cve_id__in=cves).order_by("priority_score")
                        .values_list("vulnerability__cve_id", "priority"))
        titles = jvn_titles(cves)
        for row in rows:
            cve = row["vulnerability__cve_id"]
            row.update(cve=cve, kev=kev.get(cve), priority=priority.get(cve), title_ja=titles.get(cve, ""))
        return render(request, "vulns/vulnerability_list.html", {"rows": rows})


class FindingDetailView(RestrictedDetailMixin, DetailView):  # type: ignore[type-arg]
    model = Finding
    template_name = "vulns/finding_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("asset", "vulnerability", "detail", "risk_approved_by")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        finding: Finding = self.object
        context["form"] = kwargs.get("form") or FindingStatusForm(
            initial={"status": finding.status}, facility_id=finding.asset.facility_id)
        context["credential_leak"] = CREDENTIAL_LEAK_CVES.get(finding.vulnerability.cve_id, "")
        context["title_ja"] = jvn_titles([finding.vulnerability.cve_id]).get(finding.vulnerability.cve_id, "")
        context["latest_run"] = MatchRun.objects.filter(finished__isnull=False).order_by("-started").first()
        context["history"] = AuditEntry.objects.filter(object_type="vulns.finding", object_id=str(finding.pk)) \
            .order_by("-seq")[:50]
        return context

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not allows(request.user, Finding, "change"):
            return HttpResponse(status=403)
        self.object = get_object_or_404(self.get_queryset(), pk=pk)
        form = FindingStatusForm(request.POST, facility_id=self.object.asset.facility_id)
        if form.is_valid():
            try:
                change_status(self.object, request.user, form.change())
            except WorkflowError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The finding is now: {status}.").format(
                    status=self.object.get_status_display()))
                return redirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(form=form))


class CveDetailView(PolicyRequiredMixin, View):
    """One CVE from every source, and the user's assets it affects."""

    model = Vulnerability

    def get(self, request: HttpRequest, cve_id: str) -> HttpResponse:
        vulnerability = Vulnerability.objects.restrict(request.user, "view").filter(cve_id=cve_id.upper()).first()
        if vulnerability is None:
            raise Http404
        cve = vulnerability.cve_id
        findings = Finding.objects.restrict(request.user, "view").filter(vulnerability=vulnerability) \
            .select_related("asset").order_by("-priority_score")
        context = {
            "v": vulnerability, "kev": KevEntry.objects.filter(cve_id=cve).first(),
            "epss": EpssScore.objects.filter(cve_id=cve).first(),
            "enrichment": CveEnrichment.objects.filter(cve_id=cve).first(),
            "jvn": [link.entry for link in JvnCve.objects.filter(cve_id=cve).select_related("entry")],
            "csaf": list(CsafCve.objects.filter(cve_id=cve).select_related("advisory")),
            "findings": findings, "credential_leak": CREDENTIAL_LEAK_CVES.get(cve, ""),
        }
        return render(request, "vulns/cve_detail.html", context)
