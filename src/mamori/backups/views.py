"""Backup pages: the jobs with their checks, one job with its snapshots and drills, and the forms."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views import View
from django.views.generic import DetailView

from mamori.accounts.policy import allows
from mamori.backups.choices import READABLE_TOOLS, RESTORABLE_TOOLS
from mamori.backups.facts import job_status
from mamori.backups.forms import BackupCopyForm, BackupJobForm, RestoreDrillForm
from mamori.backups.models import BackupCopy, BackupJob, RestoreDrill, VerificationRun
from mamori.backups.status import checklist_3_2, statuses, unprotected_systems
from mamori.backups.texts import check_text, reason_text
from mamori.backups.verification import NotReadable, run_drill_for_job, verify_job
from mamori.engines.errors import InputError
from mamori.ledger.views import ScopedEditView
from mamori.web.views import PolicyRequiredMixin, RestrictedDetailMixin


def _checks(status: Any) -> list[dict[str, str]]:
    now = timezone.now()
    return [{"code": c.code, "severity": str(c.severity), "text": check_text(c, status.facts, now)}
            for c in status.checks]


class JobListView(PolicyRequiredMixin, View):
    model = BackupJob

    def get(self, request: HttpRequest) -> HttpResponse:
        jobs = BackupJob.objects.restrict(request.user, "view")
        found = statuses(jobs)
        rows = [{"status": s, "checks": _checks(s)} for s in found]
        inactive = jobs.filter(active=False)
        return render(request, "backups/job_list.html", {
            "rows": rows, "inactive": inactive, "evidence": checklist_3_2(jobs, found=found),
            "unprotected": unprotected_systems(request.user)[:50],
            "can_add": allows(request.user, BackupJob, "add")})


class JobDetailView(RestrictedDetailMixin, DetailView):  # type: ignore[type-arg]
    model = BackupJob
    template_name = "backups/job_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("system__segment", "backup_host__segment")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        job: BackupJob = self.object
        user = self.request.user
        status = job_status(job)
        latest = job.runs.order_by("-started").first()
        verdicts = []
        if status.run is not None:
            for v in status.run.verdicts.order_by("-time"):
                verdicts.append({"verdict": v, "reasons": [reason_text(r) for r in v.reasons],
                                 "is_restore_point": v.snapshot_id == status.run.last_clean_id})
        context.update({
            "status": status, "checks": _checks(status), "verdicts": verdicts,
            "failed_run": latest if latest is not None and latest.failed else None,
            "runs": job.runs.order_by("-started")[:10],
            "copies": job.copies.all(), "drills": job.drills.all()[:20],
            "can_verify": job.tool in READABLE_TOOLS and allows(user, VerificationRun, "add"),
            "can_drill": job.tool in RESTORABLE_TOOLS and allows(user, RestoreDrill, "add"),
            "can_record_drill": allows(user, RestoreDrill, "add"),
            "can_add_copy": allows(user, BackupCopy, "add"),
            "copy_form": BackupCopyForm(acting_user=user), "drill_form": RestoreDrillForm(acting_user=user),
        })
        return context


class JobEditView(ScopedEditView):
    model = BackupJob
    action = "change"
    form_class = BackupJobForm
    template_name = "ledger/edit_form.html"

    def _form(self, request: HttpRequest, instance: Any, data: Any = None) -> Any:
        initial = {"facility": request.user.facility_id} if instance is None else None  # type: ignore[union-attr]
        files = request.FILES if data is not None else None
        return self.form_class(data, files, instance=instance, acting_user=request.user, initial=initial)


def _job(request: HttpRequest, pk: int, action: str = "change") -> BackupJob:
    return get_object_or_404(BackupJob.objects.restrict(request.user, action), pk=pk)


class JobChildCreateView(PolicyRequiredMixin, View):
    """Add a copy or a drill to a job from the job page (a bad form comes back with its errors, status 400)."""

    action = "add"
    form_class: Any
    saved_message: str

    def prepare(self, form: Any, request: HttpRequest) -> None:
        """Set what the form does not ask for."""

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = _job(request, pk, "view")
        form = self.form_class(request.POST, acting_user=request.user)
        if form.is_valid():
            form.instance.job = job
            self.prepare(form, request)
            form.save()
            messages.success(request, _(self.saved_message))
            return redirect(job.get_absolute_url())
        return render(request, "ledger/edit_form.html", {"form": form, "object": job,
                                                          "model_name": self.model._meta.verbose_name}, status=400)


class CopyCreateView(JobChildCreateView):
    model = BackupCopy
    form_class = BackupCopyForm
    saved_message = gettext_noop("Copy recorded.")


class CopyEditView(ScopedEditView):
    model = BackupCopy
    action = "change"
    form_class = BackupCopyForm
    template_name = "ledger/edit_form.html"


class DrillCreateView(JobChildCreateView):
    """A drill done by people (a full restore onto the standby server, the EHR opened): recorded by hand."""

    model = RestoreDrill
    form_class = RestoreDrillForm
    saved_message = gettext_noop("Restore drill recorded.")

    def prepare(self, form: Any, request: HttpRequest) -> None:
        form.instance.performed_by = request.user.get_username()


class VerifyView(PolicyRequiredMixin, View):
    model = VerificationRun
    action = "add"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = _job(request, pk, "view")
        if job.tool not in READABLE_TOOLS:
            messages.error(request, _("Mamori cannot read this tool's repository: record its checks by hand."))
            return redirect(job.get_absolute_url())
        run = verify_job(job)
        if run.failed:
            messages.error(request, _("The repository could not be read (%(code)s): %(error)s") % {
                "code": run.error_code, "error": run.error})
        else:
            messages.success(request, _("%(n)d snapshots verified; the last clean restore point is %(point)s.") % {
                "n": run.snapshots, "point": run.last_clean_short_id or _("none")})
        return redirect(job.get_absolute_url())


class DrillRunView(PolicyRequiredMixin, View):
    model = RestoreDrill
    action = "add"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = _job(request, pk, "view")
        try:
            drill = run_drill_for_job(job)
        except (InputError, NotReadable, ValueError) as exc:
            messages.error(request, _("The sample restore could not run: %(error)s") % {"error": exc})
            return redirect(job.get_absolute_url())
        if drill.ok:
            messages.success(request, _("%(n)d files restored; every comparable hash matches production.") % {
                "n": drill.files_restored})
        else:
            messages.error(request, _("%(n)d files restored; %(bad)d differ from production or are broken.") % {
                "n": drill.files_restored, "bad": len(drill.broken_files)})
        return redirect(job.get_absolute_url())


class ProcedureDownloadView(PolicyRequiredMixin, View):
    """The restore procedure document, to those who may see the job (files are not served from a public path)."""

    model = BackupJob

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        job = _job(request, pk, "view")
        if not job.restore_procedure_file:
            raise Http404
        name = job.restore_procedure_file.name.rsplit("/", 1)[-1]
        return FileResponse(job.restore_procedure_file.open("rb"), as_attachment=True, filename=name)
