"""A live syslog receiver (asyncio): UDP (RFC 5426), TCP (RFC 6587) and TLS (RFC 5425) into an event sink.

Each UDP datagram is one message; a TCP or TLS stream is split by `syslog.FrameDecoder` (octet counting or LF);
every message becomes an event with `syslog.parse_message` (it never raises: unreadable input is counted in
`parse_errors` and still stored). Events go to a `sink` — a callable taking one event, an `EventWriter` of an
`EventStore`, or a mapping of such writers (one per log source) — whose batches are then written in a worker
thread while the loop keeps reading. With writers, `parse_workers` processes can do the parsing (Arrow tables come
back), so every core is used: about 26,000–29,000 mixed messages/s on a 2-core machine against 16,000–22,000
parsing in the loop (`benchmarks/bench_syslog.py`).

Routing: a hospital points all its devices at one port, so with a mapping of writers each message goes to the
writer `route(peer)` names (the sender's address; `routing.SenderRoutes` matches it to the sources' networks).
A TCP/TLS stream is routed once per read (a stream has one peer), a datagram on its own; a message routed to
None or to a key not in the mapping is not stored and is counted in `unrouted`. A single `EventWriter` takes
every message; a callable sink gets them all and can route on the event's `_source` (the peer) itself.

Bounds: a connection's bytes are read only as fast as events are handled — while a full batch of any writer
waits to be written, or the writers together hold `max_pending` events (the largest are then written first),
reading stops and TCP flow control slows the sender (UDP datagrams arriving while their
writer is far behind are dropped and counted); at most `max_connections` streams are open (others are closed at
once, `refused`); a stream silent for `idle_timeout` seconds is closed; a frame is at most `syslog.MAX_FRAME`
bytes. With TLS and `require_client_cert` a client without a certificate signed by the client CA fails the
handshake (`refused_tls`) and nothing it sends is read.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import multiprocessing
import os
import signal
import ssl
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.logs.common import JST
from mamori.engines.logs.routing import SenderRoutes
from mamori.engines.logs.store import EventStore, EventWriter, PendingBatch
from mamori.engines.logs.syslog import MAX_FRAME, FrameDecoder, parse_message

__all__ = ["AnalysisFailed", "ReceiverCounters", "Sink", "SyslogReceiver", "make_server_ssl_context",
           "parse_chunk", "parse_chunks", "run_forever"]

Sink = Callable[[dict[str, Any]], None]
_log = logging.getLogger(__name__)
_READ_SIZE = 256 * 1024
_UDP_CHUNK = 512  # datagrams per chunk sent to a parsing process
_UDP_WAIT = 0.05  # seconds a datagram may wait for its chunk to fill


@dataclass(slots=True)
class ReceiverCounters:
    """What the receiver has seen since it started.

    `received`: messages (datagrams and frames); `stored`: events the sink accepted (with writers: events written
    to Parquet, all writers together); `parse_errors`: events carrying `_parse_error`; `truncated`: frames cut to
    the maximum size; `dropped`: messages lost (UDP while the writer was behind, a sink or write error);
    `unrouted`: messages not stored because their sender is routed to no writer (with a mapping of writers);
    `connections`: TCP/TLS connections accepted; `refused`: connections closed over `max_connections`;
    `refused_tls`: failed TLS handshakes; `idle_closed`: connections closed after `idle_timeout`.
    """

    received: int = 0
    stored: int = 0
    parse_errors: int = 0
    truncated: int = 0
    dropped: int = 0
    unrouted: int = 0
    connections: int = 0
    refused: int = 0
    refused_tls: int = 0
    idle_closed: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counters by name."""
        return asdict(self)


