"""The finding workflow: open → in progress → patched / mitigated / accepted risk / false positive, and back.

Rules a hospital inspector would ask about:
- a risk is accepted with a reason, by an approver (安全管理責任者 or administrator) and until a date at
  most a year ahead; when it expires the finding is open again (the match run does that);
- a false positive needs a reason and stays one when the asset's version changes;
- "patched" needs the asset's version in the ledger to have changed since the vulnerability was detected,
  and a post-patch check ("the device works after the update"); for a vulnerability that leaks
  credentials (CVE-2018-13379 …) the finding stays in progress until the passwords were changed too.

Every change is saved through the model, so it lands in the audit trail with the old and new values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts.choices import Role
from mamori.accounts.policy import allows
from mamori.engines.vulns.priority import CREDENTIAL_LEAK_CVES
from mamori.ledger.models import Asset
from mamori.vulns.choices import FindingStatus
from mamori.vulns.inventory import current_fingerprint
from mamori.vulns.models import Finding

MAX_ACCEPTANCE = dt.timedelta(days=366)
APPROVER_ROLES = (Role.ADMIN, Role.SECURITY_MANAGER)


class WorkflowError(Exception):
    """A change the rules do not allow; the message says why, in the user's language."""


@dataclass(frozen=True, slots=True)
class Change:
    """What the user asks for: the new status and what that status needs."""

    status: str
    reason: str = ""
    approver: Any = None
    accepted_until: dt.date | None = None
    checked_on: dt.date | None = None
    check_note: str = ""
    credentials_rotated_on: dt.date | None = None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise WorkflowError(message)


def leaks_credentials(finding: Finding) -> bool:
    return finding.vulnerability.cve_id in CREDENTIAL_LEAK_CVES


def _accept(finding: Finding, change: Change, today: dt.date) -> None:
    approver = change.approver
    _require(bool(change.reason.strip()), _("Say why the risk is accepted."))
    _require(approver is not None and approver.is_active and approver.role in APPROVER_ROLES,
             _("A risk is accepted by the security manager (安全管理責任者) or an administrator."))
    until = change.accepted_until
    _require(until is not None and today < until <= today + MAX_ACCEPTANCE,
             _("An acceptance needs an expiry date within the next twelve months."))
    finding.risk_approved_by, finding.risk_accepted_until = approver, until


def _patch(finding: Finding, change: Change, today: dt.date, username: str) -> str:
    """Record the patch and its check; returns the status the finding ends in."""
    now_state = current_fingerprint(Asset.objects.get(pk=finding.asset_id))  # as the ledger holds it now
    _require(now_state != finding.detected_fingerprint,
             _("The asset's version in the ledger has not changed since the vulnerability was detected: record the "
               "new firmware or software version on the asset first."))
    # A check already recorded (a credential-leak finding waiting for the password change) need not be retyped.
    checked_on = change.checked_on or finding.post_patch_checked_on
    note = change.check_note.strip() or finding.post_patch_note
    _require(checked_on is not None and checked_on <= today and bool(note),
             _("Record the post-patch check: when it was done and that the device works after the update."))
    if change.checked_on is not None or not finding.post_patch_checked_by:
        finding.post_patch_checked_by = username
    finding.post_patch_checked_on, finding.post_patch_note = checked_on, note
    finding.patched_fingerprint = now_state
    if change.credentials_rotated_on is not None:
        _require(change.credentials_rotated_on <= today, _("The date the credentials were changed is in the future."))
        finding.credentials_rotated_on = change.credentials_rotated_on
    if leaks_credentials(finding) and finding.credentials_rotated_on is None:
        return FindingStatus.IN_PROGRESS
    return FindingStatus.PATCHED


@transaction.atomic
def change_status(finding: Finding, user: Any, change: Change) -> Finding:
    """Apply `change` to the finding as `user`; raises WorkflowError (nothing saved) when a rule says no."""
    _require(allows(user, Finding, "change")
             and Finding.objects.restrict(user, "change").filter(pk=finding.pk).exists(),
             _("You may not change this finding."))
    today = timezone.localdate()
    status = FindingStatus(change.status)
    reason = change.reason.strip()
    if status == FindingStatus.ACCEPTED:
        _accept(finding, change, today)
    elif status in (FindingStatus.FALSE_POSITIVE, FindingStatus.MITIGATED):
        _require(bool(reason), _("Say why (what was checked, or what mitigates the vulnerability)."))
    elif status == FindingStatus.PATCHED:
        status = FindingStatus(_patch(finding, change, today, user.get_username()))
        if status == FindingStatus.IN_PROGRESS:
            reason = reason or "patched; the credentials that may have leaked are not yet changed"
    elif status == FindingStatus.OPEN:
        _require(bool(reason) or finding.status == FindingStatus.IN_PROGRESS, _("Say why the finding is reopened."))
    if status != FindingStatus.ACCEPTED:
        finding.risk_approved_by, finding.risk_accepted_until = None, None
    finding.status, finding.status_reason = status, reason
    finding.status_changed_at, finding.status_changed_by = timezone.now(), user.get_username()
    finding.save()
    return finding


def record_credentials_rotated(finding: Finding, user: Any, on: dt.date) -> Finding:
    """The leaked credentials were changed: a patched credential-leak finding can now close."""
    _require(finding.post_patch_checked_on is not None, _("Record the patch and its check first."))
    return change_status(finding, user, Change(FindingStatus.PATCHED, credentials_rotated_on=on))
