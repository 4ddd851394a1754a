"""The checklist reminders of the home page: this year's checklist, 目標日 coming or passed, vendor forms out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from mamori.accounts.policy import allows
from mamori.checklist.choices import FormKind
from mamori.checklist.models import ChecklistResponse, ItemAnswer
from mamori.web.todos import Todo

__all__ = ["checklist_todos", "current_fiscal_year"]

SOON = dt.timedelta(days=30)


def current_fiscal_year(today: dt.date) -> int:
    return today.year if today.month >= 4 else today.year - 1


def checklist_todos(user: Any, today: dt.date | None = None) -> list[Todo]:
    if not allows(user, ChecklistResponse, "view") or getattr(user, "role", None) == "vendor":
        return []
    from mamori.engines.checklist import loader

    today = today or timezone.localdate()
    year = current_fiscal_year(today)
    link = reverse("checklist:response_list")
    responses = ChecklistResponse.objects.restrict(user, "view")
    todos: list[Todo] = []
    shipped = {y for y, f in loader.available() if str(f) == FormKind.HOSPITAL.value}
    own = responses.filter(vendor__isnull=True, form__in=(FormKind.HOSPITAL, FormKind.PHARMACY))
    if year in shipped and not own.filter(fiscal_year=year).exists():
        todos.append(Todo("high", _("This fiscal year's checklist is not started"),
                          _("The on-site inspection checks every item's answer and 1st check date."), 1, link))
    answers = ItemAnswer.objects.restrict(user, "view").filter(
        response__in=own, target_date__isnull=False).exclude(second_answer="yes").filter(
        first_answer="no").select_related("response")
    passed = answers.filter(target_date__lt=today).order_by("target_date")
    soon = answers.filter(target_date__gte=today, target_date__lte=today + SOON).order_by("target_date")
    if passed.exists():
        todos.append(Todo("high", _("Checklist items past their target date"),
                          _("These いいえ were to be fixed by their target date: fix them, record the 2nd check, or "
                            "give a new date with the reason."), passed.count(), link, tuple(passed[:5])))
    if soon.exists():
        todos.append(Todo("medium", _("Checklist target dates within 30 days"),
                          _("These いいえ are due soon."), soon.count(), link, tuple(soon[:5])))
    out = responses.filter(form=FormKind.VENDOR, sent_on__isnull=False, answers__first_answer="").distinct()
    if out.exists():
        todos.append(Todo("medium", _("Vendor forms (事業者確認用) not fully answered"),
                          _("Each vendor answers its own 事業者確認用; the inspection checks both forms."),
                          out.count(), link, tuple(out[:5])))
    return todos
