"""Sigma compiler/evaluator: every supported modifier and condition form, on small inline rules."""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.logs.sigma import MatchStats, compile_rules, load_or_compile, match

SYSMON = "Microsoft-Windows-Sysmon/Operational"
SIGMA_WINDOWS = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sigma" / "rules" / "windows"


def rule(detection: str, *, logsource: str = "    product: windows\n    category: process_creation\n",
         status: str = "test", extra: str = "") -> str:
    return (
        "title: Test rule\n"
        "id: 11111111-2222-3333-4444-555555555555\n"
        f"status: {status}\n"
        "author: Jane Doe, Mamori Tests\n"
        "level: high\n"
        "tags:\n    - attack.impact\n    - attack.t1490\n"
        f"{extra}"
        f"logsource:\n{logsource}"
        f"detection:\n{detection}"
    )


def proc(**fields: Any) -> dict[str, Any]:
    return {"Channel": SYSMON, "EventID": 1, "Computer": "pc1", "EventRecordID": 1, **fields}


def fires(yaml_text: str, event: dict[str, Any]) -> bool:
    rs = compile_rules(yaml_text)
    assert not rs.errors, rs.errors
    assert rs.rules, rs.skipped
    return any(True for _ in match(rs, [event]))


# ------------------------------------------------------------------------------------------------ modifiers
@pytest.mark.parametrize(
    ("detection", "yes", "no"),
    [
        ("    sel:\n        CommandLine|contains: 'delete shadows'\n    condition: sel\n",
         {"CommandLine": "vssadmin.exe Delete Shadows /all"}, {"CommandLine": "vssadmin list shadows"}),
        ("    sel:\n        Image|startswith: 'C:\\Windows\\'\n    condition: sel\n",
         {"Image": "c:\\windows\\system32\\cmd.exe"}, {"Image": "D:\\Windows\\cmd.exe"}),
        ("    sel:\n        Image|endswith: '\\vssadmin.exe'\n    condition: sel\n",
         {"Image": "C:\\Windows\\System32\\VSSADMIN.EXE"}, {"Image": "C:\\vssadmin.exe.bak"}),
        ("    sel:\n        Image: 'C:\\Windows\\System32\\cmd.exe'\n    condition: sel\n",
         {"Image": "C:\\WINDOWS\\system32\\CMD.exe"}, {"Image": "C:\\Windows\\System32\\cmd.exe2"}),
        ("    sel:\n        CommandLine|contains|all:\n            - 'delete'\n            - 'shadows'\n"
         "    condition: sel\n",
         {"CommandLine": "vssadmin delete shadows"}, {"CommandLine": "vssadmin delete"}),
        ("    sel:\n        CommandLine: '*delete*sh?dows*'\n    condition: sel\n",
         {"CommandLine": "x DELETE y shAdows z"}, {"CommandLine": "x delete y shadow"}),
        ("    sel:\n        CommandLine|re: 'delete\\s+shadows'\n    condition: sel\n",
         {"CommandLine": "vssadmin delete   shadows"}, {"CommandLine": "vssadmin DELETE shadows"}),
        ("    sel:\n        CommandLine|re|i: 'delete\\s+shadows'\n    condition: sel\n",
         {"CommandLine": "vssadmin DELETE shadows"}, {"CommandLine": "vssadmin delete-shadows"}),
        ("    sel:\n        CommandLine|cased: 'Delete'\n    condition: sel\n",
         {"CommandLine": "Delete"}, {"CommandLine": "delete"}),
        ("    sel:\n        DestinationIp|cidr: '10.0.0.0/8'\n    condition: sel\n",
         {"DestinationIp": "10.1.2.3"}, {"DestinationIp": "11.1.2.3"}),
        ("    sel:\n        DestinationIp|cidr: 'fe80::/10'\n    condition: sel\n",
         {"DestinationIp": "fe80::1"}, {"DestinationIp": "10.1.2.3"}),
        ("    sel:\n        LogonType|gt: 3\n    condition: sel\n", {"LogonType": 10}, {"LogonType": "3"}),
        ("    sel:\n        LogonType|gte: 3\n    condition: sel\n", {"LogonType": "3"}, {"LogonType": 2}),
        ("    sel:\n        LogonType|lt: 3\n    condition: sel\n", {"LogonType": "0x2"}, {"LogonType": 3}),
        ("    sel:\n        LogonType|lte: 3\n    condition: sel\n", {"LogonType": 3}, {"LogonType": "x"}),
        ("    sel:\n        LogonType: 3\n    condition: sel\n", {"LogonType": "3"}, {"LogonType": 30}),
        ("    sel:\n        ParentUser|exists: true\n    condition: sel\n", {"ParentUser": "a"}, {}),
        ("    sel:\n        ParentUser|exists: false\n    condition: sel\n", {}, {"ParentUser": "a"}),
        ("    sel:\n        Image|endswith: '.exe'\n        OriginalFileName: null\n    condition: sel\n",
         {"Image": "a.exe"}, {"Image": "a.exe", "OriginalFileName": "a.exe"}),
        ("    sel:\n        Image|endswith: '.exe'\n        OriginalFileName: ''\n    condition: sel\n",
         {"Image": "a.exe", "OriginalFileName": ""}, {"Image": "a.exe"}),
        ("    sel:\n        CommandLine|windash|contains: ' -all'\n    condition: sel\n",
         {"CommandLine": "vssadmin delete shadows /all"}, {"CommandLine": "vssadmin delete shadows all"}),
        ("    sel:\n        CommandLine|base64offset|contains: 'IEX'\n    condition: sel\n",
         {"CommandLine": "powershell -enc SUVY"}, {"CommandLine": "powershell -enc QUJD"}),
        ("    sel:\n        TargetFilename|fieldref: Image\n    condition: sel\n",
         {"TargetFilename": "C:\\a.EXE", "Image": "c:\\a.exe"}, {"TargetFilename": "C:\\b.exe", "Image": "c:\\a.exe"}),
        ("    sel:\n        Image|endswith:\n            - '\\a.exe'\n            - '\\b.exe'\n    condition: sel\n",
         {"Image": "C:\\B.exe"}, {"Image": "C:\\c.exe"}),
        ("    sel:\n        Initiated: true\n    condition: sel\n", {"Initiated": "true"}, {"Initiated": "false"}),
        ("    sel:\n        CommandLine|neq: 'x'\n        Image: 'a'\n    condition: sel\n",
         {"CommandLine": "y", "Image": "a"}, {"CommandLine": "X", "Image": "a"}),
    ],
    ids=["contains", "startswith", "endswith", "equals", "all", "wildcards", "re", "re-i", "cased", "cidr4",
         "cidr6", "gt", "gte", "lt-hex", "lte", "number", "exists", "exists-false", "null", "empty", "windash",
         "base64offset", "fieldref", "list-or", "bool", "neq"],
)
def test_modifier(detection: str, yes: dict[str, Any], no: dict[str, Any]) -> None:
    r = rule(detection)
    assert fires(r, proc(**yes))
    assert not fires(r, proc(**no))


