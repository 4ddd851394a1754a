from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "mamori.audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        from mamori.audit import signals

        signals.connect()
