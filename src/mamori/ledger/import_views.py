"""Ledger import (upload → preview → confirm) and export pages."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from mamori.engines.sheets import TableError
from mamori.engines.sheets.reader import DEFAULT_MAX_BYTES
from mamori.input_errors import localise_input_error
from mamori.ledger.filtersets import AssetFilterSet
from mamori.ledger.imports import apply_import, export_assets, plan_import
from mamori.ledger.models import Asset
from mamori.tenancy.models import Facility
from mamori.web.views import PolicyRequiredMixin

PREVIEW_ROWS = 50
STAGED_FOR_SECONDS = 24 * 60 * 60
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "ledger_import"


def _staging_dir() -> Path:
    """Where previewed files wait for confirmation; files of abandoned previews are removed after a day."""
    path = Path(settings.MEDIA_ROOT) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGED_FOR_SECONDS
    for stale in path.iterdir():
        if stale.is_file() and stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
    return path


class AssetImportView(PolicyRequiredMixin, View):
    """Upload a file and see exactly what would change; nothing is written until confirmed."""

    model = Asset
    action = "add"
    template_name = "ledger/asset_import.html"

    def _facilities(self, request: HttpRequest) -> Any:
        return Facility.objects.restrict(request.user, "view")

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"facilities": self._facilities(request)})

    def post(self, request: HttpRequest) -> HttpResponse:
        if "token" in request.POST:
            return self._confirm(request)
        upload = request.FILES.get("file")
        facility = self._facilities(request).filter(pk=request.POST.get("facility") or 0).first()
        context: dict[str, Any] = {"facilities": self._facilities(request)}
        if upload is None or facility is None:
            context["problem"] = _("Choose a file and a facility.")
            return render(request, self.template_name, context, status=400)
        if upload.size is not None and upload.size > DEFAULT_MAX_BYTES:
            context["problem"] = _("{file}: the file is too large.").format(file=upload.name)
            return render(request, self.template_name, context, status=400)
        data, name = upload.read(), upload.name or "ledger.csv"
        try:
            plan = plan_import(data, name, facility, request.user)
        except TableError as exc:
            context["problem"] = localise_input_error(exc)
            return render(request, self.template_name, context, status=400)
        if plan.ok and (plan.creates or plan.updates):
            token = secrets.token_urlsafe(16)
            (_staging_dir() / token).write_bytes(data)
            request.session[SESSION_KEY] = {"token": token, "filename": name, "facility": facility.pk,
                                            "sha256": plan.sha256}
            context["token"] = token
        context.update({"plan": plan, "creates": plan.creates[:PREVIEW_ROWS], "updates": plan.updates[:PREVIEW_ROWS]})
        return render(request, self.template_name, context, status=200 if plan.ok else 400)

    def _confirm(self, request: HttpRequest) -> HttpResponse:
        staged = request.session.get(SESSION_KEY) or {}
        token = request.POST.get("token", "")
        path = _staging_dir() / token
        if not token or staged.get("token") != token or not path.is_file():
            messages.error(request, _("The import preview has expired; upload the file again."))
            return redirect("ledger:asset_import")
        facility = self._facilities(request).get(pk=staged["facility"])
        data = path.read_bytes()
        plan = plan_import(data, staged["filename"], facility, request.user)
        path.unlink(missing_ok=True)
        del request.session[SESSION_KEY]
        if not plan.ok or plan.sha256 != staged["sha256"]:
            messages.error(request, _("The ledger changed since the preview; nothing was imported. Try again."))
            return redirect("ledger:asset_import")
        summary = apply_import(plan)
        messages.success(request, _("Imported {file}: {created} created, {updated} updated, {unchanged} unchanged.")
                         .format(file=staged["filename"], **summary))
        return redirect("ledger:asset_list")


class AssetExportView(PolicyRequiredMixin, View):
    """Download the (filtered) ledger as .xlsx or CSV (UTF-8 with BOM, or CP932 for older Excel)."""

    model = Asset
    action = "view"

    def get(self, request: HttpRequest) -> HttpResponse:
        fmt = request.GET.get("format", "xlsx")
        encoding = "cp932" if request.GET.get("encoding") == "cp932" else "utf-8-sig"
        assets: Any = Asset.objects.restrict(request.user, "view")
        filterset = AssetFilterSet(request.GET, queryset=assets, request=request)
        if filterset.is_valid():
            assets = filterset.qs
        stem = "ledger"
        try:
            data = export_assets(assets, "csv" if fmt == "csv" else "xlsx", encoding, f"{stem}.csv")
        except TableError as exc:
            messages.error(request, localise_input_error(exc))
            return redirect("ledger:asset_list")
        if fmt == "csv":
            charset = "shift_jis" if encoding == "cp932" else "utf-8"
            response = HttpResponse(data, content_type=f"text/csv; charset={charset}")
        else:
            response = HttpResponse(data, content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{stem}.{"csv" if fmt == "csv" else "xlsx"}"'
        return response
