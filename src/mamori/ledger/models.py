"""The ledger (台帳): network segments, vendors, assets and remote-maintenance paths."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet
from mamori.audit.base import MamoriModel
from mamori.engines import completeness
from mamori.engines.cpe_suggest import suggest_cpes
from mamori.ledger.choices import (
    AssetCategory,
    DisclosureKind,
    DiscoveryFindingKind,
    MfaStatus,
    PatientSafetyImpact,
    RemoteMethod,
    SegmentKind,
    UpdateResponsibility,
)

# GL 7.0: systems in use on 令和9年4月1日 must have two-factor authentication (or at renewal).
MFA_REFERENCE_DATE = dt.date(2027, 4, 1)


class NetworkSegment(MamoriModel):
    """A network segment (電子カルテ系, 医療機器系, 保守回線 …) of a facility."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="segments",
                                 verbose_name=_("facility"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=SegmentKind.choices)
    cidr = models.CharField(_("address range (CIDR)"), max_length=64, blank=True)
    vlan = models.PositiveIntegerField(_("VLAN"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"

    class Meta:
        ordering = ("facility", "code")
        verbose_name = _("network segment")
        verbose_name_plural = _("network segments")
        constraints = (models.UniqueConstraint(fields=("facility", "code"), name="segment_code_unique"),)

    def __str__(self) -> str:
        return self.name


class Vendor(MamoriModel):
    """A vendor (事業者) serving a facility: contacts, contract and update responsibility."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="vendors",
                                 verbose_name=_("facility"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    contract_summary = models.TextField(_("contract"), blank=True)
    contract_end = models.DateField(_("contract end"), null=True, blank=True)
    update_responsibility = models.CharField(_("security-update responsibility"), max_length=16,
                                             choices=UpdateResponsibility.choices,
                                             default=UpdateResponsibility.UNKNOWN)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"
    vendor_path: ClassVar[str] = "pk"

    class Meta:
        ordering = ("facility", "name")
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")
        constraints = (models.UniqueConstraint(fields=("facility", "code"), name="vendor_code_unique"),)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:vendor_detail", kwargs={"pk": self.pk})


class Asset(MamoriModel):
    """Anything on the ledger: server, terminal, network or VPN device, medical device, …"""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="assets",
                                 verbose_name=_("facility"))
    key = models.CharField(_("asset number"), max_length=64)
    category = models.CharField(_("category"), max_length=16, choices=AssetCategory.choices, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    hostname = models.CharField(_("hostname"), max_length=200, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True, db_index=True)
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True)
    other_addresses = models.JSONField(_("other IP addresses"), default=list, blank=True,
                                       help_text=_("Further interfaces, e.g. the WAN side of a VPN appliance."))
    segment = models.ForeignKey(NetworkSegment, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="assets", verbose_name=_("network segment"))
    ad_domain = models.CharField(_("AD domain"), max_length=100, blank=True,
                                 help_text=_("The Active Directory domain the machine is joined to (empty: none)."))
    location = models.CharField(_("location"), max_length=200, blank=True)
    department = models.ForeignKey("tenancy.Department", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="assets", verbose_name=_("department"))
    owner = models.CharField(_("owner"), max_length=100, blank=True)
    in_use = models.BooleanField(_("in use"), null=True, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=100, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    os_name = models.CharField(_("OS / firmware"), max_length=100, blank=True)
    os_version = models.CharField(_("OS / firmware version"), max_length=100, blank=True)
    cpes = models.JSONField(_("CPE names"), default=list, blank=True)
    internet_exposed = models.BooleanField(_("internet exposed"), default=False)
    patient_safety_impact = models.CharField(_("patient-safety impact"), max_length=16,
                                             choices=PatientSafetyImpact.choices, default=PatientSafetyImpact.NONE)
    data_held = models.CharField(_("data held"), max_length=200, blank=True)
    end_of_support = models.DateField(_("end of support"), null=True, blank=True)
    av_installed = models.BooleanField(_("antivirus installed"), null=True, blank=True)
    av_definitions_date = models.DateField(_("antivirus definitions date"), null=True, blank=True)
    av_last_full_scan = models.DateField(_("last full scan"), null=True, blank=True)
    mfa = models.CharField(_("two-factor authentication"), max_length=8, choices=MfaStatus.choices,
                           default=MfaStatus.NOT_APPLICABLE)
    renewal_year = models.PositiveIntegerField(_("system renewal year"), null=True, blank=True)
    vendor = models.ForeignKey(Vendor, on_delete=models.SET_NULL, null=True, blank=True, related_name="assets",
                               verbose_name=_("vendor"))
    update_responsibility = models.CharField(_("security-update responsibility"), max_length=16,
                                             choices=UpdateResponsibility.choices,
                                             default=UpdateResponsibility.UNKNOWN)
    software = models.JSONField(_("installed software"), default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Derived from the fields above by engines.completeness on every save (kept for filtering and sorting).
    completeness = models.PositiveSmallIntegerField(_("ledger completeness"), default=0, editable=False,
                                                    db_index=True)
    missing_fields = models.JSONField(_("missing ledger fields"), default=list, editable=False)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"
    vendor_path: ClassVar[str] = "vendor"
    audit_ignore: ClassVar[frozenset[str]] = frozenset({"updated", "completeness", "missing_fields"})

    class Meta:
        ordering = ("facility", "key")
        verbose_name = _("asset")
        verbose_name_plural = _("assets")
        constraints = (models.UniqueConstraint(fields=("facility", "key"), name="asset_key_unique"),)
        indexes = (models.Index(fields=("facility", "category", "name")),)

    def __str__(self) -> str:
        return f"{self.key} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:asset_detail", kwargs={"key": self.key})

    def refresh_completeness(self) -> None:
        """Recompute the derived completeness fields (bulk paths call this; save() does it itself)."""
        values = {f.name: getattr(self, f.attname) for f in self._meta.concrete_fields}
        result = completeness.assess(values)
        self.completeness, self.missing_fields = result.score, list(result.missing)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.refresh_completeness()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "completeness", "missing_fields"}
        super().save(*args, **kwargs)

    def suggested_cpes(self) -> list[str]:
        """CPE names suggested from manufacturer, OS/firmware and version that the asset does not have yet."""
        return [c for c in suggest_cpes(self.manufacturer, self.os_name, self.os_version, self.model_name)
                if c not in self.cpes]

    def missing_field_labels(self) -> list[str]:
        index = 0 if get_language() == "ja" else 1
        return [completeness.FIELDS[key][index] for key in self.missing_fields if key in completeness.FIELDS]


class RemoteAccessPath(MamoriModel):
    """A remote-maintenance path: which vendor reaches which assets, through which appliance."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="remote_paths",
                                 verbose_name=_("facility"))
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="remote_paths",
                               verbose_name=_("vendor"))
    appliance = models.ForeignKey(Asset, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="remote_paths_through", verbose_name=_("appliance"),
                                  help_text=_("Empty: the appliance is not in the ledger."))
    appliance_description = models.CharField(_("appliance description"), max_length=200, blank=True)
    targets = models.ManyToManyField(Asset, related_name="remote_paths", blank=True, verbose_name=_("targets"))
    method = models.CharField(_("method"), max_length=16, choices=RemoteMethod.choices)
    source_ip_restricted = models.BooleanField(_("source IP restricted"), default=False)
    allowed_sources = models.CharField(_("allowed sources"), max_length=300, blank=True)
    mfa = models.BooleanField(_("two-factor authentication"), default=False)
    always_on = models.BooleanField(_("always connected"), default=False)
    approved_windows = models.CharField(_("approved time windows"), max_length=200, blank=True)
    last_log_review = models.DateField(_("last log review"), null=True, blank=True)
    confirmed_with_vendor = models.DateField(_("confirmed with vendor"), null=True, blank=True)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"
    vendor_path: ClassVar[str] = "vendor"

    class Meta:
        ordering = ("facility", "code")
        verbose_name = _("remote-maintenance path")
        verbose_name_plural = _("remote-maintenance paths")
        constraints = (models.UniqueConstraint(fields=("facility", "code"), name="remote_path_code_unique"),)

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ledger:remotepath_detail", kwargs={"pk": self.pk})


