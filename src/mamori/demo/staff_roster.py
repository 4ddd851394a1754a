"""Departments and the staff roster of the demo hospital, with Japanese names and kana."""

from __future__ import annotations

import random
from datetime import date, timedelta

from mamori.demo.names import FAMILY_NAMES, FEMALE_GIVEN_NAMES, MALE_GIVEN_NAMES
from mamori.demo.records import DemoDepartment, DemoStaff

__all__ = ["DEPARTMENTS", "DEPARTMENT_LOCATIONS", "KEY_PEOPLE", "make_staff"]

# (code, name, kind, where it is): the place is the base of the 所在 of the devices it uses
_DEPARTMENT_ROWS: tuple[tuple[str, str, str, str], ...] = (
    ("NAI", "内科", "clinical", "外来棟1F 内科外来"),
    ("JUNKAN", "循環器内科", "clinical", "外来棟1F 循環器内科外来"),
    ("GEKA", "外科", "clinical", "外来棟2F 外科外来"),
    ("SEIKEI", "整形外科", "clinical", "外来棟2F 整形外科外来"),
    ("NOUGE", "脳神経外科", "clinical", "外来棟2F 脳神経外科外来"),
    ("SHONI", "小児科", "clinical", "外来棟1F 小児科外来"),
    ("SANFU", "産婦人科", "clinical", "外来棟3F 産婦人科外来"),
    ("KYUKYU", "救急科", "clinical", "本館1F 救急外来"),
    ("MASUI", "麻酔科", "clinical", "本館2F 手術部"),
    ("HOSHA", "放射線科", "medical_tech", "本館1F 放射線科"),
    ("KENSA", "臨床検査科", "medical_tech", "本館1F 検査室"),
    ("YAKU", "薬剤部", "medical_tech", "本館B1F 薬剤部"),
    ("RIHA", "リハビリテーション科", "medical_tech", "本館2F リハビリ室"),
    ("EIYO", "栄養管理科", "medical_tech", "本館B1F 栄養管理室"),
    ("CE", "臨床工学科", "medical_tech", "本館2F ME機器管理室"),
    ("3E", "3階東病棟", "ward", "本館3F 東病棟"),
    ("3W", "3階西病棟", "ward", "本館3F 西病棟"),
    ("4E", "4階東病棟", "ward", "本館4F 東病棟"),
    ("4W", "4階西病棟", "ward", "本館4F 西病棟"),
    ("5E", "5階東病棟", "ward", "本館5F 東病棟"),
    ("5W", "5階西病棟", "ward", "本館5F 西病棟"),
    ("ICU", "集中治療室", "ward", "本館2F ICU"),
    ("OPE", "手術室", "ward", "本館2F 手術室"),
    ("GAIRAI", "外来", "ward", "外来棟1F 中央処置室"),
    ("KANGO", "看護部", "admin", "管理棟2F 看護部"),
    ("IJI", "医事課", "admin", "外来棟1F 医事課"),
    ("SOMU", "総務課", "admin", "管理棟2F 総務課"),
    ("KEIRI", "経理課", "admin", "管理棟2F 経理課"),
    ("SYS", "情報システム室", "it", "管理棟3F 情報システム室"),
)

DEPARTMENTS: tuple[DemoDepartment, ...] = tuple(DemoDepartment(c, n, k) for c, n, k, _ in _DEPARTMENT_ROWS)
DEPARTMENT_LOCATIONS: dict[str, str] = {c: place for c, _, _, place in _DEPARTMENT_ROWS}

_WARDS = ("3E", "3W", "4E", "4W", "5E", "5W", "ICU", "OPE", "GAIRAI")
_CLINICAL = ("NAI", "JUNKAN", "GEKA", "SEIKEI", "NOUGE", "SHONI", "SANFU", "KYUKYU", "MASUI", "HOSHA")

# job type -> (head count for a ~300-bed hospital, share of women, departments with weights)
_JOBS: tuple[tuple[str, int, float, tuple[tuple[str, int], ...]], ...] = (
    ("doctor", 64, 0.25, tuple((c, 3 if c == "NAI" else 1) for c in _CLINICAL)),
    ("nurse", 318, 0.9, (*((w, 6) for w in _WARDS), ("KANGO", 1))),
    ("pharmacist", 16, 0.6, (("YAKU", 1),)),
    ("radiology_tech", 18, 0.3, (("HOSHA", 1),)),
    ("lab_tech", 22, 0.7, (("KENSA", 1),)),
    ("rehab", 30, 0.5, (("RIHA", 1),)),
    ("other", 28, 0.6, (("EIYO", 3), ("CE", 2), ("GAIRAI", 2), ("SOMU", 1))),
    ("clerk", 92, 0.75, (("IJI", 6), ("SOMU", 2), ("KEIRI", 1), ("GAIRAI", 2), ("KANGO", 1))),
    ("it", 1, 0.0, (("SYS", 1),)),
)
RETIRED_SHARE = 0.03

# People present in every demo hospital (their names carry CP932 extension characters on purpose):
# (family, kana, given, kana, department, job type)
KEY_PEOPLE: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("德永", "トクナガ", "誠一", "セイイチ", "NAI", "doctor"),  # 院長
    ("髙橋", "タカハシ", "健一", "ケンイチ", "SYS", "it"),  # 情報システム室長・安全管理責任者
    ("山﨑", "ヤマザキ", "陽子", "ヨウコ", "KANGO", "nurse"),  # 看護部長
    ("濵田", "ハマダ", "拓也", "タクヤ", "SYS", "it"),
)


def _name(rng: random.Random, female_share: float) -> tuple[str, str, str, str]:
    family, family_kana, _ = rng.choices(FAMILY_NAMES, weights=[w for _, _, w in FAMILY_NAMES])[0]
    given, given_kana = rng.choice(FEMALE_GIVEN_NAMES if rng.random() < female_share else MALE_GIVEN_NAMES)
    return family, family_kana, given, given_kana


def _career(rng: random.Random, today: date) -> tuple[date, date | None]:
    """Hire date and, for about 3%, a retirement in the past year (always after the hire date)."""
    if rng.random() < RETIRED_SHARE:
        retired = today - timedelta(days=rng.randint(1, 365))
        return retired - timedelta(days=rng.randint(180, 365 * 30)), retired
    return today - timedelta(days=rng.randint(7, 365 * 35)), None


def make_staff(rng: random.Random, today: date) -> tuple[DemoStaff, ...]:
    """About 590 people: the key people, then each job type; staff numbers and EHR accounts are unique."""
    rows: list[tuple[str, str, str, str, str, str]] = list(KEY_PEOPLE)
    for job, count, female_share, departments in _JOBS:
        codes = [c for c, _ in departments]
        weights = [w for _, w in departments]
        for _ in range(count):
            rows.append((*_name(rng, female_share), rng.choices(codes, weights=weights)[0], job))
    staff: list[DemoStaff] = []
    for number, (family, family_kana, given, given_kana, department, job) in enumerate(rows, start=1):
        hired, retired = _career(rng, today) if number > len(KEY_PEOPLE) else (today - timedelta(days=9000), None)
        staff.append(DemoStaff(
            staff_id=f"E{number:05d}", family_name=family, given_name=given, family_kana=family_kana,
            given_kana=given_kana, department_code=department, job_type=job, hired_on=hired,
            retired_on=retired, ehr_account=f"u{number:05d}"))
    return tuple(staff)
