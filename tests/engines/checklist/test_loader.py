"""The checklist definitions: the shipped FY2025 forms, and how a bad data file is refused with its line."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

import mamori.checklist_data
from mamori.engines.checklist.loader import (
    MAX_BYTES,
    ChecklistDataError,
    ChecklistNotFoundError,
    available,
    find,
    load_all,
    load_definition,
)
from mamori.engines.checklist.model import Form, Target, Wording

DATA = Path(mamori.checklist_data.__file__).parent
EVIDENCE_RULES = {"ledger_complete", "remote_paths_confirmed", "mds_sds_received", "patch_state", "password_policy",
                  "password_reuse", "two_factor", "source_ip_restricted", "contact_chart", "backups"}
HOSPITAL_ITEMS = ["1-①", "2-①", "2-②", "2-③", "2-④", "2-⑤", "2-⑥", "2-⑦", "2-⑧", "2-⑨", "2-⑩", "2-⑪", "2-⑫",
                  "2-⑬", "2-⑭", "3-①", "3-②", "3-③"]
# mhlw.md §1.3: [confirmed] for the 令和7年度 text; everything else (R5/R6 text, partial, inferred) is reconstructed
CONFIRMED = {"1-①", "2-①", "2-②", "2-⑥", "2-⑦", "2-⑧", "2-⑫", "2-⑬", "3-②"}
RULES = {"2-①": "ledger_complete", "2-②": "remote_paths_confirmed", "2-③": "mds_sds_received", "2-⑥": "patch_state",
         "2-⑦": "password_policy", "2-⑧": "password_reuse", "2-⑩": "two_factor", "2-⑬": "source_ip_restricted",
         "3-①": "contact_chart", "3-②": "backups"}

GOOD = """\
fiscal_year: 2026
form: hospital
title: 医療機関・薬局におけるサイバーセキュリティ対策チェックリスト
version: 令和8年6月
source: test
sections:
  - number: "1"
    title: 体制構築
  - number: 2
    title: 医療情報システムの管理・運用
items:
  - number: "1-①"
    section: "1"
    wording: 医療情報システム安全管理責任者を設置している。
    wording_status: confirmed
  - number: "2-①"
    section: 2
    wording: 二要素認証を実装している。
    wording_status: reconstructed
    targets: [server, terminal]
    deadline: 2027-04-01
    deadline_text: 令和9年4月1日
    guideline_refs: [システム運用編 14]
    evidence_rule: two_factor
