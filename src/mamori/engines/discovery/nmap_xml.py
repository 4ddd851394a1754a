"""Reading nmap's XML output (`nmap -oX`), as nmap writes it, into `NmapScan`.

The file is untrusted: it is parsed with defusedxml only. nmap itself writes a bare
`<!DOCTYPE nmaprun>`; any other document type declaration (an internal subset, which is where
billion-laughs and external-entity attacks live, or an external DTD) is refused before a single
entity is declared or expanded. A file that is truncated (an interrupted scan), not XML, or not
nmap's raises `NmapParseError` naming the file and the line and column.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from mamori.engines.discovery.model import (
    Hostname,
    NmapHost,
    NmapParseError,
    NmapPort,
    NmapScan,
    NmapScript,
    NmapService,
    OsClass,
    OsMatch,
    ScanInfo,
)
from mamori.engines.discovery.scope import targets_from_args
from mamori.engines.errors import InputLocation

__all__ = ["DEFAULT_MAX_NMAP_BYTES", "parse_nmap_xml"]

DEFAULT_MAX_NMAP_BYTES = 200 * 1024 * 1024
NmapSource = str | os.PathLike[str] | bytes | IO[bytes]


class _LineTrackingBuilder(TreeBuilder):
    """A tree builder that remembers the line each element starts on, for error messages."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[int, int] = {}
        self.parser: DefusedXMLParser | None = None

    def start(self, tag: Any, attrs: dict[Any, Any], /) -> Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = self.parser.parser.CurrentLineNumber
        return element


class _NmapXMLParser(DefusedXMLParser):
    """defusedxml with DTDs forbidden, except nmap's own bare `<!DOCTYPE nmaprun>`."""

    def __init__(self, target: _LineTrackingBuilder) -> None:
        super().__init__(target=target, forbid_dtd=True, forbid_entities=True, forbid_external=True)

    def defused_start_doctype_decl(
        self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool
    ) -> None:
        if sysid or pubid or has_internal_subset:
            raise DTDForbidden(name, sysid, pubid)


