"""Importing and exporting the ledger as .xlsx or CSV: plan (preview) first, then apply all or nothing.

The same functions serve the import page, the API and `mamori ledger import/export`.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass, field
from typing import Any, cast

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from mamori.audit.recording import diff, record
from mamori.engines.sheets import read_table, write_csv, write_xlsx
from mamori.input_errors import localise_row_error, row_location
from mamori.ledger.columns import REFERENCES, ledger_columns
from mamori.ledger.models import Asset, NetworkSegment, Vendor
from mamori.tenancy.models import Department, Facility

EXPORT_FORMATS = ("xlsx", "csv")
NEW_ASSET_NEEDS = ("category", "name")


@dataclass
class ImportPlan:
    """What an import would do; `errors` non-empty means it must not be applied."""

    filename: str
    sha256: str
    facility: Facility
    creates: list[Asset] = field(default_factory=list)
    updates: list[tuple[Asset, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, int]:
        return {"created": len(self.creates), "updated": len(self.updates), "unchanged": self.unchanged,
                "errors": len(self.errors)}


class _References:
    """Resolves segment, department and vendor cells by code or name within one facility."""

    def __init__(self, facility: Facility) -> None:
        self.tables: dict[str, dict[str, Any]] = {}
        for name, model in (("segment", NetworkSegment), ("department", Department), ("vendor", Vendor)):
            objects: list[Any] = list(model.objects.filter(facility=facility))
            table: dict[str, Any] = {}
            for obj in objects:
                for spelling in (obj.code, obj.name):
                    table[spelling] = obj if table.get(spelling, obj) == obj else None  # None: ambiguous
            self.tables[name] = table

    def resolve(self, name: str, text: str) -> tuple[Any, str | None]:
        if not text:
            return None, None
        if text not in self.tables[name]:
            return None, _("not registered: {value}").format(value=text)
        found = self.tables[name][text]
        return (found, None) if found is not None else (None, _("ambiguous name: {value}").format(value=text))


def _header(name: str) -> str:
    return next(c.header for c in ledger_columns() if c.key == name)


def plan_import(data: bytes, filename: str, facility: Facility, user: Any = None) -> ImportPlan:
    """Read the file and work out every create and update; nothing is written."""
    plan = ImportPlan(filename=filename, sha256=hashlib.sha256(data).hexdigest(), facility=facility)
    table = read_table(data, filename, ledger_columns())
    plan.errors.extend(localise_row_error(e) for e in table.errors)
    if not table.ok:
        return plan
    existing = {a.key: a for a in Asset.objects.filter(facility=facility).select_related(*REFERENCES)}
    changeable = (set(Asset.objects.restrict(user, "change").filter(facility=facility).values_list("key", flat=True))
                  if user is not None else set(existing))
    references = _References(facility)
    seen: dict[str, int] = {}
    for row in table.rows:
        number = int(row.pop("_row"))  # type: ignore[call-overload]
        key = str(row["key"])
        if key in seen:
            plan.errors.append(f"{row_location(filename, number, _header('key'))}: "
                               + _("also on row {row}").format(row=seen[key]))
            continue
        seen[key] = number
        for address in cast(list[str], row.get("other_addresses") or []):
            try:
                ipaddress.ip_address(str(address))
            except ValueError:
                plan.errors.append(f"{row_location(filename, number, _header('other_addresses'))}: "
                                   + _("not an IP address: {value}").format(value=address))
        for name in REFERENCES:
            if name in row:
                row[name], problem = references.resolve(name, str(row[name] or ""))
                if problem:
                    plan.errors.append(f"{row_location(filename, number, _header(name))}: {problem}")
        asset = existing.get(key)
        if asset is None:
            missing = [n for n in NEW_ASSET_NEEDS if not row.get(n)]
            for name in missing:
                plan.errors.append(f"{row_location(filename, number, _header(name))}: "
                                   + _("required for a new asset"))
            if not missing:
                plan.creates.append(Asset(facility=facility, **row))
        elif key not in changeable:
            plan.errors.append(f"{row_location(filename, number, _header('key'))}: "
                               + _("you may not change this asset"))
        else:
            changes = {n: v for n, v in row.items() if getattr(asset, n) != v}
            if changes:
                plan.updates.append((asset, changes))
            else:
                plan.unchanged += 1
    if plan.errors:
        plan.creates, plan.updates = [], []
    return plan


def _plain(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


@transaction.atomic
def apply_import(plan: ImportPlan) -> dict[str, int]:
    """Write the plan in one transaction, with one audit entry naming every created and changed asset."""
    if not plan.ok:
        raise ValueError("an import with errors cannot be applied")
    for asset in plan.creates:
        asset.refresh_completeness()
    Asset.objects.bulk_create(plan.creates, batch_size=500)
    changed_fields: set[str] = {"completeness", "missing_fields", "updated"}
    audit_changes: dict[str, Any] = {}
    for asset, changes in plan.updates:
        before = {n: _plain(getattr(asset, n)) for n in changes}
        for name, value in changes.items():
            setattr(asset, name, value)
        asset.refresh_completeness()
        changed_fields.update(changes)
        audit_changes[asset.key] = diff(before, {n: _plain(v) for n, v in changes.items()})
    if plan.updates:
        from django.utils import timezone

        now = timezone.now()
        for asset, _changes in plan.updates:
            asset.updated = now
        Asset.objects.bulk_update([a for a, _c in plan.updates], sorted(changed_fields), batch_size=500)
    summary = plan.summary()
    record("ledger_import", instance=plan.facility, object_repr=f"{plan.facility} {plan.filename}"[:200],
           changes={"file": plan.filename, "sha256": plan.sha256, **summary,
                    "created": [a.key for a in plan.creates], "updated": audit_changes})
    return summary


def export_assets(assets: QuerySet[Asset], fmt: str = "xlsx", encoding: str = "utf-8-sig",
                  filename: str = "ledger") -> bytes:
    """The assets as an .xlsx workbook or CSV, in the same layout the import reads."""
    columns = ledger_columns()
    rows = []
    for asset in assets.select_related("segment", "department", "vendor").order_by("key").iterator(chunk_size=2000):
        row = {c.key: getattr(asset, c.key) for c in columns}
        for name in REFERENCES:
            related = row[name]
            row[name] = related.name if related is not None else None
        rows.append(row)
    if fmt == "xlsx":
        return write_xlsx(columns, rows)
    return write_csv(columns, rows, encoding=encoding, filename=filename)
