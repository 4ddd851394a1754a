"""The demo hospital's 令和7年度 checklist: half filled, several いいえ with 目標日, evidence, two vendor forms."""

from __future__ import annotations

import pytest

from mamori.checklist.models import ChecklistResponse, EvidenceFile
from mamori.demo.loader import load_demo

pytestmark = pytest.mark.django_db


def test_the_demo_checklist_is_half_filled_with_evidence_and_vendor_forms() -> None:
    load_demo(assets_target=300)
    hospital = ChecklistResponse.objects.get(vendor__isnull=True)
    assert (hospital.fiscal_year, hospital.form) == (2025, "hospital")
    answers = {a.item_number: a for a in hospital.answers.all()}
    answered = [a for a in answers.values() if a.first_answer]
    assert len(answers) == 18 and len(answered) == 9  # half filled
    noes = [a for a in answered if a.first_answer == "no"]
    assert len(noes) >= 3 and all(a.target_date for a in noes)
    assert answers["2-⑬"].suggestion == "no"  # the demo's paths without source-IP restriction
    assert EvidenceFile.objects.filter(answer__response=hospital).count() == 2
    vendors = ChecklistResponse.objects.filter(form="vendor").order_by("vendor__code")
    assert [v.vendor.code for v in vendors] == ["V-EHR", "V-NET"]  # type: ignore[union-attr]
    assert all(v.sent_on for v in vendors)
