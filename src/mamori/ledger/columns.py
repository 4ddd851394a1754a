"""The ledger's spreadsheet layout: Japanese headers, accepted English headers, and value vocabularies."""

from __future__ import annotations

from functools import cache

from django.db import models
from django.utils import translation

from mamori.engines.sheets import Column, ColumnKind
from mamori.ledger.choices import AssetCategory, MfaStatus, PatientSafetyImpact, UpdateResponsibility
from mamori.ledger.models import Asset

# (model field, kind, required) in the order of the exported sheet
LAYOUT: tuple[tuple[str, ColumnKind, bool], ...] = (
    ("key", ColumnKind.TEXT, True), ("category", ColumnKind.CHOICE, False), ("name", ColumnKind.TEXT, False),
    ("hostname", ColumnKind.TEXT, False), ("ip_address", ColumnKind.IP, False), ("mac_address", ColumnKind.MAC, False),
    ("other_addresses", ColumnKind.LIST, False), ("segment", ColumnKind.TEXT, False),
    ("location", ColumnKind.TEXT, False), ("department", ColumnKind.TEXT, False),
    ("owner", ColumnKind.TEXT, False), ("in_use", ColumnKind.BOOL, False), ("manufacturer", ColumnKind.TEXT, False),
    ("model_name", ColumnKind.TEXT, False), ("serial_number", ColumnKind.TEXT, False),
    ("os_name", ColumnKind.TEXT, False), ("os_version", ColumnKind.TEXT, False), ("cpes", ColumnKind.LIST, False),
    ("internet_exposed", ColumnKind.BOOL, False), ("patient_safety_impact", ColumnKind.CHOICE, False),
    ("data_held", ColumnKind.TEXT, False), ("end_of_support", ColumnKind.DATE, False),
    ("av_installed", ColumnKind.BOOL, False), ("av_definitions_date", ColumnKind.DATE, False),
    ("av_last_full_scan", ColumnKind.DATE, False), ("mfa", ColumnKind.CHOICE, False),
    ("renewal_year", ColumnKind.INT, False), ("vendor", ColumnKind.TEXT, False),
    ("update_responsibility", ColumnKind.CHOICE, False), ("notes", ColumnKind.TEXT, False),
)
CHOICES: dict[str, type[models.TextChoices]] = {
    "category": AssetCategory, "patient_safety_impact": PatientSafetyImpact, "mfa": MfaStatus,
    "update_responsibility": UpdateResponsibility,
}
REFERENCES = ("segment", "department", "vendor")


def _in(language: str, text: object) -> str:
    with translation.override(language):
        return str(text)


def _choices(enum: type[models.TextChoices]) -> dict[str, str]:
    spellings: dict[str, str] = {}
    for value, label in enum.choices:  # Japanese label first: it is what export writes
        spellings.setdefault(_in("ja", label), value)
    for value, label in enum.choices:
        spellings.setdefault(_in("en", label), value)
        spellings.setdefault(value, value)
    return spellings


@cache
def ledger_columns() -> tuple[Column, ...]:
    """Columns of the ledger sheet; headers are the Japanese field names (English ones accepted too)."""
    columns = []
    for name, kind, required in LAYOUT:
        field = Asset._meta.get_field(name)
        verbose = field.verbose_name  # type: ignore[union-attr]
        header = _in("ja", verbose)
        aliases = (_in("en", verbose), name)
        max_length = getattr(field, "max_length", None) if kind == ColumnKind.TEXT else None
        columns.append(Column(name, header, kind, aliases, required, max_length,
                              _choices(CHOICES[name]) if name in CHOICES else {}))
    return tuple(columns)
