"""Discovery: an nmap scan compared with the ledger; unknown hosts can be registered; bad XML stores nothing."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from mamori import cli
from mamori.demo.generator import generate_hospital
from mamori.demo.loader import load_demo
from mamori.demo.nmap_scan import PRIVATE_PC_ADDRESS, demo_scan_xml
from mamori.ledger.discovery import import_nmap, register_finding
from mamori.ledger.models import Asset, DiscoveryFinding, DiscoveryRun, NetworkSegment
from mamori.ledger.services import ledger_todos
from mamori.tenancy.models import Facility
from tests import factories

pytestmark = pytest.mark.django_db
BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
                  b']><nmaprun scanner="nmap">&lol2;</nmaprun>')


@pytest.fixture
def hospital() -> Facility:
    load_demo(assets_target=400)
    return Facility.objects.get()


def _titles(user: object) -> dict[str, int]:
    with translation.override("en"):
        return {t.title: t.count for t in ledger_todos(user)}


def test_the_demo_scan_finds_the_private_pc_and_exposed_services(hospital: Facility) -> None:
    run = DiscoveryRun.objects.get()
    unregistered = run.findings.filter(kind="unregistered")
    assert [f.address for f in unregistered] == [PRIVATE_PC_ADDRESS]
    assert unregistered[0].hostname == "DESKTOP-7H2KQ9P" and "3389/tcp" in unregistered[0].evidence
    exposed = {(f.address, f.port) for f in run.findings.filter(kind="exposed")}
    monitor = Asset.objects.get(key="SV-90005")
    assert (PRIVATE_PC_ADDRESS, 3389) in exposed and (monitor.ip_address, 5900) in exposed
    assert run.findings.filter(kind="not_seen").count() == run.not_seen_count > 0
    titles = _titles(factories.user("security_manager", hospital, mfa=True))
    assert titles["Devices on the network that are not in the ledger"] == 1


def test_register_an_unknown_host_from_the_page(client: Client, hospital: Facility) -> None:
    manager = factories.user("security_manager", hospital, mfa=True)
    factories.login(client, manager)
    run = DiscoveryRun.objects.get()
    page = client.get(run.get_absolute_url()).content.decode()
    assert "DESKTOP-7H2KQ9P" in page and "台帳に登録" in page
    finding = run.findings.get(kind="unregistered")
    response = client.post(reverse("ledger:discovery_register", args=[run.pk, finding.pk]))
    asset = Asset.objects.get(ip_address=PRIVATE_PC_ADDRESS)
    assert response["Location"] == reverse("ledger:asset_edit", args=[asset.key])
    assert (asset.mac_address, asset.segment.code if asset.segment else None) == ("3c:52:82:1a:9f:07", "MED")
    assert "Devices on the network that are not in the ledger" not in _titles(manager)
    client.post(reverse("ledger:discovery_register", args=[run.pk, finding.pk]))
    assert Asset.objects.filter(ip_address=PRIVATE_PC_ADDRESS).count() == 1  # not registered twice


def test_hostile_or_broken_xml_is_refused_and_nothing_is_stored(client: Client, hospital: Facility) -> None:
    factories.login(client, factories.user("it_staff", hospital))
    before = DiscoveryRun.objects.count()
    truncated = b'<?xml version="1.0"?><nmaprun scanner="nmap"><host>'
    for name, data in (("bomb.xml", BILLION_LAUGHS), ("cut.xml", truncated)):
        response = client.post(reverse("ledger:discovery_list"),
                               {"file": SimpleUploadedFile(name, data), "facility": hospital.pk}, follow=True)
        assert f"スキャンを取り込めませんでした: {name}" in response.content.decode()
    assert DiscoveryRun.objects.count() == before


@pytest.mark.parametrize(("who", "list_status", "upload_status"), [
    ("vendor", 403, 403), ("inspector", 200, 403), ("privacy_officer", 403, 403)])
def test_roles(client: Client, hospital: Facility, who: str, list_status: int, upload_status: int) -> None:
    vendor = hospital.vendors.first() if who == "vendor" else None
    factories.login(client, factories.user(who, hospital, vendor))
    assert client.get(reverse("ledger:discovery_list")).status_code == list_status
    upload = client.post(reverse("ledger:discovery_list"), {"file": SimpleUploadedFile("x.xml", b"<x/>"),
                                                            "facility": hospital.pk})
    assert upload.status_code == upload_status
    run = DiscoveryRun.objects.get()
    finding = run.findings.get(kind="unregistered")
    assert client.post(reverse("ledger:discovery_register", args=[run.pk, finding.pk])).status_code == 403


def test_anonymous_is_sent_to_sign_in(client: Client) -> None:
    assert client.get(reverse("ledger:discovery_list")).status_code == 302


def test_other_facility_cannot_open_the_run(client: Client, hospital: Facility) -> None:
    factories.login(client, factories.user("it_staff", factories.facility()))
    assert client.get(DiscoveryRun.objects.get().get_absolute_url()).status_code == 404


@pytest.fixture
def vnc_listener() -> Iterator[int]:
    server = socket.socket()
    try:
        server.bind(("127.0.0.1", 5900))
    except OSError:
        server.close()
        pytest.skip("port 5900 is busy on this machine")
    server.listen(8)
    stop = threading.Event()

    def serve() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"RFB 003.008\n")
                conn.settimeout(1)
                with contextlib.suppress(OSError):
                    conn.recv(64)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield 5900
    stop.set()
    thread.join(timeout=2)
    server.close()


def test_real_nmap_output_through_the_cli(tmp_path: Path, vnc_listener: int,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("nmap") is None:
        pytest.skip("Debian's nmap is not installed (scripts/test.sh installs it when run as root)")
    output = tmp_path / "loopback.xml"
    subprocess.run(["nmap", "-sV", "-Pn", "-p", str(vnc_listener), "-oX", str(output), "127.0.0.1"],
                   check=True, capture_output=True, timeout=120)
    facility = factories.facility(code="loop")
    NetworkSegment.objects.create(facility=facility, code="MAINT", name="保守回線", kind="maintenance",
                                  cidr="127.0.0.0/24")
    assert cli.main(["discover", "import-nmap", str(output), "--facility", "loop"]) == 0
    printed = capsys.readouterr().out
    assert "1 not in the ledger" in printed and "127.0.0.1:5900" in printed
    finding = DiscoveryFinding.objects.get(kind="exposed")
    assert (finding.address, finding.port, finding.segment_code) == ("127.0.0.1", 5900, "MAINT")
    assert "vnc" in finding.service.lower()


def test_the_same_scan_after_registering_shows_no_unknown_host(hospital: Facility) -> None:
    run = DiscoveryRun.objects.get()
    register_finding(run.findings.get(kind="unregistered"))
    assert run.started is not None
    again = import_nmap(demo_scan_xml(generate_hospital(assets_target=400), run.started), "again.xml", hospital)
    assert again.unregistered_count == 0 and again.exposed_count == run.exposed_count


def test_api_lists_runs_and_imports_a_scan(hospital: Facility) -> None:
    from mamori.accounts.models import ApiToken

    _t, clear = ApiToken.issue(factories.user("it_staff", hospital), "t")
    api = Client(HTTP_AUTHORIZATION=f"Token {clear}")
    runs = api.get(reverse("api:discoveryrun-list")).json()["results"]
    assert runs[0]["unregistered_count"] == 1
    assert {f["kind"] for f in runs[0]["findings"]} == {"unregistered", "exposed", "not_seen"}
    run = DiscoveryRun.objects.get()
    xml = demo_scan_xml(generate_hospital(assets_target=400), run.started)  # type: ignore[arg-type]
    created = api.post(reverse("api:discoveryrun-import-scan"),
                       {"file": SimpleUploadedFile("api.xml", xml), "facility": hospital.pk})
    assert created.status_code == 201 and created.json()["unregistered_count"] == 1
    refused = api.post(reverse("api:discoveryrun-import-scan"),
                       {"file": SimpleUploadedFile("bomb.xml", BILLION_LAUGHS), "facility": hospital.pk})
    assert refused.status_code == 400 and DiscoveryRun.objects.count() == 2
    _v, vendor_token = ApiToken.issue(factories.user("vendor", hospital, hospital.vendors.first()), "t")
    assert Client(HTTP_AUTHORIZATION=f"Token {vendor_token}").get(reverse("api:discoveryrun-list")).status_code == 403
