"""Findings' evidence as stored and shown: the engines' results (NVD hits, CSAF name matches) as plain rows."""

from __future__ import annotations

from typing import Any

from mamori.engines.vulns import Evidence, Hit
from mamori.engines.vulns.csaf_match import NameMatch
from mamori.vulns.choices import MatchTier
from mamori.vulns.priorities import plain

__all__ = ["evidence_rows", "name_tier"]


def _reasons(reasons: Any) -> list[dict[str, Any]]:
    return [{"code": r.code, "args": {k: plain(v) for k, v in r.args}} for r in reasons]


def _nvd_evidence(e: Evidence) -> dict[str, Any]:
    return {"source": e.source, "tier": str(e.tier), "criteria": e.criteria, "match_criteria_id": e.match_criteria_id,
            "bounds": str(e.bounds) if e.bounds else "", "asset_cpe": e.asset_cpe, "platform": e.platform,
            "reason_code": e.reason_code, "reasons": _reasons(e.reasons), "configuration": e.configuration,
            "record_last_modified": e.record_last_modified.isoformat()}


def name_tier(m: NameMatch, publisher: str) -> MatchTier:
    """A vendor's own advisory listing the exact version is as good as a CPE match; everything else is 要確認."""
    own = m.name_exact and publisher and m.vendor.lower() in publisher.lower()
    return MatchTier.EXACT if own and m.version_verdict == "equal" else MatchTier.NAME


def _csaf_evidence(m: NameMatch, tier: MatchTier) -> dict[str, Any]:
    return {"source": "CSAF", "tier": str(tier), "advisory": m.tracking_id, "product_id": m.product_id,
            "vendor": m.vendor, "product": m.product, "version_text": m.version_text,
            "matched_name": m.matched_name, "matched_version": m.matched_version,
            "reason_code": m.version_verdict, "reasons": _reasons(m.reasons),
            "record_last_modified": m.advisory_last_modified.isoformat()}


def evidence_rows(parts: list[Hit | NameMatch], publishers: dict[str, str]) -> list[dict[str, Any]]:
    """The evidence of a detection as stored and shown: every NVD criteria and every CSAF product that matched."""
    rows: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, NameMatch):
            rows.append(_csaf_evidence(part, name_tier(part, publishers.get(part.tracking_id, ""))))
        else:
            rows.extend(_nvd_evidence(e) for e in part.evidence)
    return rows
