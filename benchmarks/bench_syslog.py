"""Benchmark: the live syslog receiver writing into the Parquet event store.

A sender process (standing in for the network's devices, so it does not share the receiver's event loop) opens
--clients (default 4) TCP connections and sends --messages (default 400,000) pre-generated, realistic mixed
messages as fast as the receiver takes them:

- RFC 5424 from Windows forwarders (Security 4624/4625/4688 with structured data, octet-counted framing);
- RFC 3164 from Linux (sshd, sudo, cron, kernel; LF framing), a share of them in CP932 from Japanese devices;
- FortiGate key=value logs (traffic, SSL-VPN), RFC 3164 wrapped, LF framing.

The receiver (`SyslogReceiver` → `EventStore.writer`) runs in this process; the figure is messages/s sustained
from the first byte sent until every message is written to Parquet (stop() flushes), with the check that the
DuckDB count equals the number sent. Peak RSS of the receiver process is printed (--tracemalloc adds the peak of
Python allocations, at a large speed cost); --profile prints where the receiver's time went.

With --detect the receiver does what `mamori logs listen` does: each parsing process also matches the events
against Mamori's rules (`engines.logs.live.LiveAnalyser`; --rules adds folders, e.g. the SigmaHQ Windows rules)
and the receiving process takes every chunk's detections into a `Detector` (correlation included) and merges its
health tracker into the stream's `HealthTracker`; the detections and correlation alerts are printed.

Target: ≥ 20,000 msg/s with no loss on this 2-core machine.
Run: .venv/bin/python benchmarks/bench_syslog.py [--messages 400000] [--clients 4] [--batch 50000] [--workers N]
     [--detect [--rules DIR]...] [--route] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import multiprocessing
import os
import pstats
import random
import resource
import socket
import sys
import tempfile
import threading
import time
import tracemalloc
from multiprocessing.connection import Connection
from pathlib import Path

from mamori.engines.logs.receiver import SyslogReceiver
from mamori.engines.logs.store import EventStore, EventWriter

USERS = ("yamada", "suzuki", "tanaka", "sato", "takahashi", "admin", "nurse01", "dr_ito")
HOSTS = ("PC-GAIRAI-01", "PC-NS3F-07", "PC-RAD-02", "DC01", "EMR-APP01", "PACS01")
JP_TEXTS = ("患者データのバックアップに失敗しました", "ディスク容量が不足しています", "電子カルテ連携エラー")


NOW = time.time()


def moment(rng: random.Random) -> tuple[time.struct_time, int]:
    """A time within the last minute, as a live feed has: JST wall clock (the devices' zone) and epoch seconds."""
    epoch = NOW - rng.random() * 60
    return time.gmtime(epoch + 9 * 3600), int(epoch)


def windows_5424(rng: random.Random, n: int) -> bytes:
    event_id = rng.choice((4624, 4624, 4625, 4688, 4634))
    host = rng.choice(HOSTS)
    user = rng.choice(USERS)
    ip = f"10.{rng.randint(1, 30)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", moment(rng)[0])
    body = (f'<134>1 {stamp}.{rng.randint(0, 999999):06d}+09:00 {host}.hospital.local '
            f'Microsoft-Windows-Security-Auditing {rng.randint(100, 9000)} {event_id} '
            f'[win@32473 EventID="{event_id}" EventRecordID="{n}" '
            f'TargetUserName="{user}" TargetDomainName="HOSPITAL" LogonType="{rng.choice((2, 3, 10))}" '
            f'IpAddress="{ip}" WorkstationName="{host}"] An account was logged on. Subject: Security ID: S-1-5-18 '
            f'Account Name: {host}$ Logon Process: NtLmSsp Authentication Package: NTLM')
    data = body.encode("utf-8")
    return f"{len(data)} ".encode() + data


def linux_3164(rng: random.Random, n: int) -> bytes:
    host = f"srv{rng.randint(1, 40):02d}"
    when = moment(rng)[0]
    stamp = time.strftime("%b ", when) + f"{when.tm_mday:2d}" + time.strftime(" %H:%M:%S", when)
    kind = rng.random()
    if kind < 0.35:
        line = (f"<38>{stamp} {host} sshd[{rng.randint(300, 60000)}]: Failed password for invalid user "
                f"{rng.choice(USERS)} from 203.0.113.{rng.randint(1, 254)} port {rng.randint(1024, 65535)} ssh2")
    elif kind < 0.55:
        line = (f"<86>{stamp} {host} sudo: {rng.choice(USERS)} : TTY=pts/0 ; PWD=/home ; USER=root ; "
                f"COMMAND=/usr/bin/systemctl restart emr-sync")
    elif kind < 0.75:
        line = f"<78>{stamp} {host} CRON[{rng.randint(300, 60000)}]: (root) CMD (/usr/local/bin/backup.sh {n})"
    elif kind < 0.9:
        line = (f"<4>{stamp} {host} kernel: [UFW BLOCK] IN=eth0 OUT= SRC=198.51.100.{rng.randint(1, 254)} "
                f"DST=10.0.0.5 PROTO=TCP SPT={rng.randint(1024, 65535)} DPT=445")
    else:
        text = rng.choice(JP_TEXTS)
        return f"<11>{stamp} nas{rng.randint(1, 3)} backup[{n}]: {text} (ジョブ {n})\n".encode("cp932")
    return line.encode("utf-8") + b"\n"


