"""The reasons a CSAF name match gives, and the judgement of a device version against an advisory's versions.

Reasons are codes with named values (`results.Reason`); the codes below are the name matcher's own, the
version ones (`in_range`, `all_versions`, `version_equal`, `version_unknown`, `bound_incomparable`,
`version_incomparable`) are those of `results.REASON_TEXTS`, with the same meaning. Versions are compared
only through `versions.py`.
"""

from __future__ import annotations

from mamori.engines.vulns.csaf_versions import CsafVersionSpec
from mamori.engines.vulns.results import REASON_TEXTS, Reason
from mamori.engines.vulns.versions import normalize_version

__all__ = ["NAME_REASON_TEXTS", "judge_version", "reason_text"]

NAME_REASON_TEXTS: dict[str, str] = {
    "csaf_vendor_alias": "the manufacturer {vendor} is the advisory's vendor {advisory_vendor}",
    "csaf_name_equal": "{name} is the advisory's product {product}",
    "csaf_name_contains": "{name} contains the advisory's product name {product}; confirm it is that product",
    "csaf_model_match": ("{name} has the advisory's model {models} but not all of its product name {product}; "
                         "confirm it is that product"),
    "csaf_model_in_range": "model {model} is within the advisory's models {models}",
    "csaf_version_unreadable": ("the advisory's version {version_text} cannot be read as versions; confirm "
                                "version {version} with the vendor"),
    "csaf_condition": "the advisory also says {condition}; confirm this applies to the device",
    "csaf_platform": "the advisory names the product {relation} {platform}; confirm the device runs on it",
    "csaf_excluded": "the advisory excludes {excluded}; confirm the device is not one of them",
    "csaf_versions_listed": "the advisory lists {count} affected versions of {product}: {versions}",
    "csaf_under_investigation": "the vendor is still investigating whether {product} is affected",
    "csaf_name_match": ("matched by vendor and product name against advisory {tracking_id}, not by CPE: "
                        "a person must confirm it"),
}


def reason_text(reason: Reason) -> str:
    """A reason as English text, whether its code is one of `results.REASON_TEXTS` or of `NAME_REASON_TEXTS`."""
    template = NAME_REASON_TEXTS.get(reason.code) or REASON_TEXTS[reason.code]
    return template.format(**dict(reason.args))


def judge_version(spec: CsafVersionSpec, version: str, vendor: str) -> tuple[str, tuple[Reason, ...]] | None:
    """A device version against an advisory product's versions: the verdict (one of `VERDICTS` in csaf_match)
    with its reasons, or None when the version is outside every range. `vendor` picks the vendor's version
    normaliser ("fortinet" drops FortiOS build numbers)."""
    if spec.kind == "all":
        return "all_versions", (Reason("all_versions"),)
    value = normalize_version(version, vendor) if version.strip() else ""
    if not value:
        return "version_unknown", (Reason("version_unknown", (("wanted", spec.raw or "no version"),)),)
    if spec.kind == "unknown":
        return "incomparable", (Reason("csaf_version_unreadable", (("version_text", spec.raw),
                                                                    ("version", version))),)
    unknown: Reason | None = None
    for bounds in spec.ranges:
        check = bounds.check(value)
        point = bounds.start_including is not None and bounds.start_including == bounds.end_including
        if check.verdict == "inside":
            if point:
                return "equal", (Reason("version_equal", (("version", version),)),)
            return "in_range", (Reason("in_range", (("version", version), ("bounds", str(bounds)))),)
        if check.verdict == "unknown" and unknown is None:
            unknown = (Reason("version_incomparable", (("version", version), ("record_version", check.bound)))
                       if point else Reason("bound_incomparable", (("version", version), ("bound", check.bound),
                                                                    ("bounds", str(bounds)))))
    return ("incomparable", (unknown,)) if unknown is not None else None
