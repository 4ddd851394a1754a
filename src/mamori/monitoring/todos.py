"""The log-monitoring to-dos on the home page: open critical/high alerts, log-health findings, no log at all."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from mamori.accounts.policy import allows
from mamori.monitoring.choices import OPEN_STATUSES, AlertKind
from mamori.monitoring.models import Alert, LogSource
from mamori.web.todos import Todo


def monitoring_todos(user: Any) -> list[Todo]:
    if not allows(user, Alert, "view"):
        return []
    link = reverse("monitoring:alert_list")
    alerts = Alert.objects.restrict(user, "view").filter(status__in=OPEN_STATUSES)
    todos: list[Todo] = []
    if not LogSource.objects.restrict(user, "view").exists():
        todos.append(Todo("high", _("No log is collected"),
                          _("At 半田病院 no usable logs were kept. Register the domain controllers', EHR servers' and "
                            "VPN's logs as sources and import or forward them."), 1,
                          reverse("monitoring:source_list")))
        return todos
    detections = alerts.exclude(kind=AlertKind.HEALTH)
    critical = detections.filter(level="critical")
    if critical.exists():
        todos.append(Todo("critical", _("Critical log alerts open"),
                          _("A successful VPN brute force, the ransomware chain or backups being deleted: look now "
                            "and start incident response."), critical.count(), f"{link}?level=critical",
                          tuple(a.display_title for a in critical[:5])))
    high = detections.filter(level="high")
    if high.exists():
        todos.append(Todo("high", _("High log alerts open"), _("Detections to look at this week."), high.count(),
                          f"{link}?level=high", tuple(a.display_title for a in high[:5])))
    health = alerts.filter(kind=AlertKind.HEALTH, level__in=("critical", "high"))
    if health.exists():
        todos.append(Todo("high", _("Logs that cannot be trusted"),
                          _("Missing record numbers, silent sources, wrong clocks or short history blind every other "
                            "detection."), health.count(), reverse("monitoring:source_list"),
                          tuple(a.display_title for a in health[:5])))
    return todos
