"""The incident to-dos on the home page: open cases by severity, and cases whose care is suspended."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.accounts.policy import allows
from mamori.incidents.choices import OPEN_PHASES, CareImpact
from mamori.incidents.models import Incident
from mamori.web.todos import Todo


def incident_todos(user: Any) -> list[Todo]:
    if not allows(user, Incident, "view"):
        return []
    open_cases = Incident.objects.restrict(user, "view").filter(phase__in=OPEN_PHASES)
    link = reverse("incidents:incident_list")
    todos: list[Todo] = []
    serious = open_cases.filter(severity__in=("critical", "high"))
    if serious.exists():
        worst = "critical" if serious.filter(severity="critical").exists() else "high"
        todos.append(Todo(worst, _("Incidents in progress"),
                          _("Contain first (disconnect, stop the remote line), keep the evidence, and record every "
                            "step in the case's timeline."), serious.count(), link,
                          tuple(str(i) for i in serious[:5])))
    suspended = open_cases.filter(care_impact=CareImpact.SUSPENDED)
    if suspended.exists():
        todos.append(Todo("critical", _("Patient care suspended by an incident"),
                          _("Run the business-continuity plan (paper records, limits on new patients) and report "
                            "to the MHLW and the prefecture."), suspended.count(), link,
                          tuple(str(i) for i in suspended[:5])))
    rest = open_cases.exclude(severity__in=("critical", "high"))
    if rest.exists():
        todos.append(Todo("medium", _("Open incidents"), _("Cases still to take to their end and close with the "
                                                           "lessons learned."), rest.count(), link,
                          tuple(str(i) for i in rest[:5])))
    return todos
