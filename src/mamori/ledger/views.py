"""Ledger pages: assets, vendors and remote-maintenance paths (list with filters, detail)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import DetailView

from mamori.accounts.policy import allows
from mamori.engines.sbom import MAX_SBOM_BYTES, SbomError
from mamori.input_errors import localise_input_error
from mamori.ledger.filtersets import AssetFilterSet, RemoteAccessPathFilterSet, VendorFilterSet
from mamori.ledger.forms import AssetBulkEditForm, AssetForm, RemoteAccessPathForm, VendorDisclosureForm
from mamori.ledger.models import Asset, RemoteAccessPath, Vendor, VendorDisclosure
from mamori.ledger.sboms import attach_sbom, current_components
from mamori.ledger.services import BulkEditError, bulk_edit_assets
from mamori.web.views import PolicyRequiredMixin, RestrictedDetailMixin, RestrictedListView

MAX_BULK = 2000


class AssetListView(RestrictedListView):
    model = Asset
    filterset_class = AssetFilterSet
    template_name = "ledger/asset_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset()
        return qs.select_related("segment", "department", "vendor").order_by("key")


class AssetDetailView(RestrictedDetailMixin, DetailView):  # type: ignore[type-arg]
    model = Asset
    template_name = "ledger/asset_detail.html"
    slug_field = "key"
    slug_url_kwarg = "key"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("segment", "department", "vendor", "facility")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["paths"] = RemoteAccessPath.objects.restrict(self.request.user, "view").filter(
            targets=self.object).select_related("vendor")
        context["sbom"] = self.object.sboms.order_by("-created", "-id").first()
        context["components"] = current_components(self.object)[:500]
        return context


class VendorListView(RestrictedListView):
    model = Vendor
    filterset_class = VendorFilterSet
    template_name = "ledger/vendor_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset()
        counted = qs.annotate(asset_count=Count("assets", distinct=True),
                              path_count=Count("remote_paths", distinct=True))
        return cast(QuerySet[Any], counted.order_by("name"))


class VendorDetailView(RestrictedDetailMixin, DetailView):  # type: ignore[type-arg]
    model = Vendor
    template_name = "ledger/vendor_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["paths"] = RemoteAccessPath.objects.restrict(user, "view").filter(vendor=self.object)
        context["assets"] = Asset.objects.restrict(user, "view").filter(vendor=self.object).order_by("key")[:200]
        context["disclosures"] = VendorDisclosure.objects.restrict(user, "view").filter(vendor=self.object)
        if allows(user, VendorDisclosure, "add"):
            context["disclosure_form"] = VendorDisclosureForm()
        return context


class RemoteAccessPathListView(RestrictedListView):
    model = RemoteAccessPath
    filterset_class = RemoteAccessPathFilterSet
    template_name = "ledger/remotepath_list.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any]:
        qs: QuerySet[Any] = super().get_queryset()
        counted = qs.select_related("vendor", "appliance").annotate(target_count=Count("targets"))
        return cast(QuerySet[Any], counted.order_by("code"))


class RemoteAccessPathDetailView(RestrictedDetailMixin, DetailView):  # type: ignore[type-arg]
    model = RemoteAccessPath
    template_name = "ledger/remotepath_detail.html"

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().select_related("vendor", "appliance")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["targets"] = Asset.objects.restrict(self.request.user, "view").filter(remote_paths=self.object)
        return context


class ScopedEditView(PolicyRequiredMixin, View):
    """Create (no pk) or change (pk) one object through a ScopedModelForm; audited by the model."""

    form_class: Any
    template_name = "ledger/edit_form.html"
    lookup: str = "pk"

    def _instance(self, request: HttpRequest, lookup: Any) -> Any:
        if lookup is None:
            return None
        qs = self.model.objects.restrict(request.user, "change")
        return get_object_or_404(qs, **{self.lookup: lookup})

    def _form(self, request: HttpRequest, instance: Any, data: Any = None) -> Any:
        initial = {"facility": request.user.facility_id} if instance is None else None  # type: ignore[union-attr]
        return self.form_class(data, instance=instance, acting_user=request.user, initial=initial)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        lookup = kwargs.get(self.lookup)
        if lookup is None and not self._allowed(request, "add"):
            return HttpResponse(status=403)
        instance = self._instance(request, lookup)
        return render(request, self.template_name, {"form": self._form(request, instance), "object": instance,
                                                    "model_name": self.model._meta.verbose_name})

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        lookup = kwargs.get(self.lookup)
        if lookup is None and not self._allowed(request, "add"):
            return HttpResponse(status=403)
        instance = self._instance(request, lookup)
        form = self._form(request, instance, request.POST)
        if form.is_valid():
            saved = form.save()
            return redirect(saved.get_absolute_url())
        return render(request, self.template_name, {"form": form, "object": instance,
                                                    "model_name": self.model._meta.verbose_name})

    def _allowed(self, request: HttpRequest, action: str) -> bool:
        from mamori.accounts.policy import allows

        return allows(request.user, self.model, action)


class AssetEditView(ScopedEditView):
    model = Asset
    action = "change"
    form_class = AssetForm
    lookup = "key"


class RemoteAccessPathEditView(ScopedEditView):
    model = RemoteAccessPath
    action = "change"
    form_class = RemoteAccessPathForm


class AssetSbomUploadView(PolicyRequiredMixin, View):
    """POST a CycloneDX JSON file to an asset; errors name the file and the JSON path."""

    model = Asset
    action = "change"

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        asset = get_object_or_404(Asset.objects.restrict(request.user, "change"), key=key)
        upload = request.FILES.get("sbom")
        if upload is None:
            messages.error(request, _("Choose a CycloneDX JSON file."))
        elif upload.size is not None and upload.size > MAX_SBOM_BYTES:
            messages.error(request, _("{file}: the file is too large.").format(file=upload.name))
        else:
            try:
                sbom = attach_sbom(asset, upload.read(), upload.name or "sbom.json")
            except SbomError as exc:
                messages.error(request, _("The SBOM was not attached: {error}").format(error=localise_input_error(exc)))
            else:
                messages.success(request, _("SBOM attached: {count} components.").format(count=sbom.component_count))
        return redirect(asset.get_absolute_url())


class AssetBulkEditView(PolicyRequiredMixin, View):
    """GET with ?pk=… shows the form for the selected assets; POST applies it to all of them."""

    model = Asset
    action = "change"
    template_name = "ledger/asset_bulk_edit.html"

    def _pks(self, data: Any) -> list[int]:
        return [int(pk) for pk in data.getlist("pk") if str(pk).isdigit()][:MAX_BULK]

    def get(self, request: HttpRequest) -> HttpResponse:
        pks = self._pks(request.GET)
        return render(request, self.template_name, {"form": AssetBulkEditForm(acting_user=request.user),
                                                    "pks": pks, "assets": self._preview(request, pks)})

    def post(self, request: HttpRequest) -> HttpResponse:
        pks = self._pks(request.POST)
        form = AssetBulkEditForm(request.POST, acting_user=request.user)
        if form.is_valid():
            try:
                count = bulk_edit_assets(request.user, pks, form.changes())
            except BulkEditError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("{count} assets were updated.").format(count=count))
                return redirect("ledger:asset_list")
        return render(request, self.template_name, {"form": form, "pks": pks, "assets": self._preview(request, pks)})

    def _preview(self, request: HttpRequest, pks: list[int]) -> QuerySet[Any]:
        return Asset.objects.restrict(request.user, "change").filter(pk__in=pks).order_by("key")


class VendorDisclosureCreateView(PolicyRequiredMixin, View):
    """Record an MDS/SDS received from (or submitted by) a vendor."""

    model = VendorDisclosure
    action = "add"

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        vendor = get_object_or_404(Vendor.objects.restrict(request.user, "view"), pk=pk)
        form = VendorDisclosureForm(request.POST, instance=VendorDisclosure(vendor=vendor))
        if form.is_valid():
            form.save()
            messages.success(request, _("The MDS/SDS was recorded."))
            return redirect(vendor.get_absolute_url())
        context = {"object": vendor, "disclosure_form": form,
                   "disclosures": VendorDisclosure.objects.restrict(request.user, "view").filter(vendor=vendor),
                   "paths": RemoteAccessPath.objects.restrict(request.user, "view").filter(vendor=vendor),
                   "assets": Asset.objects.restrict(request.user, "view").filter(vendor=vendor).order_by("key")[:200]}
        return render(request, "ledger/vendor_detail.html", context, status=400)
