"""Template context: the navigation for the capabilities in DESIGN.md, by what the user may see."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.accounts.policy import allows

# (label, url name or None while the capability is not built yet, model that gates it)
SECTIONS: tuple[tuple[Any, str | None, str | None], ...] = (
    (_("Home"), "web:home", None),
    (_("Ledger"), "ledger:asset_list", "ledger.asset"),
    (_("Remote maintenance"), "ledger:remotepath_list", "ledger.remoteaccesspath"),
    (_("Vendors"), "ledger:vendor_list", "ledger.vendor"),
    (_("Network discovery"), "ledger:discovery_list", "ledger.discoveryrun"),
    (_("Vulnerabilities"), "vulns:finding_list", "vulns.finding"),
    (_("Log monitoring"), "monitoring:alert_list", "monitoring.alert"),
    (_("EHR access audit"), None, None),
    (_("Backups"), "backups:job_list", "backups.backupjob"),
    (_("Incidents"), "incidents:incident_list", "incidents.incident"),
    (_("Checklist"), "checklist:response_list", "checklist.checklistresponse"),
    (_("Training"), None, None),
    (_("Users"), "accounts:user_list", "accounts.user"),
    (_("Audit trail"), "web:audit_list", "audit.auditentry"),
)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    if not user.is_verified() and (user.mfa_required or user.has_mfa_device()):
        return {"nav_sections": []}  # second factor pending: nothing to navigate to yet
    sections = []
    for label, url_name, model in SECTIONS:
        if model is not None and not allows(user, model, "view"):
            continue
        url = reverse(url_name) if url_name else None
        active = bool(url and (request.path == url or (url != "/" and request.path.startswith(url))))
        sections.append({"label": label, "url": url, "active": active,
                         "planned": url is None})
    return {"nav_sections": sections}
