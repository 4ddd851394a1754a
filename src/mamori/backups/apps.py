from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    name = "mamori.backups"
    label = "backups"
    verbose_name = _("Backups")

    def ready(self) -> None:
        from django.conf import settings

        from mamori.backups.verification import daily_run
        from mamori.vulns.scheduler import ScheduledTask, next_daily, register

        register(ScheduledTask("backups-daily", lambda: str(settings.MAMORI_BACKUP_RUN), next_daily, daily_run))
