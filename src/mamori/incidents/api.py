"""REST API of incident cases: the user's facility's cases with their assets, alerts and timeline; a case opened
with POST, the timeline added to with POST …/entries/ and the phase moved with POST …/phase/ (the same services
as the pages). A case is closed, never deleted, and the timeline is only added to: no PUT, PATCH or DELETE."""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from mamori.accounts.api_permissions import PolicyPermission
from mamori.accounts.policy import Action, allows
from mamori.incidents.choices import USER_ENTRY_KINDS, CareImpact, Category, Phase
from mamori.incidents.models import Incident, IncidentAlert, Severity, TimelineEntry
from mamori.incidents.services import IncidentError, add_entry, change_phase, may_escalate, open_incident
from mamori.ledger.models import Asset
from mamori.monitoring.models import Alert
from mamori.tenancy.models import Facility

MAX_ALERTS = 200  # as the pages
MAX_ASSETS = 200
FUTURE_SLACK = dt.timedelta(minutes=5)  # clocks differ a little


def _sees_alerts(user: Any) -> bool:
    """The alerts behind a case stay with those who may see alerts (not the executive, not the privacy officer)."""
    return allows(user, Alert, Action.VIEW) and allows(user, IncidentAlert, Action.VIEW)


def _not_in_future(value: dt.datetime) -> dt.datetime:
    if value > timezone.now() + FUTURE_SLACK:
        raise serializers.ValidationError(_("The time is in the future."))
    return value


class TimelineEntrySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    alert = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ("id", "occurred_at", "kind", "phase", "text", "recorded_by", "alert", "created")
        read_only_fields = fields

    def get_alert(self, entry: TimelineEntry) -> int | None:
        request = self.context.get("request")
        return entry.alert_id if request is not None and _sees_alerts(request.user) else None


class IncidentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    assets = serializers.SerializerMethodField()
    alerts = serializers.SerializerMethodField()
    entries = TimelineEntrySerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = ("id", "facility", "number", "title", "category", "severity", "phase", "care_impact",
                  "detected_at", "lead", "summary", "lessons_learned", "closed_at", "created_by", "created", "updated",
                  "assets", "alerts", "entries")
        read_only_fields = fields

    def get_assets(self, incident: Incident) -> list[str]:
        """The affected assets' asset numbers (ledger keys)."""
        return sorted(asset.key for asset in incident.assets.all())

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField(), allow_null=True,
                                              help_text="The ids of the alerts in the case; null for a user who "
                                                        "may not see alerts."))
    def get_alerts(self, incident: Incident) -> list[int] | None:
        """The ids of the alerts in the case; null for a user who may not see alerts."""
        request = self.context.get("request")
        if request is None or not _sees_alerts(request.user):
            return None
        return sorted(link.alert_id for link in incident.alert_links.all())


class IncidentOpenSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A new case. `facility` defaults to the user's own; `alerts` are alert ids, `assets` asset numbers of the
    case's facility."""

    facility = serializers.PrimaryKeyRelatedField(queryset=Facility.objects.all(), required=False)
    title = serializers.CharField(max_length=200)
    category = serializers.ChoiceField(choices=Category.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    care_impact = serializers.ChoiceField(choices=CareImpact.choices, default=CareImpact.UNKNOWN)
    detected_at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                            help_text="When the first sign was seen; default: the first alert's "
                                                      "first event, or now.")
    lead = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    alerts = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, default=list,
                                   max_length=MAX_ALERTS)
    assets = serializers.ListField(child=serializers.CharField(max_length=64), required=False, default=list,
                                   max_length=MAX_ASSETS)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        user = getattr(self.context.get("request"), "user", None)
        facility: Any = fields["facility"]
        facility.queryset = Facility.objects.restrict(user, "view")
        return fields

    def validate_detected_at(self, value: dt.datetime | None) -> dt.datetime | None:
        return None if value is None else _not_in_future(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        facility = attrs.get("facility")
        if facility is None:
            own = getattr(user, "facility_id", None)
            facility = None if own is None else Facility.objects.restrict(user, "view").filter(pk=own).first()
            if facility is None:
                raise serializers.ValidationError({"facility": _("Choose the facility of the case.")})
        attrs["facility"] = facility
        errors: dict[str, str] = {}
        wanted_alerts = list(dict.fromkeys(attrs["alerts"]))
        alerts = list(Alert.objects.restrict(user, "view").filter(pk__in=wanted_alerts, facility=facility)
                      .order_by("first_seen"))
        missing_alerts = sorted(set(wanted_alerts) - {a.pk for a in alerts})
        if missing_alerts:
            errors["alerts"] = _("No such alert: %(ids)s") % {"ids": ", ".join(str(i) for i in missing_alerts)}
        keys = list(dict.fromkeys(k.strip() for k in attrs["assets"] if k.strip()))
        assets = list(Asset.objects.restrict(user, "view").filter(facility=facility, key__in=keys))
        unknown = [k for k in keys if k not in {a.key for a in assets}]
        if unknown:
            errors["assets"] = _("Not in the ledger: %(refs)s") % {"refs": ", ".join(unknown[:10])}
        if errors:
            raise serializers.ValidationError(errors)
        attrs["alerts"], attrs["assets"] = alerts, assets
        return attrs


class IncidentEntrySerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in USER_ENTRY_KINDS])
    text = serializers.CharField(max_length=5000)
    occurred_at = serializers.DateTimeField(required=False, help_text="When it happened; default: now.")

    def validate_occurred_at(self, value: dt.datetime) -> dt.datetime:
        return _not_in_future(value)


class IncidentPhaseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    phase = serializers.ChoiceField(choices=Phase.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    lessons_learned = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000,
                                            help_text="Needed to close (unless already written).")


class IncidentFilterSet(django_filters.FilterSet):
    phase = django_filters.ChoiceFilter(choices=Phase.choices)
    category = django_filters.ChoiceFilter(choices=Category.choices)
    severity = django_filters.ChoiceFilter(choices=Severity.choices)

    class Meta:
        model = Incident
        fields = ("phase", "category", "severity")


class IncidentPermission(BasePermission):
    """Each endpoint's own grant: reading and opening cases, adding to the timeline, moving the phase. Methods the
    API does not offer fall back to the method's grant on cases (then 405, or 403 for those without it)."""

    ACTIONS: dict[str, tuple[type[Any], Action]] = {
        "list": (Incident, Action.VIEW), "retrieve": (Incident, Action.VIEW), "create": (Incident, Action.ADD),
        "entries": (TimelineEntry, Action.ADD), "phase": (Incident, Action.CHANGE)}

    def has_permission(self, request: Request, view: Any) -> bool:
        grant = self.ACTIONS.get(getattr(view, "action", None) or "")
        if grant is None:
            return PolicyPermission().has_permission(request, view)
        return bool(request.user and request.user.is_authenticated) and allows(request.user, *grant)


class IncidentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                      viewsets.GenericViewSet):  # type: ignore[type-arg]
    """Incident cases of the user's facility, newest first; filter with ?phase=, ?category=, ?severity=."""

    queryset = Incident.objects.all()
    serializer_class = IncidentSerializer
    permission_classes = (IncidentPermission,)
    filterset_class = IncidentFilterSet

    def get_queryset(self) -> QuerySet[Incident]:
        user = self.request.user
        entries = TimelineEntry.objects.restrict(user, "view").order_by("occurred_at", "pk")
        # every endpoint finds the case among those the user may see; what they may do to it is IncidentPermission
        return (Incident.objects.restrict(user, "view").order_by("-detected_at", "-pk")
                .prefetch_related("assets", "alert_links", Prefetch("entries", queryset=entries)))

    def _fresh(self, pk: int) -> Response:
        return Response(IncidentSerializer(self.get_queryset().get(pk=pk), context=self.get_serializer_context()).data)

    @extend_schema(request=IncidentOpenSerializer, responses={201: IncidentSerializer, 400: dict})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Open a case in the detection phase; its alerts are marked escalated and join the timeline."""
        if request.data.get("alerts") and not may_escalate(request.user):
            raise PermissionDenied  # escalating changes the alerts' status
        data = IncidentOpenSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        try:
            incident = open_incident(user=request.user, **values)
        except IncidentError as exc:
            return Response({"detail": str(exc)}, status=400)
        response = self._fresh(incident.pk)
        response.status_code = 201
        return response

    @extend_schema(request=IncidentEntrySerializer, responses={201: TimelineEntrySerializer, 400: dict})
    @action(detail=True, methods=["post"])
    def entries(self, request: Request, pk: str | None = None) -> Response:
        """Add a note, action, decision or contact to the timeline (entries are never changed afterwards)."""
        incident = self.get_object()
        data = IncidentEntrySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            entry = add_entry(incident, kind=values["kind"], text=values["text"],
                              occurred_at=values.get("occurred_at") or timezone.now(), user=request.user)
        except IncidentError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(TimelineEntrySerializer(entry, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=IncidentPhaseSerializer, responses={200: IncidentSerializer, 400: dict})
    @action(detail=True, methods=["post"])
    def phase(self, request: Request, pk: str | None = None) -> Response:
        """Move the case to another phase; closing needs the lessons learned, reopening clears the closing time."""
        incident = self.get_object()
        data = IncidentPhaseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        try:
            change_phase(incident, values["phase"], request.user, note=values["note"],
                         lessons_learned=values["lessons_learned"])
        except IncidentError as exc:
            return Response({"detail": str(exc)}, status=400)
        return self._fresh(incident.pk)


router = DefaultRouter()
router.register("incidents", IncidentViewSet)
