"""The demo hospital opens with one case: the VPN intrusion, in containment, with the EHR server's ransomware
alerts waiting as related alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from mamori.demo.loader import load_demo
from mamori.incidents.models import Incident
from mamori.incidents.services import related_alerts
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_demo_case_holds_the_vpn_alert_and_points_at_the_ehr_server_s_alerts() -> None:
    load_demo(assets_target=300)
    incident = Incident.objects.get()
    assert (incident.number, incident.category, incident.phase) == ("IR-2026-001", "vpn_compromise", "containment")
    [link] = incident.alert_links.select_related("alert")
    assert link.alert.rule_title.startswith("FortiGate SSL-VPN Brute Force") and link.alert.status == "escalated"
    assert incident.detected_at == link.alert.first_seen
    assert {a.key for a in incident.assets.all()} == {"VPN-00001", "SV-90008"}
    entries = list(incident.entries.all())
    # the story is told on the demo's own day, not at the moment the demo was loaded
    assert all(incident.detected_at <= e.occurred_at <= incident.detected_at + dt.timedelta(hours=12)
               for e in entries), [(e.kind, e.occurred_at) for e in entries]
    assert [e.kind for e in entries][-1] == "phase" and entries[-1].phase == "containment"
    assert {e.kind for e in entries} == {"alert", "note", "contact", "action", "phase"}
    assert all(e.recorded_by for e in entries)
    related = {a.rule_title for a in related_alerts(incident, factories.user("it_staff", incident.facility))}
    assert "Ransomware Attack Chain on One Host (Mamori)" in related
    assert "Shadow Copy or Backup Catalogue Deletion (Mamori)" in related
