"""Closed vocabularies of the ledger (台帳)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetCategory(models.TextChoices):
    SERVER = "server", _("Server")
    TERMINAL = "terminal", _("Terminal PC")
    NETWORK = "network", _("Network device")
    VPN = "vpn", _("VPN / remote-access appliance")
    MEDICAL = "medical", _("Medical device")
    IOMT = "iomt", _("IoMT / building device")
    STAFF_DEVICE = "staff_device", _("Staff / mobile device")
    OTHER = "other", _("Other")


class PatientSafetyImpact(models.TextChoices):
    NONE = "none", _("None")
    INDIRECT = "indirect", _("Indirect")
    DIRECT = "direct", _("Direct")
    LIFE_SUSTAINING = "life_sustaining", _("Life-sustaining")


class MfaStatus(models.TextChoices):
    YES = "yes", _("Enabled")
    NO = "no", _("Not enabled")
    PLANNED = "planned", _("Planned")
    NOT_APPLICABLE = "na", _("Not applicable")


class UpdateResponsibility(models.TextChoices):
    """責任分界: who is responsible for security updates under the contract."""

    VENDOR = "vendor", _("Vendor")
    HOSPITAL = "hospital", _("Hospital")
    SHARED = "shared", _("Shared")
    UNKNOWN = "unknown", _("Not stated in the contract")


class SegmentKind(models.TextChoices):
    EHR = "ehr", _("EHR network")
    DEPARTMENTAL = "departmental", _("Departmental systems")
    MEDICAL_DEVICE = "medical_device", _("Medical devices")
    OFFICE = "office", _("Office")
    DMZ = "dmz", _("DMZ")
    MAINTENANCE = "maintenance", _("Maintenance line")


class DisclosureKind(models.TextChoices):
    """製造業者/サービス事業者による医療情報セキュリティ開示書 (JAHIS/JIRA)."""

    MDS = "mds", _("MDS (manufacturer disclosure)")
    SDS = "sds", _("SDS (service provider disclosure)")


class RemoteMethod(models.TextChoices):
    SSL_VPN = "ssl_vpn", _("SSL-VPN")
    IPSEC_VPN = "ipsec_vpn", _("IPsec-VPN")
    DEDICATED_LINE = "dedicated_line", _("Dedicated line")
    REMOTE_TOOL = "remote_tool", _("Remote-control tool")
    RDP = "rdp", _("RDP")
    OTHER = "other", _("Other")


class DiscoveryFindingKind(models.TextChoices):
    UNREGISTERED = "unregistered", _("On the network but not in the ledger")
    NOT_SEEN = "not_seen", _("In the ledger but did not answer")
    EXPOSED = "exposed", _("Service that should not be exposed")
