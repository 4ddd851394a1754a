from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "mamori.monitoring"
    label = "monitoring"
    verbose_name = _("Log monitoring")

    def ready(self) -> None:
        from mamori.monitoring.retention import daily_retention
        from mamori.vulns.scheduler import ScheduledTask, next_daily, register

        register(ScheduledTask("logs-retention-daily", lambda: "03:30", next_daily, daily_retention))