class AssetSbom(MamoriModel):
    """A CycloneDX SBOM attached to an asset; the newest one lists the asset's components."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="sboms", verbose_name=_("asset"))
    file = models.FileField(_("file"), upload_to="sbom/")
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    spec_version = models.CharField(_("CycloneDX version"), max_length=8)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    subject = models.CharField(_("described device"), max_length=255, blank=True)
    component_count = models.PositiveIntegerField(_("components"), default=0)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "asset__facility"
    vendor_path: ClassVar[str] = "asset__vendor"

    class Meta:
        ordering = ("-created",)
        verbose_name = _("SBOM")
        verbose_name_plural = _("SBOMs")

    def __str__(self) -> str:
        return f"{self.asset.key} {self.filename}"


class SbomComponent(models.Model):
    """One component of an SBOM: matchable software of the asset (name, version, purl, CPE)."""

    sbom = models.ForeignKey(AssetSbom, on_delete=models.CASCADE, related_name="components",
                             verbose_name=_("SBOM"))
    name = models.CharField(_("name"), max_length=255)
    version = models.CharField(_("version"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=32, blank=True)
    purl = models.CharField(_("package URL"), max_length=500, blank=True)
    cpe = models.CharField(_("CPE name"), max_length=500, blank=True)
    supplier = models.CharField(_("supplier"), max_length=255, blank=True)

    class Meta:
        ordering = ("sbom", "id")
        verbose_name = _("SBOM component")
        verbose_name_plural = _("SBOM components")

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


class VendorDisclosure(MamoriModel):
    """An MDS or SDS received from a vendor: version, date, how many 「いいえ」 answers, review."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="disclosures", verbose_name=_("vendor"))
    kind = models.CharField(_("kind"), max_length=8, choices=DisclosureKind.choices)
    form_version = models.CharField(_("form version"), max_length=32, default="Ver.5.0")
    subject = models.CharField(_("product or service"), max_length=200)
    received_on = models.DateField(_("received on"))
    no_answers = models.PositiveSmallIntegerField(_("number of 「いいえ」 answers"), default=0)
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    review_notes = models.TextField(_("risk assessment"), blank=True,
                                    help_text=_("Required when any answer is 「いいえ」 (GL 7.0 保守委託機関編 10章)."))

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "vendor__facility"
    vendor_path: ClassVar[str] = "vendor"

    class Meta:
        ordering = ("vendor", "-received_on")
        verbose_name = _("MDS/SDS")
        verbose_name_plural = _("MDS/SDS")

    def __str__(self) -> str:
        return f"{self.vendor} {self.get_kind_display()} {self.subject}"

    def clean(self) -> None:
        super().clean()
        if self.no_answers and not self.review_notes.strip():
            raise ValidationError({"review_notes": _("Record the risk assessment for the 「いいえ」 answers.")})


