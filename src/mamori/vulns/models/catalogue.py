"""The vulnerability catalogue: what the imported feeds say, one table per source, joined by CVE id.

Sources are joined by the CVE id (a string, not a foreign key), so feeds can be imported in any order:
a KEV entry or an EPSS score for a CVE whose NVD record comes next week is kept and used then.
These are reference data, not user records: feed imports write them in bulk (one audit entry per
imported file, see FeedImport), and every role that may view vulnerabilities sees all of them.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mamori.accounts.querysets import RestrictedQuerySet


class CatalogueModel(models.Model):
    """Reference data shared by every facility and visible whole to every role that may view it."""

    objects = RestrictedQuerySet.as_manager()
    shared_catalogue: ClassVar[bool] = True

    class Meta:
        abstract = True


class Vulnerability(CatalogueModel):
    """One CVE: the NVD record when imported (with its configurations for matching), else what another
    source (JVN, CSAF, KEV, CVE JSON 5) said of it."""

    cve_id = models.CharField(_("CVE"), max_length=32, unique=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    last_modified = models.DateTimeField(_("record last modified"), null=True, blank=True)
    nvd_status = models.CharField(_("NVD status"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    cvss = models.JSONField(_("CVSS scores (NVD record)"), default=list, blank=True)
    cvss_max = models.FloatField(_("highest CVSS score"), null=True, blank=True)
    cwes = models.JSONField(_("CWE"), default=list, blank=True)
    references = models.JSONField(_("references"), default=list, blank=True)
    # zlib-compressed msgpack of the engine's configurations (engines.vulns.records.Configuration)
    configurations = models.BinaryField(_("configurations"), null=True, blank=True, editable=False)
    # "vendor<TAB>product" per line, of every cpeMatch in the configurations: a match run indexes only the
    # records that name a product of the ledger (empty on rows imported before this column: always indexed)
    products = models.TextField(_("products named"), blank=True, default="", editable=False)
    in_nvd = models.BooleanField(_("in NVD"), default=False)
    first_seen = models.DateTimeField(_("first imported"))
    changed_at = models.DateTimeField(_("record changed"),
                                      help_text=_("When an import last brought a newer version of the record."))

    class Meta:
        ordering = ("-cve_id",)
        verbose_name = _("vulnerability")
        verbose_name_plural = _("vulnerabilities")

    def __str__(self) -> str:
        return self.cve_id

    def get_absolute_url(self) -> str:
        return reverse("vulns:cve_detail", kwargs={"cve_id": self.cve_id})


class KevEntry(CatalogueModel):
    """A CISA Known Exploited Vulnerabilities entry."""

    cve_id = models.CharField(_("CVE"), max_length=32, unique=True)
    vendor_project = models.CharField(_("vendor"), max_length=200)
    product = models.CharField(_("product"), max_length=200)
    name = models.CharField(_("name"), max_length=300)
    date_added = models.DateField(_("date added to KEV"), db_index=True)
    short_description = models.TextField(_("description"), blank=True)
    required_action = models.TextField(_("required action"), blank=True)
    due_date = models.DateField(_("CISA due date"))
    ransomware = models.BooleanField(_("known ransomware use"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    cwes = models.JSONField(_("CWE"), default=list, blank=True)
    catalog_version = models.CharField(_("catalogue version"), max_length=32, blank=True)
    first_seen = models.DateTimeField(_("first imported"), db_index=True)

    class Meta:
        ordering = ("-date_added", "cve_id")
        verbose_name = _("KEV entry")
        verbose_name_plural = _("KEV entries")

    def __str__(self) -> str:
        return f"KEV {self.cve_id}"


class EpssScore(CatalogueModel):
    """The EPSS probability of exploitation within 30 days, from the newest imported daily file."""

    cve_id = models.CharField(_("CVE"), max_length=32, unique=True)
    epss = models.FloatField(_("EPSS"))
    percentile = models.FloatField(_("percentile"), null=True, blank=True)
    score_date = models.DateField(_("score date"), null=True, blank=True)

    class Meta:
        ordering = ("cve_id",)
        verbose_name = _("EPSS score")
        verbose_name_plural = _("EPSS scores")

    def __str__(self) -> str:
        return f"EPSS {self.cve_id} {self.epss:.5f}"


class CveEnrichment(CatalogueModel):
    """What a CVE JSON 5 record adds: CISA's SSVC decision, the CNA's and CISA-ADP's scores and CWEs."""

    cve_id = models.CharField(_("CVE"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    state = models.CharField(_("state"), max_length=16, blank=True)
    updated = models.DateTimeField(_("record updated"), null=True, blank=True)
    ssvc_exploitation = models.CharField(_("SSVC exploitation"), max_length=8, blank=True)
    ssvc_automatable = models.CharField(_("SSVC automatable"), max_length=8, blank=True)
    ssvc_technical_impact = models.CharField(_("SSVC technical impact"), max_length=8, blank=True)
    ssvc_timestamp = models.DateTimeField(_("SSVC decided"), null=True, blank=True)
    cvss = models.JSONField(_("CVSS scores"), default=list, blank=True)
    cwes = models.JSONField(_("CWE"), default=list, blank=True)
    affected = models.JSONField(_("affected products (CNA)"), default=list, blank=True)

    class Meta:
        ordering = ("cve_id",)
        verbose_name = _("CVE JSON 5 enrichment")
        verbose_name_plural = _("CVE JSON 5 enrichments")

    def __str__(self) -> str:
        return f"CVE5 {self.cve_id}"


class JvnEntry(CatalogueModel):
    """A JVN iPedia entry (JVNDB): Japanese title, JVNVU links and the products as JVN names them."""

    jvndb_id = models.CharField(_("JVNDB id"), max_length=32, unique=True)
    title = models.CharField(_("title"), max_length=500)
    url = models.URLField(_("URL"), max_length=300, blank=True)
    cve_ids = models.JSONField(_("CVE"), default=list, blank=True)
    jvnvu_ids = models.JSONField(_("JVNVU"), default=list, blank=True)
    advisories = models.JSONField(_("advisories"), default=list, blank=True)
    cpes = models.JSONField(_("products (CPE)"), default=list, blank=True)
    cvss = models.JSONField(_("CVSS scores"), default=list, blank=True)
    cwes = models.JSONField(_("CWE"), default=list, blank=True)
    description = models.TextField(_("description"), blank=True)
    published = models.DateTimeField(_("published"), null=True, blank=True)
    last_modified = models.DateTimeField(_("last modified"))
    first_seen = models.DateTimeField(_("first imported"))

    class Meta:
        ordering = ("-jvndb_id",)
        verbose_name = _("JVN iPedia entry")
        verbose_name_plural = _("JVN iPedia entries")

    def __str__(self) -> str:
        return self.jvndb_id

    @property
    def jvnvu_links(self) -> list[tuple[str, str]]:
        """(JVNVU id, its jvn.jp page) for each JVNVU number."""
        return [(v, f"https://jvn.jp/vu/{v.replace('#', '')}/") for v in self.jvnvu_ids]


class JvnCve(models.Model):
    """Which CVEs a JVN entry covers (one JVNDB may carry several), for the join by CVE id."""

    entry = models.ForeignKey(JvnEntry, on_delete=models.CASCADE, related_name="cve_links")
    cve_id = models.CharField(_("CVE"), max_length=32, db_index=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("entry", "cve_id"), name="jvn_cve_unique"),)
        verbose_name = _("JVN CVE link")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.cve_id}"


