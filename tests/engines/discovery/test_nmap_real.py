"""The Debian nmap run against services started here on 127.0.0.1, its -oX output parsed and diffed."""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from mamori.engines.discovery import (
    LedgerHost,
    NmapPort,
    NmapScan,
    SegmentInfo,
    diff_against_ledger,
    parse_nmap_xml,
)

NMAP = shutil.which("nmap")
pytestmark = pytest.mark.skipif(NMAP is None, reason="nmap is not installed (apt-get install nmap)")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


class _BannerServer:
    """A TCP server on a free port that sends `banner` to each client, then waits briefly and closes."""

    def __init__(self, banner: bytes) -> None:
        self.banner = banner
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)  # so the thread notices `stop` (close() does not wake accept())
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with client:
                try:
                    if self.banner:
                        client.sendall(self.banner)
                        client.settimeout(3)
                        client.recv(256)
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self.listener.close()


@dataclass
class _Run:
    scan: NmapScan
    ports: dict[str, int]
    xml: Path


@pytest.fixture(scope="module")
def nmap_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Run]:
    root = tmp_path_factory.mktemp("nmap")
    (root / "www").mkdir()
    (root / "www" / "index.html").write_text("<title>Mamori test</title>", encoding="utf-8")
    banners = {
        "ssh": _BannerServer(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"),
        "vnc": _BannerServer(b"RFB 003.008\n"),
        "telnet": _BannerServer(b"\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"),  # telnetd option offers
        "silent": _BannerServer(b""),  # accepts and hangs up at once: nmap says "tcpwrapped"
    }
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(root / "www")))
    http_thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    http_thread.start()
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    ports = {name: server.port for name, server in banners.items()} | {
        "http": httpd.server_address[1], "closed": closed_port}
    xml = root / "scan.xml"
    try:
        subprocess.run(
            [str(NMAP), "-sV", "-Pn", "-p", ",".join(str(port) for port in ports.values()), "-oX", str(xml),
             "127.0.0.1"],
            check=True, capture_output=True, timeout=300,
        )
        yield _Run(parse_nmap_xml(xml), ports, xml)
    finally:
        httpd.shutdown()
        httpd.server_close()
        http_thread.join(timeout=10)
        for server in banners.values():
            server.close()


def _port(run: _Run, name: str) -> NmapPort:
    (host,) = run.scan.hosts
    return next(port for port in host.ports if port.portid == run.ports[name])


def test_real_scan_header_names_nmap_its_arguments_and_target(nmap_run: _Run) -> None:
    scan = nmap_run.scan
    assert scan.scanner == "nmap"
    assert scan.version.split(".")[0].isdigit()
    assert scan.args.split()[0].endswith("nmap")
    assert " -sV -Pn -p " in scan.args
    assert scan.targets == ("127.0.0.1",)
    assert scan.start is not None and scan.start.tzinfo is not None
    assert scan.exit_status == "success"
    assert scan.scaninfo[0].protocol == "tcp"
    assert scan.scaninfo[0].numservices == len(nmap_run.ports)


def test_real_scan_host_is_up_with_its_address_and_name(nmap_run: _Run) -> None:
    (host,) = nmap_run.scan.hosts
    assert host.status == "up"
    assert host.ipv4 == "127.0.0.1"
    assert host.answered  # -Pn marks it up; the open ports prove it is there
    assert "localhost" in {name.name for name in host.hostnames}


def test_real_scan_recognises_the_ssh_banner_with_product_version_and_cpe(nmap_run: _Run) -> None:
    port = _port(nmap_run, "ssh")
    assert (port.protocol, port.state, port.reason) == ("tcp", "open", "syn-ack")
    assert port.service is not None
    assert (port.service.name, port.service.product) == ("ssh", "OpenSSH")
    assert port.service.version.startswith("9.2p1")
    assert port.service.method == "probed"
    assert port.service.conf == 10
    assert "cpe:/a:openbsd:openssh:9.2p1" in port.service.cpes


def test_real_scan_recognises_the_python_http_server(nmap_run: _Run) -> None:
    port = _port(nmap_run, "http")
    assert port.is_open and port.service is not None
    assert port.service.name == "http"
    assert "HTTP" in port.service.product
    assert "Python" in port.service.extrainfo


def test_real_scan_recognises_vnc_and_telnet_and_a_closed_port(nmap_run: _Run) -> None:
    vnc, telnet, closed = _port(nmap_run, "vnc"), _port(nmap_run, "telnet"), _port(nmap_run, "closed")
    assert vnc.service is not None and vnc.service.name == "vnc"
    assert telnet.service is not None and telnet.service.name == "telnet"
    assert (closed.state, closed.is_open) == ("closed", False)


def test_real_scan_silent_port_is_open_but_unidentified(nmap_run: _Run) -> None:
    port = _port(nmap_run, "silent")
    assert port.is_open
    assert port.service is not None and port.service.name == "tcpwrapped"


def test_real_scan_unregistered_localhost_is_reported(nmap_run: _Run) -> None:
    diff = diff_against_ledger(nmap_run.scan, [], [])
    assert [host.address for host in diff.unregistered] == ["127.0.0.1"]
    assert "no ledger entry" in diff.unregistered[0].reason_en
    assert "台帳" in diff.unregistered[0].reason_ja


def test_real_scan_on_a_maintenance_segment_flags_telnet_and_vnc_but_not_ssh_or_http(nmap_run: _Run) -> None:
    ledger = [LedgerHost("A-001", "保守用端末", ips=("127.0.0.1",), segment_kind="maintenance")]
    diff = diff_against_ledger(nmap_run.scan, ledger, [SegmentInfo("MNT-LO", "127.0.0.0/8", "maintenance")])
    assert diff.unregistered == ()
    assert [(match.ledger.key, match.matched_by) for match in diff.matched] == [("A-001", ("ip",))]
    found = {(finding.rule, finding.port) for finding in diff.exposed}
    assert found == {("telnet", nmap_run.ports["telnet"]), ("vnc", nmap_run.ports["vnc"])}
    assert all(finding.ledger_key == "A-001" for finding in diff.exposed)


def test_real_scan_ledger_host_in_range_but_absent_is_not_seen_and_one_outside_is_not_judged(nmap_run: _Run) -> None:
    ledger = [
        LedgerHost("A-001", "保守用端末", ips=("127.0.0.1",)),
        LedgerHost("A-002", "撤去済み端末", ips=("127.0.0.2",)),  # not a target of this scan
    ]
    diff = diff_against_ledger(nmap_run.scan, ledger, [])
    assert diff.not_seen == ()
