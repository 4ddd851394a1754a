"""The fixed vocabularies of incident cases: kind of incident, phase (NIST SP 800-61r3), effect on patient care,
and the kinds of timeline entry."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    RANSOMWARE = "ransomware", _("Ransomware")
    VPN_COMPROMISE = "vpn_compromise", _("VPN or remote-maintenance compromise")
    UNAUTHORISED_ACCESS = "unauthorised_access", _("Unauthorised access (accounts, lateral movement)")
    PHISHING_MALWARE = "phishing_malware", _("Malware by e-mail")
    MEDICAL_DEVICE = "medical_device", _("Medical device malfunction or infection")
    DATA_LEAK = "data_leak", _("Data leak")
    EHR_SNOOPING = "ehr_snooping", _("EHR snooping (insider)")
    OTHER = "other", _("Other")


class Phase(models.TextChoices):
    """The incident-response lifecycle of NIST SP 800-61r3 as hospitals run it."""

    DETECTION = "detection", _("Detection and analysis")
    CONTAINMENT = "containment", _("Containment")
    ERADICATION = "eradication", _("Eradication")
    RECOVERY = "recovery", _("Recovery")
    POST_INCIDENT = "post_incident", _("Post-incident review")
    CLOSED = "closed", _("Closed")


PHASE_ORDER = tuple(p.value for p in Phase)
OPEN_PHASES = PHASE_ORDER[:-1]


class CareImpact(models.TextChoices):
    UNKNOWN = "unknown", _("Not known yet")
    NONE = "none", _("No effect on patient care")
    DEGRADED = "degraded", _("Care continues with workarounds (paper records, limits)")
    SUSPENDED = "suspended", _("Services suspended (outpatients, emergencies or surgery)")


class EntryKind(models.TextChoices):
    NOTE = "note", _("Finding or note")
    ACTION = "action", _("Action taken")
    DECISION = "decision", _("Decision")
    CONTACT = "contact", _("Contact or report (MHLW, police, vendor)")
    PHASE = "phase", _("Phase changed")
    ALERT = "alert", _("Alert added")


#: the kinds a person writes; the others Mamori writes when the phase changes or an alert joins
USER_ENTRY_KINDS = (EntryKind.NOTE, EntryKind.ACTION, EntryKind.DECISION, EntryKind.CONTACT)