class CsafAdvisory(CatalogueModel):
    """A CSAF 2.0 advisory (CISA ICS medical advisories, vendor PSIRTs such as Fortinet's) kept whole."""

    tracking_id = models.CharField(_("advisory id"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=500)
    publisher = models.CharField(_("publisher"), max_length=200)
    initial_release = models.DateTimeField(_("first released"))
    current_release = models.DateTimeField(_("current release"))
    version = models.CharField(_("version"), max_length=32, blank=True)
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    product_count = models.PositiveIntegerField(_("products"), default=0)
    cve_ids = models.JSONField(_("CVE"), default=list, blank=True)
    # zlib-compressed msgpack of the engine's CsafAdvisory, for name matching without re-reading the file
    parsed = models.BinaryField(_("parsed advisory"), editable=False)
    first_seen = models.DateTimeField(_("first imported"))

    class Meta:
        ordering = ("-current_release",)
        verbose_name = _("CSAF advisory")
        verbose_name_plural = _("CSAF advisories")

    def __str__(self) -> str:
        return f"{self.tracking_id} {self.title}"


class CsafCve(models.Model):
    """Which CVEs an advisory covers, for the join by CVE id."""

    advisory = models.ForeignKey(CsafAdvisory, on_delete=models.CASCADE, related_name="cve_links")
    cve_id = models.CharField(_("CVE"), max_length=32, db_index=True)
    cvss = models.JSONField(_("CVSS scores"), default=list, blank=True)
    remediation = models.TextField(_("remediation"), blank=True)

    class Meta:
        constraints = (models.UniqueConstraint(fields=("advisory", "cve_id"), name="csaf_cve_unique"),)
        verbose_name = _("CSAF CVE link")

    def __str__(self) -> str:
        return f"{self.advisory_id} {self.cve_id}"
