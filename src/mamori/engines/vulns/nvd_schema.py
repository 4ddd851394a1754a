"""msgspec shapes of the NVD JSON feeds: CVE API 2.0 (and its year files) and the legacy 1.1 feed.

Only the fields Mamori keeps are declared; msgspec skips the rest without building objects, which is
what makes a 200 MB year file decode in well under a second. Types are checked while decoding, so a
wrong type is reported with its JSON path (`$.vulnerabilities[12].cve.id`).
"""

from __future__ import annotations

import msgspec

__all__ = ["Cve11Item", "Cve20", "Envelope"]


class _Struct(msgspec.Struct, frozen=True, gc=False):
    pass


class _Camel(_Struct, frozen=True, gc=False, rename="camel"):
    pass


# --- CVE API 2.0 ---------------------------------------------------------------------------------------

class LangString(_Struct, frozen=True, gc=False):
    lang: str
    value: str


class CpeMatch20(_Camel, frozen=True, gc=False):
    vulnerable: bool
    criteria: str
    match_criteria_id: str = ""
    version_start_including: str | None = None
    version_start_excluding: str | None = None
    version_end_including: str | None = None
    version_end_excluding: str | None = None


class Node20(_Camel, frozen=True, gc=False):
    cpe_match: list[CpeMatch20]
    operator: str = "OR"
    negate: bool = False


class Configuration20(_Camel, frozen=True, gc=False):
    nodes: list[Node20]
    operator: str | None = None
    negate: bool = False


class CvssData(_Camel, frozen=True, gc=False):
    version: str
    vector_string: str
    base_score: float
    base_severity: str = ""


class CvssMetric(_Camel, frozen=True, gc=False):
    source: str
    type: str
    cvss_data: CvssData
    base_severity: str = ""  # CVSS v2 keeps the severity beside cvssData


class Metrics20(msgspec.Struct, frozen=True, gc=False):
    cvss_v40: list[CvssMetric] = msgspec.field(default_factory=list, name="cvssMetricV40")
    cvss_v31: list[CvssMetric] = msgspec.field(default_factory=list, name="cvssMetricV31")
    cvss_v30: list[CvssMetric] = msgspec.field(default_factory=list, name="cvssMetricV30")
    cvss_v2: list[CvssMetric] = msgspec.field(default_factory=list, name="cvssMetricV2")


class Weakness20(_Struct, frozen=True, gc=False):
    source: str
    type: str
    description: list[LangString]


class Reference20(_Struct, frozen=True, gc=False):
    url: str
    source: str = ""
    tags: list[str] = msgspec.field(default_factory=list)


class Cve20(_Camel, frozen=True, gc=False):
    id: str
    published: str
    last_modified: str
    vuln_status: str = ""
    descriptions: list[LangString] = msgspec.field(default_factory=list)
    metrics: Metrics20 = msgspec.field(default_factory=Metrics20)
    weaknesses: list[Weakness20] = msgspec.field(default_factory=list)
    configurations: list[Configuration20] = msgspec.field(default_factory=list)
    references: list[Reference20] = msgspec.field(default_factory=list)
    cisa_exploit_add: str | None = None
    cisa_action_due: str = ""
    cisa_required_action: str = ""
    cisa_vulnerability_name: str = ""


class Item20(_Struct, frozen=True, gc=False):
    cve: Cve20


# --- legacy 1.1 feed -----------------------------------------------------------------------------------

class CpeMatch11(_Struct, frozen=True, gc=False):
    vulnerable: bool
    cpe23_uri: str = msgspec.field(name="cpe23Uri")
    version_start_including: str | None = msgspec.field(default=None, name="versionStartIncluding")
    version_start_excluding: str | None = msgspec.field(default=None, name="versionStartExcluding")
    version_end_including: str | None = msgspec.field(default=None, name="versionEndIncluding")
    version_end_excluding: str | None = msgspec.field(default=None, name="versionEndExcluding")


class Node11(_Struct, frozen=True, gc=False):
    operator: str = "OR"
    negate: bool = False
    cpe_match: list[CpeMatch11] = msgspec.field(default_factory=list)
    children: list[Node11] = msgspec.field(default_factory=list)


class Configurations11(_Struct, frozen=True, gc=False):
    nodes: list[Node11] = msgspec.field(default_factory=list)


class DataMeta11(_Struct, frozen=True, gc=False):
    id: str = msgspec.field(name="ID")
    assigner: str = msgspec.field(default="", name="ASSIGNER")


class Descriptions11(_Struct, frozen=True, gc=False):
    description_data: list[LangString] = msgspec.field(default_factory=list)


class ProblemType11(_Struct, frozen=True, gc=False):
    description: list[LangString] = msgspec.field(default_factory=list)


class ProblemTypes11(_Struct, frozen=True, gc=False):
    problemtype_data: list[ProblemType11] = msgspec.field(default_factory=list)


class Reference11(_Struct, frozen=True, gc=False):
    url: str
    refsource: str = ""
    tags: list[str] = msgspec.field(default_factory=list)


class References11(_Struct, frozen=True, gc=False):
    reference_data: list[Reference11] = msgspec.field(default_factory=list)


class Cve11(_Struct, frozen=True, gc=False):
    meta: DataMeta11 = msgspec.field(name="CVE_data_meta")
    description: Descriptions11 = msgspec.field(default_factory=Descriptions11)
    problemtype: ProblemTypes11 = msgspec.field(default_factory=ProblemTypes11)
    references: References11 = msgspec.field(default_factory=References11)


class CvssV3(_Camel, frozen=True, gc=False):
    version: str
    vector_string: str
    base_score: float
    base_severity: str = ""


class BaseMetricV3(_Struct, frozen=True, gc=False):
    cvss: CvssV3 = msgspec.field(name="cvssV3")


class BaseMetricV2(_Struct, frozen=True, gc=False):
    cvss: CvssV3 = msgspec.field(name="cvssV2")
    severity: str = ""


class Impact11(_Struct, frozen=True, gc=False):
    v3: BaseMetricV3 | None = msgspec.field(default=None, name="baseMetricV3")
    v2: BaseMetricV2 | None = msgspec.field(default=None, name="baseMetricV2")


class Cve11Item(_Struct, frozen=True, gc=False):
    cve: Cve11
    published: str = msgspec.field(name="publishedDate")
    last_modified: str = msgspec.field(name="lastModifiedDate")
    configurations: Configurations11 = msgspec.field(default_factory=Configurations11)
    impact: Impact11 = msgspec.field(default_factory=Impact11)


# --- the file as a whole -------------------------------------------------------------------------------

class Envelope(_Struct, frozen=True, gc=False):
    """Any of the three shapes: an API 2.0 response or year file, a 1.1 feed, or one bare 2.0 `cve` object."""

    vulnerabilities: list[Item20] | None = None
    cve_items: list[Cve11Item] | None = msgspec.field(default=None, name="CVE_Items")
    timestamp: str | None = None
    feed_timestamp: str | None = msgspec.field(default=None, name="CVE_data_timestamp")
    id: str | None = None
