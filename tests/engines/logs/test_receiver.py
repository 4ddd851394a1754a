"""The live syslog receiver over real sockets on 127.0.0.1 (ephemeral ports), into a real EventStore."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.errors import InputError
from mamori.engines.logs.receiver import SyslogReceiver, make_server_ssl_context, run_forever
from mamori.engines.logs.routing import SenderRoutes
from mamori.engines.logs.store import EventStore, EventWriter, event_from_row
from tests.engines.logs import tls_ca

WINDOWS = (b'<134>1 2024-05-01T10:00:00.123+09:00 DC01.hospital.local Microsoft-Windows-Security-Auditing 4625 - '
           b'[win@0 EventID="4625" TargetUserName="yamada"] An account failed to log on.')
LINUX = b"<38>May  1 10:00:01 web01 sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 51 ssh2"
FORTIGATE = (b'<189>date=2024-05-01 time=10:00:02 devname="FG100F" devid="FG100FTK0000" logid="0101039426" '
             b'type="event" subtype="vpn" level="alert" logdesc="SSL VPN login fail" action="ssl-login-fail" '
             b'remip=198.51.100.7 user="tanaka" reason="sslvpn_login_unknown_user" msg="SSL user failed to logged in"')


async def wait_until(condition: Callable[[], bool], what: str, seconds: float = 120.0) -> None:
    """Poll `condition` (a generous deadline only guards against a hung test; nothing is timed)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def messages(store: EventStore) -> list[str]:
    return sorted(event_from_row(row)["Message"] for row in store.query("SELECT fields FROM events"))