def make_server_ssl_context(cert: Path, key: Path, *, client_ca: Path | None = None,
                            require_client_cert: bool = False) -> ssl.SSLContext:
    """A TLS 1.2+ server context with the certificate chain `cert` and its private key `key` (PEM files).

    With `client_ca` a client certificate is checked against that CA (PEM bundle) — asked for, or required when
    `require_client_cert`; requiring one without a CA is an error. An unreadable file raises `InputError` naming it.
    """
    if require_client_cert and client_ca is None:
        raise ValueError("require_client_cert needs client_ca, the CA that signs the clients' certificates")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"cannot load the server certificate and key: {exc}",
                         InputLocation(file=f"{cert}, {key}"), code="tls_cert") from exc
    if client_ca is not None:
        try:
            context.load_verify_locations(cafile=client_ca)
        except (OSError, ssl.SSLError) as exc:
            raise InputError(f"cannot load the client CA: {exc}", InputLocation(file=str(client_ca)),
                             code="tls_ca") from exc
        context.verify_mode = ssl.CERT_REQUIRED if require_client_cert else ssl.CERT_OPTIONAL
    return context


Item = tuple[bytes, str, float]
"""One message as received: the bytes, the peer's address, the receipt time (POSIX seconds)."""


Parsed = tuple[int, int, dict[str, Any], Any]
"""What a parsing process returns for a chunk: parse errors, truncated frames, `SCHEMA` tables by day, and the
analyser's result (None without an analyser)."""

_ANALYSER: Any = None  # in a parsing process: the analyser its initializer built (see `SyslogReceiver`)


def _init_parser(factory: Callable[[], Any] | None) -> None:
    """Initializer of a parsing process: build its analyser once (rules loaded, network map)."""
    global _ANALYSER
    _ANALYSER = factory() if factory is not None else None


class AnalysisFailed(str):
    """What a parsing process returns instead of an analysis that raised: the error's text. The chunk's events
    are stored all the same — a failing rule must not lose the log."""


def parse_chunk(source: str, items: list[Item], naive_tz: dt.tzinfo) -> Parsed:
    """Parse messages into `SCHEMA` tables by day (run in a parsing process); with this process's analyser, each
    event is prepared (tagged) before it is stored and the chunk is analysed."""
    batch = PendingBatch(source)
    errors = truncated = 0
    analyser = _ANALYSER
    failed: str | None = None
    events: list[dict[str, Any]] = []
    for data, peer, stamp in items:
        event = parse_message(data, received=dt.datetime.fromtimestamp(stamp, dt.UTC), peer=peer, naive_tz=naive_tz)
        errors += "_parse_error" in event
        truncated += "_truncated" in event
        if analyser is not None:
            try:
                analyser.prepare(event)
            except Exception as exc:  # stored untagged; the failure is reported below
                failed = failed or f"prepare: {type(exc).__name__}: {exc}"
            events.append(event)
        batch.add(event)
    analysis: Any = None
    if analyser is not None:
        try:
            analysis = analyser.analyse(events) if failed is None else AnalysisFailed(failed)
        except Exception as exc:  # the events are stored; the analysis is reported as lost
            analysis = AnalysisFailed(f"analyse: {type(exc).__name__}: {exc}")
    return errors, truncated, batch.tables(), analysis


def parse_chunks(groups: list[tuple[str, list[Item]]], naive_tz: dt.tzinfo) -> list[Parsed]:
    """`parse_chunk` of each (source, items) group, in one call to a parsing process (a UDP chunk holds the
    datagrams of several senders, each group bound for its own source)."""
    return [parse_chunk(source, items, naive_tz) for source, items in groups]


def _warm_up(seconds: float) -> None:
    """Make a parsing process start and import the parser before the first messages arrive."""
    time.sleep(seconds)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, receiver: SyslogReceiver) -> None:
        self.receiver = receiver

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.receiver._datagram(data, str(addr[0]))

    def error_received(self, exc: Exception) -> None:
        _log.warning("syslog UDP socket error: %s", exc)


Target = tuple[str, EventWriter]
"""Where a message goes: the writer's key and the writer."""

_WARNED_PEERS = 1024  # unrouted senders logged by name (each once); more are only counted


