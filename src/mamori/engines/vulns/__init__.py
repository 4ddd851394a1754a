"""Vulnerability matching, framework-free: feeds to plain records, records to an index, assets to hits.

    feed = read_nvd_file("nvdcve-2.0-2024.json.gz")   # all or nothing; FeedError says file and place
    index = VulnIndex()
    index.add_all(feed.records)                        # per record: new / changed / unchanged / stale
    hits = index.match(Asset("FG-01", cpes=("cpe:2.3:o:fortinet:fortios:6.0.4:*:*:*:*:*:*:*",)))

Each hit is `exact` or `possible` (要確認: the data cannot settle it; the evidence says why). Modules:
versions (comparing firmware versions), cpe (CPE names and NISTIR 7696), feedfiles (plain/gz/xz/zip),
nvd / nvd_legacy / nvd_schema (NVD API 2.0 and 1.1 JSON), records (the plain records), inventory
(assets), matching (one criteria against one asset CPE), configurations (AND/OR/negate, "running
on"), results (hits, evidence, reasons), index (many records, many assets).
"""

from mamori.engines.vulns.cpe import ANY, NA, Cpe, normalize_name, parse_cpe
from mamori.engines.vulns.errors import AssetError, CpeError, FeedError, VulnsError
from mamori.engines.vulns.index import HIT_ORDER, IndexChange, VulnIndex
from mamori.engines.vulns.inventory import Asset, SoftwareEntry
from mamori.engines.vulns.matching import Judgement, judge
from mamori.engines.vulns.nvd import NvdFeed, parse_nvd_json, read_nvd_file
from mamori.engines.vulns.records import CpeMatch, CveRecord
from mamori.engines.vulns.results import REASON_TEXTS, Evidence, Hit, MatchTier, Reason
from mamori.engines.vulns.versions import VersionOrder, VersionRange, compare_versions, normalize_version

__all__ = [
    "ANY",
    "HIT_ORDER",
    "NA",
    "REASON_TEXTS",
    "Asset",
    "AssetError",
    "Cpe",
    "CpeError",
    "CpeMatch",
    "CveRecord",
    "Evidence",
    "FeedError",
    "Hit",
    "IndexChange",
    "Judgement",
    "MatchTier",
    "NvdFeed",
    "Reason",
    "SoftwareEntry",
    "VersionOrder",
    "VersionRange",
    "VulnIndex",
    "VulnsError",
    "compare_versions",
    "judge",
    "normalize_name",
    "normalize_version",
    "parse_cpe",
    "parse_nvd_json",
    "read_nvd_file",
]