"""


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def refused(path: Path) -> ChecklistDataError:
    with pytest.raises(ChecklistDataError) as caught:
        load_definition(path)
    return caught.value


def line_of(text: str, fragment: str) -> int:
    return text[:text.index(fragment)].count("\n") + 1


# --- the shipped data ---------------------------------------------------------------------------------------------

def test_the_three_fy2025_forms_are_shipped_and_load() -> None:
    assert available() == [(2025, Form.HOSPITAL), (2025, Form.PHARMACY), (2025, Form.VENDOR)]
    titles = {d.form: (d.title, d.version) for d in load_all()}
    assert titles == {Form.HOSPITAL: ("医療機関におけるサイバーセキュリティ対策チェックリスト", "令和7年5月"),
                      Form.PHARMACY: ("薬局におけるサイバーセキュリティ対策チェックリスト", "令和7年5月"),
                      Form.VENDOR: ("医療機関におけるサイバーセキュリティ対策チェックリスト", "令和7年5月")}
    direct = load_definition(DATA / "fy2025" / "hospital.yaml")
    assert direct.items == find(2025, Form.HOSPITAL).items and direct.source == str(DATA / "fy2025" / "hospital.yaml")


def test_hospital_fy2025_has_every_item_of_the_digest_in_order() -> None:
    hospital = find(2025, Form.HOSPITAL)
    assert [s.number for s in hospital.sections] == ["1", "2", "3"]
    assert [s.title for s in hospital.sections[:2]] == ["体制構築", "医療情報システムの管理・運用"]
    assert [i.number for i in hospital.items] == HOSPITAL_ITEMS
    assert all(item.number.startswith(item.section + "-") for item in hospital.items)
    assert hospital.item("2-⑬").targets == (Target.NETWORK,)
    assert hospital.item("2-⑬").wording == "接続元制限を実施している。"
    assert hospital.item("2-⑦").wording == ("パスワードは英数字、記号が混在した8文字以上とし、定期的に変更している。"
                                           "※二要素認証、または13文字以上の場合は定期的な変更は不要")
    assert hospital.item("2-①").targets == (Target.ALL,) and hospital.item("2-⑪").targets == (Target.SERVER,)
    assert hospital.item("1-①").targets == ()


def test_only_the_2fa_item_has_a_deadline_and_it_is_reiwa_9() -> None:
    hospital = find(2025, Form.HOSPITAL)
    two_factor = hospital.item("2-⑩")
    assert two_factor.deadline == dt.date(2027, 4, 1)
    assert "令和9年度" in two_factor.deadline_text
    assert [i.number for i in hospital.items if i.deadline is not None] == ["2-⑩"]
    assert [i.number for d in load_all() for i in d.items if i.deadline] == ["2-⑩"] * 3


def test_confirmed_and_reconstructed_wording_is_marked_as_in_the_digest() -> None:
    hospital = find(2025, Form.HOSPITAL)
    assert {i.number for i in hospital.items if i.wording_status is Wording.CONFIRMED} == CONFIRMED
    assert hospital.item("2-⑬").wording_status is Wording.CONFIRMED
    assert hospital.item("2-⑩").wording_status is Wording.RECONSTRUCTED
    assert hospital.item("2-⑭").wording_status is Wording.RECONSTRUCTED  # the 運用管理規程 item: number unknown
    # no stored copy of the pharmacy or vendor form's text: nothing there may claim to be confirmed
    for form in (Form.PHARMACY, Form.VENDOR):
        assert {i.wording_status for i in find(2025, form).items} == {Wording.RECONSTRUCTED}


def test_the_evidence_rules_are_the_applications_codes_on_the_right_items() -> None:
    for definition in load_all():
        assert {i.evidence_rule for i in definition.items if i.evidence_rule} <= EVIDENCE_RULES
    for form in (Form.HOSPITAL, Form.PHARMACY):
        assert {i.number: i.evidence_rule for i in find(2025, form).items if i.evidence_rule} == RULES


def test_the_pharmacy_form_mirrors_the_hospital_items_and_the_vendor_form_sections_1_and_2() -> None:
    hospital, pharmacy, vendor = (find(2025, form) for form in Form)
    assert [(i.number, i.wording, i.targets) for i in pharmacy.items] == \
        [(i.number, i.wording, i.targets) for i in hospital.items]
    assert [s.number for s in vendor.sections] == ["1", "2"]
    assert [i.number for i in vendor.items] == [n for n in HOSPITAL_ITEMS if n[0] in "12" and n != "2-⑭"]
    assert "MDS/SDS" in vendor.item("2-③").wording and vendor.item("2-③").wording.startswith("医療機関に")


def test_every_item_knows_its_line_in_the_file() -> None:
    text = (DATA / "fy2025" / "hospital.yaml").read_text(encoding="utf-8")
    hospital = find(2025, Form.HOSPITAL)
    assert hospital.item("2-⑬").line == line_of(text, 'number: "2-⑬"')
    assert hospital.source == "fy2025/hospital.yaml"


# --- a new fiscal year is data only -------------------------------------------------------------------------------

def test_an_added_fy2026_file_is_found_with_no_code_change(tmp_path: Path) -> None:
    shutil.copytree(DATA / "fy2025", tmp_path / "fy2025")
    write(tmp_path / "fy2026" / "hospital.yaml", GOOD)
    assert available(tmp_path) == [(2025, Form.HOSPITAL), (2025, Form.PHARMACY), (2025, Form.VENDOR),
                                   (2026, Form.HOSPITAL)]
    fy2026 = find(2026, Form.HOSPITAL, tmp_path)
    assert (fy2026.version, [i.number for i in fy2026.items]) == ("令和8年6月", ["1-①", "2-①"])
    assert fy2026.item("2-①").targets == (Target.SERVER, Target.TERMINAL)
    assert fy2026.item("2-①").guideline_refs == ("システム運用編 14",)
    assert fy2026.sections[1].number == "2"  # a bare 2 in YAML is the section "2"
    with pytest.raises(ChecklistNotFoundError, match=r"no checklist for fiscal year 2026, form pharmacy") as caught:
        find(2026, Form.PHARMACY, tmp_path)
    assert "fy2026/hospital.yaml" in caught.value.params["available"]  # type: ignore[operator]


def test_a_file_in_the_wrong_place_is_refused_by_the_folder_loader(tmp_path: Path) -> None:
    write(tmp_path / "fy2025" / "hospital.yaml", GOOD)  # says 2026
    write(tmp_path / "fy2026" / "hospital.yml", GOOD)  # not shipped: package data is *.yaml
    with pytest.raises(ChecklistDataError) as caught:
        load_all(tmp_path)
    message = str(caught.value)
    assert "fy2025/hospital.yaml: holds fiscal_year 2026, form hospital: it belongs in fy2026/hospital.yaml" in message
    assert "fy2026/hospital.yml: not where a definition belongs" in message
    assert len(caught.value.problems) == 2


def test_an_empty_folder_defines_nothing_and_a_missing_one_is_an_error(tmp_path: Path) -> None:
    assert available(tmp_path) == []
    with pytest.raises(ChecklistDataError, match="not a folder"):
        load_all(tmp_path / "nothing")


# --- bad files: each problem names the file and its line ----------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "anchor", "field", "reason"), [
    ("    wording_status: confirmed\n", "    wording_status: confirmed\n    colour: red\n", "colour",
     r"items\[1-①\]\.colour", "unknown key 'colour'"),
    ("    wording_status: confirmed\n", "", 'number: "1-①"', r"items\[1-①\]\.wording_status", r"missing \(required\)"),
    ("form: hospital", "form: clinic", "form:", "form", "'clinic' is not one of hospital, pharmacy, vendor"),
    ("[server, terminal]", "[server, printer]", "targets:", r"items\[2-①\]\.targets", "'printer' is not one of"),
    ("wording_status: reconstructed", "wording_status: guessed", "wording_status: guessed",
     r"items\[2-①\]\.wording_status", "'guessed' is not one of confirmed, reconstructed"),
    ('number: "2-①"\n    section: 2', 'number: "1-①"\n    section: "1"', '"1-①"\n    section: "1"\n    wording: 二',
     r"items\[1-①\]\.number",
     r"item '1-①' repeated \(first on line 12\)"),
    ('section: 2\n', 'section: "9"\n', 'section: "9"', r"items\[2-①\]\.section", "section '9' is not among"),
    ("deadline: 2027-04-01", "deadline: 2027-02-30", "deadline:", r"items\[2-①\]\.deadline", "not a date"),
    ("deadline: 2027-04-01", "deadline: 令和9年度", "deadline:", r"items\[2-①\]\.deadline", "not a date"),
    ("fiscal_year: 2026", "fiscal_year: 2022", "fiscal_year", "fiscal_year", "not a year from 2023 to 2100"),
    ("fiscal_year: 2026", 'fiscal_year: "2026"', "fiscal_year", "fiscal_year", "expected a whole number"),
    ("fiscal_year: 2026", "fiscal_year: 2026.5", "fiscal_year", "fiscal_year", "expected a whole number"),
    ("wording: 二要素認証を実装している。", "wording: 2027", "wording: 2027", r"items\[2-①\]\.wording",
     "expected text, found '2027'"),
    ("wording: 二要素認証を実装している。", 'wording: "  "', 'wording: "  "', r"items\[2-①\]\.wording", "empty"),
    ("wording: 二要素認証を実装している。", "wording:", "wording:\n", r"items\[2-①\]\.wording", r"empty \(required\)"),
    ("wording: 二要素認証を実装している。", "wording: [a, b]", "wording: [", r"items\[2-①\]\.wording",
     "expected text, found a list"),
    ("evidence_rule: two_factor", "evidence_rule: Two-Factor", "evidence_rule", r"items\[2-①\]\.evidence_rule",
     "not a rule code"),
    ('number: "2-①"', 'number: "3-①"', 'number: "3-①"', r"items\[3-①\]\.number", "does not start with its section"),
    ("[server, terminal]", "[all, server]", "targets:", r"items\[2-①\]\.targets", "all .* cannot be combined"),
    ("    title: 体制構築\n", "    title: 体制構築\n    title: again\n", "title: again", r"sections\[1\]\.title",
     "key repeated"),
])
def test_a_bad_value_is_refused_with_the_file_line_and_field(tmp_path: Path, old: str, new: str, anchor: str,
                                                              field: str, reason: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = write(tmp_path / "bad.yaml", text)
    error = refused(path)
    pattern = rf"{re.escape(str(path))}, line {line_of(text, anchor)}, {field}: .*{reason}"
    assert re.match(pattern, str(error)), (str(error), pattern)
    assert error.problems == (error,)


def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    text = (GOOD.replace("form: hospital", "form: clinic").replace("[server, terminal]", "[server, printer]")
            .replace("wording_status: confirmed", "wording_status: sure").replace("source: test\n", ""))
    path = write(tmp_path / "bad.yaml", text)
    error = refused(path)
    lines = str(error).splitlines()
    assert lines[0] == f"{path}: 4 problems:"
    assert sorted(lines[1:]) == sorted([
        f"{path}, line 2, form: 'clinic' is not one of hospital, pharmacy, vendor",
        f"{path}, line {line_of(text, 'wording_status: sure')}, items[1-①].wording_status: 'sure' is not one of "
        "confirmed, reconstructed",
        f"{path}, line {line_of(text, 'targets:')}, items[2-①].targets: 'printer' is not one of all, server, "
        "terminal, network",
        f"{path}, line 1, source: missing (required)",
    ])
    assert [p.location.line for p in error.problems] == [int(line.split(", line ")[1].split(",")[0])
                                                          for line in lines[1:]]
    assert error.params["problems"] == lines[1:]


def test_problems_in_several_files_of_a_folder_are_reported_together(tmp_path: Path) -> None:
    write(tmp_path / "fy2026" / "hospital.yaml", GOOD.replace("form: hospital", "form: clinic"))
    write(tmp_path / "fy2026" / "vendor.yaml", GOOD.replace("form: hospital", "form: vendor")
          .replace("deadline: 2027-04-01", "deadline: 2027-13-01"))
    with pytest.raises(ChecklistDataError) as caught:
        load_all(tmp_path)
    assert str(caught.value).splitlines()[1:] == [
        "fy2026/hospital.yaml, line 2, form: 'clinic' is not one of hospital, pharmacy, vendor",
        f"fy2026/vendor.yaml, line {line_of(GOOD, 'deadline')}, items[2-①].deadline: not a date (YYYY-MM-DD): "
        "'2027-13-01'"]


def test_a_yaml_syntax_error_names_the_line_and_column(tmp_path: Path) -> None:
    text = GOOD.replace("deadline_text: 令和9年4月1日", "deadline_text: 期限: 令和9年4月1日")
    path = write(tmp_path / "bad.yaml", text)
    error = refused(path)
    line = line_of(text, "deadline_text")
    assert str(error).startswith(f"{path}, line {line}: column 22: YAML syntax error: mapping values are not allowed")
    assert error.code == "checklist_yaml_syntax"


def test_a_cp932_file_is_refused_with_the_byte_offset(tmp_path: Path) -> None:
    path = write(tmp_path / "excel.yaml", GOOD, "cp932")
    data = path.read_bytes()
    offset = data.index("医療".encode("cp932"))
    error = refused(path)
    assert str(error).startswith(f"{path}, line 3: not UTF-8: byte 0x{data[offset]:02X} at byte offset {offset} ")
    assert "CP932" in str(error) and error.code == "checklist_encoding"


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.yaml", GOOD, "utf-8-sig")
    assert load_definition(path).item("1-①").line == 12


def test_an_alias_bomb_is_refused_before_it_is_expanded(tmp_path: Path) -> None:
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    bomb += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    path = write(tmp_path / "bomb.yaml", "\n".join(bomb) + "\n")
    error = refused(path)
    assert str(error.problems[0]) == f"{path}, line 1: anchor &a: anchors and aliases are not allowed"
    assert f"{path}, line 2: alias *a: anchors and aliases are not allowed" in str(error)
    assert {p.code for p in error.problems} == {"checklist_alias"}


def test_a_single_alias_is_refused_too(tmp_path: Path) -> None:
    text = GOOD.replace("    title: 体制構築", "    title: &t 体制構築").replace("    title: 医療", "    title: *t\n#")
    error = refused(write(tmp_path / "alias.yaml", text))
    assert [p.location.line for p in error.problems] == [line_of(text, "&t"), line_of(text, "*t")]


def test_tags_are_refused(tmp_path: Path) -> None:
    text = GOOD.replace("source: test", "source: !!python/object/apply:os.system [echo]")
    error = refused(write(tmp_path / "tag.yaml", text))
    assert str(error).endswith(f"line {line_of(text, 'source:')}: tag tag:yaml.org,2002:python/object/apply:os.system: "
                               "tags are not allowed")


def test_deep_nesting_is_refused_before_composing(tmp_path: Path) -> None:
    error = refused(write(tmp_path / "deep.yaml", "a: " + "[" * 10_000 + "]" * 10_000 + "\n"))
    assert error.code == "checklist_too_deep" and "line 1" in str(error)


def test_a_file_over_1_mib_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path / "big.yaml", GOOD + "#" * (MAX_BYTES - len(GOOD.encode())) + "\n")
    error = refused(path)
    assert str(error) == f"{path}: larger than 1,048,576 bytes: refused"
    write(path, GOOD + "#" * (MAX_BYTES - len(GOOD.encode()) - 1))
    assert load_definition(path).fiscal_year == 2026  # exactly 1 MiB is still read


def test_an_empty_file_a_list_and_two_documents_are_refused(tmp_path: Path) -> None:
    assert str(refused(write(tmp_path / "empty.yaml", "# nothing\n"))).endswith("line 1: the file is empty")
    assert "expected a mapping" in str(refused(write(tmp_path / "list.yaml", "- 1\n- 2\n")))
    two = refused(write(tmp_path / "two.yaml", GOOD + "---\n" + GOOD))
    assert f"line {GOOD.count(chr(10)) + 1}: column 1: YAML syntax error: expected a single document in the stream, " \
        "but found another document" in str(two)
