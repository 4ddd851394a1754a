"""Filling in a checklist: its items from the data files, suggestions refreshed from live data, vendor forms,
the year-over-year comparison, the filled checklist for the exports, and the evidence pack."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from mamori.audit.recording import record
from mamori.checklist.choices import FormKind
from mamori.checklist.models import ChecklistResponse, EvidenceFile, ItemAnswer, fiscal_year_bounds
from mamori.checklist.rules import suggest
from mamori.engines.checklist import loader
from mamori.engines.checklist.model import (
    Answer,
    ChecklistDefinition,
    FilledChecklist,
    FilledItem,
    Form,
    ItemDefinition,
)
from mamori.ledger.models import Vendor
from mamori.tenancy.models import Facility

__all__ = ["ItemRow", "assign_vendor_forms", "attach_evidence", "compare", "definition_of", "evidence_pack", "filled",
           "refresh_suggestions", "rows", "start", "target_limit", "vendor_status"]


def definition_of(response: ChecklistResponse) -> ChecklistDefinition:
    return loader.find(response.fiscal_year, Form(response.form))


def target_limit(response: ChecklistResponse, item: ItemDefinition) -> dt.date:
    """The latest 目標日 an いいえ may give: the end of the fiscal year, or the item's own later deadline."""
    end = fiscal_year_bounds(response.fiscal_year)[1]
    return max(end, item.deadline) if item.deadline else end


@transaction.atomic
def start(facility: Facility, fiscal_year: int, form: str, vendor: Vendor | None = None) -> ChecklistResponse:
    """The facility's (or the vendor's) response for that year and form, with one answer row per item."""
    definition = loader.find(fiscal_year, Form(form))
    response, _created = ChecklistResponse.objects.get_or_create(facility=facility, fiscal_year=fiscal_year,
                                                                 form=form, vendor=vendor)
    have = set(response.answers.values_list("item_number", flat=True))
    ItemAnswer.objects.bulk_create(ItemAnswer(response=response, item_number=item.number)
                                   for item in definition.items if item.number not in have)
    return response


def refresh_suggestions(response: ChecklistResponse, today: dt.date | None = None) -> int:
    """Recompute the suggestions of the items that have a rule; store only those whose evidence changed (the
    previous suggestion is kept to show the change). Vendor forms get none: Mamori holds no vendor-side data."""
    if response.vendor_id is not None:
        return 0
    definition = definition_of(response)
    answers = {a.item_number: a for a in response.answers.all()}
    changed = 0
    now = timezone.now()
    for item in definition.items:
        answer = answers.get(item.number)
        if answer is None or not item.evidence_rule:
            continue
        found = suggest(item.evidence_rule, response.facility, today)
        if found is None:
            continue
        reasons = [*found.reasons, *([f"link:{found.link}"] if found.link else [])]
        if found.digest == answer.suggestion_digest:  # same evidence: only the words may be another language's
            if reasons != answer.suggestion_reasons:
                ItemAnswer.objects.filter(pk=answer.pk).update(suggestion_reasons=reasons)
            continue
        if answer.suggestion_digest:  # not the first computation: a change worth showing
            answer.previous_suggestion, answer.previous_reasons = answer.suggestion, answer.suggestion_reasons
            answer.suggestion_changed = now
        answer.suggestion = found.answer or ""
        answer.suggestion_reasons = reasons
        answer.suggestion_digest = found.digest
        ItemAnswer.objects.filter(pk=answer.pk).update(
            suggestion=answer.suggestion, suggestion_reasons=answer.suggestion_reasons,
            suggestion_digest=answer.suggestion_digest, suggestion_changed=answer.suggestion_changed,
            previous_suggestion=answer.previous_suggestion, previous_reasons=answer.previous_reasons)
        changed += 1
    return changed


@dataclass
class ItemRow:
    item: ItemDefinition
    answer: ItemAnswer
    evidence: list[EvidenceFile]

    @property
    def reasons(self) -> list[str]:
        return [r for r in self.answer.suggestion_reasons if not r.startswith("link:")]

    @property
    def link(self) -> str:
        return next((r[5:] for r in self.answer.suggestion_reasons if r.startswith("link:")), "")

    @property
    def previous_reasons(self) -> list[str]:
        return [r for r in self.answer.previous_reasons if not r.startswith("link:")]


def rows(response: ChecklistResponse, evidence: QuerySet[EvidenceFile] | None = None) -> list[ItemRow]:
    definition = definition_of(response)
    answers = {a.item_number: a for a in response.answers.select_related("answered_by")}
    files: dict[int, list[EvidenceFile]] = {}
    for f in (evidence if evidence is not None else EvidenceFile.objects.filter(answer__response=response)):
        files.setdefault(f.answer_id, []).append(f)
    return [ItemRow(item, answers[item.number], files.get(answers[item.number].pk, []))
            for item in definition.items if item.number in answers]


def _answer(value: str) -> Answer | None:
    return Answer(value) if value else None


def filled(response: ChecklistResponse, evidence: QuerySet[EvidenceFile] | None = None) -> FilledChecklist:
    """The response as the exports take it."""
    items = tuple(FilledItem(
        definition=row.item, first_answer=_answer(row.answer.first_answer), first_date=row.answer.first_date,
        target_date=row.answer.target_date, second_answer=_answer(row.answer.second_answer),
        second_date=row.answer.second_date, notes=row.answer.notes,
        answered_by=row.answer.answered_by.get_username() if row.answer.answered_by else "",
        evidence=tuple(f"{f.filename} (SHA-256 {f.sha256})" for f in row.evidence))
        for row in rows(response, evidence))
    return FilledChecklist(definition=definition_of(response), facility_name=response.facility.name, items=items,
                           respondent=response.vendor.name if response.vendor else "", exported_at=timezone.now())