def fortigate(rng: random.Random, n: int) -> bytes:
    when, epoch = moment(rng)
    stamp = time.strftime("date=%Y-%m-%d time=%H:%M:%S", when)
    head = f'<189>{stamp} devname="FG100F-HQ" devid="FG100FTK19000000" eventtime={epoch}000000000 tz="+0900"'
    if rng.random() < 0.8:
        action = rng.choice(("accept", "accept", "deny", "close"))
        line = (f'{head} logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root" '
                f'srcip=10.{rng.randint(1, 30)}.{rng.randint(0, 255)}.{rng.randint(1, 254)} '
                f'srcport={rng.randint(1024, 65535)} srcintf="port1" dstip=93.184.{rng.randint(0, 255)}.'
                f'{rng.randint(1, 254)} dstport=443 dstintf="wan1" proto=6 action="{action}" policyid=12 '
                f'service="HTTPS" sentbyte={rng.randint(100, 99999)} rcvdbyte={rng.randint(100, 999999)}')
    else:
        line = (f'{head} logid="0101039426" type="event" subtype="vpn" level="alert" vd="root" '
                f'logdesc="SSL VPN login fail" action="ssl-login-fail" tunneltype="ssl-web" '
                f'remip=198.51.100.{rng.randint(1, 254)} user="{rng.choice(USERS)}" group="N/A" '
                f'reason="sslvpn_login_unknown_user" msg="SSL user failed to logged in"')
    return line.encode("utf-8") + b"\n"


MIX = ((windows_5424, 0.4), (linux_3164, 0.3), (fortigate, 0.3))


def stream(client: int, count: int, seed: int) -> bytes:
    """`count` messages for one connection, the mix drawn at random."""
    rng = random.Random(seed * 1000 + client)
    makers = [maker for maker, share in MIX for _ in range(round(share * 10))]
    return b"".join(rng.choice(makers)(rng, client * count + n) for n in range(count))


def device(client: int) -> str:
    """The loopback address client `client` sends from with --route (one device each)."""
    return f"127.0.{client // 250}.{client % 250 + 2}"


