"""What the catalogue holds, per source: for the Feeds page, `mamori feeds status` and the API."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from mamori.vulns.choices import FeedKind
from mamori.vulns.models import CsafAdvisory, CveEnrichment, EpssScore, FeedImport, JvnEntry, KevEntry, Vulnerability


def catalogue_state() -> list[dict[str, Any]]:
    """Per source: how many records are held and when the newest import of it was."""
    last = dict(FeedImport.objects.values("kind").annotate(at=Max("imported_at")).values_list("kind", "at"))
    counts = {FeedKind.NVD: Vulnerability.objects.filter(in_nvd=True).count(), FeedKind.JVN: JvnEntry.objects.count(),
              FeedKind.KEV: KevEntry.objects.count(), FeedKind.EPSS: EpssScore.objects.count(),
              FeedKind.CSAF: CsafAdvisory.objects.count(), FeedKind.CVE5: CveEnrichment.objects.count()}
    epss_date = EpssScore.objects.aggregate(d=Max("score_date"))["d"]
    kev_version = KevEntry.objects.order_by("-first_seen").values_list("catalog_version", flat=True).first()
    notes = {FeedKind.EPSS: epss_date.isoformat() if epss_date else "", FeedKind.KEV: kev_version or ""}
    return [{"kind": kind, "label": kind.label, "count": counts[kind], "last": last.get(kind),
             "note": notes.get(kind, "")} for kind in FeedKind]
