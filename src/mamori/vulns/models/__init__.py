"""Models of vulnerability intelligence: the catalogue (per source), findings, and runs."""

from mamori.vulns.models.catalogue import (
    CsafAdvisory,
    CsafCve,
    CveEnrichment,
    EpssScore,
    JvnCve,
    JvnEntry,
    KevEntry,
    Vulnerability,
)
from mamori.vulns.models.findings import MATCHER_FIELDS, Finding, FindingDetail
from mamori.vulns.models.runs import (
    AssetMatchState,
    CveMatchState,
    FeedImport,
    MatchRun,
    ScheduledJob,
    WeeklyReport,
)

__all__ = ["MATCHER_FIELDS", "AssetMatchState", "CsafAdvisory", "CsafCve", "CveEnrichment", "CveMatchState",
           "EpssScore", "FeedImport", "Finding", "FindingDetail", "JvnCve", "JvnEntry", "KevEntry", "MatchRun",
           "ScheduledJob", "Vulnerability", "WeeklyReport"]
