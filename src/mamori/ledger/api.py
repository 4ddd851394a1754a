"""REST API of the ledger: same filters, querysets and permissions as the pages."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts.policy import allows
from mamori.api_base import RestrictedModelViewSet, RestrictedReadOnlyViewSet
from mamori.engines.discovery import NmapParseError
from mamori.engines.sbom import MAX_SBOM_BYTES, SbomError
from mamori.engines.sheets import TableError
from mamori.ledger.discovery import import_nmap
from mamori.ledger.filtersets import AssetFilterSet, RemoteAccessPathFilterSet, VendorFilterSet
from mamori.ledger.imports import apply_import, plan_import
from mamori.ledger.models import (
    Asset,
    AssetSbom,
    DiscoveryFinding,
    DiscoveryRun,
    NetworkSegment,
    RemoteAccessPath,
    Vendor,
)
from mamori.ledger.sboms import attach_sbom
from mamori.tenancy.models import Facility


class FacilityScopedSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """Related objects offered for writing are limited to what the user may reach."""

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        request = self.context.get("request")
        user = getattr(request, "user", None)
        for name, field in fields.items():
            related = getattr(field, "queryset", None)
            if related is not None and hasattr(related, "restrict"):
                fields[name].queryset = related.restrict(user, "view")  # type: ignore[attr-defined]
            elif name == "facility" and related is not None:
                fields[name].queryset = Facility.objects.restrict(user, "view")  # type: ignore[attr-defined]
        return fields


def _file_for_facility(request: Request, model: Any) -> tuple[Facility, Any]:
    """For upload endpoints: the add permission, a facility the user may reach, and the uploaded `file`."""
    if not allows(request.user, model, "add"):
        raise PermissionDenied
    facility = Facility.objects.restrict(request.user, "view").filter(pk=request.data.get("facility") or 0).first()
    upload = request.FILES.get("file")
    if upload is None or facility is None:
        raise ValidationError({"file": "a file and a facility you may reach are required"})
    return facility, upload


class NetworkSegmentSerializer(FacilityScopedSerializer):
    class Meta:
        model = NetworkSegment
        fields = ("id", "facility", "code", "name", "kind", "cidr", "vlan")


class VendorSerializer(FacilityScopedSerializer):
    class Meta:
        model = Vendor
        fields = ("id", "facility", "code", "name", "contact_name", "contact_email", "contact_phone",
                  "contract_summary", "contract_end", "update_responsibility")


class AssetSerializer(FacilityScopedSerializer):
    class Meta:
        model = Asset
        fields = ("id", "facility", "key", "category", "name", "hostname", "ip_address", "mac_address",
                  "other_addresses", "segment",
                  "location", "department", "owner", "in_use", "manufacturer", "model_name", "serial_number",
                  "os_name", "os_version", "cpes", "internet_exposed", "patient_safety_impact", "data_held",
                  "end_of_support", "av_installed", "av_definitions_date", "av_last_full_scan", "mfa",
                  "renewal_year", "vendor", "update_responsibility", "software", "notes", "created", "updated")
        read_only_fields = ("created", "updated")


class RemoteAccessPathSerializer(FacilityScopedSerializer):
    class Meta:
        model = RemoteAccessPath
        fields = ("id", "facility", "code", "name", "vendor", "appliance", "appliance_description", "targets",
                  "method", "source_ip_restricted", "allowed_sources", "mfa", "always_on", "approved_windows",
                  "last_log_review", "confirmed_with_vendor")


class SbomSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = AssetSbom
        fields = ("id", "asset", "filename", "sha256", "spec_version", "serial_number", "subject", "component_count",
                  "created")


class NetworkSegmentViewSet(RestrictedModelViewSet):
    queryset = NetworkSegment.objects.all()
    serializer_class = NetworkSegmentSerializer


class VendorViewSet(RestrictedModelViewSet):
    queryset = Vendor.objects.all()
    serializer_class = VendorSerializer
    filterset_class = VendorFilterSet


class AssetViewSet(RestrictedModelViewSet):
    queryset = Asset.objects.select_related("segment", "vendor", "department").order_by("key")
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}, "facility": {"type": "integer"},
        "dry_run": {"type": "boolean"}}}}, responses={200: dict, 400: dict})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser], url_path="import")
    def import_file(self, request: Request) -> Response:
        """Import .xlsx/CSV all or nothing; 400 lists every problem as "file, row N, column: reason"."""
        facility, upload = _file_for_facility(request, Asset)
        try:
            plan = plan_import(upload.read(), upload.name or "ledger.csv", facility, request.user)
        except TableError as exc:
            raise ValidationError({"file": str(exc)}) from exc
        if not plan.ok:
            return Response({**plan.summary(), "problems": plan.errors}, status=400)
        dry_run = str(request.data.get("dry_run", "")).lower() in ("1", "true", "yes")
        return Response({**(plan.summary() if dry_run else apply_import(plan)), "dry_run": dry_run})

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "sbom": {"type": "string", "format": "binary"}}}}, responses={201: SbomSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], url_path="sbom")
    def sbom(self, request: Request, pk: str | None = None) -> Response:
        """Attach a CycloneDX JSON SBOM; 400 with the file and JSON path when it is unusable."""
        if not allows(request.user, Asset, "change"):
            raise PermissionDenied
        asset = get_object_or_404(Asset.objects.restrict(request.user, "change"), pk=pk)
        upload = request.FILES.get("sbom")
        if upload is None:
            raise ValidationError({"sbom": "a CycloneDX JSON file is required"})
        if upload.size is not None and upload.size > MAX_SBOM_BYTES:
            raise ValidationError({"sbom": f"{upload.name}: the file is too large"})
        try:
            sbom = attach_sbom(asset, upload.read(), upload.name or "sbom.json")
        except SbomError as exc:
            raise ValidationError({"sbom": str(exc)}) from exc
        return Response(SbomSerializer(sbom).data, status=201)


class RemoteAccessPathViewSet(RestrictedModelViewSet):
    queryset = RemoteAccessPath.objects.select_related("vendor", "appliance").prefetch_related("targets")
    serializer_class = RemoteAccessPathSerializer
    filterset_class = RemoteAccessPathFilterSet


class DiscoveryFindingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = DiscoveryFinding
        fields = ("id", "kind", "address", "mac_address", "mac_vendor", "hostname", "segment_code", "asset",
                  "protocol", "port", "service", "evidence", "reason_ja", "reason_en", "registered_as")


class DiscoveryRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    findings = DiscoveryFindingSerializer(many=True, read_only=True)

    class Meta:
        model = DiscoveryRun
        fields = ("id", "facility", "filename", "sha256", "scanner_version", "arguments", "started", "hosts_up",
                  "unregistered_count", "not_seen_count", "exposed_count", "created", "findings")


class DiscoveryRunViewSet(RestrictedReadOnlyViewSet):
    """Imported nmap scans with their findings; POST /import/ adds one (same service as the page and CLI)."""

    queryset = DiscoveryRun.objects.prefetch_related("findings").order_by("-created")
    serializer_class = DiscoveryRunSerializer

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}, "facility": {"type": "integer"}}}},
        responses={201: DiscoveryRunSerializer})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser], url_path="import")
    def import_scan(self, request: Request) -> Response:
        facility, upload = _file_for_facility(request, DiscoveryRun)
        try:
            run = import_nmap(upload.read(), upload.name or "scan.xml", facility)
        except NmapParseError as exc:
            raise ValidationError({"file": str(exc)}) from exc
        return Response(DiscoveryRunSerializer(run).data, status=201)


router = DefaultRouter()
router.register("segments", NetworkSegmentViewSet)
router.register("vendors", VendorViewSet)
router.register("assets", AssetViewSet)
router.register("remote-paths", RemoteAccessPathViewSet)
router.register("discovery", DiscoveryRunViewSet)
