"""Ledger use cases shared by the UI, the API and the CLI."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Avg, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mamori.accounts.choices import Role
from mamori.engines import completeness
from mamori.ledger.choices import AssetCategory, DiscoveryFindingKind, MfaStatus
from mamori.ledger.models import MFA_REFERENCE_DATE, Asset, DiscoveryFinding, DiscoveryRun, RemoteAccessPath, Vendor
from mamori.web.todos import Todo

AV_DEFINITIONS_MAX_AGE = dt.timedelta(days=7)
AV_PROTECTED = (AssetCategory.SERVER, AssetCategory.TERMINAL)
EXAMPLES = 5


def _summary_scope(model: Any, user: Any) -> Any:
    """Executives see counts (never the objects) of their facility; everyone else what they may view."""
    if getattr(user, "role", None) == Role.EXECUTIVE and user.is_active:
        qs = model.objects.all()
        return qs.filter(facility_id=user.facility_id) if user.facility_id else qs
    return model.objects.restrict(user, "view")


def visible_assets(user: Any) -> QuerySet[Asset]:
    return _summary_scope(Asset, user)  # type: ignore[no-any-return]


def visible_paths(user: Any) -> QuerySet[RemoteAccessPath]:
    return _summary_scope(RemoteAccessPath, user)  # type: ignore[no-any-return]


def _todo(severity: str, title: str, reason: str, qs: QuerySet[Any], link: str, item: str = "") -> Todo | None:
    count = qs.count()
    if not count:
        return None
    return Todo(severity, title, reason, count, link, tuple(qs[:EXAMPLES]), item)


def _without_examples(todos: list[Todo]) -> list[Todo]:
    return [Todo(t.severity, t.title, t.reason, t.count, "", (), t.checklist_item) for t in todos]


def completeness_breakdown(assets: QuerySet[Asset]) -> dict[str, int]:
    """How many assets miss each expected field (engines.completeness keys), commonest first."""
    counts: Counter[str] = Counter()
    for missing in assets.filter(completeness__lt=100).values_list("missing_fields", flat=True):
        counts.update(missing)
    return dict(counts.most_common())


def _most_missing(assets: QuerySet[Asset]) -> str:
    index = 0 if get_language() == "ja" else 1
    top = list(completeness_breakdown(assets).items())[:3]
    return "、".join(f"{completeness.FIELDS[key][index]} ({count})" for key, count in top) or "—"


def _discovery_todos(user: Any) -> list[Todo | None]:
    """From each facility's newest scan: unknown hosts on the wire and services that should not be open."""
    runs = _summary_scope(DiscoveryRun, user).order_by("facility_id", "-created")
    latest: dict[int, int] = {}
    for run in runs.only("pk", "facility_id"):
        latest.setdefault(run.facility_id, run.pk)
    findings = DiscoveryFinding.objects.filter(run_id__in=latest.values()).select_related("run")
    link = reverse("ledger:discovery_list")
    return [
        _todo("high", _("Devices on the network that are not in the ledger"),
              _("The newest nmap scan found hosts nobody registered: the \"isolated network\" that is actually "
                "connected (福島県立医科大学附属病院 case). Register them or remove them."),
              findings.filter(kind=DiscoveryFindingKind.UNREGISTERED, registered_as__isnull=True), link, "2-①"),
        _todo("high", _("Services exposed where they should not be"),
              _("RDP, SMB, VNC, telnet, remote-control tools or VPN portals answer on maintenance or "
                "medical-device segments in the newest scan."),
              findings.filter(kind=DiscoveryFindingKind.EXPOSED), link, "2-⑬"),
    ]