async def send_tcp(port: int, data: bytes, *, pieces: int = 1, sender: str | None = None) -> None:
    """Send `data` in `pieces` writes and close; from the loopback address `sender` when given (Linux routes all
    of 127.0.0.0/8 to lo, so the receiver sees that address as the peer)."""
    local = (sender, 0) if sender is not None else None
    _reader, writer = await asyncio.open_connection("127.0.0.1", port, local_addr=local)
    step = max(1, len(data) // pieces)
    for start in range(0, len(data), step):
        writer.write(data[start:start + step])
        await writer.drain()
    writer.close()
    await writer.wait_closed()


# -- UDP --------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("workers", [0, 1], ids=["parsed-in-loop", "parsed-in-a-process"])
def test_udp_datagrams_are_stored_one_message_each(tmp_path: Path, workers: int) -> None:
    store = EventStore(tmp_path)

    async def scenario() -> None:
        with store.writer("syslog") as writer:
            receiver = SyslogReceiver(writer, parse_workers=workers)
            await receiver.start(udp_port=0)
            assert receiver.udp_port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
                for datagram in (WINDOWS, LINUX, FORTIGATE):
                    client.sendto(datagram, ("127.0.0.1", receiver.udp_port))
                await wait_until(lambda: receiver.counters.received == 3, "3 datagrams")
            await receiver.stop()
            assert (receiver.counters.stored, receiver.counters.dropped) == (3, 0)

    run(scenario)
    rows = {row["host"]: row for row in store.timeline()}
    assert set(rows) == {"DC01.hospital.local", "web01", "FG100F"}
    assert [rows[host]["kind"] for host in ("DC01.hospital.local", "web01", "FG100F")] == [
        "syslog", "syslog", "fortigate"]
    linux = event_from_row(rows["web01"])
    assert (linux["AppName"], linux["ProcId"], linux["_action"], linux["_src_ip"]) == (
        "sshd", "2211", "logon_failed", "203.0.113.9")
    assert rows["web01"]["received"] is not None and linux["_source"] == "127.0.0.1"
    assert event_from_row(rows["DC01.hospital.local"])["SD_win@0_TargetUserName"] == "yamada"
    assert event_from_row(rows["FG100F"])["user"] == "tanaka"


def test_a_cp932_message_is_stored_readable(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    text = "<13>May  1 10:00:00 nas01 backup: 患者データのバックアップに失敗しました（ディスク容量不足）"

    async def scenario() -> None:
        with store.writer("syslog") as writer:
            receiver = SyslogReceiver(writer)
            await receiver.start(udp_port=0, tcp_port=0)
            assert receiver.udp_port and receiver.tcp_port
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
                client.sendto(text.encode("cp932"), ("127.0.0.1", receiver.udp_port))
            await send_tcp(receiver.tcp_port, text.encode("cp932") + b"\n")
            await wait_until(lambda: receiver.counters.received == 2, "2 messages")
            await receiver.stop()

    run(scenario)
    events = [event_from_row(row) for row in store.timeline()]
    assert [(e["Message"], e["_encoding"], e["AppName"]) for e in events] == [
        ("患者データのバックアップに失敗しました（ディスク容量不足）", "cp932", "backup")] * 2
    assert store.query("SELECT count(*) AS n FROM events WHERE fields LIKE ?", ["%ディスク容量不足%"]) == [{"n": 2}]


# -- TCP --------------------------------------------------------------------------------------------------------

def test_tcp_reads_lf_and_octet_counted_frames_split_anywhere(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    multiline = b"<14>May  1 10:00:03 app01 java: Exception in thread main\n\tat Foo.bar(Foo.java:1)"
    stream = (LINUX + b"\n" + f"{len(WINDOWS)} ".encode() + WINDOWS + f"{len(multiline)} ".encode() + multiline
              + b"<14>May  1 10:00:04 app01 cron: last line without LF")

    async def scenario() -> None:
        with store.writer("syslog") as writer:
            receiver = SyslogReceiver(writer)
            await receiver.start(tcp_port=0)
            assert receiver.tcp_port
            await send_tcp(receiver.tcp_port, stream, pieces=37)
            await wait_until(lambda: receiver.counters.received == 4, "4 frames")
            await receiver.stop()
            assert (receiver.counters.connections, receiver.counters.stored) == (1, 4)

    run(scenario)
    assert messages(store) == sorted(["An account failed to log on.",
                                      "Exception in thread main\n\tat Foo.bar(Foo.java:1)",
                                      "Failed password for invalid user admin from 203.0.113.9 port 51 ssh2",
                                      "last line without LF"])


@pytest.mark.parametrize("workers", [0, 2], ids=["parsed-in-loop", "parsed-in-2-processes"])
def test_a_flood_of_100000_tcp_messages_is_stored_without_loss(tmp_path: Path, workers: int) -> None:
    store = EventStore(tmp_path)
    clients, each = 4, 25_000

    def stream(client: int) -> bytes:
        lines = []
        for n in range(each):
            if n % 2:
                lines.append(f"<38>May  1 10:{n % 60:02d}:01 web{client:02d} sshd[{n}]: message {client}-{n}\n")
            else:
                body = f"<134>1 2024-05-01T10:00:00Z DC{client:02d} app {n} - - message {client}-{n}"
                lines.append(f"{len(body.encode())} {body}")
        return "".join(lines).encode()

    async def scenario() -> None:
        with store.writer("syslog", max_events=20_000) as writer:
            receiver = SyslogReceiver(writer, parse_workers=workers)
            await receiver.start(tcp_port=0)
            port = receiver.tcp_port
            assert port
            await asyncio.gather(*(send_tcp(port, stream(c), pieces=500) for c in range(clients)))
            await wait_until(lambda: receiver.counters.received == clients * each, "every message", 600)
            await receiver.stop()
            assert receiver.counters.as_dict() | {"received": 0} == {
                "received": 0, "stored": clients * each, "parse_errors": 0, "truncated": 0, "dropped": 0,
                "unrouted": 0, "connections": clients, "refused": 0, "refused_tls": 0, "idle_closed": 0}

    run(scenario)
    assert store.count() == clients * each
    assert store.query("SELECT count(DISTINCT fields->>'Message') AS n FROM events") == [{"n": clients * each}]


class SlowWriter(EventWriter):
    """A writer whose writes wait for `release`; `writing` is set when the first one starts."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release, self.writing = threading.Event(), threading.Event()

    def write(self, batch: Any) -> int:
        self.writing.set()
        self.release.wait(60)
        return super().write(batch)


def test_reading_pauses_while_the_writer_is_behind(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    total = 30_000

    async def scenario() -> None:
        writer = SlowWriter(store, "syslog", max_events=100, max_seconds=3600)
        release, writing = writer.release, writer.writing
        receiver = SyslogReceiver(writer)
        await receiver.start(tcp_port=0)
        assert receiver.tcp_port
        padding = b"x" * 270  # ~300-byte messages: one 256 KiB read holds ~870 of them
        data = b"".join(b"<14>May  1 10:00:00 h app: %d %s\n" % (n, padding) for n in range(total))
        sender = asyncio.create_task(send_tcp(receiver.tcp_port, data, pieces=300))
        await wait_until(writing.is_set, "the first write")
        await asyncio.sleep(0.5)
        # a batch being written, a full buffer, a read's frames: a few thousand; the rest waits in the socket
        assert receiver.counters.received < 6000
        release.set()
        await sender
        await wait_until(lambda: receiver.counters.received == total, "every message")
        await receiver.stop()
        assert (receiver.counters.stored, receiver.counters.dropped) == (total, 0)

    run(scenario)
    assert store.count() == total


def test_connections_over_the_limit_are_refused(tmp_path: Path) -> None:
    received: list[dict[str, Any]] = []

    async def scenario() -> None:
        receiver = SyslogReceiver(received.append, max_connections=1)
        await receiver.start(tcp_port=0)
        assert receiver.tcp_port
        _r1, first = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
        first.write(LINUX + b"\n")
        await first.drain()
        await wait_until(lambda: receiver.counters.received == 1, "the first connection's message")
        second_reader, second = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
        assert await second_reader.read() == b""  # closed by the receiver
        second.close()
        first.close()
        await receiver.stop()
        assert (receiver.counters.connections, receiver.counters.refused) == (1, 1)

    run(scenario)
    assert len(received) == 1


def test_an_idle_connection_is_closed(tmp_path: Path) -> None:
    async def scenario() -> None:
        receiver = SyslogReceiver(lambda event: None, idle_timeout=0.2)
        await receiver.start(tcp_port=0)
        assert receiver.tcp_port
        reader, writer = await asyncio.open_connection("127.0.0.1", receiver.tcp_port)
        assert await asyncio.wait_for(reader.read(), 30) == b""
        writer.close()
        await receiver.stop()
        assert receiver.counters.idle_closed == 1

    run(scenario)


def test_unreadable_messages_are_counted_and_still_stored() -> None:
    received: list[dict[str, Any]] = []

    async def scenario() -> None:
        receiver = SyslogReceiver(received.append)
        await receiver.start(udp_port=0)
        assert receiver.udp_port
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
            client.sendto(b"<999>1 broken", ("127.0.0.1", receiver.udp_port))
            client.sendto(LINUX, ("127.0.0.1", receiver.udp_port))
            await wait_until(lambda: receiver.counters.received == 2, "2 datagrams")
        await receiver.stop()
        assert (receiver.counters.parse_errors, receiver.counters.stored) == (1, 2)

    run(scenario)
    assert [event["Message"] for event in received if "_parse_error" in event] == ["<999>1 broken"]


# -- TLS --------------------------------------------------------------------------------------------------------

needs_ca = pytest.mark.skipif(not tls_ca.available(), reason="neither cryptography nor openssl to make a test CA")


def client_context(ca: tls_ca.TestCA, pair: tls_ca.Pair | None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca.pair.cert)
    if pair is not None:
        context.load_cert_chain(pair.cert, pair.key)
    return context


async def send_tls(port: int, context: ssl.SSLContext, data: bytes) -> None:
    """Send `data` over TLS and close. A refused client may only learn it from the receiver's alert (TLS 1.3
    finishes the client's side of the handshake first), so errors are ignored: the counters tell."""
    try:
        _reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname="127.0.0.1")
        writer.write(data)
        await writer.drain()
        writer.close()
        await writer.wait_closed()
    except (ssl.SSLError, ConnectionError):
        pass


@needs_ca
def test_tls_with_a_client_certificate_from_the_ca_is_accepted_and_others_refused(tmp_path: Path) -> None:
    ca = tls_ca.TestCA(tmp_path / "ca")
    other = tls_ca.TestCA(tmp_path / "other", name="Someone Else CA")
    server = ca.issue("server", server=True)
    good = ca.issue("fw01", server=False)
    stranger = other.issue("fw01", server=False)
    store = EventStore(tmp_path / "store")

    async def scenario() -> None:
        context = make_server_ssl_context(server.cert, server.key, client_ca=ca.pair.cert, require_client_cert=True)
        with store.writer("syslog") as writer:
            receiver = SyslogReceiver(writer)
            await receiver.start(tls_port=0, ssl_context=context)
            assert receiver.tls_port
            await send_tls(receiver.tls_port, client_context(ca, good), LINUX + b"\n" + FORTIGATE + b"\n")
            await send_tls(receiver.tls_port, client_context(ca, None), b"<14>May  1 10:00:00 h x: no cert\n")
            await send_tls(receiver.tls_port, client_context(ca, stranger), b"<14>May  1 10:00:00 h x: other CA\n")
            await wait_until(lambda: receiver.counters.refused_tls == 2, "two refusals")
            await receiver.stop()
            counters = receiver.counters
            assert (counters.connections, counters.refused_tls, counters.received, counters.stored) == (1, 2, 2, 2)

    run(scenario)
    assert sorted(row["host"] for row in store.timeline()) == ["FG100F", "web01"]


@needs_ca
def test_tls_without_a_client_ca_accepts_any_client(tmp_path: Path) -> None:
    ca = tls_ca.TestCA(tmp_path / "ca")
    server = ca.issue("server", server=True)
    received: list[dict[str, Any]] = []

    async def scenario() -> None:
        receiver = SyslogReceiver(received.append)
        await receiver.start(tls_port=0, ssl_context=make_server_ssl_context(server.cert, server.key))
        assert receiver.tls_port
        await send_tls(receiver.tls_port, client_context(ca, None), b"13 <14>hello tls")
        await wait_until(lambda: receiver.counters.received == 1, "the message")
        await receiver.stop()

    run(scenario)
    assert [event["Message"] for event in received] == ["hello tls"]


def test_run_forever_receives_until_sigterm_and_writes_everything(tmp_path: Path) -> None:
    store = EventStore(tmp_path)

    def ready(receiver: SyslogReceiver) -> None:
        def devices() -> None:
            assert receiver.tcp_port
            with socket.create_connection(("127.0.0.1", receiver.tcp_port)) as client:
                client.sendall(LINUX + b"\n" + FORTIGATE + b"\n")
            deadline = time.monotonic() + 60
            while receiver.counters.received < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=devices, daemon=True).start()

    counters = run_forever(store, source="edge", tcp_port=0, max_seconds=3600, on_ready=ready,
                           options={"parse_workers": 0})
    assert (counters.received, counters.stored) == (2, 2)
    assert store.count("edge") == 2  # buffered for an hour, written at the signal


def test_parsing_processes_need_an_event_writer() -> None:
    with pytest.raises(ValueError, match="parse_workers needs an EventWriter sink"):
        SyslogReceiver(lambda event: None, parse_workers=2)


def test_a_missing_certificate_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"server\.pem.*cannot load the server certificate"):
        make_server_ssl_context(tmp_path / "server.pem", tmp_path / "server.key")
    with pytest.raises(ValueError, match="require_client_cert needs client_ca"):
        make_server_ssl_context(tmp_path / "server.pem", tmp_path / "server.key", require_client_cert=True)


