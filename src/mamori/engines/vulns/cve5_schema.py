"""msgspec shapes of a CVE JSON 5 record (CVE Services, cisagov/vulnrichment), only the parts Mamori keeps.

Types are checked while decoding, so a wrong type is reported with its JSON path
(`$.containers.cna.affected[0].versions`). The `other` metric's `content` differs by its `type`
(`ssvc`, `kev`, …) and is decoded by cve5.py once the type is known.
"""

from __future__ import annotations

import msgspec

__all__ = ["Container", "KevContent", "Record", "SsvcContent"]


class _Camel(msgspec.Struct, frozen=True, gc=False, rename="camel"):
    pass


class LangValue(msgspec.Struct, frozen=True, gc=False):
    lang: str
    value: str


class ProviderMetadata(_Camel, frozen=True, gc=False):
    org_id: str = ""
    short_name: str = ""


class Version(_Camel, frozen=True, gc=False):
    status: str
    version: str
    less_than: str = ""
    less_than_or_equal: str = ""
    version_type: str = ""


class Affected(_Camel, frozen=True, gc=False):
    vendor: str = ""
    product: str = ""
    package_name: str = ""  # the schema's alternative to vendor/product (collectionURL + packageName)
    versions: list[Version] = msgspec.field(default_factory=list)
    default_status: str = ""
    cpes: list[str] = msgspec.field(default_factory=list)


class Cvss(_Camel, frozen=True, gc=False):
    base_score: float
    vector_string: str
    version: str = ""
    base_severity: str = ""  # not in cvssV2_0


class Other(msgspec.Struct, frozen=True, gc=False):
    type: str
    content: msgspec.Raw = msgspec.field(default_factory=lambda: msgspec.Raw(b"null"))


class Metric(msgspec.Struct, frozen=True, gc=False):
    cvss_v4_0: Cvss | None = msgspec.field(default=None, name="cvssV4_0")
    cvss_v3_1: Cvss | None = msgspec.field(default=None, name="cvssV3_1")
    cvss_v3_0: Cvss | None = msgspec.field(default=None, name="cvssV3_0")
    cvss_v2_0: Cvss | None = msgspec.field(default=None, name="cvssV2_0")
    other: Other | None = None


class ProblemTypeDescription(_Camel, frozen=True, gc=False):
    lang: str = ""
    type: str = ""
    cwe_id: str = ""
    description: str = ""


class ProblemType(msgspec.Struct, frozen=True, gc=False):
    descriptions: list[ProblemTypeDescription] = msgspec.field(default_factory=list)


class Container(_Camel, frozen=True, gc=False):
    """The CNA container or one ADP container."""

    provider_metadata: ProviderMetadata
    title: str = ""
    descriptions: list[LangValue] = msgspec.field(default_factory=list)
    affected: list[Affected] = msgspec.field(default_factory=list)
    metrics: list[Metric] = msgspec.field(default_factory=list)
    problem_types: list[ProblemType] = msgspec.field(default_factory=list)
    rejected_reasons: list[LangValue] = msgspec.field(default_factory=list)


class Containers(msgspec.Struct, frozen=True, gc=False):
    cna: Container
    adp: list[Container] = msgspec.field(default_factory=list)


class CveMetadata(_Camel, frozen=True, gc=False):
    cve_id: str
    state: str
    date_published: str = ""
    date_updated: str = ""


class Record(_Camel, frozen=True, gc=False):
    """One CVE record; `data_type` is "CVE_RECORD"."""

    data_type: str
    cve_metadata: CveMetadata
    containers: Containers
    data_version: str = ""


class SsvcContent(msgspec.Struct, frozen=True, gc=False):
    """SSVC decision points, each option a one-key object: [{"Exploitation": "active"}, …]."""

    options: list[dict[str, str]]
    id: str = ""
    role: str = ""
    version: str = ""
    timestamp: str = ""


class KevContent(_Camel, frozen=True, gc=False):
    date_added: str
    reference: str = ""