def test_value_list_in_event_matches_any_element() -> None:
    r = rule("    sel:\n        Data|contains: 'HostApplication=powershell'\n    condition: sel\n")
    assert fires(r, proc(Data=["Available", "HostApplication=PowerShell -nop"]))


# ------------------------------------------------------------------------------------------------ conditions
CONDS = (
    "    selection_a:\n        Image|endswith: '\\a.exe'\n"
    "    selection_b:\n        CommandLine|contains: 'bad'\n"
    "    filter:\n        User|contains: 'admin'\n"
)


@pytest.mark.parametrize(
    ("condition", "event", "expected"),
    [
        ("1 of selection_*", {"CommandLine": "bad"}, True),
        ("1 of selection_*", {"CommandLine": "good"}, False),
        ("all of selection_*", {"Image": "x\\a.exe", "CommandLine": "bad"}, True),
        ("all of selection_*", {"Image": "x\\a.exe"}, False),
        ("all of them", {"Image": "x\\a.exe", "CommandLine": "bad", "User": "ADMIN"}, True),
        ("all of them", {"Image": "x\\a.exe", "CommandLine": "bad"}, False),
        ("1 of them", {"User": "admin"}, True),
        ("selection_a and not filter", {"Image": "x\\a.exe", "User": "bob"}, True),
        ("selection_a and not filter", {"Image": "x\\a.exe", "User": "Admin"}, False),
        ("selection_a and not filter", {"Image": "x\\a.exe"}, True),
        ("(selection_a or selection_b) and not filter", {"CommandLine": "bad", "User": "x"}, True),
        ("selection_a or selection_b and filter", {"Image": "x\\a.exe"}, True),
        ("(selection_a or selection_b) and filter", {"Image": "x\\a.exe"}, False),
        ("not 1 of selection_*", {"Image": "b.exe"}, True),
    ],
)
def test_condition(condition: str, event: dict[str, Any], expected: bool) -> None:
    assert fires(rule(CONDS + f"    condition: {condition}\n"), proc(**event)) is expected