class SyslogReceiver:
    """Receive syslog on the ports `start` opens and hand each message as an event to `sink` (see the module
    docstring). `counters` tells what happened; `udp_port`, `tcp_port`, `tls_port` are the ports bound (useful
    with port 0).

    `sink`: a callable taking each event; one `EventWriter` (every message goes to it; its key is its `source`);
    or a mapping key → `EventWriter` with `route`, a callable giving the key of a sender's address (e.g.
    `routing.SenderRoutes`) — a message routed to None or to a key not in the mapping is counted in
    `counters.unrouted` and not stored. `stored_by` counts the events written per key (`counters.stored` is their
    sum). Each writer must appear once.

    With `parse_workers` > 0 (only with writers) messages are parsed in that many processes, in chunks of one
    read (TCP) or up to `_UDP_CHUNK` datagrams (grouped by writer), and come back as Arrow tables: the event loop
    then only reads, frames and writes, and parsing uses every core. At most two chunks per worker are in flight.

    `analyser` (with `parse_workers`): a picklable factory run once in each parsing process, building an object
    with `prepare(event)` (called on each event before it is stored) and `analyse(events)` (called on each chunk;
    see `mamori.engines.logs.live`); `on_analysis(key, analysis)` receives every chunk's result on the event loop
    with the key of the writer that stored the chunk, after the chunk's events were handed to it. It must be quick
    (buffer, and do the work elsewhere).
    """

    def __init__(self, sink: Sink | EventWriter | Mapping[str, EventWriter], *,
                 route: Callable[[str], str | None] | None = None, max_connections: int = 512,
                 idle_timeout: float = 600.0, handshake_timeout: float = 10.0, max_frame: int = MAX_FRAME,
                 naive_tz: dt.tzinfo = JST, flush_interval: float = 1.0, parse_workers: int = 0,
                 analyser: Callable[[], Any] | None = None,
                 on_analysis: Callable[[str, Any], None] | None = None, max_pending: int | None = None) -> None:
        writers: dict[str, EventWriter] = {}
        self._sink: Sink | None = None
        self._single: Target | None = None  # one EventWriter: every message goes to it, no routing
        if isinstance(sink, EventWriter):
            if route is not None:
                raise ValueError("route needs a mapping of writers (a single EventWriter takes every message)")
            writers[sink.source] = sink
            self._single = (sink.source, sink)
        elif isinstance(sink, Mapping):
            if route is None:
                raise ValueError("a mapping of writers needs route, which names the writer of a sender")
            if not sink:
                raise ValueError("the mapping of writers is empty")
            for key, writer in sink.items():
                if not isinstance(writer, EventWriter):
                    raise TypeError(f"the writer of {key!r} is a {type(writer).__name__}, not an EventWriter")
                if any(writer is other for other in writers.values()):
                    raise ValueError(f"one EventWriter is given under two keys (one is {key!r})")
                writers[key] = writer
            missing = sorted(route.keys - set(writers)) if isinstance(route, SenderRoutes) else []
            if missing:
                _log.warning("syslog senders routed to %s are not stored: no writer has that key", missing)
        else:
            if route is not None:
                raise ValueError("route applies to writers; a callable sink can route on the event's _source")
            self._sink = sink
        if parse_workers and not writers:
            raise ValueError("parse_workers needs an EventWriter sink (or a mapping of them)")
        if analyser is not None and not parse_workers:
            raise ValueError("an analyser runs in the parsing processes: give parse_workers")
        self.analyser = analyser
        self.on_analysis = on_analysis
        self.analysis_errors = 0
        self.counters = ReceiverCounters()
        self.stored_by: dict[str, int] = dict.fromkeys(writers, 0)
        #: Events all writers may hold together before reading pauses and the largest batches are written
        #: (default: two full batches), so memory does not grow with the number of sources.
        self.max_pending = max_pending or 2 * max((w.max_events for w in writers.values()), default=0)
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.handshake_timeout = handshake_timeout
        self.max_frame = max_frame
        self.naive_tz = naive_tz
        self.flush_interval = flush_interval
        self.parse_workers = parse_workers
        self.udp_port: int | None = None
        self.tcp_port: int | None = None
        self.tls_port: int | None = None
        self._writers = writers
        self._route = route
        self._warned: set[str] = set()
        self._servers: list[asyncio.Server] = []
        self._udp: asyncio.DatagramTransport | None = None
        self._streams: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._flusher: asyncio.Task[None] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._inflight: set[asyncio.Future[list[Parsed]]] = set()
        self._udp_items: dict[str, list[Item]] = {}
        self._udp_count = 0
        self._udp_timer: asyncio.TimerHandle | None = None
        self._due = asyncio.Event()
        self._progress = asyncio.Event()
        self._writing = False
        self._closing = False

    @property
    def writers(self) -> dict[str, EventWriter]:
        """The writers by key (a copy)."""
        return dict(self._writers)

    def reroute(self, route: Callable[[str], str | None], new_writers: Mapping[str, EventWriter] | None = None) -> None:
        """Route anew while receiving (call on the event loop): `route` replaces the old one and `new_writers` are
        added to the mapping. Streams open now are routed anew from their next read. Only with a mapping of
        writers; a writer is never removed (what it buffered is still written)."""
        if self._single is not None or self._route is None:
            raise ValueError("reroute needs a receiver built with a mapping of writers and a route")
        for key, writer in (new_writers or {}).items():
            if key in self._writers:
                raise ValueError(f"a writer with the key {key!r} is already there")
            self._writers[key] = writer
            self.stored_by.setdefault(key, 0)
        self._route = route
        self._warned.clear()

    @property
    def open_streams(self) -> int:
        """TCP/TLS connections open now."""
        return len(self._streams)

    # -- life cycle ---------------------------------------------------------------------------------------------

    async def start(self, *, host: str = "127.0.0.1", udp_port: int | None = None, tcp_port: int | None = None,
                    tls_port: int | None = None, ssl_context: ssl.SSLContext | None = None) -> None:
        """Open the ports that are not None (0 = any free port; read the bound one from `udp_port` …).
        `tls_port` needs `ssl_context` (see `make_server_ssl_context`). Parsing processes are started first."""
        if tls_port is not None and ssl_context is None:
            raise ValueError("tls_port needs ssl_context")
        loop = asyncio.get_running_loop()
        self._closing = False
        try:
            if self.parse_workers:
                self._pool = ProcessPoolExecutor(self.parse_workers, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_init_parser, initargs=(self.analyser,))
                await asyncio.gather(*(loop.run_in_executor(self._pool, _warm_up, 0.2)
                                       for _ in range(self.parse_workers)))
            if udp_port is not None:
                transport, _ = await loop.create_datagram_endpoint(lambda: _Datagrams(self),
                                                                   local_addr=(host, udp_port))
                self._udp = transport
                self.udp_port = int(transport.get_extra_info("sockname")[1])
            if tcp_port is not None:
                self.tcp_port = await self._listen(host, tcp_port, None)
            if tls_port is not None:
                self.tls_port = await self._listen(host, tls_port, ssl_context)
        except BaseException:
            await self.stop()
            raise
        if self._writers:
            self._flusher = asyncio.create_task(self._flush_loop())

    async def _listen(self, host: str, port: int, context: ssl.SSLContext | None) -> int:
        async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._stream(reader, writer, context)

        server = await asyncio.start_server(accepted, host, port, limit=_READ_SIZE)
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    async def stop(self, *, grace: float = 5.0) -> None:
        """Close the ports, let open streams finish for up to `grace` seconds (then cut them), parse what is in
        flight and write every writer's buffered events."""
        for server in self._servers:
            server.close()
        if self._udp is not None:
            self._udp.close()
        if self._streams:
            _done, pending = await asyncio.wait(set(self._streams), timeout=grace)
            for task in pending:  # cut the stream: its read ends and the task finishes what it read
                self._streams[task].transport.abort()
            await asyncio.gather(*pending, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        self._udp = None
        self._submit_udp()
        if self._inflight:
            await asyncio.gather(*set(self._inflight), return_exceptions=True)
        if self._pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._pool.shutdown)
            self._pool = None
        self._closing = True
        self._due.set()
        if self._flusher is not None:  # it writes what is buffered, then ends
            await asyncio.gather(self._flusher, return_exceptions=True)
            self._flusher = None
        await self._write(force=True)

    async def serve_until(self, stop: asyncio.Event) -> None:
        """Wait until `stop` is set, then `stop()` the receiver."""
        await stop.wait()
        await self.stop()

    # -- routing ------------------------------------------------------------------------------------------------

    def _target(self, peer: str, count: int) -> Target | None:
        """The writer of `count` messages from `peer`; None (and the messages counted unrouted) when there is none.
        Only with writers."""
        if self._single is not None:
            return self._single
        assert self._route is not None  # noqa: S101 - a mapping of writers always comes with route
        try:
            key = self._route(peer)
        except Exception:  # a broken route must not stop the receiver: the messages are counted as unrouted
            _log.exception("routing the syslog sender %s failed", peer)
            key = None
        writer = None if key is None else self._writers.get(key)
        if writer is None or key is None:
            self.counters.unrouted += count
            if peer not in self._warned and len(self._warned) < _WARNED_PEERS:
                self._warned.add(peer)
                _log.warning("syslog from %s is routed to %s: not stored", peer,
                             "no source" if key is None else f"{key!r}, which has no writer")
            return None
        return key, writer

    # -- messages in this process -------------------------------------------------------------------------------

    def _message(self, data: bytes, peer: str, received: dt.datetime, target: Target | None) -> None:
        counters = self.counters
        event = parse_message(data, received=received, peer=peer, naive_tz=self.naive_tz)
        if "_parse_error" in event:
            counters.parse_errors += 1
        if "_truncated" in event:
            counters.truncated += 1
        try:
            if target is not None:
                target[1].append(event)  # counted as stored once written
                return
            assert self._sink is not None  # noqa: S101 - without writers there is always a sink
            self._sink(event)
        except Exception:  # a bad event must not stop the receiver
            counters.dropped += 1
            _log.exception("syslog event from %s could not be stored", peer)
            return
        counters.stored += 1

    def _datagram(self, data: bytes, peer: str) -> None:
        counters = self.counters
        counters.received += 1
        if not self._writers:
            self._message(data, peer, dt.datetime.now(dt.UTC), None)
            return
        target = self._target(peer, 1)
        if target is None:
            return
        key, writer = target
        before = writer.pending
        pending = self._pending() if len(self._writers) > 1 else before  # all writers summed once per datagram
        if (before >= 2 * writer.max_events or len(self._inflight) >= 4 * max(1, self.parse_workers)
                or pending >= 2 * self.max_pending):
            counters.dropped += 1  # the writer is behind and UDP cannot be slowed down
            return
        if self._pool is None:
            self._message(data, peer, dt.datetime.now(dt.UTC), target)
        else:
            items = self._udp_items.get(key)
            if items is None:
                items = self._udp_items[key] = []
            items.append((data, peer, time.time()))
            self._udp_count += 1
            if self._udp_count >= _UDP_CHUNK:
                self._submit_udp()
            elif self._udp_timer is None:
                self._udp_timer = asyncio.get_running_loop().call_later(_UDP_WAIT, self._submit_udp)
        pending += writer.pending - before  # what parsing in the loop just added (none when a process parses)
        if writer.pending >= writer.max_events or (len(self._writers) > 1 and pending >= self.max_pending):
            self._due.set()

    # -- streams ------------------------------------------------------------------------------------------------

    async def _stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                      context: ssl.SSLContext | None) -> None:
        task = asyncio.current_task()
        if len(self._streams) >= self.max_connections or task is None:
            self.counters.refused += 1
            writer.close()
            return
        self._streams[task] = writer
        try:
            peer = str((writer.get_extra_info("peername") or ("",))[0])
            if context is not None and not await self._handshake(writer, context, peer):
                return
            self.counters.connections += 1
            await self._read(reader, peer)
        finally:
            self._streams.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _handshake(self, writer: asyncio.StreamWriter, context: ssl.SSLContext, peer: str) -> bool:
        try:
            await writer.start_tls(context, ssl_handshake_timeout=self.handshake_timeout)
        except (ssl.SSLError, OSError, TimeoutError) as exc:
            self.counters.refused_tls += 1
            _log.warning("TLS handshake with %s refused: %s", peer, exc)
            return False
        return True

    async def _read(self, reader: asyncio.StreamReader, peer: str) -> None:
        decoder = FrameDecoder(self.max_frame)
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(reader.read(_READ_SIZE), self.idle_timeout)
                except TimeoutError:
                    self.counters.idle_closed += 1
                    break
                if not chunk:
                    break
                self._frames(decoder.feed(chunk), peer)
                await self._wait_for_room()
        except (ConnectionError, ssl.SSLError) as exc:
            _log.info("syslog stream from %s ended: %s", peer, exc)
        self._frames(decoder.flush(), peer)

    def _frames(self, frames: list[bytes], peer: str) -> None:
        if not frames:
            return
        self.counters.received += len(frames)
        target = None
        if self._writers:
            target = self._target(peer, len(frames))
            if target is None:
                return
        if self._pool is not None:
            assert target is not None  # noqa: S101 - parsing processes only with writers
            stamp = time.time()
            self._submit([(target[0], [(frame, peer, stamp) for frame in frames])])
            return
        received = dt.datetime.now(dt.UTC)
        for frame in frames:
            self._message(frame, peer, received, target)

    # -- parsing processes --------------------------------------------------------------------------------------

    def _submit_udp(self) -> None:
        if self._udp_timer is not None:
            self._udp_timer.cancel()
            self._udp_timer = None
        if self._udp_items:
            groups, self._udp_items, self._udp_count = list(self._udp_items.items()), {}, 0
            self._submit(groups)

    def _submit(self, groups: list[tuple[str, list[Item]]]) -> None:
        """Send one chunk to a parsing process: (key, items) groups, each parsed under its writer's source."""
        assert self._pool is not None  # noqa: S101 - only with parse_workers
        sources = [(self._writers[key].source, items) for key, items in groups]
        future = asyncio.get_running_loop().run_in_executor(self._pool, parse_chunks, sources, self.naive_tz)
        self._inflight.add(future)
        future.add_done_callback(functools.partial(self._parsed, [(key, len(items)) for key, items in groups]))

    def _parsed(self, groups: list[tuple[str, int]], future: asyncio.Future[list[Parsed]]) -> None:
        self._inflight.discard(future)
        self._progress.set()
        try:
            results = future.result()
        except Exception:  # a dead parsing process, an unpicklable table …: count the loss, keep receiving
            count = sum(size for _key, size in groups)
            self.counters.dropped += count
            _log.exception("a chunk of %d syslog messages could not be parsed", count)
            return
        for (key, count), (errors, truncated, tables, analysis) in zip(groups, results, strict=True):
            writer = self._writers[key]
            try:
                writer.extend(tables)
            except Exception:  # a table of another schema …: count the loss, keep receiving
                self.counters.dropped += count
                _log.exception("a chunk of %d syslog messages for %s could not be buffered", count, key)
                continue
            self.counters.parse_errors += errors
            self.counters.truncated += truncated
            if isinstance(analysis, AnalysisFailed):
                self.analysis_errors += 1
                _log.error("a chunk of %d syslog messages for %s was stored but not analysed: %s", count, key,
                           analysis)
            elif analysis is not None and self.on_analysis is not None:
                try:
                    self.on_analysis(key, analysis)
                except Exception:  # the events are stored; only their analysis is lost, and counted
                    self.analysis_errors += 1
                    _log.exception("the analysis of a chunk of %d syslog messages for %s could not be taken", count,
                                   key)
            if writer.pending >= writer.max_events or self._over():
                self._due.set()

    # -- writing ------------------------------------------------------------------------------------------------

    def _pending(self) -> int:
        return sum(writer.pending for writer in self._writers.values())

    def _over(self) -> bool:
        """True when the writers together hold `max_pending` events (many sources, none of them full yet)."""
        return len(self._writers) > 1 and self._pending() >= self.max_pending

    def _full(self) -> bool:
        """True when a writer holds a full batch, or all hold `max_pending` together (what they hold must be
        written before more is read)."""
        return any(writer.pending >= writer.max_events for writer in self._writers.values()) or self._over()

    def _roomy(self) -> bool:
        if not self._writers:
            return True
        return len(self._inflight) < 2 * max(1, self.parse_workers) and not self._full()

    async def _wait_for_room(self) -> None:
        """Backpressure: while a full batch of any writer waits to be written, or every parsing process is busy,
        read no more."""
        while not self._roomy():
            if self._full():
                self._due.set()
            self._progress.clear()
            await self._progress.wait()

    async def _flush_loop(self) -> None:
        while not self._closing:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._due.wait(), self.flush_interval)
            self._due.clear()
            await self._write(force=self._closing)

    async def _write(self, *, force: bool) -> None:
        """Write each writer's batch in a thread when it is due (or whenever `force`), one batch at a time, until
        no writer is due."""
        if self._writing:
            return
        self._writing = True
        try:
            wrote = True
            while wrote:
                wrote = False
                over = self._over()  # then the largest batches are written first, due or not, until under
                writers = list(self._writers.items())  # `reroute` may add one during a write
                if over:
                    writers.sort(key=lambda pair: -pair[1].pending)
                for key, writer in writers:
                    if not (writer.due or (force and writer.pending) or (over and writer.pending)):
                        continue
                    batch = writer.take()
                    if batch is None:
                        continue
                    wrote = True
                    self._progress.set()
                    try:
                        written = await asyncio.to_thread(writer.write, batch)
                    except Exception:
                        self.counters.dropped += batch.size
                        _log.exception("a batch of %d syslog events for %s could not be written", batch.size, key)
                    else:
                        self.counters.stored += written
                        self.stored_by[key] += written
                    over = over and self._over()
        finally:
            self._writing = False


