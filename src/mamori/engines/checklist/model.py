"""What a checklist is (a fiscal year's form as data) and what a filled-in checklist holds, for loader and exports.

No Django here: the application turns its rows into `FilledChecklist` and hands it to the exports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["Answer", "ChecklistDefinition", "FilledChecklist", "FilledItem", "Form", "ItemDefinition", "Section",
           "Target", "Wording"]


class Form(StrEnum):
    HOSPITAL = "hospital"  # 医療機関確認用
    PHARMACY = "pharmacy"  # 薬局確認用
    VENDOR = "vendor"  # 事業者確認用


class Target(StrEnum):
    ALL = "all"  # 医療情報システム全般
    SERVER = "server"  # サーバ
    TERMINAL = "terminal"  # 端末PC
    NETWORK = "network"  # ネットワーク機器


class Wording(StrEnum):
    CONFIRMED = "confirmed"  # seen in a stored copy of the official text
    RECONSTRUCTED = "reconstructed"  # inferred from secondary sources: verify before relying on it


class Answer(StrEnum):
    YES = "yes"  # はい
    NO = "no"  # いいえ


@dataclass(frozen=True)
class Section:
    number: str  # "1", "2", "3"
    title: str  # 「体制構築」


@dataclass(frozen=True)
class ItemDefinition:
    number: str  # "2-⑬"
    section: str  # "2"
    wording: str  # the item as the form prints it
    wording_status: Wording
    targets: tuple[Target, ...] = ()
    deadline: dt.date | None = None  # e.g. 2FA: 令和9年度 (2027-04-01 .. ), None: within the fiscal year
    deadline_text: str = ""  # 「令和9年度までに」 as the form says it
    guidance: str = ""  # what the manual asks, in short
    guideline_refs: tuple[str, ...] = ()  # 「システム運用編 13⑪」
    evidence_rule: str = ""  # the code of the rule that suggests an answer from live data ("" = none)
    source: str = ""  # where the wording comes from
    line: int = 0  # line of the item in its data file (for error messages)


@dataclass(frozen=True)
class ChecklistDefinition:
    fiscal_year: int  # 2025 = 令和7年度
    form: Form
    title: str  # 「医療機関におけるサイバーセキュリティ対策チェックリスト」
    version: str  # 「令和7年5月」
    sections: tuple[Section, ...]
    items: tuple[ItemDefinition, ...]
    source: str = ""  # the file it was read from

    def item(self, number: str) -> ItemDefinition:
        for item in self.items:
            if item.number == number:
                return item
        raise KeyError(number)


@dataclass(frozen=True)
class FilledItem:
    definition: ItemDefinition
    first_answer: Answer | None = None
    first_date: dt.date | None = None
    target_date: dt.date | None = None  # 目標日 for いいえ
    second_answer: Answer | None = None
    second_date: dt.date | None = None
    notes: str = ""
    answered_by: str = ""
    evidence: tuple[str, ...] = ()  # evidence file names with their SHA-256, as the export lists them


@dataclass(frozen=True)
class FilledChecklist:
    definition: ChecklistDefinition
    facility_name: str
    items: tuple[FilledItem, ...]
    respondent: str = ""  # the vendor's name on 事業者確認用
    exported_at: dt.datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
