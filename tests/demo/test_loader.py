"""Loading the demo hospital: everything lands, once, in one audit entry, and the home page has work."""

from __future__ import annotations

import pytest
from django.utils import translation

from mamori.audit.models import AuditEntry
from mamori.audit.services import verify
from mamori.demo.loader import demo_loaded, load_demo
from mamori.ledger.models import Asset, RemoteAccessPath
from mamori.ledger.services import ledger_todos
from mamori.monitoring.models import Alert
from mamori.tenancy.models import StaffMember
from tests import factories

pytestmark = pytest.mark.django_db


def test_demo_loads_completely_with_one_audit_entry() -> None:
    assert not demo_loaded()
    result = load_demo(assets_target=400)
    assert demo_loaded()
    assert Asset.objects.count() == result.counts["assets"] == 400
    assert StaffMember.objects.count() == result.counts["staff"]
    path = RemoteAccessPath.objects.get(code="RP-01")
    assert path.appliance is not None and path.appliance.os_version == "6.0.4" and path.targets.count() == 4
    assert RemoteAccessPath.objects.get(code="RP-03").appliance is None
    # the facility's own entry, the discovery scan, one per demo feed import (NVD, JVN, KEV, EPSS, CVE JSON 5,
    # the CSAF folder), the match run, its report, the three backup jobs with their six copies, three drills and
    # three verifications, the checklist (its 13 answers given, two evidence files, two vendor forms sent) and
    # one entry for the load, and the five log sources, four file imports and the alerts they raised: not a
    # thousand per-row entries (events are in the Parquet store, not the audit trail); and the demo incident: the
    # case, its alert link and six timeline entries created, its two assets set, the alert marked escalated, the
    # case's phase moved
    assert sorted(AuditEntry.objects.values_list("action", flat=True)) == sorted([
        "create", "create", "demo_loaded", "discovery_import", *["feed_import"] * 6, "vulns_match",
        "vulns_weekly_report", *["create"] * 12, *["backup_verified"] * 3,
        *["create"] * 3, *["update"] * 2, *["update"] * 13, *["create"] * 2,
            *["create"] * (5 + 4 + Alert.objects.count()), *["create"] * 8, "incident_assets", *["update"] * 2])
    assert verify().ok


def test_demo_gives_the_security_manager_real_todos() -> None:
    load_demo(assets_target=400)
    facility = Asset.objects.first().facility  # type: ignore[union-attr]
    manager = factories.user("security_manager", facility, mfa=True)
    with translation.override("en"):
        todos = {t.title: t for t in ledger_todos(manager)}
    critical = todos["Remote-maintenance paths without source-IP restriction"]
    assert critical.severity == "critical"
    assert {p.code for p in critical.examples} == {"RP-01", "RP-03", "RP-07"}
    assert todos["Remote-maintenance paths whose appliance is not in the ledger"].count == 1
    assert todos["Servers and PCs without antivirus"].count >= 1