def vendor_status(facility: Facility, fiscal_year: int) -> list[dict[str, Any]]:
    """Every vendor of the facility with its 事業者確認用 of the year: sent, answered, いいえ."""
    responses = {r.vendor_id: r for r in ChecklistResponse.objects.filter(
        facility=facility, fiscal_year=fiscal_year, form=FormKind.VENDOR).annotate(
        answered=Count("answers", filter=~Q(answers__first_answer="")),
        no=Count("answers", filter=Q(answers__second_answer="no")
                 | (Q(answers__second_answer="") & Q(answers__first_answer="no"))),
        total=Count("answers"))}
    return [{"vendor": v, "response": responses.get(v.pk)} for v in Vendor.objects.filter(facility=facility)
            .order_by("name")]


@transaction.atomic
def assign_vendor_forms(facility: Facility, fiscal_year: int, vendors: list[Vendor]) -> list[ChecklistResponse]:
    sent = []
    for vendor in vendors:
        response = start(facility, fiscal_year, FormKind.VENDOR, vendor)
        if response.sent_on is None:
            response.sent_on = timezone.localdate()
            response.save()
        sent.append(response)
    return sent


def compare(older: ChecklistResponse, newer: ChecklistResponse) -> list[dict[str, Any]]:
    """Item by item (by number, the newer year's order first): the standing answer in each year."""
    before = {a.item_number: a for a in older.answers.all()}
    after = {a.item_number: a for a in newer.answers.all()}
    new_items = {i.number: i for i in definition_of(newer).items}
    old_items = {i.number: i for i in definition_of(older).items}
    out = []
    for number in [*new_items, *[n for n in old_items if n not in new_items]]:
        a, b = before.get(number), after.get(number)
        item = new_items.get(number) or old_items[number]
        was, now = (a.current if a else ""), (b.current if b else "")
        out.append({"number": number, "wording": item.wording, "before": was, "after": now,
                    "only_in": "new" if number not in old_items else "old" if number not in new_items else "",
                    "wording_changed": number in old_items and number in new_items
                    and old_items[number].wording != new_items[number].wording,
                    "change": "" if was == now else "better" if now == "yes" else "worse" if was == "yes" else "other"})
    return out


def evidence_pack(response: ChecklistResponse) -> bytes:
    """A zip for the inspector: the checklist as xlsx and PDF, every evidence file, and a manifest with hashes."""
    from mamori.engines.checklist.export_pdf import write_pdf
    from mamori.engines.checklist.export_xlsx import write_xlsx

    evidence = EvidenceFile.objects.filter(answer__response=response).select_related("answer", "uploaded_by")
    sheet = filled(response, evidence)
    out = io.BytesIO()
    manifest: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as pack:
        for name, writer in (("checklist.xlsx", write_xlsx), ("checklist.pdf", write_pdf)):
            buffer = io.BytesIO()
            writer(sheet, buffer)
            data = buffer.getvalue()
            pack.writestr(name, data)
            manifest.append({"path": name, "sha256": _sha256(data), "size": len(data), "item": "", "uploaded_by": "",
                             "uploaded_at": "", "effective_on": "", "expires_on": ""})
        for f in evidence:
            with f.file.open("rb") as handle:
                data = handle.read()
            if _sha256(data) != f.sha256:
                raise ValueError(f"evidence file {f.filename} no longer matches its SHA-256")
            path = f"evidence/{f.answer.item_number}/{f.sha256[:12]}_{f.filename}"
            pack.writestr(path, data)
            manifest.append({"path": path, "sha256": f.sha256, "size": f.size, "item": f.answer.item_number,
                             "uploaded_by": f.uploaded_by.get_username() if f.uploaded_by else "",
                             "uploaded_at": f.created.isoformat(), "effective_on": str(f.effective_on or ""),
                             "expires_on": str(f.expires_on or "")})
        text = io.StringIO()
        writer_csv = csv.DictWriter(text, fieldnames=list(manifest[0]))
        writer_csv.writeheader()
        writer_csv.writerows(manifest)
        pack.writestr("manifest.csv", "\ufeff" + text.getvalue())
        pack.writestr("manifest.json", json.dumps({"checklist": str(response), "facility": response.facility.name,
                                                   "exported_at": timezone.now().isoformat(), "files": manifest},
                                                  ensure_ascii=False, indent=1))
    record("checklist_evidence_pack", instance=response, changes={"files": len(manifest)})
    return out.getvalue()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@transaction.atomic
def attach_evidence(answer: ItemAnswer, filename: str, data: bytes, *, uploaded_by: Any = None, description: str = "",
                    effective_on: dt.date | None = None, expires_on: dt.date | None = None) -> EvidenceFile:
    """Store a file behind an answer, named on disk by its SHA-256 (never by the uploader's file name)."""
    digest = _sha256(data)
    evidence = EvidenceFile(answer=answer, filename=(filename or "evidence")[:255], sha256=digest, size=len(data),
                            description=description, effective_on=effective_on, expires_on=expires_on,
                            uploaded_by=uploaded_by)
    evidence.file.save(digest, ContentFile(data), save=False)
    evidence.save()
    return evidence