# -- detection in the parsing processes ---------------------------------------------------------------------------

def test_the_parsing_processes_match_the_rules_and_hand_back_each_chunks_analysis(tmp_path: Path) -> None:
    from mamori.engines.logs.health import HealthTracker
    from mamori.engines.logs.hunt import BUILTIN_RULES
    from mamori.engines.logs.live import ChunkAnalysis, analyser_factory
    from mamori.engines.logs.sigma import load_or_compile

    load_or_compile([BUILTIN_RULES], tmp_path / "rules.pickle")  # what the receiving process does first
    store = EventStore(tmp_path / "events")
    failures = [FORTIGATE.replace(b"time=10:00:02", f"time=10:00:{n:02d}".encode()) for n in range(12)]
    taken: list[ChunkAnalysis] = []
    keys: list[str] = []

    def take(key: str, analysis: ChunkAnalysis) -> None:
        keys.append(key)
        taken.append(analysis)

    async def scenario() -> None:
        with store.writer("fgt") as writer:
            receiver = SyslogReceiver(writer, parse_workers=1, on_analysis=take,
                                      analyser=analyser_factory([BUILTIN_RULES], tmp_path / "rules.pickle"))
            await receiver.start(tcp_port=0)
            assert receiver.tcp_port
            await send_tcp(receiver.tcp_port, b"".join(m + b"\n" for m in [WINDOWS, LINUX, *failures]))
            await wait_until(lambda: receiver.counters.received == 14, "14 frames")
            await receiver.stop()
            assert receiver.counters.stored == 14 and receiver.analysis_errors == 0

    run(scenario)
    assert store.count("fgt") == 14 and sum(a.count for a in taken) == 14
    assert set(keys) == {"fgt"}  # a single writer's key is its source
    health = HealthTracker()
    for analysis in taken:
        health.merge(analysis.health)
    assert health.events == 14 and {p.host for p in health.profiles()} >= {"DC01.hospital.local", "web01", "FG100F"}
    found = [d for a in taken for d in a.detections]
    assert len(found) == 12
    assert {d.title for d in found} == {"FortiGate SSL-VPN Login Failed (Mamori correlation input)"}
    assert found[0].event["remip"] == "198.51.100.7"


