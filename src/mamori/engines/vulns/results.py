"""What matching gives back: hits (asset × CVE) with their tier and evidence, and reasons in words.

A reason is a code with named values, so the application can show it in Japanese through gettext
(`_("version {version} is within {bounds}").format(...)`) and still store the code; `Reason.text` gives
the English sentence. Text is only built when asked for: a full inventory produces millions of reasons.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

import msgspec

from mamori.engines.vulns.versions import VersionRange

__all__ = ["REASON_TEXTS", "Evidence", "Hit", "Level", "MatchTier", "Reason"]

REASON_TEXTS: dict[str, str] = {
    # exact
    "in_range": "version {version} is within {bounds}",
    "all_versions": "the record covers every version of the product",
    "version_equal": "version {version} is named by the record",
    "update_equal": "version {version} update {update} is named by the record",
    "update_in_version": "version {version} is version {record_version} update {record_update}, which the record names",
    "version_in_update": "version {version} update {update} is the version {record_version} the record names",
    "no_version": "the product has no version, as the record says",
    "running_on": "running on {asset_cpe} (the record's platform {criteria})",
    # possible (要確認)
    "version_unknown": "the asset's version is not recorded; the record covers {wanted}",
    "bound_incomparable": "version {version} cannot be compared with the bound {bound} of {bounds}",
    "version_incomparable": "version {version} cannot be compared with the record's version {record_version}",
    "record_without_version": "the record names the product without a version ('-'); the asset has version {version}",
    "record_less_specific": ("the record names {record_version} only; the asset's {version} is a build or update of it "
                             "that the record does not tell apart"),
    "update_unknown": "the record names update {record_update}; the asset's update is not recorded",
    "update_incomparable": "update {update} cannot be compared with the record's update {record_update}",
    "attribute_unknown": "the record requires {attribute} {value}; the asset's {attribute} is not recorded",
    "attribute_incomparable": "{attribute} {asset_value} cannot be compared with the record's {value}",
    "platform_unknown": ("the record's vulnerable configuration runs on {platforms}; the asset has no {kind} CPE "
                         "recorded, so record it to confirm"),
    "configuration_possible": "another part of the record's configuration could not be confirmed",
    "source_unconfirmed": ("{source} names the product but not comparable versions, and NVD has no data for this "
                           "CVE: confirm the version with the vendor"),
}


class MatchTier(StrEnum):
    """How sure a hit is: `exact`, or `possible` (shown as 要確認; a person confirms or suppresses it).

    "exact" sorts before "possible".
    """

    EXACT = "exact"
    POSSIBLE = "possible"


class Level(IntEnum):
    """Three-valued logic for configurations: NO < POSSIBLE < EXACT (AND takes the minimum, OR the maximum)."""

    NO = 0
    POSSIBLE = 1
    EXACT = 2


class Reason(msgspec.Struct, frozen=True, gc=False):
    """One reason: a code from REASON_TEXTS and the values of its placeholders."""

    code: str
    args: tuple[tuple[str, object], ...] = ()

    @property
    def text(self) -> str:
        """The reason as an English sentence."""
        return REASON_TEXTS[self.code].format(**dict(self.args))


class Evidence(msgspec.Struct, frozen=True, gc=False):
    """Why an asset was matched to a CVE: which criteria, which bounds, which asset CPE, in which record.

    `reason_code` is the reason that decided the tier (for a possible hit: what needs confirming);
    `reasons` are all of them, in order.
    """

    source: str
    criteria: str
    match_criteria_id: str
    bounds: VersionRange | None
    record_last_modified: datetime
    asset_cpe: str
    tier: MatchTier
    reason_code: str
    reasons: tuple[Reason, ...]
    configuration: int  # index of the record's configuration that matched
    platform: str = ""  # the asset CPE that satisfied a "running on" condition, if any

    @property
    def reason(self) -> str:
        """All reasons as English text."""
        return "; ".join(r.text for r in self.reasons)


class Hit(msgspec.Struct, frozen=True, gc=False):
    """A CVE that affects (exact) or may affect (possible) an asset, with every piece of evidence.

    Identical assets share the same Hit objects; `VulnIndex.match_all` pairs them with their asset.
    """

    cve_id: str
    tier: MatchTier
    evidence: tuple[Evidence, ...]