class DiscoveryRun(MamoriModel):
    """An imported nmap scan (`nmap -oX`) compared with the ledger of one facility."""

    facility = models.ForeignKey("tenancy.Facility", on_delete=models.CASCADE, related_name="discovery_runs",
                                 verbose_name=_("facility"))
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    scanner_version = models.CharField(_("nmap version"), max_length=32, blank=True)
    arguments = models.TextField(_("nmap arguments"), blank=True)
    started = models.DateTimeField(_("scan started"), null=True, blank=True)
    hosts_up = models.PositiveIntegerField(_("hosts that answered"), default=0)
    unregistered_count = models.PositiveIntegerField(_("not in the ledger"), default=0)
    not_seen_count = models.PositiveIntegerField(_("did not answer"), default=0)
    exposed_count = models.PositiveIntegerField(_("exposed services"), default=0)

    objects = RestrictedQuerySet.as_manager()
    facility_path: ClassVar[str] = "facility"

    class Meta:
        ordering = ("-created",)
        verbose_name = _("discovery run")
        verbose_name_plural = _("discovery runs")

    def __str__(self) -> str:
        return f"{self.filename} ({self.started or self.created:%Y-%m-%d})"

    def get_absolute_url(self) -> str:
        return reverse("ledger:discovery_detail", kwargs={"pk": self.pk})


class DiscoveryFinding(models.Model):
    """One difference between the wire and the ledger, with nmap's evidence and the reason."""

    run = models.ForeignKey(DiscoveryRun, on_delete=models.CASCADE, related_name="findings", verbose_name=_("run"))
    kind = models.CharField(_("kind"), max_length=16, choices=DiscoveryFindingKind.choices, db_index=True)
    address = models.CharField(_("network address"), max_length=64, blank=True)
    mac_address = models.CharField(_("MAC address"), max_length=17, blank=True)
    mac_vendor = models.CharField(_("MAC vendor"), max_length=100, blank=True)
    hostname = models.CharField(_("hostname"), max_length=200, blank=True)
    segment_code = models.CharField(_("network segment"), max_length=32, blank=True)
    asset = models.ForeignKey(Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="discoveries",
                              verbose_name=_("asset"))
    protocol = models.CharField(_("protocol"), max_length=8, blank=True)
    port = models.PositiveIntegerField(_("port"), null=True, blank=True)
    service = models.CharField(_("service"), max_length=200, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    reason_ja = models.TextField(_("reason (Japanese)"))
    reason_en = models.TextField(_("reason (English)"))
    registered_as = models.ForeignKey(Asset, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                      verbose_name=_("registered as"))

    class Meta:
        ordering = ("run", "kind", "address", "port")
        verbose_name = _("discovery finding")
        verbose_name_plural = _("discovery findings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.address}{f':{self.port}' if self.port else ''}"

    @property
    def reason(self) -> str:
        return self.reason_ja if get_language() == "ja" else self.reason_en
