"""Departments and the staff roster of the demo hospital, with Japanese names and kana."""

from __future__ import annotations

import random
from datetime import date, timedelta

from mamori.demo.records import DemoDepartment, DemoStaff

__all__ = ["DEPARTMENTS", "make_staff"]

DEPARTMENTS: tuple[DemoDepartment, ...] = tuple(DemoDepartment(c, n, k) for c, n, k in (
    ("NAI", "内科", "clinical"), ("GEKA", "外科", "clinical"), ("SEIKEI", "整形外科", "clinical"),
    ("SHONI", "小児科", "clinical"), ("SANFU", "産婦人科", "clinical"), ("NOUGE", "脳神経外科", "clinical"),
    ("JUNKAN", "循環器内科", "clinical"), ("KYUKYU", "救急科", "clinical"), ("MASUI", "麻酔科", "clinical"),
    ("HOSHA", "放射線科", "medical_tech"), ("KENSA", "臨床検査科", "medical_tech"), ("YAKU", "薬剤部", "medical_tech"),
    ("RIHA", "リハビリテーション科", "medical_tech"), ("EIYO", "栄養管理科", "medical_tech"),
    ("3E", "3階東病棟", "ward"), ("3W", "3階西病棟", "ward"), ("4E", "4階東病棟", "ward"), ("4W", "4階西病棟", "ward"),
    ("5E", "5階東病棟", "ward"), ("5W", "5階西病棟", "ward"), ("ICU", "集中治療室", "ward"), ("OPE", "手術室", "ward"),
    ("GAIRAI", "外来", "ward"), ("KANGO", "看護部", "admin"), ("IJI", "医事課", "admin"), ("SOMU", "総務課", "admin"),
    ("KEIRI", "経理課", "admin"), ("SYS", "情報システム室", "it"),
))

# (kanji, kana); 髙橋/山﨑/德永 use characters outside JIS X 0208 but inside CP932 (NEC/IBM extensions)
FAMILY = (("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("髙橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"),
          ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"),
          ("松本", "マツモト"), ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"),
          ("清水", "シミズ"), ("山崎", "ヤマザキ"), ("山﨑", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"),
          ("橋本", "ハシモト"), ("阿部", "アベ"), ("石川", "イシカワ"), ("前田", "マエダ"), ("藤田", "フジタ"),
          ("岡田", "オカダ"), ("後藤", "ゴトウ"), ("長谷川", "ハセガワ"), ("村上", "ムラカミ"), ("近藤", "コンドウ"),
          ("德永", "トクナガ"), ("坂本", "サカモト"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("藤井", "フジイ"))
GIVEN = (("翔太", "ショウタ"), ("大輔", "ダイスケ"), ("健一", "ケンイチ"), ("拓也", "タクヤ"), ("直樹", "ナオキ"),
         ("誠", "マコト"), ("剛", "ツヨシ"), ("悠斗", "ユウト"), ("蓮", "レン"), ("陽介", "ヨウスケ"),
         ("美咲", "ミサキ"), ("陽子", "ヨウコ"), ("恵", "メグミ"), ("由美", "ユミ"), ("真由美", "マユミ"),
         ("愛", "アイ"), ("彩", "アヤ"), ("結衣", "ユイ"), ("さくら", "サクラ"), ("花子", "ハナコ"),
         ("明美", "アケミ"), ("千尋", "チヒロ"), ("香織", "カオリ"), ("奈々", "ナナ"), ("舞", "マイ"))

# job type → (count for a ~300-bed hospital, departments it works in)
JOBS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("doctor", 62, ("NAI", "GEKA", "SEIKEI", "SHONI", "SANFU", "NOUGE", "JUNKAN", "KYUKYU", "MASUI", "HOSHA")),
    ("nurse", 310, ("3E", "3W", "4E", "4W", "5E", "5W", "ICU", "OPE", "GAIRAI", "KANGO")),
    ("pharmacist", 14, ("YAKU",)), ("radiology_tech", 16, ("HOSHA",)), ("lab_tech", 20, ("KENSA",)),
    ("rehab", 28, ("RIHA",)), ("other", 18, ("EIYO", "GAIRAI")), ("clerk", 70, ("IJI", "SOMU", "KEIRI", "GAIRAI")),
    ("it", 4, ("SYS",)),
)


def make_staff(rng: random.Random, today: date) -> tuple[DemoStaff, ...]:
    """About 540 people; about 3% retired, some of whom keep an EHR account (for account review)."""
    staff: list[DemoStaff] = []
    number = 0
    for job, count, departments in JOBS:
        for _ in range(count):
            number += 1
            family, family_kana = rng.choice(FAMILY)
            given, given_kana = rng.choice(GIVEN)
            hired = today - timedelta(days=rng.randint(30, 365 * 30))
            retired = today - timedelta(days=rng.randint(1, 400)) if rng.random() < 0.03 else None
            staff.append(DemoStaff(
                staff_id=f"E{number:05d}", family_name=family, given_name=given, family_kana=family_kana,
                given_kana=given_kana, department_code=rng.choice(departments), job_type=job, hired_on=hired,
                retired_on=retired, ehr_account=f"u{number:05d}"))
    return tuple(staff)
