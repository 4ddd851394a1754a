"""The QuerySet every Mamori model uses, with `restrict(user, action)`."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

from mamori.accounts.policy import Action, allows

M = TypeVar("M", bound=models.Model)


class RestrictedQuerySet(models.QuerySet[M]):
    """Narrows objects to what a user may reach.

    A model declares `facility_path` (lookup from it to its Facility id) and, if vendors may see
    it, `vendor_path` (lookup to the Vendor id). Without a `vendor_path` a vendor sees nothing, except in
    a model marked `shared_catalogue` (public reference data such as the CVE catalogue), which every role
    the policy lets view it sees whole.
    """

    def restrict(self, user: Any, action: Action | str = Action.VIEW) -> RestrictedQuerySet[M]:
        if not allows(user, self.model, action):
            return self.none()
        qs = self
        facility_path = getattr(self.model, "facility_path", None)
        facility_id = getattr(user, "facility_id", None)
        if facility_id is not None and facility_path:
            qs = qs.filter(**{facility_path: facility_id})
        if getattr(user, "role", None) == "vendor" and not getattr(self.model, "shared_catalogue", False):
            vendor_path = getattr(self.model, "vendor_path", None)
            if not vendor_path:
                return self.none()
            qs = qs.filter(**{vendor_path: user.vendor_id})
        return qs
