"""Checklist pages: the years and forms, one checklist with its suggestions, answers and evidence, vendor forms,
the comparison of two years, and the exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from mamori.accounts.policy import allows
from mamori.checklist import services
from mamori.checklist.choices import FormKind
from mamori.checklist.forms import AnswerForm, EvidenceForm
from mamori.checklist.models import ChecklistResponse, EvidenceFile, ItemAnswer
from mamori.engines.checklist import loader
from mamori.ledger.models import Vendor
from mamori.web.views import PolicyRequiredMixin


def _response(request: HttpRequest, pk: int, action: str = "view") -> ChecklistResponse:
    return get_object_or_404(ChecklistResponse.objects.restrict(request.user, action).select_related(
        "facility", "vendor"), pk=pk)


def _facility(request: HttpRequest) -> Any:
    from mamori.tenancy.models import Facility

    facilities = Facility.objects.restrict(request.user, "view")
    chosen = request.GET.get("facility") or request.POST.get("facility")
    return (facilities.filter(pk=chosen).first() if chosen else None) or facilities.first()


class ChecklistListView(PolicyRequiredMixin, View):
    model = ChecklistResponse

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        responses = ChecklistResponse.objects.restrict(user, "view").select_related("facility", "vendor")
        years = sorted({year for year, _form in loader.available()}, reverse=True)
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
        facility = _facility(request)
        is_vendor = getattr(user, "role", None) == "vendor"
        context = {
            "responses": responses, "years": years, "year": year, "facility": facility,
            "forms": [(y, f) for y, f in loader.available() if f != "vendor"],
            "can_add": allows(user, ChecklistResponse, "add") and not is_vendor,
            "vendor_rows": services.vendor_status(facility, year) if facility and not is_vendor
            and allows(user, ChecklistResponse, "view") else [],
            "vendor_form_exists": any(y == year and f == "vendor" for y, f in loader.available()),
        }
        return render(request, "checklist/response_list.html", context)


class StartView(PolicyRequiredMixin, View):
    model = ChecklistResponse
    action = "add"

    def post(self, request: HttpRequest) -> HttpResponse:
        facility = _facility(request)
        try:
            year_text, form_text = request.POST["year_form"].split("|", 1)
            year, form = int(year_text), FormKind(form_text)
            response = services.start(facility, year, form)
        except (KeyError, ValueError, LookupError):
            messages.error(request, _("There is no such checklist."))
            return redirect("checklist:response_list")
        return redirect(response.get_absolute_url())


class AssignVendorsView(PolicyRequiredMixin, View):
    model = ChecklistResponse
    action = "add"

    def post(self, request: HttpRequest) -> HttpResponse:
        facility = _facility(request)
        year = int(request.POST.get("year") or 0)
        vendors = list(Vendor.objects.restrict(request.user, "view").filter(
            facility=facility, pk__in=request.POST.getlist("vendor")))
        try:
            sent = services.assign_vendor_forms(facility, year, vendors)
        except LookupError:
            messages.error(request, _("There is no 事業者確認用 for that year."))
            return redirect("checklist:response_list")
        messages.success(request, _("事業者確認用 sent to %(n)d vendors.") % {"n": len(sent)})
        return redirect(reverse("checklist:response_list") + f"?year={year}")


class ResponseDetailView(PolicyRequiredMixin, View):
    model = ChecklistResponse

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        response = _response(request, pk)
        services.refresh_suggestions(response)
        return render(request, "checklist/response_detail.html", self._context(request, response))

    def _context(self, request: HttpRequest, response: ChecklistResponse,
                 bound: tuple[str, AnswerForm] | None = None) -> dict[str, Any]:
        user = request.user
        can_answer = ChecklistResponse.objects.restrict(user, "change").filter(pk=response.pk).exists() and \
            allows(user, ItemAnswer, "change")
        evidence = EvidenceFile.objects.restrict(user, "view").filter(answer__response=response).select_related(
            "uploaded_by")
        rows = services.rows(response, evidence)
        for row in rows:
            limit = services.target_limit(response, row.item)
            row.form = bound[1] if bound and bound[0] == row.item.number else AnswerForm(  # type: ignore[attr-defined]
                instance=row.answer, response=response, item=row.item, limit=limit, prefix=row.item.number)
        definition = services.definition_of(response)
        answered = sum(1 for r in rows if r.answer.current)
        return {"response": response, "definition": definition, "rows": rows, "can_answer": can_answer,
                "can_upload": can_answer and allows(user, EvidenceFile, "add"), "evidence_form": EvidenceForm(),
                "answered": answered, "noes": sum(1 for r in rows if r.answer.current == "no"),
                "sections": {s.number: s.title for s in definition.sections},
                "others": ChecklistResponse.objects.restrict(user, "view").filter(
                    facility=response.facility, form=response.form, vendor=response.vendor).exclude(pk=response.pk)}


class AnswerView(ResponseDetailView):
    action = "change"

    def get(self, request: HttpRequest, pk: int, number: str = "") -> HttpResponse:
        return redirect("checklist:response_detail", pk=pk)

    def post(self, request: HttpRequest, pk: int, number: str) -> HttpResponse:
        response = _response(request, pk, "change")
        answer = get_object_or_404(ItemAnswer.objects.restrict(request.user, "change"), response=response,
                                   item_number=number)
        item = services.definition_of(response).item(number)
        form = AnswerForm(request.POST, instance=answer, response=response, item=item,
                          limit=services.target_limit(response, item), prefix=number)
        if not form.is_valid():
            return render(request, "checklist/response_detail.html",
                          self._context(request, response, (number, form)), status=400)
        saved = form.save(commit=False)
        saved.answered_by = request.user
        saved.save()
        messages.success(request, _("%(item)s saved.") % {"item": number})
        return redirect(answer.get_absolute_url())


class EvidenceUploadView(PolicyRequiredMixin, View):
    model = EvidenceFile
    action = "add"

    def post(self, request: HttpRequest, pk: int, number: str) -> HttpResponse:
        response = _response(request, pk, "change")
        answer = get_object_or_404(ItemAnswer.objects.restrict(request.user, "view"), response=response,
                                   item_number=number)
        form = EvidenceForm(request.POST, request.FILES)
        if not form.is_valid():
            for field, errors in form.errors.items():
                messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
            return redirect(answer.get_absolute_url())
        upload = form.cleaned_data["file"]
        evidence = services.attach_evidence(
            answer, upload.name or "", upload.read(), uploaded_by=request.user,
            description=form.cleaned_data["description"], effective_on=form.cleaned_data["effective_on"],
            expires_on=form.cleaned_data["expires_on"])
        messages.success(request, _("%(file)s attached to %(item)s (SHA-256 %(hash)s).") % {
            "file": evidence.filename, "item": number, "hash": evidence.sha256[:16]})
        return redirect(answer.get_absolute_url())


class EvidenceDownloadView(PolicyRequiredMixin, View):
    model = EvidenceFile

    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        evidence = get_object_or_404(EvidenceFile.objects.restrict(request.user, "view"), pk=pk)
        return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.filename)


class ExportView(PolicyRequiredMixin, View):
    model = ChecklistResponse

    def get(self, request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
        import io

        from mamori.engines.checklist.export_pdf import write_pdf
        from mamori.engines.checklist.export_xlsx import write_xlsx

        response = _response(request, pk)
        name = f"checklist-R{response.fiscal_year - 2018}-{response.form}"
        if fmt == "zip":
            if not allows(request.user, EvidenceFile, "view"):
                raise Http404
            data, kind = services.evidence_pack(response), "application/zip"
            name += "-evidence.zip"
        else:
            evidence = EvidenceFile.objects.restrict(request.user, "view").filter(answer__response=response)
            sheet = services.filled(response, evidence)
            buffer = io.BytesIO()
            if fmt == "xlsx":
                write_xlsx(sheet, buffer)
                kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            elif fmt == "pdf":
                write_pdf(sheet, buffer)
                kind = "application/pdf"
            else:
                raise Http404
            data = buffer.getvalue()
            name += f".{fmt}"
        out = HttpResponse(data, content_type=kind)
        out["Content-Disposition"] = f'attachment; filename="{name}"'
        return out


class CompareView(PolicyRequiredMixin, View):
    model = ChecklistResponse

    def get(self, request: HttpRequest) -> HttpResponse:
        older = _response(request, int(request.GET.get("older") or 0))
        newer = _response(request, int(request.GET.get("newer") or 0))
        if older.fiscal_year > newer.fiscal_year:
            older, newer = newer, older
        return render(request, "checklist/compare.html", {"older": older, "newer": newer,
                                                          "rows": services.compare(older, newer)})