def test_list_of_maps_is_or_and_map_is_and() -> None:
    det = ("    sel:\n        - Image|endswith: '\\a.exe'\n          CommandLine|contains: 'x'\n"
           "        - Image|endswith: '\\b.exe'\n    condition: sel\n")
    assert fires(rule(det), proc(Image="c:\\a.exe", CommandLine="xx"))
    assert not fires(rule(det), proc(Image="c:\\a.exe", CommandLine="yy"))
    assert fires(rule(det), proc(Image="c:\\b.exe"))


def test_keywords_search_every_value_case_insensitively() -> None:
    det = "    keywords:\n        - 'mimikatz'\n        - 'sekurlsa::'\n    condition: keywords\n"
    r = rule(det, logsource="    product: windows\n    service: security\n")
    sec = {"Channel": "Security", "EventID": 4103, "Payload": "Invoke-MIMIKATZ -x"}
    assert fires(r, sec)
    assert not fires(r, {**sec, "Payload": "benign"})
    assert not fires(r, {**sec, "_source": "mimikatz.evtx", "Payload": "benign"})  # private keys not searched


def test_case_insensitive_field_values_and_explanation() -> None:
    r = rule("    sel:\n        CommandLine|contains: 'DELETE SHADOWS'\n        Image|endswith: '.EXE'\n"
             "    condition: sel\n")
    rs = compile_rules(r)
    [d] = list(match(rs, [proc(CommandLine="vssadmin delete shadows", Image="c:\\vssadmin.exe")]))
    assert dict(d.matched) == {"CommandLine": "vssadmin delete shadows", "Image": "c:\\vssadmin.exe"}


# ------------------------------------------------------------------------------------------------ 4688
VSS_RULE = """
title: Shadow Copies Deletion Using Operating Systems Utilities
id: c947b146-0abc-4c87-9c64-b17e9d7274a2
status: stable
author: Florian Roth (Nextron Systems), Michael Haag, Teymur Kheirkhabarov, Daniil Yugoslavskiy, oscd.community
level: high
tags:
    - attack.impact
    - attack.t1490
logsource:
    category: process_creation
    product: windows
detection:
    selection1_img:
        - Image|endswith:
              - '\\powershell.exe'
              - '\\vssadmin.exe'
              - '\\wmic.exe'
        - OriginalFileName:
              - 'PowerShell.EXE'
              - 'VSSADMIN.EXE'
              - 'wmic.exe'
    selection1_cli:
        CommandLine|contains|all:
            - 'shadow'
            - 'delete'
    selection2_cli:
        CommandLine|contains|all:
            - 'vssadmin'
            - 'delete'
            - 'shadows'
    condition: (all of selection1_*) or selection2_cli
falsepositives:
    - Legitimate Administrator deletes Shadow Copies using operating systems utilities for legitimate reason
"""


def sec4688(**fields: Any) -> dict[str, Any]:
    return {"Channel": "Security", "EventID": 4688, "Computer": "ehr-srv", "EventRecordID": 7,
            "SubjectUserName": "bob", **fields}


def test_4688_caught_by_image_based_selection() -> None:
    rs = compile_rules(VSS_RULE)
    ev = sec4688(NewProcessName="C:\\Windows\\System32\\vssadmin.exe", CommandLine="vssadmin Delete Shadow /all")
    [d] = list(match(rs, [ev]))
    assert d.author and "Florian Roth" in d.author
    assert d.field_map == "security_4688"
    assert ("NewProcessName", "C:\\Windows\\System32\\vssadmin.exe") in d.matched


def test_4688_caught_by_commandline_based_selection() -> None:
    rs = compile_rules(VSS_RULE)
    ev = sec4688(NewProcessName="C:\\Tools\\x.exe", CommandLine="cmd /c VSSADMIN delete shadows /all /quiet")
    assert [d.rule_id for d in match(rs, [ev])] == ["c947b146-0abc-4c87-9c64-b17e9d7274a2"]


