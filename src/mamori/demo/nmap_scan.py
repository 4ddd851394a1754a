"""An nmap XML scan of the demo hospital's medical-device segment, written in nmap 7.93's own format.

It is what `nmap -sV -oX medical.xml 10.30.0.0/24` would print if, besides registered devices, a
private Windows PC had been plugged into the "isolated" segment (the 福島県立医科大学附属病院 case) and
the central-monitor server answered on VNC. Plain data only (no Django).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from xml.sax.saxutils import quoteattr

from mamori.demo.records import DemoAsset, DemoHospital

__all__ = ["PRIVATE_PC_ADDRESS", "demo_scan_xml"]

PRIVATE_PC_ADDRESS = "10.30.0.250"
SCAN_RANGE = "10.30.0.0/24"
# (port, service name, product, version, extrainfo, ostype)
WINDOWS_PORTS = ((135, "msrpc", "Microsoft Windows RPC", "", "", "Windows"),
                 (139, "netbios-ssn", "Microsoft Windows netbios-ssn", "", "", "Windows"),
                 (445, "microsoft-ds", "", "", "", ""),
                 (3389, "ms-wbt-server", "Microsoft Terminal Services", "", "", "Windows"))


def _port(port: int, name: str, product: str = "", version: str = "", extrainfo: str = "", ostype: str = "") -> str:
    attributes = f'name="{name}"'
    for key, value in (("product", product), ("version", version), ("extrainfo", extrainfo), ("ostype", ostype)):
        if value:
            attributes += f" {key}={quoteattr(value)}"
    return (f'<port protocol="tcp" portid="{port}"><state state="open" reason="syn-ack" reason_ttl="128"/>'
            f'<service {attributes} method="probed" conf="10"/></port>\n')


def _host(address: str, mac: str, vendor: str, hostname: str, ports: Sequence[str], start: int) -> str:
    names = f'<hostname name="{hostname}" type="PTR"/>\n' if hostname else ""
    return (f'<host starttime="{start}" endtime="{start + 12}"><status state="up" reason="arp-response" '
            f'reason_ttl="0"/>\n<address addr="{address}" addrtype="ipv4"/>\n'
            f'<address addr="{mac.upper()}" addrtype="mac" vendor={quoteattr(vendor)}/>\n'
            f"<hostnames>\n{names}</hostnames>\n<ports>"
            f'<extraports state="closed" count="{1000 - len(ports)}">\n'
            f'<extrareasons reason="reset" count="{1000 - len(ports)}" proto="tcp" ports="1-999"/>\n</extraports>\n'
            f"{''.join(ports)}</ports>\n<times srtt=\"512\" rttvar=\"180\" to=\"100000\"/>\n</host>\n")


def _in_range(asset: DemoAsset) -> bool:
    return bool(asset.ip and asset.ip.startswith("10.30.0."))


def demo_scan_xml(hospital: DemoHospital, when: dt.datetime) -> bytes:
    """The scan as nmap writes it: most registered hosts answer, one unknown PC, VNC on the monitor server."""
    start = int(when.timestamp())
    stamp = when.strftime("%a %b %d %H:%M:%S %Y")
    args = f"nmap -sV -oX medical.xml {SCAN_RANGE}"
    hosts = []
    in_range = [a for a in hospital.assets if _in_range(a)]
    for index, asset in enumerate(in_range):
        if index % 9 == 4:  # powered off or moved: registered but silent
            continue
        ports = [_port(443, "https")]
        if asset.category == "server":
            ports.append(_port(*WINDOWS_PORTS[3]))
        if asset.key == "SV-90005":
            ports.append(_port(5900, "vnc", "RealVNC Enterprise", "5.3", "protocol 3.8"))
        hosts.append(_host(asset.ip or "", asset.mac, "Unknown", asset.hostname, ports, start + index))
    hosts.append(_host(PRIVATE_PC_ADDRESS, "3c:52:82:1a:9f:07", "Hewlett Packard", "DESKTOP-7H2KQ9P",
                       [_port(*p) for p in WINDOWS_PORTS], start + 300))
    up = len(hosts)
    finished = start + 420
    done = (when + dt.timedelta(seconds=420)).strftime("%a %b %d %H:%M:%S %Y")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n'
        '<?xml-stylesheet href="file:///usr/bin/../share/nmap/nmap.xsl" type="text/xsl"?>\n'
        f"<!-- Nmap 7.93 scan initiated {stamp} as: {args} -->\n"
        f'<nmaprun scanner="nmap" args="{args}" start="{start}" startstr="{stamp}" version="7.93" '
        'xmloutputversion="1.05">\n<scaninfo type="syn" protocol="tcp" numservices="1000" services="1-1000"/>\n'
        '<verbose level="0"/>\n<debugging level="0"/>\n' + "".join(hosts)
        + f'<runstats><finished time="{finished}" timestr="{done}" summary="Nmap done at {done}; 256 IP addresses '
        f'({up} hosts up) scanned in 420.00 seconds" elapsed="420.00" exit="success"/>'
        f'<hosts up="{up}" down="{256 - up}" total="256"/>\n</runstats>\n</nmaprun>\n'
    ).encode("utf-8")
