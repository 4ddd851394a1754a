"""The live path: FortiGate syslog over a real TCP socket on 127.0.0.1 → receiver → pipeline → store and alerts."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json

import pytest
from django.test import Client

from mamori.demo.logs import fortigate_line
from mamori.engines.logs.receiver import ReceiverCounters, SyslogReceiver
from mamori.monitoring.ingest import LivePipeline, LiveRoutes, event_store
from mamori.monitoring.models import Alert, LogSource
from tests import factories
from tests.monitoring.helpers import site

pytestmark = pytest.mark.django_db(transaction=True)


def _lines(start: dt.datetime, attacker: str, failures: int, *, tunnel_from: str) -> list[bytes]:
    out = []
    for n in range(failures):
        out.append(fortigate_line(start + dt.timedelta(seconds=10 * n), "0101039426", "vpn", "alert", {
            "logdesc": "SSL VPN login fail", "action": "ssl-login-fail", "tunneltype": "ssl-web", "remip": attacker,
            "user": "admin", "reason": "sslvpn_login_permission_denied", "msg": "SSL user failed to logged in"}))
    up = start + dt.timedelta(seconds=10 * failures + 60)
    out.append(fortigate_line(up, "0101039424", "vpn", "notice", {
        "logdesc": "SSL VPN tunnel up", "action": "tunnel-up", "tunneltype": "ssl-tunnel", "remip": tunnel_from,
        "tunnelip": "10.212.134.200", "user": "ehr-maint", "msg": "SSL tunnel established"}))
    return [line.encode() + b"\n" for line in out]


async def _send(port: int, lines: list[bytes], *, sender: str = "127.0.0.1") -> None:
    """Send over TCP from `sender` (any 127.x address is this machine's loopback)."""
    _reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=(sender, 0))
    writer.write(b"".join(lines))
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def _serve(receiver: SyslogReceiver, lines: list[bytes]) -> ReceiverCounters:
    """Open a TCP port, send `lines` to it, wait until all were received, stop."""
    await receiver.start(tcp_port=0)
    assert receiver.tcp_port
    await _send(receiver.tcp_port, lines)
    deadline = asyncio.get_running_loop().time() + 60
    while receiver.counters.received < len(lines) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    await receiver.stop()
    return receiver.counters


def _run(pipeline: LivePipeline, lines: list[bytes]) -> None:
    """As `mamori logs listen --workers 0` runs: parsed in the event loop, stored and matched by the pipeline."""
    asyncio.run(_serve(SyslogReceiver(pipeline.add), lines))
    pipeline.flush(final=True)


def _run_in_processes(pipeline: LivePipeline, lines: list[bytes]) -> ReceiverCounters:
    """As `mamori logs listen --workers 1` runs: a parsing process parses, tags and matches; the writer stores."""
    async def scenario() -> ReceiverCounters:
        with pipeline.store.writer(pipeline.source.store_name) as writer:
            return await _serve(SyslogReceiver(writer, parse_workers=1, analyser=pipeline.analyser(),
                                               on_analysis=lambda _key, analysis: pipeline.take(analysis)),
                                lines)

    counters = asyncio.run(scenario())
    pipeline.flush(final=True)
    return counters


@pytest.mark.parametrize("in_processes", [False, True], ids=["parsed-in-the-loop", "parsing-processes"])
def test_a_vpn_brute_force_that_succeeds_is_one_critical_alert_from_live_syslog(in_processes: bool) -> None:
    facility = factories.facility()
    source = LogSource.objects.create(facility=facility, code="fgt", name="FortiGate", kind="syslog")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    lines = _lines(start, "203.0.113.77", 40, tunnel_from="203.0.113.77")
    pipeline = LivePipeline(source)
    if in_processes:
        counters = _run_in_processes(pipeline, lines)
        assert counters.stored == len(lines)  # stored by the writer, analysed beside it
        assert pipeline.health.events == len(lines)
    else:
        _run(pipeline, lines)
    assert pipeline.stored == len(lines) == event_store().count(source.store_name)
    source.refresh_from_db()
    assert source.events == len(lines) and source.last_event is not None
    alerts = {a.rule_title: a for a in Alert.objects.filter(facility=facility, kind="correlation")}
    critical = [a for a in alerts.values() if a.level == "critical"]
    assert len(critical) == 1, alerts
    assert critical[0].group.get("remip") == "203.0.113.77" and critical[0].rule_author == "Mamori project"
    burst = [a for a in alerts.values() if a.level == "high"]
    assert len(burst) == 1 and burst[0].count >= 40  # 40 failures: one alert, not 40


