"""`mamori logs listen` as a hospital runs it: one TCP port for every device, each sender's messages stored in the
log source that names its address, the rest in `--source`; stopped with Ctrl-C, nothing received is lost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mamori.engines.logs.store import EventStore
from tests.cli_helpers import DROP, mamori

SETUP = """
from mamori.tenancy.models import Facility
from mamori.monitoring.models import LogSource
facility = Facility.objects.create(code="kita", name="北病院")
LogSource.objects.create(facility=facility, code="misc", name="その他 syslog", kind="syslog")
LogSource.objects.create(facility=facility, code="fgt", name="FortiGate", kind="fortigate", senders="127.0.0.2")
LogSource.objects.create(facility=facility, code="sw", name="スイッチ", kind="syslog", senders="127.0.4.0/24")
"""

ADDED = """
from mamori.tenancy.models import Facility
from mamori.monitoring.models import LogSource
LogSource.objects.create(facility=Facility.objects.get(code="kita"), code="ups", name="UPS", kind="syslog",
                         senders="127.0.0.5")
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _send(port: int, sender: str, lines: list[str]) -> None:
    with socket.create_connection(("127.0.0.1", port), source_address=(sender, 0)) as sock:
        sock.sendall("".join(f"{line}\n" for line in lines).encode())


def _stored(data_dir: Path, partition: str) -> int:
    return EventStore(data_dir / "events").count(partition)


@pytest.mark.parametrize("workers", ["0", "1"])
def test_one_port_for_every_device_routes_each_sender_to_its_source(tmp_path: Path, workers: str) -> None:
    assert mamori(tmp_path, "migrate").returncode == 0
    env = {k: v for k, v in os.environ.items() if k not in DROP}
    env |= {"MAMORI_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "mamori.settings"}
    subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + SETUP], env=env, check=True,
                   timeout=120)
    port = _free_port()
    listener = subprocess.Popen(
        [sys.executable, "-m", "mamori.cli", "--data-dir", str(tmp_path), "logs", "listen", "--source", "misc",
         "--host", "127.0.0.1", "--tcp", str(port), "--workers", workers, "--reroute-every", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert listener.stdout is not None
        table: list[str] = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = listener.stdout.readline()
            assert line, listener.stderr.read() if listener.stderr else "listener ended"
            if line.startswith("  from "):
                table.append(line.split())
                if line.split()[1] == "*":
                    break
        assert table == [["from", "127.0.0.2", "into", "fgt"], ["from", "127.0.4.0/24", "into", "sw"],
                         ["from", "*", "into", "misc"]]
        fortigate = [f'date=2026-12-07 time=10:00:{n:02d} devname="fgt-1" logid="0101039426" type="event" '
                     f'subtype="vpn" level="alert" action="ssl-login-fail" remip=203.0.113.9 user="admin"'
                     for n in range(30)]
        switches = [f"<189>Dec  7 10:00:{n:02d} sw-{n % 3} port up" for n in range(12)]
        _send(port, "127.0.0.2", fortigate)
        _send(port, "127.0.4.20", switches)
        _send(port, "127.0.0.1", ["<13>Dec  7 10:00:00 printer1 job done"])
        _send(port, "127.0.0.5", ["<13>Dec  7 10:00:01 ups1 on mains"])  # no source names it yet: the default
        subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + ADDED], env=env, check=True,
                       timeout=120)  # as a manager adds the UPS on the web page while the listener runs
        changed = []
        while time.monotonic() < deadline:
            line = listener.stdout.readline()
            assert line, listener.stderr.read() if listener.stderr else "listener ended"
            if line.startswith("  from "):
                changed.append(line.split()[1:4:2])
                if line.split()[1] == "*":
                    break
        assert ["127.0.0.5", "ups"] in changed
        _send(port, "127.0.0.5", ["<13>Dec  7 10:05:00 ups1 on battery", "<13>Dec  7 10:05:09 ups1 on mains"])
        time.sleep(2.0)
    finally:
        listener.send_signal(signal.SIGINT)
        out, err = listener.communicate(timeout=120)
    assert listener.returncode == 0, err
    assert "stored 46 events" in out, out + err
    assert _stored(tmp_path, "f1-fgt") == 30
    assert _stored(tmp_path, "f1-sw") == 12
    assert _stored(tmp_path, "f1-misc") == 2
    assert _stored(tmp_path, "f1-ups") == 2  # routed to the new source without a restart