def test_4688_lacks_originalfilename_so_that_branch_never_matches() -> None:
    det = ("    sel:\n        OriginalFileName: 'VSSADMIN.EXE'\n        CommandLine|contains: 'delete'\n"
           "    condition: sel\n")
    rs = compile_rules(rule(det))
    assert not list(match(rs, [sec4688(NewProcessName="C:\\x\\renamed.exe", CommandLine="delete shadows")]))
    assert len(list(match(rs, [proc(OriginalFileName="VSSADMIN.EXE", CommandLine="delete shadows")]))) == 1


def test_4688_parent_and_integrity_translation() -> None:
    det = ("    sel:\n        ParentImage|endswith: '\\winword.exe'\n        IntegrityLevel: 'High'\n"
           "        ParentProcessId: 4242\n    condition: sel\n")
    rs = compile_rules(rule(det))
    ev = sec4688(ParentProcessName="C:\\Office\\WINWORD.EXE", MandatoryLabel="S-1-16-12288", ProcessId="4242",
                 NewProcessId="0x99")
    assert len(list(match(rs, [ev]))) == 1
    sysmon = proc(ParentImage="C:\\Office\\WINWORD.EXE", IntegrityLevel="High", ParentProcessId=4242)
    assert len(list(match(rs, [sysmon]))) == 1


# ------------------------------------------------------------------------------------------------ index
def test_index_skips_non_candidate_events() -> None:
    rs = compile_rules([VSS_RULE, rule("    sel:\n        EventID: 4625\n    condition: sel\n",
                                       logsource="    product: windows\n    service: security\n")])
    # the service-wide security rule pins EventID 4625 in its condition, so it is filed under it, not (Security, any)
    assert ("Security", 4688) in rs.index and (SYSMON, 1) in rs.index and ("Security", 4625) in rs.index
    assert ("Security", None) not in rs.index
    stats = MatchStats()
    other = [{"Channel": "System", "EventID": 7045, "CommandLine": "vssadmin delete shadows"},
             {"Channel": SYSMON, "EventID": 3, "CommandLine": "vssadmin delete shadows"}]
    assert not list(match(rs, other, stats=stats))
    assert stats.events == 2 and stats.evaluations == 0
    list(match(rs, [sec4688(CommandLine="x", NewProcessName="C:\\Windows\\notepad.exe")], stats=stats))
    assert stats.evaluations == 0  # a 4688, but none of the literals the rule needs is in any of its values
    hits = list(match(rs, [sec4688(CommandLine="vssadmin delete shadows /all",
                                   NewProcessName="C:\\Windows\\System32\\vssadmin.exe")], stats=stats))
    assert stats.evaluations == 1 and [d.rule_id for d in hits] == ["c947b146-0abc-4c87-9c64-b17e9d7274a2"]
    assert len(list(match(rs, [{"Channel": "Security", "EventID": 4625}], stats=stats))) == 1
    assert stats.evaluations == 2


def test_rule_keeps_metadata_and_every_detection_carries_author() -> None:
    rs = compile_rules(VSS_RULE)
    [r] = rs.rules
    assert r.status == "stable" and r.level == "high" and r.attack == ("attack.impact", "attack.t1490")
    assert r.falsepositives and r.logsource["category"] == "process_creation"
    assert set(r.keys) == {(SYSMON, 1), ("Security", 4688)}
    events = [proc(Image="c:\\w\\wmic.exe", CommandLine="shadowcopy delete"),
              sec4688(CommandLine="vssadmin delete shadows")]
    dets = list(match(rs, events))
    assert len(dets) == 2 and all(d.author == r.author and d.rule_id == r.id for d in dets)


# ------------------------------------------------------------------------------------------------ filtering
def test_status_filter_and_skips_are_reported() -> None:
    exp = rule("    sel:\n        Image: x\n    condition: sel\n", status="experimental")
    dep = rule("    sel:\n        Image: x\n    condition: sel\n", status="deprecated")
    etw = rule("    sel:\n        FileName: x\n    condition: sel\n",
               logsource="    product: windows\n    category: file_access\n")
    rs = compile_rules([exp, dep, etw])
    assert not rs.rules
    assert sorted(s.kind for s in rs.skipped) == ["logsource", "status", "status"]
    rs = compile_rules([exp, dep], include_experimental=True)
    assert [r.status for r in rs.rules] == ["experimental"]