def test_failures_from_one_address_and_a_tunnel_from_another_are_not_a_compromise() -> None:
    facility = factories.facility()
    source = LogSource.objects.create(facility=facility, code="fgt", name="FortiGate", kind="syslog")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    _run(LivePipeline(source), _lines(start, "203.0.113.77", 40, tunnel_from="198.51.100.9"))
    levels = sorted(Alert.objects.filter(facility=facility, kind="correlation").values_list("level", flat=True))
    assert levels == ["high"]


def test_the_parsing_processes_tag_the_events_from_the_ledger_before_they_are_stored() -> None:
    s = site(kind="syslog")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    lines = _lines(start, "10.90.3.4", 2, tunnel_from="10.90.3.4")  # the maintenance segment of the ledger
    pipeline = LivePipeline(s.source)
    _run_in_processes(pipeline, lines)
    rows = event_store().query("SELECT src_ip, fields FROM events WHERE source = ?", [s.source.store_name],
                               source=s.source.store_name)
    assert len(rows) == 3 and all(r["src_ip"] == "10.90.3.4" for r in rows)
    assert all(json.loads(r["fields"]).get("SourceZone") == "maintenance" for r in rows)


def test_the_host_timeline_marks_the_live_events_a_correlation_alert_holds(client: Client) -> None:
    from django.urls import reverse

    s = site(kind="syslog")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    pipeline = LivePipeline(s.source)
    _run(pipeline, _lines(start, "203.0.113.77", 12, tunnel_from="203.0.113.77"))
    critical = Alert.objects.get(facility=s.facility, kind="correlation", level="critical")
    factories.login(client, factories.user("it_staff", s.facility))
    html = client.get(reverse("monitoring:host_timeline", args=[critical.host]) + "?days=1").content.decode()
    marked = html.count('<tr class="detected">')
    assert critical.display_title in html and critical.rule_author in html
    assert marked == 13, marked  # the 12 failures and the tunnel: every event the correlation holds


async def _serve_senders(receiver: SyslogReceiver, sent: dict[str, list[bytes]]) -> ReceiverCounters:
    """Open a TCP port, send each sender's lines from its own loopback address, wait for all, stop."""
    await receiver.start(tcp_port=0)
    assert receiver.tcp_port
    for sender, lines in sent.items():
        await _send(receiver.tcp_port, lines, sender=sender)
    total = sum(len(lines) for lines in sent.values())
    deadline = asyncio.get_running_loop().time() + 60
    while receiver.counters.received < total and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.01)
    await receiver.stop()
    return receiver.counters


def _listen_as_the_cli(routes: LiveRoutes, sent: dict[str, list[bytes]], *, workers: int) -> ReceiverCounters:
    """As `mamori logs listen --workers N` runs: one port, each message routed to its sender's source."""
    async def scenario() -> ReceiverCounters:
        if not workers:
            return await _serve_senders(SyslogReceiver(routes.add), sent)
        with contextlib.ExitStack() as stack:
            writers = {key: stack.enter_context(routes.store.writer(key)) for key in routes.pipelines}
            return await _serve_senders(SyslogReceiver(writers, route=routes.routes, parse_workers=workers,
                                                       analyser=routes.analyser(), on_analysis=routes.take), sent)

    counters = asyncio.run(scenario())
    routes.flush(final=True)
    return counters


