"""Mamori's own mapping from a Sigma ``logsource`` to the Windows event log records that can carry it.

A rule's logsource becomes a list of :class:`Candidate` s: an event log ``Channel`` plus an optional set of
``EventID`` s (``None`` = any event of the channel, the rule's own detection then selects the EventID) and an optional
field translation (``FIELD_MAPS``) applied when the rule is evaluated against that channel. The mapping is written
from the Windows / Sysmon / PowerShell documentation, not taken from any pipeline package.

``process_creation`` maps to Sysmon EventID 1 **and** to Security EventID 4688 (audit "Process Creation"); for 4688 the
Sysmon field names used by the rules are translated (``Image`` → ``NewProcessName`` …). Fields 4688 does not carry
(``OriginalFileName``, ``Hashes``, ``Company`` …) keep their name, are absent from the event and so never match.

Non-Windows products (``PRODUCTS``): ``product: fortigate`` maps to the events of Mamori's FortiGate reader
(``Channel`` "FortiGate", ``EventID`` None), whatever the rule's service or category (SigmaHQ writes
``service: event``): the rule's own detection selects ``type`` / ``subtype`` / ``action``.
"""

from __future__ import annotations

from dataclasses import dataclass

SYSMON = "Microsoft-Windows-Sysmon/Operational"
SECURITY = "Security"
PS_OPERATIONAL = "Microsoft-Windows-PowerShell/Operational"
PS_CLASSIC = "Windows PowerShell"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A (Channel, EventID set) an event must be in for the rule to be tested; ``field_map``: a FIELD_MAPS key."""

    channel: str
    event_ids: frozenset[int] | None = None
    field_map: str | None = None


def _sysmon(*ids: int) -> tuple[Candidate, ...]:
    return (Candidate(SYSMON, frozenset(ids)),)


# Sigma category (product windows) -> candidates. Sysmon event IDs from the Sysmon documentation.
CATEGORIES: dict[str, tuple[Candidate, ...]] = {
    "process_creation": (
        Candidate(SYSMON, frozenset({1})),
        Candidate(SECURITY, frozenset({4688}), "security_4688"),
    ),
    "file_change": _sysmon(2),
    "network_connection": _sysmon(3),
    "sysmon_status": _sysmon(4, 16),
    "process_termination": _sysmon(5),
    "driver_load": _sysmon(6),
    "image_load": _sysmon(7),
    "create_remote_thread": _sysmon(8),
    "raw_access_thread": _sysmon(9),
    "process_access": _sysmon(10),
    "file_event": _sysmon(11),
    "registry_add": _sysmon(12),
    "registry_delete": _sysmon(12),
    "registry_set": _sysmon(13),
    "registry_rename": _sysmon(14),
    "registry_event": _sysmon(12, 13, 14),
    "create_stream_hash": _sysmon(15),
    "pipe_created": _sysmon(17, 18),
    "wmi_event": _sysmon(19, 20, 21),
    "dns_query": _sysmon(22),
    "file_delete": _sysmon(23, 26),
    "file_delete_detected": _sysmon(26),
    "clipboard_capture": _sysmon(24),
    "process_tampering": _sysmon(25),
    "file_block_executable": _sysmon(27),
    "file_block_shredding": _sysmon(28),
    "file_executable_detected": _sysmon(29),
    "sysmon_error": _sysmon(255),
    "ps_script": (Candidate(PS_OPERATIONAL, frozenset({4104})),),
    "ps_module": (Candidate(PS_OPERATIONAL, frozenset({4103})),),
    "ps_classic_start": (Candidate(PS_CLASSIC, frozenset({400})),),
    "ps_classic_provider_start": (Candidate(PS_CLASSIC, frozenset({600})),),
    "ps_classic_script": (Candidate(PS_CLASSIC, frozenset({800})),),
}

# Categories that exist in SigmaHQ but have no EVTX channel (ETW-only sources): reported as skipped, with the reason.
UNMAPPED_CATEGORIES: dict[str, str] = {
    "file_access": "needs the Microsoft-Windows-Kernel-File ETW provider (no event log channel)",
    "file_rename": "needs the Microsoft-Windows-Kernel-File ETW provider (no event log channel)",
}

# Sigma service (product windows) -> event log channel names.
SERVICES: dict[str, tuple[str, ...]] = {
    "security": (SECURITY,),
    "system": ("System",),
    "application": ("Application",),
    "sysmon": (SYSMON,),
    "powershell": (PS_OPERATIONAL,),
    "powershell-classic": (PS_CLASSIC,),
    "taskscheduler": ("Microsoft-Windows-TaskScheduler/Operational",),
    "windefend": ("Microsoft-Windows-Windows Defender/Operational",),
    "wmi": ("Microsoft-Windows-WMI-Activity/Operational",),
    "codeintegrity-operational": ("Microsoft-Windows-CodeIntegrity/Operational",),
    "appxdeployment-server": ("Microsoft-Windows-AppXDeploymentServer/Operational",),
    "appxpackaging-om": ("Microsoft-Windows-AppxPackaging/Operational",),
    "appmodel-runtime": ("Microsoft-Windows-AppModel-Runtime/Admin",),
    "firewall-as": ("Microsoft-Windows-Windows Firewall With Advanced Security/Firewall",),
    "bits-client": ("Microsoft-Windows-Bits-Client/Operational",),
    "msexchange-management": ("MSExchange Management",),
    "dns-client": ("Microsoft-Windows-DNS Client Events/Operational",),
    "dns-server": ("DNS Server",),
    "dns-server-audit": ("Microsoft-Windows-DNSServer/Audit",),
    "dns-server-analytic": ("Microsoft-Windows-DNS-Server/Analytical",),
    "iis-configuration": ("Microsoft-IIS-Configuration/Operational",),
    "ntlm": ("Microsoft-Windows-NTLM/Operational",),
    "security-mitigations": (
        "Microsoft-Windows-Security-Mitigations/Kernel Mode",
        "Microsoft-Windows-Security-Mitigations/User Mode",
    ),
    "applocker": (
        "Microsoft-Windows-AppLocker/EXE and DLL",
        "Microsoft-Windows-AppLocker/MSI and Script",
        "Microsoft-Windows-AppLocker/Packaged app-Deployment",
        "Microsoft-Windows-AppLocker/Packaged app-Execution",
    ),
    "microsoft-servicebus-client": ("Microsoft-ServiceBus-Client",),
    "terminalservices-localsessionmanager": (
        "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    ),
    "terminalservices-remoteconnectionmanager": (
        "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    ),
    "shell-core": ("Microsoft-Windows-Shell-Core/Operational",),
    "certificateservicesclient-lifecycle-system": (
        "Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational",
    ),
    "driver-framework": ("Microsoft-Windows-DriverFrameworks-UserMode/Operational",),
    "ldap": ("Microsoft-Windows-LDAP-Client/Debug",),
    "smbclient-security": ("Microsoft-Windows-SmbClient/Security",),
    "smbclient-connectivity": ("Microsoft-Windows-SmbClient/Connectivity",),
    "smbserver-connectivity": ("Microsoft-Windows-SMBServer/Connectivity",),
    "diagnosis-scripted": ("Microsoft-Windows-Diagnosis-Scripted/Operational",),
    "lsa-server": ("Microsoft-Windows-LSA/Operational",),
    "openssh": ("OpenSSH/Operational",),
    "capi2": ("Microsoft-Windows-CAPI2/Operational",),
    "printservice-admin": ("Microsoft-Windows-PrintService/Admin",),
    "printservice-operational": ("Microsoft-Windows-PrintService/Operational",),
    "vhdmp": ("Microsoft-Windows-VHDMP-Operational",),
    "bitlocker": ("Microsoft-Windows-BitLocker/BitLocker Management",),
    "kernel-shimengine": ("Microsoft-Windows-Kernel-ShimEngine/Operational",),
    "hyper-v-worker": ("Microsoft-Windows-Hyper-V-Worker-Admin",),
}

# Sysmon process_creation field -> Security 4688 field. 4688's own ``ProcessId`` is the *creator* (parent) process.
FIELD_MAPS: dict[str, dict[str, str]] = {
    "security_4688": {
        "Image": "NewProcessName",
        "ParentImage": "ParentProcessName",
        "CommandLine": "CommandLine",
        "User": "SubjectUserName",
        "LogonId": "SubjectLogonId",
        "IntegrityLevel": "MandatoryLabel",
        "ProcessId": "NewProcessId",
        "ParentProcessId": "ProcessId",
    },
}

# Value translation for mapped fields: Sysmon's integrity level names -> 4688's mandatory label SIDs.
VALUE_MAPS: dict[str, dict[str, dict[str, str]]] = {
    "security_4688": {
        "IntegrityLevel": {
            "untrusted": "S-1-16-0",
            "low": "S-1-16-4096",
            "medium": "S-1-16-8192",
            "medium plus": "S-1-16-8448",
            "high": "S-1-16-12288",
            "system": "S-1-16-16384",
        },
    },
}

ANY_CHANNEL = "*"
FORTIGATE = "FortiGate"

# Sigma product (not Windows) -> the channel Mamori's readers give its events; any service/category of the product.
PRODUCTS: dict[str, tuple[Candidate, ...]] = {
    "fortigate": (Candidate(FORTIGATE),),
}


def candidates_for(
    product: str | None, category: str | None, service: str | None
) -> tuple[tuple[Candidate, ...], str | None]:
    """Return ``(candidates, None)`` or ``((), reason)`` when Mamori cannot map the logsource.

    ``product: windows`` with neither category nor service (e.g. keyword rules) gives one ``ANY_CHANNEL`` candidate;
    a product in ``PRODUCTS`` (``fortigate``) gives its channel, whatever its service or category.
    """
    if product is not None and product in PRODUCTS:
        return PRODUCTS[product], None
    if product not in (None, "windows"):
        return (), f"logsource product {product!r} is not a Windows event log"
    if category is not None:
        if category in UNMAPPED_CATEGORIES:
            return (), f"logsource category {category!r} {UNMAPPED_CATEGORIES[category]}"
        cands = CATEGORIES.get(category)
        if cands is None:
            return (), f"logsource category {category!r} is not mapped"
        if service is not None:
            channels = SERVICES.get(service)
            if channels is None:
                return (), f"logsource service {service!r} is not mapped"
            cands = tuple(c for c in cands if c.channel in channels)
            if not cands:
                return (), f"logsource category {category!r} and service {service!r} do not overlap"
        return cands, None
    if service is not None:
        channels = SERVICES.get(service)
        if channels is None:
            return (), f"logsource service {service!r} is not mapped"
        return tuple(Candidate(ch) for ch in channels), None
    if product == "windows":
        return (Candidate(ANY_CHANNEL),), None
    return (), "logsource has neither product, category nor service"
