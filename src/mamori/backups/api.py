"""REST API of backup assurance: jobs (with their checks and restore point) and copies; verification runs with
their snapshot verdicts and drills read-only; a verification started with POST …/verify/."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts.policy import allows
from mamori.api_base import RestrictedModelViewSet, RestrictedReadOnlyViewSet
from mamori.backups.choices import READABLE_TOOLS
from mamori.backups.facts import job_status
from mamori.backups.models import BackupCopy, BackupJob, RestoreDrill, SnapshotVerdict, VerificationRun
from mamori.backups.texts import check_text
from mamori.backups.verification import verify_job
from mamori.ledger.api import FacilityScopedSerializer


class BackupJobSerializer(FacilityScopedSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = BackupJob
        fields = ("id", "facility", "code", "name", "system", "backup_host", "tool", "repository", "password_file",
                  "password_env", "production_root", "schedule", "rpo_hours", "generations_required", "rto_hours",
                  "restore_procedure", "restore_procedure_reviewed", "last_integrity_check", "integrity_ok", "active",
                  "notes", "status")

    def get_status(self, job: BackupJob) -> dict[str, Any]:
        status = job_status(job)
        run = status.run
        return {
            "newest_state": run.newest_state if run else None,
            "last_clean": {"id": run.last_clean_id, "short_id": run.last_clean_short_id,
                           "time": run.last_clean_time} if run and run.last_clean_id else None,
            "checks": [{"code": c.code, "severity": str(c.severity), "text": check_text(c, status.facts)}
                       for c in status.checks],
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = BackupJob(**{**({} if self.instance is None else
                                   {f.name: getattr(self.instance, f.name) for f in BackupJob._meta.concrete_fields}),
                                **attrs})
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class BackupCopySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = BackupCopy
        fields = ("id", "job", "kind", "medium", "location", "last_verified", "notes")

    def validate_job(self, job: BackupJob) -> BackupJob:
        request = self.context["request"]
        if not BackupJob.objects.restrict(request.user, "view").filter(pk=job.pk).exists():
            raise serializers.ValidationError("no such job")
        return job


class SnapshotVerdictSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = SnapshotVerdict
        fields = ("snapshot_id", "short_id", "time", "state", "files", "sampled", "added", "modified", "removed",
                  "reasons")


class VerificationRunSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    verdicts = SnapshotVerdictSerializer(many=True, read_only=True)

    class Meta:
        model = VerificationRun
        fields = ("id", "job", "started", "finished", "trigger", "started_by", "tool", "error_code", "error",
                  "snapshots", "sample_size", "detection", "integrity_ok", "newest_state", "last_clean_id",
                  "last_clean_short_id", "last_clean_time", "seconds", "verdicts")


class RestoreDrillSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = RestoreDrill
        fields = ("id", "job", "performed_at", "performed_by", "automated", "snapshot_id", "snapshot_time",
                  "restored_what", "restored_to", "files_restored", "bytes_restored", "hashes_matched",
                  "hashes_mismatched", "not_comparable", "broken_files", "application_check", "application_ok",
                  "measured_rto_minutes", "restore_seconds", "notes", "ok")
        read_only_fields = fields


class BackupJobViewSet(RestrictedModelViewSet):
    queryset = BackupJob.objects.select_related("system__segment", "backup_host__segment").order_by("code")
    serializer_class = BackupJobSerializer

    @extend_schema(request=None, responses={200: VerificationRunSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        job = self.get_object()
        if not allows(request.user, VerificationRun, "add"):
            raise PermissionDenied
        if job.tool not in READABLE_TOOLS:
            return Response({"detail": "Mamori cannot read this tool's repository"}, status=400)
        run = verify_job(job)
        return Response(VerificationRunSerializer(run).data, status=400 if run.failed else 200)


class BackupCopyViewSet(RestrictedModelViewSet):
    queryset = BackupCopy.objects.select_related("job").order_by("job", "id")
    serializer_class = BackupCopySerializer


class VerificationRunViewSet(RestrictedReadOnlyViewSet):
    queryset = VerificationRun.objects.prefetch_related("verdicts").order_by("-started")
    serializer_class = VerificationRunSerializer


class RestoreDrillViewSet(RestrictedReadOnlyViewSet):
    queryset = RestoreDrill.objects.order_by("-performed_at")
    serializer_class = RestoreDrillSerializer


router = DefaultRouter()
router.register("backup-jobs", BackupJobViewSet)
router.register("backup-copies", BackupCopyViewSet)
router.register("backup-runs", VerificationRunViewSet)
router.register("backup-drills", RestoreDrillViewSet)