class _Reader:
    """Turns the element tree of one file into dataclasses, locating every bad value."""

    def __init__(self, filename: str, lines: dict[int, int]) -> None:
        self.filename = filename
        self.lines = lines

    def error(self, element: Element, field: str, reason: str) -> NmapParseError:
        return NmapParseError(reason, InputLocation(self.filename, self.lines.get(id(element)), field))

    def integer(self, element: Element, name: str) -> int | None:
        value = element.get(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise self.error(element, f"<{element.tag}> {name}", f"{value!r} is not a number") from None

    def timestamp(self, element: Element | None, name: str) -> datetime | None:
        if element is None:
            return None
        seconds = self.integer(element, name)
        return datetime.fromtimestamp(seconds, tz=UTC) if seconds is not None else None

    def service(self, element: Element | None) -> NmapService | None:
        if element is None:
            return None
        get = element.get
        return NmapService(
            name=get("name", ""), product=get("product", ""), version=get("version", ""),
            extrainfo=get("extrainfo", ""), tunnel=get("tunnel", ""), method=get("method", ""),
            conf=self.integer(element, "conf"), ostype=get("ostype", ""), devicetype=get("devicetype", ""),
            hostname=get("hostname", ""), cpes=tuple(cpe.text or "" for cpe in element.findall("cpe")),
        )

    def port(self, element: Element) -> NmapPort:
        portid = self.integer(element, "portid")
        state = element.find("state")
        if portid is None or state is None:
            raise self.error(element, "<port>", "a port needs a portid and a <state>")
        return NmapPort(
            protocol=element.get("protocol", ""), portid=portid, state=state.get("state", ""),
            reason=state.get("reason", ""), service=self.service(element.find("service")),
            scripts=tuple(NmapScript(script.get("id", ""), script.get("output", ""))
                          for script in element.findall("script")),
        )

    def os_matches(self, element: Element | None) -> tuple[OsMatch, ...]:
        if element is None:
            return ()
        return tuple(
            OsMatch(match.get("name", ""), self.integer(match, "accuracy"), tuple(
                OsClass(cls.get("type", ""), cls.get("vendor", ""), cls.get("osfamily", ""), cls.get("osgen", ""),
                        self.integer(cls, "accuracy"), tuple(cpe.text or "" for cpe in cls.findall("cpe")))
                for cls in match.findall("osclass")
            ))
            for match in element.findall("osmatch")
        )

    def host(self, element: Element) -> NmapHost:
        status = element.find("status")
        addresses: dict[str, Element] = {}
        for address in element.findall("address"):
            addresses.setdefault(address.get("addrtype", ""), address)
        if status is None or not ({"ipv4", "ipv6"} & addresses.keys()):
            raise self.error(element, "<host>", "a host needs a <status> and an IPv4 or IPv6 <address>")
        mac = addresses.get("mac")
        mac_text = (mac.get("addr") or "").upper() if mac is not None else ""
        return NmapHost(
            status=status.get("state", ""), status_reason=status.get("reason", ""),
            ipv4=addresses["ipv4"].get("addr") if "ipv4" in addresses else None,
            ipv6=addresses["ipv6"].get("addr") if "ipv6" in addresses else None,
            mac=mac_text or None,
            mac_vendor=mac.get("vendor", "") if mac is not None else "",
            hostnames=tuple(Hostname(name.get("name", ""), name.get("type", ""))
                            for name in element.findall("hostnames/hostname")),
            ports=tuple(self.port(port) for port in element.findall("ports/port")),
            os_matches=self.os_matches(element.find("os")),
            start=self.timestamp(element, "starttime"), end=self.timestamp(element, "endtime"),
        )

    def scan(self, root: Element) -> NmapScan:
        if root.tag != "nmaprun":
            raise self.error(root, f"<{root.tag}>", f"not an nmap XML file (the root element is <{root.tag}>, "
                             "not <nmaprun>; use nmap -oX)")
        args = root.get("args", "")
        parsed = targets_from_args(args)
        finished = root.find("runstats/finished")
        return NmapScan(
            filename=self.filename, scanner=root.get("scanner", ""), version=root.get("version", ""), args=args,
            start=self.timestamp(root, "start"), start_str=root.get("startstr", ""),
            scaninfo=tuple(ScanInfo(info.get("type", ""), info.get("protocol", ""),
                                    self.integer(info, "numservices"), info.get("services", ""))
                           for info in root.findall("scaninfo")),
            hosts=tuple(self.host(host) for host in root.findall("host")),
            targets=parsed.targets, excluded=parsed.excluded, input_list=parsed.input_list,
            finished=self.timestamp(finished, "time"),
            exit_status=finished.get("exit", "") if finished is not None else "",
            summary=finished.get("summary", "") if finished is not None else "",
        )


def _too_large(filename: str, max_bytes: int) -> NmapParseError:
    return NmapParseError(f"the file is larger than the limit of {max_bytes:,} bytes", InputLocation(filename))


def _load(source: NmapSource, filename: str, max_bytes: int) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | os.PathLike):
        try:
            if Path(source).stat().st_size > max_bytes:
                raise _too_large(filename, max_bytes)
            data = Path(source).read_bytes()
        except OSError as exc:
            raise NmapParseError(f"cannot read the file: {exc.strerror or exc}", InputLocation(filename)) from exc
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_large(filename, max_bytes)
    return data


def _parse_tree(data: bytes, filename: str) -> tuple[Element, dict[int, int]]:
    builder = _LineTrackingBuilder()
    parser = _NmapXMLParser(builder)
    builder.parser = parser
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        line = parser.parser.CurrentLineNumber
        raise NmapParseError(
            f"refused: the XML declares a DTD or entities ({exc}); nmap never writes these, so the file "
            "was not parsed further and no entity was expanded",
            InputLocation(filename, line, "<!DOCTYPE>"),
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        raise NmapParseError(
            f"the XML is broken or cut off at column {column} ({exc}); the scan may have been interrupted",
            InputLocation(filename, line),
        ) from exc
    return root, builder.lines


def parse_nmap_xml(source: NmapSource, filename: str | None = None, *,
                   max_bytes: int = DEFAULT_MAX_NMAP_BYTES) -> NmapScan:
    """The scan in an nmap XML file (path, bytes or binary file); `NmapParseError` if unusable.

    `filename` names the file in messages (default: the path's name).
    """
    name = filename or (Path(source).name if isinstance(source, str | os.PathLike) else "(upload)")
    root, lines = _parse_tree(_load(source, name, max_bytes), name)
    return _Reader(name, lines).scan(root)
