"""The engine's check and verdict reasons in the user's language (the engine speaks codes and English)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mamori.engines.backup.checks import JobCheck, JobFacts

__all__ = ["check_text", "duration_text", "reason_text"]

REASON_TEXTS: dict[str, Any] = {
    "mass_rename": gettext_lazy("{count} files were renamed to a new extension (.{extension}), e.g. {example}"),
    "renamed": gettext_lazy("{count} files were renamed to an appended extension (.{extension}), e.g. {example}"),
    "ransom_note": gettext_lazy("{count} ransom-note files appeared, e.g. {example}"),
    "content_broken": gettext_lazy("{count} of {sampled} sampled files no longer match their type, e.g. {example}"),
    "content_partial": gettext_lazy("{count} sampled files have parts that are no longer their type (partial "
                                    "encryption), e.g. {example}"),
    "change_volume": gettext_lazy("{count} files changed ({share} of the previous snapshot), against a usual "
                                  "{usual}"),
    "mass_deletion": gettext_lazy("{count} files were deleted ({share} of the previous snapshot)"),
    "carried": gettext_lazy("still holds {count} files judged encrypted in snapshot {snapshot}, e.g. {example}"),
    "still_broken": gettext_lazy("{count} sampled files were already broken in the previous snapshot and still "
                                 "are, e.g. {example}"),
}


def reason_text(reason: dict[str, Any]) -> str:
    """One stored snapshot reason ({"code", "count", "examples", "args"}) as a sentence."""
    template = REASON_TEXTS.get(str(reason.get("code")))
    if template is None:
        return str(reason.get("text", reason.get("code", "")))
    examples = reason.get("examples") or []
    values = {"count": str(reason.get("count", "")), "example": examples[0] if examples else "",
              **{str(k): str(v) for k, v in (reason.get("args") or {}).items()}}
    try:
        return str(template).format(**values)
    except (KeyError, IndexError):
        return str(reason.get("text", ""))


def duration_text(delta: dt.timedelta) -> str:
    hours = delta.total_seconds() / 3600
    if hours >= 48:
        days = round(hours / 24)
        return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
    whole = max(0, round(hours))
    return ngettext("%(n)d hour", "%(n)d hours", whole) % {"n": whole}


def _ago(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return _("never")
    return _("%(duration)s ago") % {"duration": duration_text(now - moment)}


def check_text(check: JobCheck, facts: JobFacts, now: dt.datetime | None = None) -> str:
    """The reason of one failed check, from the facts it was judged on."""
    now = now or timezone.now()
    args = dict(check.args)
    code = check.code
    if code == "no_backup":
        return _("No good backup is known: no verified snapshot that is not suspected.")
    if code == "rpo_exceeded" and facts.last_good_backup is not None:
        return _("The last good backup is %(age)s old, beyond the RPO of %(rpo)s.") % {
            "age": duration_text(now - facts.last_good_backup), "rpo": duration_text(facts.rpo)}
    if code == "generations_short":
        return _("%(held)s generations are held; %(required)s are required.") % args
    if code == "no_safe_copy":
        return _("No offline or write-once copy: ransomware that reaches the backup host reaches every copy "
                 "(半田病院, 大阪急性期, 岡山).")
    if code == "safe_copy_unverified":
        safe = [c for c in facts.copies if c.kind in ("offline", "immutable")]
        newest = max(safe, key=lambda c: c.last_verified or dt.datetime.min.replace(tzinfo=dt.UTC)) if safe else None
        when = _ago(newest.last_verified, now) if newest else _("never")
        return _("The offline or write-once copy (%(medium)s) was last verified %(when)s: a tape never inserted "
                 "is not a backup (宇陀).") % {"medium": args.get("medium", "?"), "when": when}
    if code == "integrity_failed":
        return _("The repository's integrity check failed.")
    if code == "integrity_overdue":
        return _("The repository's integrity check was last run %(when)s.") % {
            "when": _ago(facts.last_integrity_check, now)}
    if code == "same_segment":
        return _("The backup host %(host)s is in the production segment %(segment)s.") % args
    if code == "same_domain":
        return _("The backup host %(host)s is joined to the production AD domain %(domain)s: stolen domain "
                 "administrator credentials reach it too.") % args
    if code == "drill_overdue":
        return _("The last successful restore drill was %(when)s.") % {"when": _ago(facts.last_drill, now)}
    if code == "repository_unreadable":
        return _("The newest verification could not read the repository (%(error)s): until it can, nothing is "
                 "known of the newest backups.") % args
    if code == "snapshot_encrypted":
        return _("The newest snapshot holds encrypted files: restore from the last clean one.")
    if code == "snapshot_suspicious":
        return _("The newest snapshot is suspicious: look at it before retention prunes the older ones.")
    return check.text
