"""msgspec shapes of a CSAF 2.0 document (OASIS CSAF 2.0, §3.2), the parts Mamori keeps.

Only those fields are declared; msgspec skips the rest (notes, acknowledgments, threats) without building
objects, and checks types while decoding, so a wrong type is reported with its JSON path
(`$.product_tree.branches[0].name`). Dates stay text here and are read by the converter, which collects
every bad one instead of stopping at the first.
"""

from __future__ import annotations

import msgspec

__all__ = ["Branch", "Csaf", "CsafVersionProbe", "FullProductName", "Score", "Vulnerability"]


class _Struct(msgspec.Struct, frozen=True, gc=False):
    pass


class Tlp(_Struct, frozen=True, gc=False):
    label: str = ""
    url: str = ""


class Distribution(_Struct, frozen=True, gc=False):
    text: str = ""
    tlp: Tlp | None = None


class Publisher(_Struct, frozen=True, gc=False):
    category: str
    name: str
    namespace: str


class Tracking(_Struct, frozen=True, gc=False):
    id: str
    status: str
    version: str
    initial_release_date: str
    current_release_date: str


class DocumentReference(_Struct, frozen=True, gc=False):
    url: str
    summary: str = ""


class Document(_Struct, frozen=True, gc=False):
    category: str
    csaf_version: str
    title: str
    publisher: Publisher
    tracking: Tracking
    distribution: Distribution | None = None
    references: list[DocumentReference] = msgspec.field(default_factory=list)


class Helper(_Struct, frozen=True, gc=False):
    """`product_identification_helper`; `purls` is CSAF 2.1's list, accepted beside 2.0's single `purl`."""

    cpe: str | None = None
    purl: str | None = None
    purls: list[str] = msgspec.field(default_factory=list)
    model_numbers: list[str] = msgspec.field(default_factory=list)


class FullProductName(_Struct, frozen=True, gc=False):
    name: str
    product_id: str
    product_identification_helper: Helper | None = None


class Branch(_Struct, frozen=True, gc=False):
    category: str
    name: str
    branches: list[Branch] = msgspec.field(default_factory=list)
    product: FullProductName | None = None


class Relationship(_Struct, frozen=True, gc=False):
    category: str
    product_reference: str
    relates_to_product_reference: str
    full_product_name: FullProductName


class ProductGroup(_Struct, frozen=True, gc=False):
    group_id: str
    product_ids: list[str]


class ProductTree(_Struct, frozen=True, gc=False):
    branches: list[Branch] = msgspec.field(default_factory=list)
    full_product_names: list[FullProductName] = msgspec.field(default_factory=list)
    relationships: list[Relationship] = msgspec.field(default_factory=list)
    product_groups: list[ProductGroup] = msgspec.field(default_factory=list)


class Cwe(_Struct, frozen=True, gc=False):
    id: str
    name: str = ""


class VulnerabilityId(_Struct, frozen=True, gc=False):
    system_name: str
    text: str


class ProductStatus(_Struct, frozen=True, gc=False):
    first_affected: list[str] = msgspec.field(default_factory=list)
    first_fixed: list[str] = msgspec.field(default_factory=list)
    fixed: list[str] = msgspec.field(default_factory=list)
    known_affected: list[str] = msgspec.field(default_factory=list)
    known_not_affected: list[str] = msgspec.field(default_factory=list)
    last_affected: list[str] = msgspec.field(default_factory=list)
    recommended: list[str] = msgspec.field(default_factory=list)
    under_investigation: list[str] = msgspec.field(default_factory=list)


class Cvss(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    version: str
    vector_string: str
    base_score: float
    base_severity: str = ""


class Score(_Struct, frozen=True, gc=False):
    products: list[str]
    cvss_v2: Cvss | None = None
    cvss_v3: Cvss | None = None
    cvss_v4: Cvss | None = None


class Remediation(_Struct, frozen=True, gc=False):
    category: str
    details: str
    product_ids: list[str] = msgspec.field(default_factory=list)
    group_ids: list[str] = msgspec.field(default_factory=list)
    url: str = ""


class Vulnerability(_Struct, frozen=True, gc=False):
    cve: str | None = None
    title: str = ""
    cwe: Cwe | None = None
    ids: list[VulnerabilityId] = msgspec.field(default_factory=list)
    product_status: ProductStatus | None = None
    scores: list[Score] = msgspec.field(default_factory=list)
    remediations: list[Remediation] = msgspec.field(default_factory=list)


class Csaf(_Struct, frozen=True, gc=False):
    document: Document
    product_tree: ProductTree = msgspec.field(default_factory=ProductTree)
    vulnerabilities: list[Vulnerability] = msgspec.field(default_factory=list)


class _VersionOnly(_Struct, frozen=True, gc=False):
    csaf_version: str | None = None


class CsafVersionProbe(_Struct, frozen=True, gc=False):
    """Just enough to refuse a document of another CSAF version before its fields are checked as 2.0."""

    document: _VersionOnly | None = None
