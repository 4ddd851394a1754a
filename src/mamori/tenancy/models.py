"""Facilities (病院/診療所), their departments and the staff roster."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import MamoriModel
from mamori.tenancy.choices import DepartmentKind, FacilityKind, JobType


class Facility(MamoriModel):
    """A hospital, clinic or pharmacy. A hospital group keeps several in one instance."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=FacilityKind.choices, default=FacilityKind.HOSPITAL)
    beds = models.PositiveIntegerField(_("beds"), default=0)
    address = models.CharField(_("address"), max_length=300, blank=True)
    institution_code = models.CharField(_("medical institution code"), max_length=10, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "pk"

    class Meta:
        ordering = ("code",)
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")

    def __str__(self) -> str:
        return self.name


class Department(MamoriModel):
    """A department, ward or office of a facility."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="departments",
                                 verbose_name=_("facility"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=DepartmentKind.choices)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"

    class Meta:
        ordering = ("facility", "code")
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = (models.UniqueConstraint(fields=("facility", "code"), name="department_code_unique"),)

    def __str__(self) -> str:
        return self.name


class StaffMember(MamoriModel):
    """A person on the staff roster (used for account review and EHR access audit)."""

    facility = models.ForeignKey(Facility, on_delete=models.CASCADE, related_name="staff",
                                 verbose_name=_("facility"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="staff",
                                   verbose_name=_("department"))
    staff_id = models.CharField(_("staff number"), max_length=32)
    family_name = models.CharField(_("family name"), max_length=50)
    given_name = models.CharField(_("given name"), max_length=50)
    family_kana = models.CharField(_("family name (kana)"), max_length=50, blank=True)
    given_kana = models.CharField(_("given name (kana)"), max_length=50, blank=True)
    job_type = models.CharField(_("job type"), max_length=16, choices=JobType.choices)
    hired_on = models.DateField(_("hired on"))
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    ehr_account = models.CharField(_("EHR account"), max_length=64, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"

    class Meta:
        ordering = ("facility", "staff_id")
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")
        constraints = (models.UniqueConstraint(fields=("facility", "staff_id"), name="staff_id_unique"),)

    def __str__(self) -> str:
        return f"{self.family_name} {self.given_name}"