@pytest.mark.parametrize("workers", [0, 1], ids=["parsed-in-the-loop", "parsing-processes"])
def test_one_listener_stores_each_senders_messages_in_its_own_source(workers: int) -> None:
    facility = factories.facility()
    misc = LogSource.objects.create(facility=facility, code="syslog-misc", name="Other syslog", kind="syslog")
    fgt = LogSource.objects.create(facility=facility, code="fgt", name="FortiGate", kind="fortigate",
                                   senders="127.0.0.2\n")
    switches = LogSource.objects.create(facility=facility, code="switches", name="Switches", kind="syslog",
                                        senders="127.0.3.0/24  # core and floor switches")
    LogSource.objects.create(facility=facility, code="off", name="Retired", kind="syslog", senders="127.0.0.9",
                             active=False)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    attack = _lines(start, "203.0.113.77", 20, tunnel_from="203.0.113.77")
    switch_lines = [f"<189>Dec  7 10:0{n}:00 sw-{n} port Gi0/{n} changed state to up\n".encode() for n in range(5)]
    other = [b"<13>Dec  7 10:00:00 printer1 job done\n", b"<13>Dec  7 10:00:01 retired-host hello\n"]
    routes = LiveRoutes(misc)
    assert [code for _network, code in routes.table()] == ["fgt", "switches", "syslog-misc"]
    counters = _listen_as_the_cli(routes, {"127.0.0.2": attack, "127.0.3.7": switch_lines[:3],
                                           "127.0.3.200": switch_lines[3:], "127.0.0.1": other[:1],
                                           "127.0.0.9": other[1:]}, workers=workers)
    store = event_store()
    assert counters.received == len(attack) + len(switch_lines) + len(other)
    assert store.count(fgt.store_name) == len(attack)
    assert store.count(switches.store_name) == len(switch_lines)
    assert store.count(misc.store_name) == len(other)  # unnamed and inactive sources' senders: the default
    hosts = {r["host"] for r in store.query("SELECT DISTINCT host FROM events WHERE source = ?",
                                            [switches.store_name], source=switches.store_name)}
    assert hosts == {f"sw-{n}" for n in range(5)}
    assert routes.stored == counters.received
    critical = Alert.objects.get(facility=facility, kind="correlation", level="critical")
    assert critical.source == fgt  # the alert belongs to the FortiGate's source, not the listener's default
    for source, count in ((fgt, len(attack)), (switches, len(switch_lines)), (misc, len(other))):
        source.refresh_from_db()
        assert source.events == count, source.code


def test_a_sender_network_is_refused_on_a_second_source_and_a_bad_entry_is_named(client: Client) -> None:
    from django.urls import reverse

    facility = factories.facility()
    LogSource.objects.create(facility=facility, code="fgt", name="FortiGate", kind="fortigate",
                             senders="192.168.10.1")
    factories.login(client, factories.user("security_manager", facility, mfa=True))
    form = {"facility": facility.pk, "code": "sw", "name": "Switches", "kind": "syslog", "retention_days": 1826,
            "active": "on"}
    response = client.post(reverse("monitoring:source_create"), {**form, "senders": "10.20.0.0/24\n10.20.0.300"})
    assert response.status_code == 200 and "10.20.0.300" in response.content.decode()
    response = client.post(reverse("monitoring:source_create"), {**form, "senders": "192.168.10.1/32"})
    assert response.status_code == 200 and "fgt" in response.content.decode()
    response = client.post(reverse("monitoring:source_create"), {**form, "kind": "evtx", "senders": "10.20.0.5"})
    assert response.status_code == 200 and "ファイル" in response.content.decode()  # senders only for syslog kinds
    assert not LogSource.objects.filter(code="sw").exists()
    response = client.post(reverse("monitoring:source_create"), {**form, "senders": "192.168.10.0/24, 10.20.0.5"})
    assert response.status_code == 302
    created = LogSource.objects.get(code="sw")
    assert created.sender_list == ["192.168.10.0/24", "10.20.0.5"]  # a network around another source's address
    detail = client.get(created.get_absolute_url()).content.decode()
    assert "192.168.10.0/24, 10.20.0.5" in detail


def test_refresh_follows_the_senders_edited_while_listening() -> None:
    facility = factories.facility()
    misc = LogSource.objects.create(facility=facility, code="misc", name="Other syslog", kind="syslog")
    fgt = LogSource.objects.create(facility=facility, code="fgt", name="FortiGate", kind="fortigate",
                                   senders="192.168.10.1")
    routes = LiveRoutes(misc)
    assert routes.routes("192.168.10.1") == fgt.store_name and not routes.refresh()  # nothing changed
    fgt.senders = "192.168.10.1\n192.168.10.2"
    fgt.save()
    assert routes.refresh() and routes.routes("192.168.10.2") == fgt.store_name
    fgt.active = False
    fgt.save()
    assert routes.refresh() and routes.routes("192.168.10.1") == misc.store_name  # an inactive source: the default
    assert fgt.store_name in routes.pipelines  # kept, so what it holds is still flushed at the end
    LogSource.objects.create(facility=factories.facility(), code="elsewhere", name="Other hospital",
                             kind="syslog", senders="192.168.10.9")
    assert not routes.refresh() and routes.routes("192.168.10.9") == misc.store_name  # another facility's source
