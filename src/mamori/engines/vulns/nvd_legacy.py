"""The retired NVD JSON 1.1 feed (`nvdcve-1.1-YYYY.json.gz`) as the same records as API 2.0.

Old offline dumps in hospitals may still be in this shape. The conversion is the one NVD describes:
`cpe23Uri` is 2.0's `criteria`; a top-level node with `children` is a 2.0 configuration whose nodes
are the children (the "firmware AND hardware" pattern); a top-level node with `cpe_match` is a
configuration of that one node. Scores and CWEs in 1.1 are NVD's own (source `nvd@nist.gov`).
"""

from __future__ import annotations

from mamori.engines.vulns import nvd_schema as schema
from mamori.engines.vulns.converter import RecordConverter, english
from mamori.engines.vulns.records import (
    ConfigNode,
    Configuration,
    CpeMatch,
    CveRecord,
    CvssScore,
    Reference,
    Weakness,
)

__all__ = ["convert_item11"]

NVD_SOURCE = "nvd@nist.gov"


def _matches(entries: list[schema.CpeMatch11], where: str, conv: RecordConverter) -> tuple[CpeMatch, ...]:
    found = []
    for index, m in enumerate(entries):
        entry = conv.match(m.cpe23_uri, m.vulnerable, (
            m.version_start_including, m.version_start_excluding, m.version_end_including,
            m.version_end_excluding), "", f"{where}.cpe_match[{index}].cpe23Uri")
        if entry is not None:
            found.append(entry)
    return tuple(found)


def _configurations(nodes: list[schema.Node11], where: str, conv: RecordConverter) -> tuple[Configuration, ...]:
    configurations = []
    for index, node in enumerate(nodes):
        n_where = f"{where}.nodes[{index}]"
        operator = conv.operator(node.operator, f"{n_where}.operator")
        if node.children:
            if node.cpe_match:
                conv.problem(n_where, "a node with both children and cpe_match has no API 2.0 equivalent",
                             "feed_unsupported_node", "")
            children = []
            for c_index, child in enumerate(node.children):
                c_where = f"{n_where}.children[{c_index}]"
                if child.children:
                    conv.problem(c_where, "nodes nested deeper than two levels have no API 2.0 equivalent",
                                 "feed_unsupported_node", "")
                children.append(ConfigNode(conv.operator(child.operator, f"{c_where}.operator"), child.negate,
                                           _matches(child.cpe_match, c_where, conv)))
            configurations.append(Configuration(operator, node.negate, tuple(children)))
        elif node.cpe_match:
            only = ConfigNode(operator, node.negate, _matches(node.cpe_match, n_where, conv))
            configurations.append(Configuration("OR", False, (only,)))
    return tuple(configurations)


def _scores(impact: schema.Impact11) -> tuple[CvssScore, ...]:
    found = []
    if impact.v3 is not None:
        v3 = impact.v3.cvss
        found.append(CvssScore(v3.version, NVD_SOURCE, "Primary", v3.vector_string, v3.base_score, v3.base_severity))
    if impact.v2 is not None:
        v2 = impact.v2.cvss
        found.append(CvssScore(v2.version, NVD_SOURCE, "Primary", v2.vector_string, v2.base_score,
                               impact.v2.severity))
    return tuple(found)


def convert_item11(item: schema.Cve11Item, where: str, conv: RecordConverter) -> CveRecord:
    """One `CVE_Items[]` entry as a record (problems go to `conv`)."""
    cve = item.cve
    return CveRecord(
        cve_id=conv.cve_id(cve.meta.id, f"{where}.cve.CVE_data_meta.ID"),
        published=conv.time(item.published, f"{where}.publishedDate"),
        last_modified=conv.time(item.last_modified, f"{where}.lastModifiedDate"),
        status="",
        description=english(cve.description.description_data),
        cvss=_scores(item.impact),
        weaknesses=tuple(Weakness(d.value, NVD_SOURCE, "Primary")
                         for p in cve.problemtype.problemtype_data for d in p.description),
        references=tuple(Reference(r.url, r.refsource, tuple(r.tags)) for r in cve.references.reference_data),
        configurations=_configurations(item.configurations.nodes, f"{where}.configurations", conv),
    )