def sender(port: int, clients: int, per_client: int, seed: int, pipe: Connection, routed: bool = False) -> None:
    """The devices: build every stream, tell the parent, then send them all at once over `clients` sockets
    (with `routed`, each from its own address)."""
    blobs = [stream(client, per_client, seed) for client in range(clients)]
    sockets = [socket.create_connection(("127.0.0.1", port), source_address=(device(n), 0) if routed else None)
               for n in range(len(blobs))]
    pipe.send(sum(len(blob) for blob in blobs))
    pipe.recv()  # go

    def push(sock: socket.socket, blob: bytes) -> None:
        sock.sendall(blob)
        sock.close()

    threads = [threading.Thread(target=push, args=pair) for pair in zip(sockets, blobs, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    pipe.send("sent")


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Analysis:
    """The receiving process's side of --detect: what `LivePipeline` keeps centrally."""

    def __init__(self, rules: list[Path], cache: Path) -> None:
        from mamori.engines.logs.detect import Detector
        from mamori.engines.logs.health import HealthTracker
        from mamori.engines.logs.hunt import load_correlations
        from mamori.engines.logs.sigma import load_or_compile

        ruleset, _ = load_or_compile(rules, cache)
        self.rules = len(ruleset.rules)
        self.detector = Detector(ruleset, load_correlations(rules[1:]))
        self.health = HealthTracker()
        self.chunks = self.hits = 0

    def take(self, key: str, analysis: object) -> None:
        """One chunk's analysis for the writer `key` (one source here: "syslog")."""
        self.chunks += 1
        self.detector.take(analysis.detections)  # type: ignore[attr-defined]
        self.health.merge(analysis.health)  # type: ignore[attr-defined]


async def receive(args: argparse.Namespace, root: Path) -> None:
    store = EventStore(root)
    total = args.clients * (args.messages // args.clients)
    options: dict[str, object] = {}
    analysis = None
    if args.detect:
        from mamori.engines.logs.hunt import BUILTIN_RULES
        from mamori.engines.logs.live import analyser_factory

        rules = [BUILTIN_RULES, *args.rules]
        analysis = Analysis(rules, root / "rules.pickle")
        options = {"analyser": analyser_factory(rules, root / "rules.pickle"), "on_analysis": analysis.take}
        print(f"detection in the parsing processes: {analysis.rules:,} rules", flush=True)
    keys = [f"device{n}" for n in range(args.clients)] if args.route else ["syslog"]
    with contextlib.ExitStack() as stack:
        writers = {key: stack.enter_context(store.writer(key, max_events=args.batch)) for key in keys}
        if args.route:  # every client is a device with its own source, as `mamori logs listen` routes them
            from mamori.engines.logs.routing import SenderRoutes

            options["route"] = SenderRoutes({key: [device(n)] for n, key in enumerate(keys)})
            sink: EventWriter | dict[str, EventWriter] = writers
        else:
            sink = writers["syslog"]
        receiver = SyslogReceiver(sink, max_connections=args.clients + 8, parse_workers=args.workers,
                                  **options)  # type: ignore[arg-type]
        await receiver.start(tcp_port=0)
        assert receiver.tcp_port
        parent, child = multiprocessing.Pipe()
        process = multiprocessing.get_context("spawn").Process(
            target=sender, args=(receiver.tcp_port, args.clients, total // args.clients, args.seed, child,
                                 args.route))
        process.start()
        loop = asyncio.get_running_loop()
        size = await loop.run_in_executor(None, parent.recv)
        print(f"generated {total:,} messages ({size / 1e6:,.0f} MB) for {args.clients} TCP clients", flush=True)
        profile = cProfile.Profile() if args.profile else None
        if args.tracemalloc:
            tracemalloc.start()
        started = time.perf_counter()
        if profile:
            profile.enable()
        parent.send("go")
        while receiver.counters.received < total:
            if not process.is_alive() and not receiver.open_streams:
                break  # everything sent and read: the rest was lost
            await asyncio.sleep(0.05)
        received_at = time.perf_counter() - started
        await receiver.stop()
        elapsed = time.perf_counter() - started
        if profile:
            profile.disable()
        process.join()
    counted = store.count()
    files = len(store.files())
    counters = receiver.counters
    if args.route:
        each = {key: store.count(key) for key in keys}
        routed_ok = all(count == total // args.clients for count in each.values()) and not counters.unrouted
        print(f"routed to {len(keys)} sources by sender: {'each source holds its device' if routed_ok else 'WRONG'}"
              f" ({min(each.values()):,}–{max(each.values()):,} events each, unrouted {counters.unrouted})",
              flush=True)
        if not routed_ok:
            sys.exit(1)
    print(f"received {counters.received:,} in {received_at:.1f} s; stored {counters.stored:,} (DuckDB count "
          f"{counted:,}, {files} part files) in {elapsed:.1f} s; parse errors {counters.parse_errors}, "
          f"dropped {counters.dropped}", flush=True)
    status = "OK" if counted == total == counters.stored else "LOSS"
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"sustained sent→stored: {total / elapsed:,.0f} msg/s [{status}: stored == sent is "
          f"{counted == total}]; peak RSS of the receiver process {rss_mb():,.0f} MB, of the largest child "
          f"(a parsing process, or the sender holding every stream) {children:,.0f} MB", flush=True)
    if analysis is not None:
        hits = analysis.detector.finish()
        print(f"detection: {analysis.detector.detections:,} detections in {analysis.chunks:,} chunks; "
              f"{len(hits):,} hits, of them {sum(h.kind == 'correlation' for h in hits):,} correlation alerts; "
              f"health: {analysis.health.events:,} events in {len(analysis.health.profiles()):,} streams",
              flush=True)
    if args.tracemalloc:
        print(f"peak Python allocations (tracemalloc): {tracemalloc.get_traced_memory()[1] / 1e6:,.0f} MB")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(18)
    if status != "OK":
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=400_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50_000, help="events per Parquet batch")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="parsing processes (0: parse in the event loop)")
    parser.add_argument("--detect", action="store_true", help="match the rules in the parsing processes, as "
                        "`mamori logs listen` does, and correlate and track health in the receiving process")
    parser.add_argument("--rules", type=Path, action="append", default=[], help="more Sigma rule folders")
    parser.add_argument("--route", action="store_true", help="each client sends from its own 127.x address and "
                        "is routed to its own source (as one `mamori logs listen` for every device)")
    parser.add_argument("--profile", action="store_true", help="cProfile the receiver")
    parser.add_argument("--tracemalloc", action="store_true", help="trace Python allocations (slow)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-syslog-") as folder:
        asyncio.run(receive(args, Path(folder)))


if __name__ == "__main__":
    main()
