"""A CSAF 2.0 advisory as plain data: its products (from the product tree) and its vulnerabilities.

Frozen msgspec Structs, like the NVD records (`records.py`); `csaf.py` reads files into them and
`csaf_match.py` matches ledger devices against them by vendor, product and model name.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from mamori.engines.vulns.records import CvssScore

__all__ = ["CsafAdvisory", "CsafProduct", "CsafRemediation", "CsafVulnerability"]


class CsafProduct(msgspec.Struct, frozen=True, gc=False):
    """One product of the product tree, with the names of the branches above it.

    `version_kind` is "exact" (a `product_version` branch), "range" (`product_version_range`) or "none".
    A product made by a relationship ("FortiOS installed on FortiGate-100F") takes vendor, product and
    version from its `product_reference`; `relation` and `platform` say what it relates to, and
    `full_name` says it too.
    """

    product_id: str
    vendor: str
    product: str
    version_text: str
    version_kind: str
    full_name: str
    cpe: str = ""
    purls: tuple[str, ...] = ()
    model_numbers: tuple[str, ...] = ()
    relation: str = ""
    platform: str = ""


class CsafRemediation(msgspec.Struct, frozen=True, gc=False):
    """A remediation (`vendor_fix`, `mitigation`, `workaround`, `none_available`, `no_fix_planned`)."""

    category: str
    details: str
    product_ids: tuple[str, ...]
    url: str = ""


class CsafVulnerability(msgspec.Struct, frozen=True, gc=False):
    """One vulnerability and the products it concerns, by product id.

    `known_affected` also holds `first_affected` and `last_affected`; `fixed` also holds `first_fixed`.
    `under_investigation` is kept apart: the vendor has not said these products are affected, so the
    name matcher leaves them out unless asked to include them. `cve_id` is "" when the advisory gives
    no CVE (Fortinet's vendor advisories); `title` then comes from `ids[]`.
    """

    cve_id: str
    title: str
    cwes: tuple[str, ...]
    known_affected: tuple[str, ...]
    known_not_affected: tuple[str, ...]
    fixed: tuple[str, ...]
    scores: tuple[CvssScore, ...]
    remediations: tuple[CsafRemediation, ...]
    under_investigation: tuple[str, ...] = ()
    ids: tuple[tuple[str, str], ...] = ()  # (system_name, text)

    @property
    def affected(self) -> tuple[str, ...]:
        """The products the vulnerability affects: known_affected less any fixed or not affected."""
        excluded = set(self.fixed) | set(self.known_not_affected)
        return tuple(p for p in self.known_affected if p not in excluded)


class CsafAdvisory(msgspec.Struct, frozen=True, gc=False):
    """One CSAF document. `references` are (summary, url); `tlp` is the TLP label ("WHITE", "CLEAR", …)."""

    filename: str
    tracking_id: str
    title: str
    publisher: str
    publisher_namespace: str
    category: str
    status: str
    version: str
    initial_release_date: datetime
    current_release_date: datetime
    tlp: str
    references: tuple[tuple[str, str], ...]
    products: tuple[CsafProduct, ...]
    vulnerabilities: tuple[CsafVulnerability, ...]

    def product(self, product_id: str) -> CsafProduct | None:
        """The product with this id, or None."""
        return next((p for p in self.products if p.product_id == product_id), None)
