from django.db import models
from django.utils.translation import gettext_lazy as _


class FormKind(models.TextChoices):  # the values of mamori.engines.checklist.model.Form
    HOSPITAL = "hospital", _("Hospital form (医療機関確認用)")
    PHARMACY = "pharmacy", _("Pharmacy form (薬局確認用)")
    VENDOR = "vendor", _("Vendor form (事業者確認用)")


class AnswerChoice(models.TextChoices):  # mamori.engines.checklist.model.Answer
    YES = "yes", _("Yes")
    NO = "no", _("No")