def test_unsupported_features_are_skipped_with_reason() -> None:
    placeholder = rule("    sel:\n        User|expand: '%admins%'\n    condition: sel\n")
    correlation = ("title: many\nid: 99999999-2222-3333-4444-555555555555\nstatus: test\ncorrelation:\n"
                   "    type: event_count\n    rules:\n        - 11111111-2222-3333-4444-555555555555\n"
                   "    group-by:\n        - Computer\n    timespan: 5m\n    condition:\n        gte: 10\n")
    rs = compile_rules([placeholder])
    assert not rs.rules and "placeholder" in rs.skipped[0].reason
    rs = compile_rules(rule("    sel:\n        Image: x\n    condition: sel\n") + "---\n" + correlation)
    assert len(rs.rules) == 1
    assert [(s.kind, s.reason) for s in rs.skipped] == [("correlation", "a correlation rule (run by the correlation "
                                                                  "engine)")]


def test_parse_errors_are_kept_per_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "good.yml").write_text(rule("    sel:\n        Image: x\n    condition: sel\n"))
    (tmp_path / "bad.yml").write_text(rule("    sel:\n        Image: x\n    condition: nothere\n"))
    (tmp_path / "broken.yaml").write_text("title: [unclosed\n")
    rs = compile_rules(tmp_path)
    assert len(rs.rules) == 1 and rs.source_count == 3
    assert sorted(Path(e.source).name for e in rs.errors) == ["bad.yml", "broken.yaml"]
    assert any("nothere" in e.message for e in rs.errors)


def test_zip_of_rules(tmp_path: Path) -> None:
    z = tmp_path / "rules.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("windows/vss.yml", VSS_RULE)
        zf.writestr("README.md", "not a rule")
    rs = compile_rules(z)
    assert len(rs.rules) == 1 and rs.rules[0].source.endswith("rules.zip:windows/vss.yml")


# ------------------------------------------------------------------------------------------------ cache
def test_cache_roundtrip_and_invalidation(tmp_path: Path) -> None:
    d = tmp_path / "rules"
    d.mkdir()
    (d / "vss.yml").write_text(VSS_RULE)
    cache = tmp_path / "cache" / "sigma.pickle"
    rs, hit = load_or_compile(d, cache)
    assert not hit and cache.exists()
    rs2, hit = load_or_compile(d, cache)
    assert hit and [r.id for r in rs2.rules] == [r.id for r in rs.rules]
    assert len(list(match(rs2, [sec4688(CommandLine="vssadmin delete shadows")]))) == 1
    (d / "vss.yml").write_text(VSS_RULE.replace("level: high", "level: critical"))
    rs3, hit = load_or_compile(d, cache)
    assert not hit and rs3.rules[0].level == "critical"
    _, hit = load_or_compile(d, cache, include_experimental=True)
    assert not hit


@pytest.mark.skipif(not SIGMA_WINDOWS.is_dir(), reason=f"SigmaHQ rules not found at {SIGMA_WINDOWS}")
def test_sigmahq_windows_compiles_and_cache_is_faster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cache = tmp_path / "sigma.pickle"
    t0 = time.perf_counter()
    rs, hit = load_or_compile(SIGMA_WINDOWS, cache)
    t1 = time.perf_counter()
    rs2, hit2 = load_or_compile(SIGMA_WINDOWS, cache)
    t2 = time.perf_counter()
    assert not hit and hit2
    assert not rs.errors
    assert len(rs.rules) > 2000 and len(rs2.rules) == len(rs.rules)
    unsupported = [s for s in rs.skipped if s.kind != "status"]
    assert all(s.reason for s in rs.skipped)
    with capsys.disabled():
        print(f"\nSigmaHQ rules/windows: {rs.source_count} files, {len(rs.rules)} compiled, "
              f"{len(rs.skipped)} skipped ({len(rs.skipped) - len(unsupported)} by status, "
              f"{len(unsupported)} unsupported/unmapped), {len(rs.errors)} errors; "
              f"compile {t1 - t0:.2f}s, from cache {t2 - t1:.2f}s")
    assert t2 - t1 < t1 - t0