def ledger_todos(user: Any, today: dt.date | None = None) -> list[Todo]:
    """This week's ledger to-dos, each with the rule that raised it."""
    today = today or timezone.localdate()
    paths = visible_paths(user).select_related("vendor")
    assets = visible_assets(user)
    path_list = reverse("ledger:remotepath_list")
    asset_list = reverse("ledger:asset_list")
    candidates = [
        _todo("critical", _("Remote-maintenance paths without source-IP restriction"),
              _("Anyone on the internet who has the credentials can connect (the 岡山県精神科医療センター case)."),
              paths.filter(source_ip_restricted=False), f"{path_list}?source_ip_restricted=false", "2-⑬"),
        _todo("high", _("Remote-maintenance paths whose appliance is not in the ledger"),
              _("An appliance nobody registered is not patched or watched (the 武蔵小杉病院 case)."),
              paths.filter(appliance__isnull=True), f"{path_list}?appliance_missing=true", "2-①"),
        _todo("high", _("Remote-maintenance paths without two-factor authentication"),
              _("A leaked password alone opens the path (CVE-2018-13379 leaked VPN passwords)."),
              paths.filter(mfa=False), f"{path_list}?mfa=false", "2-⑩"),
        _todo("high", _("Servers and PCs without antivirus"),
              _("Antivirus was removed or never installed on e-chart servers in the 半田病院 and 大阪 cases."),
              assets.filter(category__in=AV_PROTECTED, in_use=True, av_installed=False),
              f"{asset_list}?in_use=true&av_installed=false", "2-⑥"),
        _todo("medium", _("Antivirus definitions older than 7 days"),
              _("Definitions must be current (checklist 2-⑥)."),
              assets.filter(category__in=AV_PROTECTED, in_use=True, av_installed=True,
                            av_definitions_date__lt=today - AV_DEFINITIONS_MAX_AGE),
              f"{asset_list}?in_use=true", "2-⑥"),
        _todo("high", _("Assets in use past their end of support"),
              _("No more security updates from the manufacturer."),
              assets.filter(in_use=True, end_of_support__lt=today), f"{asset_list}?in_use=true&support_ended=true",
              "2-⑥"),
        _todo("medium", _("Systems without two-factor authentication renewed after 令和9年4月1日"),
              _("GL 7.0 expects two-factor authentication by {date} or at the next renewal.").format(
                  date=MFA_REFERENCE_DATE.isoformat()),
              assets.filter(mfa=MfaStatus.NO, renewal_year__gt=MFA_REFERENCE_DATE.year),
              f"{asset_list}?mfa=no", "2-⑩"),
        _todo("medium", _("Ledger entries missing fields the checklist expects"),
              _("The checklist manual expects 所在 and 使用可否 for every device, plus OS and version, IP address, "
                "what identifies it for vulnerability matching and the antivirus state. Most often missing: "
                "{fields}.").format(fields=_most_missing(assets)),
              assets.filter(completeness__lt=100), f"{asset_list}?incomplete=true", "2-①"),
    ]
    candidates.append(_todo(
        "medium", _("Vendors that have not provided an MDS/SDS"),
        _("Ask each vendor for its 製造業者/サービス事業者による医療情報セキュリティ開示書 (checklist 2-③)."),
        _summary_scope(Vendor, user).filter(disclosures__isnull=True).order_by("name"),
        reverse("ledger:vendor_list"), "2-③"))
    candidates.extend(_discovery_todos(user))
    todos = [todo for todo in candidates if todo is not None]
    if getattr(user, "role", None) == Role.EXECUTIVE:
        return _without_examples(todos)
    return todos


def ledger_summary(user: Any) -> dict[str, int]:
    """Counts for the home page header."""
    assets = visible_assets(user)
    average = assets.aggregate(avg=Avg("completeness"))["avg"]
    return {
        "completeness": round(average) if average is not None else 0,
        "assets": assets.count(),
        "vpn_appliances": assets.filter(category=AssetCategory.VPN).count(),
        "internet_exposed": assets.filter(internet_exposed=True).count(),
        "remote_paths": visible_paths(user).count(),
    }


class BulkEditError(Exception):
    """A bulk edit that cannot be applied as a whole; nothing was changed."""


@transaction.atomic
def bulk_edit_assets(user: Any, pks: list[int], changes: dict[str, Any]) -> int:
    """Apply the same changes to every selected asset the user may change: all or nothing, each audited."""
    if not changes:
        raise BulkEditError(_("Choose at least one field to change."))
    assets = list(Asset.objects.restrict(user, "change").filter(pk__in=pks).select_related("facility"))
    if len(assets) != len(set(pks)):
        raise BulkEditError(_("Some selected assets do not exist or may not be changed by you; nothing was changed."))
    for related in ("segment", "department", "vendor"):
        target = changes.get(related)
        if target is not None and any(a.facility_id != target.facility_id for a in assets):
            raise BulkEditError(_("{field} belongs to another facility than some selected assets.").format(
                field=target))
    for asset in assets:
        for name, value in changes.items():
            setattr(asset, name, value)
        asset.save()
    return len(assets)
