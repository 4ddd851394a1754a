from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VulnsConfig(AppConfig):
    name = "mamori.vulns"
    label = "vulns"
    verbose_name = _("Vulnerabilities")
