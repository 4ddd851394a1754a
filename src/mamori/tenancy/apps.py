from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenancyConfig(AppConfig):
    name = "mamori.tenancy"
    verbose_name = _("Facilities and staff")
