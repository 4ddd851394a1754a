"""Template helpers of the vulnerability pages: reasons in words, priority badges."""

from __future__ import annotations

from typing import Any

from django import template

from mamori.vulns.texts import reason_text, reasons_text

register = template.Library()


@register.filter
def reason(row: dict[str, Any] | None) -> str:
    """A stored reason ({"code", "args"}) as a sentence in the active language."""
    if not row:
        return ""
    return reason_text(row.get("code", ""), row.get("args"))


@register.filter
def reasons(rows: list[dict[str, Any]] | None) -> list[str]:
    return reasons_text(rows)


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@register.filter
def get_item(mapping: dict[str, Any] | None, key: str) -> Any:
    """`mapping[key]`, or None (templates cannot index a dict with a variable)."""
    return (mapping or {}).get(key)


@register.inclusion_tag("vulns/_asset_findings.html", takes_context=True)
def asset_findings(context: dict[str, Any], asset: Any) -> dict[str, Any]:
    """The asset's vulnerabilities, for its ledger page (nothing for roles that may not see findings)."""
    from mamori.accounts.policy import allows
    from mamori.vulns.models import Finding

    user = context["request"].user
    if not allows(user, Finding, "view"):
        return {"shown": False}
    findings = Finding.objects.restrict(user, "view").filter(asset=asset).select_related("vulnerability") \
        .order_by("-detected", "-priority_score")
    return {"shown": True, "findings": list(findings[:200]), "asset": asset}
