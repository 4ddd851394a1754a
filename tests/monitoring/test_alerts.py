"""Alerts: exclusions with reason and expiry, the level raise for critical hosts from the ledger, the workflow."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from mamori.backups.models import BackupJob
from mamori.engines.logs.hits import Hit
from mamori.monitoring.alerts import record_hits
from mamori.monitoring.ingest import import_file
from mamori.monitoring.ledger_context import critical_hosts, network_map, reason_label
from mamori.monitoring.models import Alert, RuleExclusion
from tests import factories
from tests.monitoring.helpers import T0, shadow_copy_deletion, site, write

pytestmark = pytest.mark.django_db


def _hit(host: str, **fields: object) -> Hit:
    values: dict[str, object] = {"kind": "rule", "rule_id": "r-1", "title": "Test rule", "level": "medium",
                                 "time": T0, "host": host, "author": "Someone", "event": {"ServiceName": "Veeam"}}
    values.update(fields)
    return Hit(**values)  # type: ignore[arg-type]


def test_the_ledger_names_domain_controllers_ehr_and_backup_servers() -> None:
    s = site()
    backup = factories.asset(s.facility, name="ファイルサーバ", hostname="bk01.hosp.local")
    BackupJob.objects.create(facility=s.facility, code="J1", name="EHR", system=s.ehr, backup_host=backup,
                             tool="other", schedule="毎日", rpo_hours=24)
    terminal = factories.asset(s.facility, category="terminal", name="電子カルテ端末", hostname="pc001")
    found = critical_hosts(s.facility)
    assert found["dc01"].startswith("dc|") and found["10.1.0.10"].startswith("dc|")
    assert found["ehr-ap1.hosp.local"].startswith("ehr|")
    assert found["bk01"].startswith("backup|")
    assert terminal.hostname not in found  # a terminal is not a critical server, whatever its name


def test_an_alert_on_a_domain_controller_is_raised_one_level_with_the_reason() -> None:
    s = site()
    network = network_map(s.facility)
    out = record_hits(None, [_hit("DC01.hosp.local"), _hit("pc123", rule_id="r-2")], facility=s.facility,
                      network=network)
    dc, pc = sorted(out.alerts, key=lambda a: a.rule_id)
    assert (dc.rule_level, dc.level) == ("medium", "high") and dc.level_reason.startswith("dc|")
    assert "ドメインコントローラ1" in reason_label(dc.level_reason)
    assert (pc.level, pc.level_reason) == ("medium", "")


def test_an_exclusion_in_force_suppresses_and_counts_an_expired_one_does_not() -> None:
    s = site()
    network = network_map(s.facility)
    RuleExclusion.objects.create(facility=s.facility, rule_id="r-1", host="backup01", field="ServiceName",
                                 value="veeam", reason="Veeam のエージェント導入（保守依頼 #123）",
                                 expires=timezone.localdate() + dt.timedelta(days=30))
    RuleExclusion.objects.create(facility=s.facility, rule_id="r-3", reason="old", expires=timezone.localdate()
                                 - dt.timedelta(days=1))
    out = record_hits(None, [_hit("BACKUP01.hosp.local"), _hit("other-host"), _hit("backup01", event={}),
                             _hit("x", rule_id="r-3")], facility=s.facility, network=network)
    assert out.suppressed == 1
    assert sorted((a.rule_id, a.host) for a in out.alerts) == [("r-1", "backup01"), ("r-1", "other-host"),
                                                                ("r-3", "x")]
    assert RuleExclusion.objects.get(rule_id="r-1").suppressed == 1


def test_an_exclusion_needs_a_reason_and_an_expiry_within_a_year() -> None:
    from mamori.monitoring.forms import RuleExclusionForm

    s = site()
    manager = factories.user("security_manager", s.facility)
    base = {"facility": s.facility.pk, "rule_id": "r-1", "reason": "", "expires": timezone.localdate()}
    form = RuleExclusionForm(base, acting_user=manager)
    assert not form.is_valid() and "reason" in form.errors
    far = {**base, "reason": "保守作業のため", "expires": timezone.localdate() + dt.timedelta(days=400)}
    form = RuleExclusionForm(far, acting_user=manager)
    assert not form.is_valid() and "expires" in form.errors
    ok = {**base, "reason": "保守作業のため", "expires": timezone.localdate() + dt.timedelta(days=30)}
    form = RuleExclusionForm(ok, acting_user=manager)
    assert form.is_valid(), form.errors
    assert form.save().created_by == manager.get_username()


def test_an_import_after_an_exclusion_gives_no_alert(tmp_path: Path) -> None:
    s = site()
    import_file(s.source, write(tmp_path / "a.jsonl", shadow_copy_deletion()), file_name="a.jsonl")
    alert = Alert.objects.get(facility=s.facility, rule_title__icontains="shadow")
    alert.status = "false_positive"
    alert.save()
    RuleExclusion.objects.create(facility=s.facility, rule_id=alert.rule_id, host="ehr-ap1", reason="検証環境の再構築",
                                 expires=timezone.localdate() + dt.timedelta(days=7))
    import_file(s.source, write(tmp_path / "b.jsonl", shadow_copy_deletion(at=T0 + dt.timedelta(days=1))),
                file_name="b.jsonl")
    assert Alert.objects.filter(facility=s.facility, rule_id=alert.rule_id).count() == 1
    assert RuleExclusion.objects.get().suppressed == 1
