"""REST API of vulnerability intelligence: same filters, querysets, permissions and services as the pages."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts.models import User
from mamori.accounts.policy import allows
from mamori.api_base import RestrictedReadOnlyViewSet
from mamori.audit.context import current_actor
from mamori.vulns.choices import FindingStatus, RunTrigger
from mamori.vulns.filtersets import FindingFilterSet
from mamori.vulns.imports import FeedImportError, import_upload
from mamori.vulns.matching import run_match
from mamori.vulns.models import FeedImport, Finding, MatchRun, Vulnerability, WeeklyReport
from mamori.vulns.texts import reasons_text
from mamori.vulns.workflow import Change, WorkflowError, change_status


class VulnerabilitySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = Vulnerability
        fields = ("cve_id", "published", "last_modified", "nvd_status", "description", "cvss", "cvss_max", "cwes",
                  "references", "in_nvd", "first_seen", "changed_at")


class FindingSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    cve_id = serializers.CharField(source="vulnerability.cve_id", read_only=True)
    asset_key = serializers.CharField(source="asset.key", read_only=True)
    priority_text = serializers.SerializerMethodField()
    evidence = serializers.JSONField(source="detail.evidence", read_only=True)
    priority_reasons = serializers.JSONField(source="detail.priority_reasons", read_only=True)

    class Meta:
        model = Finding
        fields = ("id", "asset", "asset_key", "cve_id", "tier", "source", "reason_code", "evidence", "detected",
                  "first_seen", "last_seen", "origin", "priority", "priority_score", "priority_reasons",
                  "priority_text", "due_date", "status", "status_reason", "status_changed_at", "status_changed_by",
                  "risk_approved_by", "risk_accepted_until", "post_patch_checked_on", "post_patch_checked_by",
                  "post_patch_note", "credentials_rotated_on")
        read_only_fields = fields

    def get_priority_text(self, obj: Finding) -> list[str]:
        return reasons_text(obj.priority_reasons)


class StatusChangeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    status = serializers.ChoiceField(choices=FindingStatus.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    approver = serializers.SlugRelatedField(slug_field="username", queryset=User.objects.filter(is_active=True),
                                            required=False, allow_null=True)
    accepted_until = serializers.DateField(required=False, allow_null=True)
    checked_on = serializers.DateField(required=False, allow_null=True)
    check_note = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    credentials_rotated_on = serializers.DateField(required=False, allow_null=True)


class FeedImportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = FeedImport
        fields = ("id", "kind", "filename", "sha256", "size", "feed_timestamp", "imported_at", "imported_by",
                  "records", "new", "changed", "unchanged", "stale", "dropped", "duration", "details")


class MatchRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = MatchRun
        fields = ("id", "trigger", "started", "finished", "actor", "assets", "reevaluated", "changed_cves", "records",
                  "findings", "new", "gone", "origins", "skipped", "duration")


class WeeklyReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = WeeklyReport
        fields = ("id", "facility", "period_start", "period_end", "run", "data", "sent_to")


class VulnerabilityViewSet(RestrictedReadOnlyViewSet):
    """The CVE catalogue (every source joined by CVE id); look one up as /vulnerabilities/CVE-2018-13379/."""

    queryset = Vulnerability.objects.all().order_by("-cve_id")
    serializer_class = VulnerabilitySerializer
    lookup_field = "cve_id"
    lookup_value_regex = r"CVE-\d{4}-\d{4,19}"


class FindingViewSet(RestrictedReadOnlyViewSet):
    """Findings, most urgent first; POST /findings/{id}/status/ changes the status (the workflow's rules apply)."""

    queryset = Finding.objects.select_related("asset", "vulnerability", "detail") \
        .order_by("-priority_score", "due_date", "id")
    serializer_class = FindingSerializer
    filterset_class = FindingFilterSet

    @extend_schema(request=StatusChangeSerializer, responses={200: FindingSerializer, 400: dict})
    @action(detail=True, methods=["post"], url_path="status")
    def change(self, request: Request, pk: str | None = None) -> Response:
        if not allows(request.user, Finding, "change"):
            raise PermissionDenied
        finding = self.get_object()
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        try:
            change_status(finding, request.user, Change(**{k: v for k, v in values.items() if v is not None}))
        except WorkflowError as exc:
            raise ValidationError({"status": str(exc)}) from exc
        return Response(FindingSerializer(finding).data)


class FeedImportViewSet(RestrictedReadOnlyViewSet):
    """Imported feed files; POST /feeds/import/ imports one (then the ledger is matched again)."""

    queryset = FeedImport.objects.all()
    serializer_class = FeedImportSerializer

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}}}}, responses={201: FeedImportSerializer, 400: dict})
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser], url_path="import")
    def import_file(self, request: Request) -> Response:
        if not allows(request.user, FeedImport, "add"):
            raise PermissionDenied
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": "a feed file is required"})
        try:
            outcome = import_upload(upload.read(), upload.name or "feed")
        except FeedImportError as exc:
            raise ValidationError({"file": [str(error) for _, error in exc.errors]}) from exc
        body = {"imports": FeedImportSerializer(outcome.imports, many=True).data,
                "match_run": MatchRunSerializer(outcome.run).data if outcome.run else None}
        return Response(body, status=201)


class MatchRunViewSet(RestrictedReadOnlyViewSet):
    """Match runs; POST /match-runs/ matches the whole ledger now."""

    queryset = MatchRun.objects.all()
    serializer_class = MatchRunSerializer

    @extend_schema(request=None, responses={201: MatchRunSerializer})
    def create(self, request: Request) -> Response:
        if not allows(request.user, MatchRun, "add"):
            raise PermissionDenied
        run = run_match(RunTrigger.MANUAL, current_actor().username)
        return Response(MatchRunSerializer(run).data, status=201)


class WeeklyReportViewSet(RestrictedReadOnlyViewSet):
    queryset = WeeklyReport.objects.select_related("facility")
    serializer_class = WeeklyReportSerializer


router = DefaultRouter()
router.register("vulnerabilities", VulnerabilityViewSet)
router.register("findings", FindingViewSet)
router.register("feeds", FeedImportViewSet)
router.register("match-runs", MatchRunViewSet)
router.register("vuln-reports", WeeklyReportViewSet)