def test_an_analyser_needs_parsing_processes() -> None:
    with pytest.raises(ValueError, match="give parse_workers"):
        SyslogReceiver(EventWriter(EventStore(Path("/nonexistent")), "x"), analyser=lambda: None)


class BrokenAnalyser:
    """An analyser whose rules fail on every chunk (built in the parsing process from this picklable class)."""

    def prepare(self, event: dict[str, Any]) -> None:
        event["Tagged"] = "yes"

    def analyse(self, events: list[dict[str, Any]]) -> None:
        raise RuntimeError("a rule blew up")


def test_an_analysis_that_fails_loses_no_event_and_is_counted(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    taken: list[Any] = []

    async def scenario() -> None:
        with store.writer("syslog") as writer:
            receiver = SyslogReceiver(writer, parse_workers=1, analyser=BrokenAnalyser,
                                      on_analysis=lambda key, analysis: taken.append((key, analysis)))
            await receiver.start(tcp_port=0)
            assert receiver.tcp_port
            await send_tcp(receiver.tcp_port, b"".join(m + b"\n" for m in (WINDOWS, LINUX, FORTIGATE)))
            await wait_until(lambda: receiver.counters.received == 3, "3 frames")
            await receiver.stop()
            assert receiver.counters.stored == 3 and receiver.counters.dropped == 0
            assert receiver.analysis_errors == 1 and taken == []

    run(scenario)
    assert store.count() == 3 and all(event_from_row(r)["Tagged"] == "yes"
                                      for r in store.query("SELECT fields FROM events"))


# -- routing by sender --------------------------------------------------------------------------------------------

def lines(sender: str, count: int, *, padding: int = 0) -> bytes:
    """`count` LF-framed messages naming their sender ("from 127.0.0.2 #7"), each padded by `padding` bytes."""
    pad = " " + "x" * padding if padding else ""
    return b"".join(f"<14>May  1 10:00:00 host-{sender} app: from {sender} #{n}{pad}\n".encode()
                    for n in range(count))


def sent(sender: str, count: int, *, padding: int = 0) -> list[str]:
    pad = " " + "x" * padding if padding else ""
    return sorted(f"from {sender} #{n}{pad}" for n in range(count))


def events_of(store: EventStore, source: str) -> list[dict[str, Any]]:
    rows = store.query("SELECT fields FROM events WHERE source = ?", [source], source=source)
    return [event_from_row(row) for row in rows]


def udp_from(sender: str) -> socket.socket:
    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.bind((sender, 0))
    return client


@pytest.mark.parametrize("workers", [0, 2], ids=["parsed-in-loop", "parsed-in-2-processes"])
def test_tcp_senders_are_routed_each_to_its_own_source(tmp_path: Path, workers: int) -> None:
    store = EventStore(tmp_path)
    # 127.0.0.2 is in both networks: the /32 wins; 127.0.0.1 is in none: the default
    routes = SenderRoutes({"fortigate": ["127.0.0.2"], "switches": ["127.0.0.2/31"]}, default="misc")
    senders = {"127.0.0.2": "fortigate", "127.0.0.3": "switches", "127.0.0.1": "misc"}
    each, padding = 3000, 250  # ~300-byte messages: several reads per stream, batches of 500 written meanwhile

    async def scenario() -> None:
        writers = {key: store.writer(key, max_events=500, max_seconds=3600) for key in ("fortigate", "switches",
                                                                                         "misc")}
        receiver = SyslogReceiver(writers, route=routes, parse_workers=workers)
        await receiver.start(tcp_port=0)
        port = receiver.tcp_port
        assert port
        await asyncio.gather(*(send_tcp(port, lines(sender, each, padding=padding), pieces=40, sender=sender)
                               for sender in senders))
        await wait_until(lambda: receiver.counters.received == 3 * each, "every message", 300)
        await receiver.stop()
        counters = receiver.counters
        assert (counters.stored, counters.unrouted, counters.dropped, counters.connections) == (3 * each, 0, 0, 3)
        assert receiver.stored_by == {"fortigate": each, "switches": each, "misc": each}
        assert [writer.pending for writer in writers.values()] == [0, 0, 0]

    run(scenario)
    for sender, source in senders.items():
        events = events_of(store, source)
        assert sorted(event["Message"] for event in events) == sent(sender, each, padding=padding), source
        assert {event["_source"] for event in events} == {sender}
        assert store.count(source) == each
    assert store.count() == 3 * each


@pytest.mark.parametrize("workers", [0, 2], ids=["parsed-in-loop", "parsed-in-2-processes"])
def test_udp_senders_are_routed_each_to_its_own_source_and_flushed_while_receiving(tmp_path: Path,
                                                                                    workers: int) -> None:
    store = EventStore(tmp_path)
    routes = SenderRoutes({"fw": ["127.0.0.2"], "servers": ["127.0.0.3"]})
    each = 50
    # keys differ from the writers' sources: events are stored under the source, not the key
    sources = {"127.0.0.2": "fortigate", "127.0.0.3": "linux"}

    async def scenario() -> None:
        writers = {"fw": store.writer("fortigate", max_seconds=0.1), "servers": store.writer("linux", max_seconds=0.1)}
        receiver = SyslogReceiver(writers, route=routes, parse_workers=workers, flush_interval=0.05)
        await receiver.start(udp_port=0)
        port = receiver.udp_port
        assert port
        with udp_from("127.0.0.2") as fw, udp_from("127.0.0.3") as servers:
            for n in range(each):  # interleaved: a chunk for the parsing processes holds both senders
                fw.sendto(f"<189>May  1 10:00:00 fgt app: from 127.0.0.2 #{n}".encode(), ("127.0.0.1", port))
                servers.sendto(f"<14>May  1 10:00:00 srv app: from 127.0.0.3 #{n}".encode(), ("127.0.0.1", port))
                if n % 10 == 9:
                    await asyncio.sleep(0.005)
            await wait_until(lambda: receiver.counters.received == 2 * each, "every datagram")
        # the flush loop writes every writer that is due, not only the first
        await wait_until(lambda: receiver.stored_by == {"fw": each, "servers": each}, "both writers written")
        assert store.count("fortigate") == store.count("linux") == each
        await receiver.stop()
        counters = receiver.counters
        assert (counters.stored, counters.unrouted, counters.dropped) == (2 * each, 0, 0)

    run(scenario)
    for sender, source in sources.items():
        events = events_of(store, source)
        assert sorted(event["Message"] for event in events) == sent(sender, each)
        assert {event["_source"] for event in events} == {sender}
    assert store.count() == 2 * each


@pytest.mark.parametrize("workers", [0, 1], ids=["parsed-in-loop", "parsed-in-a-process"])
def test_a_sender_routed_nowhere_is_counted_unrouted_and_stored_nowhere(tmp_path: Path, workers: int) -> None:
    store = EventStore(tmp_path)
    known = {"127.0.0.2": "fw", "127.0.0.3": "retired"}  # "retired" has no writer

    def route(peer: str) -> str | None:
        if peer == "127.0.0.4":
            raise RuntimeError("a broken route")
        return known.get(peer)  # None for 127.0.0.1: no default

    async def scenario() -> None:
        with store.writer("fw") as writer:
            receiver = SyslogReceiver({"fw": writer}, route=route, parse_workers=workers)
            await receiver.start(udp_port=0, tcp_port=0)
            assert receiver.udp_port and receiver.tcp_port
            await send_tcp(receiver.tcp_port, lines("127.0.0.1", 5))
            await send_tcp(receiver.tcp_port, lines("127.0.0.3", 4), sender="127.0.0.3")
            await send_tcp(receiver.tcp_port, lines("127.0.0.2", 3), sender="127.0.0.2")
            with udp_from("127.0.0.1") as stranger, udp_from("127.0.0.2") as fw, udp_from("127.0.0.4") as odd:
                stranger.sendto(b"<14>May  1 10:00:00 h app: stranger 1", ("127.0.0.1", receiver.udp_port))
                fw.sendto(b"<14>May  1 10:00:00 h app: from 127.0.0.2 #3", ("127.0.0.1", receiver.udp_port))
                stranger.sendto(b"<14>May  1 10:00:00 h app: stranger 2", ("127.0.0.1", receiver.udp_port))
                odd.sendto(b"<14>May  1 10:00:00 h app: odd", ("127.0.0.1", receiver.udp_port))
                await wait_until(lambda: receiver.counters.received == 16, "every message")
            await receiver.stop()
            counters = receiver.counters
            assert (counters.unrouted, counters.stored, counters.dropped) == (5 + 4 + 2 + 1, 4, 0)
            assert receiver.stored_by == {"fw": 4}

    run(scenario)
    assert store.count() == store.count("fw") == 4
    assert sorted(event["Message"] for event in events_of(store, "fw")) == sent("127.0.0.2", 4)


class SenderAnalyser:
    """Tells which senders each chunk's events came from (built in each parsing process from this class)."""

    def prepare(self, event: dict[str, Any]) -> None:
        event["Prepared"] = True

    def analyse(self, events: list[dict[str, Any]]) -> tuple[list[str], int]:
        return sorted({event["_source"] for event in events}), len(events)


def test_each_chunks_analysis_is_handed_over_with_the_key_of_its_writer(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    routes = SenderRoutes({"fw": ["127.0.0.2"], "servers": ["127.0.0.3", "127.0.0.1"]})
    expected = {"fw": {"127.0.0.2"}, "servers": {"127.0.0.3", "127.0.0.1"}}
    taken: list[tuple[str, list[str], int]] = []

    async def scenario() -> None:
        # nothing is due before stop(): stop writes every writer
        writers = {"fw": store.writer("fortigate", max_seconds=3600),
                   "servers": store.writer("linux", max_seconds=3600)}
        receiver = SyslogReceiver(writers, route=routes, parse_workers=2, analyser=SenderAnalyser,
                                  on_analysis=lambda key, analysis: taken.append((key, *analysis)))
        await receiver.start(udp_port=0, tcp_port=0)
        assert receiver.udp_port and receiver.tcp_port
        await asyncio.gather(send_tcp(receiver.tcp_port, lines("127.0.0.2", 20), sender="127.0.0.2"),
                             send_tcp(receiver.tcp_port, lines("127.0.0.3", 30), sender="127.0.0.3"),
                             send_tcp(receiver.tcp_port, lines("127.0.0.1", 5)))
        with udp_from("127.0.0.2") as fw, udp_from("127.0.0.3") as servers:
            for n in range(10):  # interleaved into one UDP chunk of two groups
                fw.sendto(b"<14>May  1 10:00:00 h app: udp fw %d" % n, ("127.0.0.1", receiver.udp_port))
                servers.sendto(b"<14>May  1 10:00:00 h app: udp srv %d" % n, ("127.0.0.1", receiver.udp_port))
            await wait_until(lambda: receiver.counters.received == 75, "every message")
        await receiver.stop()
        assert receiver.analysis_errors == 0 and receiver.counters.dropped == 0
        assert receiver.stored_by == {"fw": 30, "servers": 45}

    run(scenario)
    assert taken and all(set(senders) <= expected[key] for key, senders, _count in taken)
    assert {key: {s for k, senders, _ in taken if k == key for s in senders} for key in expected} == expected
    assert {key: sum(count for k, _, count in taken if k == key) for key in expected} == {"fw": 30, "servers": 45}
    assert store.count("fortigate") == 30 and store.count("linux") == 45
    assert all(event["Prepared"] for event in events_of(store, "linux"))


def test_reading_pauses_while_any_writer_is_behind(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    total = 30_000

    async def scenario() -> None:
        # the first writer is stuck writing; the second one fills up behind it (one write at a time)
        slow = SlowWriter(store, "fw", max_events=100, max_seconds=3600)
        release, writing = slow.release, slow.writing
        writers = {"fw": slow, "servers": store.writer("servers", max_events=100, max_seconds=3600)}
        receiver = SyslogReceiver(writers, route={"127.0.0.2": "fw", "127.0.0.3": "servers"}.get)
        await receiver.start(tcp_port=0)
        assert receiver.tcp_port
        await send_tcp(receiver.tcp_port, lines("127.0.0.2", 150), sender="127.0.0.2")
        await wait_until(writing.is_set, "the first write")
        sender = asyncio.create_task(send_tcp(receiver.tcp_port, lines("127.0.0.3", total, padding=270),
                                              pieces=300, sender="127.0.0.3"))
        await asyncio.sleep(0.5)
        assert receiver.counters.received < 150 + 6000  # the rest waits in the socket
        release.set()
        await sender
        await wait_until(lambda: receiver.counters.received == 150 + total, "every message")
        await receiver.stop()
        assert receiver.stored_by == {"fw": 150, "servers": total} and receiver.counters.dropped == 0

    run(scenario)
    assert (store.count("fw"), store.count("servers")) == (150, total)


def test_routing_needs_a_mapping_of_writers_and_a_route(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = EventStore(tmp_path)
    writer = store.writer("fw")
    with pytest.raises(ValueError, match="a mapping of writers needs route"):
        SyslogReceiver({"fw": writer})
    with pytest.raises(ValueError, match="a callable sink can route on the event's _source"):
        SyslogReceiver(lambda event: None, route=lambda peer: "fw")
    with pytest.raises(ValueError, match="route needs a mapping of writers"):
        SyslogReceiver(writer, route=lambda peer: "fw")
    with pytest.raises(ValueError, match="under two keys"):
        SyslogReceiver({"a": writer, "b": writer}, route=lambda peer: "a")
    with pytest.raises(TypeError, match="the writer of 'a' is a function, not an EventWriter"):
        SyslogReceiver({"a": lambda event: None}, route=lambda peer: "a")  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="empty"):
        SyslogReceiver({}, route=lambda peer: "a")
    with caplog.at_level("WARNING"):
        receiver = SyslogReceiver({"fw": writer}, route=SenderRoutes({"fw": ["10.0.0.1"], "gone": ["10.0.0.2"]}))
    assert "routed to ['gone'] are not stored" in caplog.text
    assert receiver.stored_by == {"fw": 0} and receiver.counters.unrouted == 0


@pytest.mark.parametrize("workers", [0, 1], ids=["parsed-in-loop", "parsed-in-a-process"])
def test_reroute_sends_an_open_streams_next_messages_to_a_writer_added_while_receiving(tmp_path: Path,
                                                                                       workers: int) -> None:
    store = EventStore(tmp_path)

    async def scenario() -> None:
        writers = {"misc": store.writer("misc", max_events=10_000, max_seconds=3600)}
        receiver = SyslogReceiver(writers, route=SenderRoutes({}, default="misc"), parse_workers=workers)
        await receiver.start(tcp_port=0)
        assert receiver.tcp_port
        _reader, stream = await asyncio.open_connection("127.0.0.1", receiver.tcp_port, local_addr=("127.0.0.2", 0))
        stream.write(lines("127.0.0.2", 5))
        await stream.drain()
        await wait_until(lambda: receiver.counters.received == 5, "the first messages")
        ups = store.writer("ups", max_events=10_000, max_seconds=3600)
        receiver.reroute(SenderRoutes({"ups": ["127.0.0.2"]}, default="misc"), {"ups": ups})
        assert set(receiver.writers) == {"misc", "ups"}
        stream.write(lines("127.0.0.2", 7).replace(b"#", b"after #"))  # the same connection, routed anew
        await stream.drain()
        stream.close()
        await stream.wait_closed()
        await wait_until(lambda: receiver.counters.received == 12, "every message")
        with pytest.raises(ValueError, match="already there"):
            receiver.reroute(SenderRoutes({}, default="misc"), {"ups": store.writer("ups")})
        await receiver.stop()
        assert receiver.stored_by == {"misc": 5, "ups": 7}

    run(scenario)
    assert sorted(e["Message"] for e in events_of(store, "misc")) == sent("127.0.0.2", 5)
    assert all("after #" in e["Message"] for e in events_of(store, "ups")) and store.count("ups") == 7


def test_reroute_needs_a_mapping_of_writers(tmp_path: Path) -> None:
    receiver = SyslogReceiver(EventStore(tmp_path).writer("fw"))
    with pytest.raises(ValueError, match="reroute needs a receiver built with a mapping"):
        receiver.reroute(SenderRoutes({}, default="fw"))


def test_many_sources_together_hold_at_most_max_pending_events(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    senders = [f"127.0.1.{n}" for n in range(1, 9)]
    each, padding = 900, 1000  # no writer alone ever fills (1,000) or ages (1 h): only the bound writes early
    per_read = (256 * 1024) // (padding + 40) + 1  # messages one read of a stream can bring
    peaks: list[int] = []

    async def scenario() -> None:
        writers = {s: store.writer(s, max_events=1000, max_seconds=3600) for s in senders}
        receiver = SyslogReceiver(writers, route=SenderRoutes({s: [s] for s in senders}), max_pending=1500)

        async def sample() -> None:
            while True:
                peaks.append(sum(w.pending for w in writers.values()))
                await asyncio.sleep(0)

        await receiver.start(tcp_port=0)
        assert receiver.tcp_port
        sampler = asyncio.create_task(sample())
        await asyncio.gather(*(send_tcp(receiver.tcp_port, lines(s, each, padding=padding), sender=s)
                               for s in senders))
        await wait_until(lambda: receiver.counters.received == each * len(senders), "every message")
        sampler.cancel()
        written_while_receiving = store.count()
        await receiver.stop()
        assert written_while_receiving >= each * len(senders) - 1500 - per_read * len(senders)
        assert receiver.stored_by == dict.fromkeys(senders, each)

    run(scenario)
    # each open stream may bring one read past the bound before it pauses; without the bound all 7,200 wait
    assert max(peaks) <= 1500 + per_read * len(senders) < each * len(senders)
    assert store.count() == each * len(senders)