# ------------------------------------------------------------------------------------------------ prefilter
def _cond(det: str) -> Any:
    rs = compile_rules(rule(det, logsource="    product: windows\n    service: security\n"))
    assert rs.rules, rs.skipped
    return rs.rules[0].variants[0].condition


@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        ("    sel:\n        EventID: 4624\n        LogonType: 10\n    condition: sel\n", {4624}),
        ("    sel:\n        EventID:\n            - 4624\n            - 4625\n    condition: sel\n", {4624, 4625}),
        ("    a:\n        EventID: 4624\n    b:\n        EventID: 4634\n    condition: a or b\n", {4624, 4634}),
        ("    a:\n        EventID: 4624\n    b:\n        LogonType: 3\n    condition: a or b\n", None),
        ("    sel:\n        EventID: 4624\n    condition: not sel\n", None),
        ("    a:\n        EventID: 4624\n    b:\n        EventID: 4625\n    condition: a and b\n", set()),
    ],
    ids=["and", "list", "or", "or-unpinned", "not", "contradiction"],
)
def test_required_event_ids(detection: str, expected: set[int] | None) -> None:
    from mamori.engines.logs.sigma.prefilter import required_event_ids

    found = required_event_ids(_cond(detection))
    assert (None if found is None else set(found)) == expected


def test_a_rule_pinning_event_ids_still_matches_an_event_whose_event_id_is_not_an_int() -> None:
    rs = compile_rules(rule("    sel:\n        EventID: 4624\n        TargetUserName: 'bob'\n    condition: sel\n",
                            logsource="    product: windows\n    service: security\n"))
    assert ("Security", 4624) in rs.index and ("Security", None) not in rs.index
    base = {"Channel": "Security", "TargetUserName": "bob"}
    assert fires(rule("    sel:\n        EventID: 4624\n        TargetUserName: 'bob'\n    condition: sel\n",
                      logsource="    product: windows\n    service: security\n"), {**base, "EventID": "4624"})
    assert len(list(match(rs, [{**base, "EventID": [4624, 1]}, {**base, "EventID": 4625}]))) == 1


@pytest.mark.parametrize(
    ("detection", "expected"),
    [
        ("    sel:\n        CommandLine|contains: 'Delete Shadows'\n    condition: sel\n", [{"delete shadows"}]),
        ("    sel:\n        CommandLine: '*vss?dmin*delete*'\n    condition: sel\n", [{"delete"}]),
        ("    sel:\n        Image|endswith:\n            - '\\a.exe'\n            - '\\b.exe'\n"
         "        CommandLine|contains: 'shadowcopy'\n    condition: sel\n", [{"shadowcopy"}, {"\\a.exe", "\\b.exe"}]),
        ("    sel:\n        CommandLine|contains: 'x'\n    filter:\n        User: 'admin'\n"
         "    condition: sel and not filter\n", [{"x"}]),
        ("    sel:\n        LogonType: 10\n    condition: sel\n", []),
        ("    a:\n        CommandLine|contains: 'abc'\n    b:\n        LogonType: 3\n    condition: a or b\n", []),
        ("    sel:\n        CommandLine|re: 'mimi[kK]atz\\s+sekurlsa'\n    condition: sel\n",
         [{"sekurlsa"}, {"mimi"}, {"atz"}]),
        ("    sel:\n        CommandLine|re|i: 'Invoke-Mimikatz'\n    condition: sel\n",
         [{"nvoke-m"}, {"katz"}, {"m"}]),  # no i: under (?i) it also matches İ and ı
        ("    sel:\n        CommandLine|re: 'ab|cd+'\n    condition: sel\n", [{"ab", "c"}]),
    ],
    ids=["contains", "glob", "and-of-two", "not-ignored", "number", "or-unconstrained", "regex", "regex-i",
         "regex-alternation"],
)
def test_required_literal_sets(detection: str, expected: list[set[str]]) -> None:
    from mamori.engines.logs.sigma.prefilter import required_literal_sets

    got = [set(s) for s in required_literal_sets(_cond(detection))]
    assert sorted(got, key=sorted) == sorted(expected, key=sorted)


