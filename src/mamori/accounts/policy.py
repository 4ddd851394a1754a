"""Who may do what: the one permission table used by views, the API and the CLI.

`allows(user, model, action)` answers whether a role may perform an action on a kind of object at
all; `RestrictedQuerySet.restrict(user, action)` then narrows to the objects the user may reach
(their facility; for vendors, their own vendor's objects).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from mamori.accounts.choices import Role


class Action(StrEnum):
    VIEW = "view"
    ADD = "add"
    CHANGE = "change"
    DELETE = "delete"


ALL = frozenset(Action)
READ = frozenset({Action.VIEW})
WRITE = frozenset({Action.VIEW, Action.ADD, Action.CHANGE})

LEDGER = ("ledger.asset", "ledger.vendor", "ledger.remoteaccesspath", "ledger.networksegment", "ledger.assetsbom",
          "ledger.vendordisclosure", "ledger.discoveryrun")
TENANCY = ("tenancy.facility", "tenancy.department", "tenancy.staffmember")
CATALOGUE = ("vulns.vulnerability", "vulns.keventry", "vulns.epssscore", "vulns.cveenrichment", "vulns.jvnentry",
             "vulns.csafadvisory")
VULN_RUNS = ("vulns.feedimport", "vulns.matchrun")
BACKUP_SETUP = ("backups.backupjob", "backups.backupcopy")
BACKUP_RECORDS = ("backups.verificationrun", "backups.snapshotverdict", "backups.restoredrill")
CHECKLIST = ("checklist.checklistresponse", "checklist.itemanswer", "checklist.evidencefile")
LOG_SETUP = ("monitoring.logsource",)
LOG_RECORDS = ("monitoring.logimport", "monitoring.alert")
INCIDENT_CASES = ("incidents.incident", "incidents.incidentalert")
INCIDENT_TIMELINE = "incidents.timelineentry"
APPEND = frozenset({Action.VIEW, Action.ADD})  # a timeline is only added to

GRANTS: dict[str, dict[str, frozenset[Action]]] = {
    Role.SECURITY_MANAGER: {
        **dict.fromkeys(LEDGER, ALL),
        "tenancy.facility": frozenset({Action.VIEW, Action.CHANGE}),
        "tenancy.department": ALL,
        "tenancy.staffmember": ALL,
        "accounts.user": READ,
        "audit.auditentry": READ,
        **dict.fromkeys(CATALOGUE, READ),
        **dict.fromkeys(VULN_RUNS, WRITE),
        "vulns.finding": WRITE,
        "vulns.weeklyreport": WRITE,
        **dict.fromkeys(BACKUP_SETUP, ALL),
        **dict.fromkeys(BACKUP_RECORDS, WRITE),
        **dict.fromkeys(CHECKLIST, WRITE),
        **dict.fromkeys(LOG_SETUP, ALL),
        **dict.fromkeys(LOG_RECORDS, WRITE),
        "monitoring.ruleexclusion": ALL,  # silencing a rule is the security manager's decision
        **dict.fromkeys(INCIDENT_CASES, WRITE),  # a case is never deleted: it is closed
        INCIDENT_TIMELINE: APPEND,
    },
    Role.IT_STAFF: {**dict.fromkeys(LEDGER, WRITE), **dict.fromkeys(TENANCY, READ), **dict.fromkeys(CATALOGUE, READ),
                    **dict.fromkeys(VULN_RUNS, WRITE), "vulns.finding": WRITE, "vulns.weeklyreport": READ,
                    **dict.fromkeys(BACKUP_SETUP, WRITE), **dict.fromkeys(BACKUP_RECORDS, WRITE),
                    **dict.fromkeys(CHECKLIST, WRITE), **dict.fromkeys(LOG_SETUP + LOG_RECORDS, WRITE),
                    "monitoring.ruleexclusion": READ, **dict.fromkeys(INCIDENT_CASES, WRITE),
                    INCIDENT_TIMELINE: APPEND},
    Role.VENDOR: {
        "ledger.asset": READ,
        "ledger.vendor": READ,
        "ledger.remoteaccesspath": READ,
        "ledger.assetsbom": READ,
        "ledger.vendordisclosure": frozenset({Action.VIEW, Action.ADD}),  # vendors submit their own MDS/SDS
        **dict.fromkeys(CATALOGUE, READ),
        "vulns.finding": READ,  # the findings on their own devices
        # their own 事業者確認用 only (vendor_path): answer it and attach their evidence
        "checklist.checklistresponse": frozenset({Action.VIEW, Action.CHANGE}),
        "checklist.itemanswer": frozenset({Action.VIEW, Action.CHANGE}),
        "checklist.evidencefile": frozenset({Action.VIEW, Action.ADD}),
    },
    # the hospital director decides on reporting and on suspending care: the cases, not the alerts behind them
    Role.EXECUTIVE: {"tenancy.facility": READ, "incidents.incident": READ, INCIDENT_TIMELINE: READ},
    Role.INSPECTOR: {**dict.fromkeys(LEDGER, READ), "tenancy.facility": READ, **dict.fromkeys(CATALOGUE, READ),
                     **dict.fromkeys(VULN_RUNS, READ), "vulns.finding": READ, "vulns.weeklyreport": READ,
                     **dict.fromkeys(BACKUP_SETUP + BACKUP_RECORDS, READ), **dict.fromkeys(CHECKLIST, READ),
                     **dict.fromkeys(LOG_SETUP + LOG_RECORDS + ("monitoring.ruleexclusion",), READ),
                     **dict.fromkeys(INCIDENT_CASES, READ), INCIDENT_TIMELINE: READ},
    # data leaks and EHR snooping are the privacy officer's cases too: read, and write to the timeline
    Role.PRIVACY_OFFICER: {**dict.fromkeys(TENANCY, READ), "incidents.incident": READ, INCIDENT_TIMELINE: APPEND},
}


def model_label(model: Any) -> str:
    """'app.model' for a model class, instance or a label string."""
    if isinstance(model, str):
        return model.lower()
    return str(model._meta.label_lower)


def allows(user: Any, model: Any, action: Action | str) -> bool:
    """May this user perform `action` on objects of this model (before per-object narrowing)?"""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    role = getattr(user, "role", None)
    if role == Role.ADMIN:
        return True
    if role == Role.VENDOR and getattr(user, "vendor_id", None) is None:
        return False
    return Action(action) in GRANTS.get(str(role), {}).get(model_label(model), frozenset())