def run_forever(store: EventStore, *, source: str = "syslog", host: str = "127.0.0.1", udp_port: int | None = None,
                tcp_port: int | None = None, tls_port: int | None = None, ssl_context: ssl.SSLContext | None = None,
                max_seconds: float = 5.0, on_ready: Callable[[SyslogReceiver], None] | None = None,
                options: Mapping[str, Any] | None = None) -> ReceiverCounters:
    """Receive into `store` under `source` until SIGINT or SIGTERM, then write everything and return the counters.

    `on_ready` is called once the ports are open (to print them); `options` go to `SyslogReceiver` (by default
    `parse_workers` is the number of CPUs). For the CLI
    (`mamori logs listen`); library code should use `SyslogReceiver` inside its own event loop.
    """

    async def main() -> ReceiverCounters:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        with store.writer(source, max_seconds=max_seconds) as writer:
            receiver = SyslogReceiver(writer, **{"parse_workers": os.cpu_count() or 1, **dict(options or {})})
            await receiver.start(host=host, udp_port=udp_port, tcp_port=tcp_port, tls_port=tls_port,
                                 ssl_context=ssl_context)
            if on_ready is not None:
                on_ready(receiver)
            await receiver.serve_until(stop)
        return receiver.counters

    return asyncio.run(main())