def test_an_ignorecase_regex_matches_letters_whose_case_folding_leaves_ascii_despite_the_prefilter() -> None:
    # (?i) "i" also matches the Turkish dotted capital İ, whose lower case is not "i": the literal must not need "i"
    r = rule("    sel:\n        CommandLine|re|i: 'mimikatz'\n    condition: sel\n")
    assert fires(r, proc(CommandLine="MİMİKATZ"))
    assert fires(r, proc(CommandLine="MIMIKATZ")) and not fires(r, proc(CommandLine="mimi-katz"))


def test_keywords_and_datetimes() -> None:
    import datetime as dt

    r = rule("    keywords:\n        - '2026-11-30'\n    condition: keywords\n",
             logsource="    product: windows\n    service: security\n")
    sec = {"Channel": "Security", "EventID": 1, "TimeCreated": dt.datetime(2026, 11, 30, tzinfo=dt.UTC)}
    assert not fires(r, sec)  # Mamori's parsed time is not event text
    assert fires(r, {**sec, "Message": "on 2026-11-30"})


def test_literal_scanner_keeps_items_whose_every_set_is_satisfied() -> None:
    from mamori.engines.logs.sigma.prefilter import LiteralScanner

    scanner = LiteralScanner([(frozenset({"cmd.exe"}), frozenset({"/c", "/k"})), (), (frozenset(),),
                              (frozenset({"whoami"}),)])
    assert scanner.select("c:\\cmd.exe /c dir") == [0, 1]
    assert scanner.select("c:\\cmd.exe dir") == [1]  # the second set of item 0 is not satisfied
    assert scanner.select("whoami /all cmd.exe /k") == [0, 1, 3]
    assert scanner.select("nothing") == [1] and scanner.any("nothing")
    assert not LiteralScanner([(frozenset({"a"}),)]).any("bcd")


def test_raw_needles_are_json_escaped() -> None:
    from mamori.engines.logs.sigma.prefilter import raw_needle

    assert raw_needle('c:\\windows\\"x"') == json.dumps('c:\\windows\\"x"')[1:-1]
    assert raw_needle("a\nb") is None and raw_needle("電子カルテ") == "電子カルテ"


@pytest.mark.skipif(not SIGMA_WINDOWS.is_dir(), reason=f"SigmaHQ rules not present at {SIGMA_WINDOWS}")
def test_the_prefilter_gives_the_same_detections_as_testing_every_rule(shared_data: Path) -> None:
    """Every SigmaHQ Windows rule evaluated on every event, without index or prefilter, versus `match`."""
    from mamori.engines.logs.evtx_reader import read_evtx
    from mamori.engines.logs.sigma import logsource as ls
    from mamori.engines.logs.sigma.nodes import build, prepare

    folder = shared_data / "evtx" / "hayabusa-sample-evtx"
    if not folder.is_dir():
        pytest.skip(f"EVTX samples not present under {folder}")
    rs = compile_rules(SIGMA_WINDOWS)
    by_channel: dict[str, list[Any]] = {}
    for r in rs.rules:
        for v in r.variants:
            by_channel.setdefault(v.channel.lower(), []).append((r, v, build(v.condition)))
    events = [e for p in sorted(folder.rglob("*.evtx")) for e in read_evtx(p, recover=True).events]
    expected = []
    for n, event in enumerate(events):
        low = prepare(event)
        for r, v, pred in (*by_channel.get(str(event.get("Channel")).lower(), ()), *by_channel.get(ls.ANY_CHANNEL, ())):
            if (v.event_ids is None or event.get("EventID") in v.event_ids) and pred(event, low):
                expected.append((n, r.id))
    index = {id(e): n for n, e in enumerate(events)}
    got = [(index[id(d.event)], d.rule_id) for d in match(rs, events)]
    assert sorted(got) == sorted(expected) and len(expected) > 1000


def test_the_cache_key_changes_with_the_compiler_code(monkeypatch: pytest.MonkeyPatch) -> None:
    from mamori.engines.logs.sigma import cache
    from mamori.engines.logs.sigma.compile import iter_sources

    sources = iter_sources(rule("    sel:\n        CommandLine|contains: 'x'\n    condition: sel\n"))
    before = cache.cache_key(sources, statuses=None, include_experimental=False)
    monkeypatch.setattr(cache, "_compiler_fingerprint", lambda: b"another logsource mapping")
    assert cache.cache_key(sources, statuses=None, include_experimental=False) != before
