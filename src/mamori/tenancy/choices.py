"""Closed vocabularies of the tenancy app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilityKind(models.TextChoices):
    HOSPITAL = "hospital", _("Hospital")
    CLINIC = "clinic", _("Clinic")
    PHARMACY = "pharmacy", _("Pharmacy")


class DepartmentKind(models.TextChoices):
    CLINICAL = "clinical", _("Clinical department")
    WARD = "ward", _("Ward")
    MEDICAL_TECH = "medical_tech", _("Medical technology")
    ADMIN = "admin", _("Administration")
    IT = "it", _("Information systems")


class JobType(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    RADIOLOGY_TECH = "radiology_tech", _("Radiological technologist")
    LAB_TECH = "lab_tech", _("Clinical laboratory technician")
    REHAB = "rehab", _("Rehabilitation therapist")
    CLERK = "clerk", _("Clerk")
    IT = "it", _("IT staff")
    OTHER = "other", _("Other")
