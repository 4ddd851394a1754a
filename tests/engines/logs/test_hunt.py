"""`mamori hunt` on generated Windows-event JSON (winlogbeat shape) and, when present, a real EVTX sample: Mamori's
own rules fire (a shadow-copy deletion logged as Security 4688, a cleared Security log), every row has the
author, the timeline is written, a broken file is reported and left out whole."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.errors import InputError
from mamori.engines.logs import hunt as hunt_module
from mamori.engines.logs.evtx_reader import read_evtx
from mamori.engines.logs.hunt import (
    BUILTIN_RULES,
    FileMetrics,
    FileScan,
    _row,
    default_rule_cache,
    hunt,
    load_rules,
    scan_file,
)
from mamori.engines.logs.json_reader import iter_json_events, read_json_events
from mamori.engines.logs.logons import summarise_logons
from mamori.engines.logs.sigma import RuleSet, compile_rules, match
from tests.cli_helpers import mamori

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "evtx"


def _winlogbeat(path: Path) -> Path:
    events = [
        {"@timestamp": "2026-11-30T15:01:00.000Z", "winlog": {
            "channel": "Security", "event_id": 4688, "computer_name": "EHR-AP01.hosp.local", "record_id": 5001,
            "event_data": {"NewProcessName": "C:\\Windows\\System32\\vssadmin.exe",
                           "CommandLine": "vssadmin.exe Delete Shadows /All /Quiet",
                           "ParentProcessName": "C:\\Windows\\System32\\cmd.exe", "SubjectUserName": "svc_ehr"}}},
        {"@timestamp": "2026-11-30T15:02:00.000Z", "winlog": {
            "channel": "Security", "event_id": 1102, "computer_name": "EHR-AP01.hosp.local", "record_id": 5002,
            "user_data": {"SubjectUserName": "svc_ehr"}}},
        {"@timestamp": "2026-11-30T15:00:00.000Z", "winlog": {
            "channel": "Security", "event_id": 4688, "computer_name": "PC-0101", "record_id": 7,
            "event_data": {"NewProcessName": "C:\\Program Files\\電子カルテ\\ehr.exe", "CommandLine": "ehr.exe"}}},
    ]
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in events) + "\n", encoding="utf-8")
    return path


def test_a_shadow_copy_deletion_logged_as_4688_and_a_log_clear_are_caught_with_their_author(tmp_path: Path) -> None:
    result = hunt([_winlogbeat(tmp_path / "security.jsonl")], rule_cache=False)
    rules = {r.rule_id: r for r in result.rows}
    assert set(rules) == {"6f1d2a43-7c0b-4e5e-9d3a-5b8e1f0c2a11", "2b7e9c10-4d5f-4a8b-8e21-3c6f0d9a7b42"}
    deletion = rules["6f1d2a43-7c0b-4e5e-9d3a-5b8e1f0c2a11"]
    assert deletion.level == "critical" and deletion.host == "EHR-AP01.hosp.local" and deletion.event_id == 4688
    assert all(r.author == "Mamori project" for r in result.rows) and "attack.t1490" in deletion.attack
    assert result.by_level["critical"] == 1 and result.by_level["high"] == 1 and result.events == 3


def test_a_broken_file_is_reported_and_left_out_whole(tmp_path: Path) -> None:
    good = _winlogbeat(tmp_path / "a.jsonl")
    broken = tmp_path / "b.jsonl"
    broken.write_text(good.read_text(encoding="utf-8") + '{"winlog": {"channel": \n', encoding="utf-8")
    result = hunt([tmp_path], rule_cache=False)
    errors = {Path(f.path).name: f.error for f in result.files}
    assert errors["a.jsonl"] == "" and "b.jsonl" in errors["b.jsonl"] and "line 4" in errors["b.jsonl"]
    assert result.events == 3  # nothing of the broken file, not even its three good lines


def test_the_cli_prints_japanese_writes_the_timeline_and_exits_1(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    _winlogbeat(tmp_path / "logs" / "security.jsonl")
    out = tmp_path / "timeline.csv"
    result = mamori(tmp_path / "data", "hunt", str(tmp_path / "logs"), "--timeline", str(out), "--jsonl",
                    str(tmp_path / "t.jsonl"), "--rule-cache", str(tmp_path / "rules.pickle"))
    assert result.returncode == 1, result.stderr
    assert "緊急 1" in result.stdout and "作成者: Mamori project" in result.stdout
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert [r["イベントID"] for r in rows] == ["4688", "1102"] and rows[0]["時刻(JST)"] == "2026-12-01 00:01:00"
    assert (tmp_path / "rules.pickle").is_file()
    assert mamori(tmp_path / "data", "hunt", str(tmp_path / "nothing"), "--no-rule-cache").returncode == 2


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"real EVTX samples not present at {SHARED}")
def test_real_evtx_samples_of_log_clearing_are_caught(tmp_path: Path) -> None:
    files = [p for p in SHARED.rglob("*.evtx") if "1102" in p.name and "clear" in p.name.lower()]
    if not files:
        pytest.skip("no 1102 log-clearing sample among the EVTX files")
    result = hunt(files[:3], rule_cache=tmp_path / "rules.pickle")
    assert any(r.rule_id == "2b7e9c10-4d5f-4a8b-8e21-3c6f0d9a7b42" and r.event_id == 1102 for r in result.rows)


# --- streaming, prefilter, workers, consumers, rule cache -----------------------------------------------------------

APPX_RULE = """title: AppX deployment event (test)
id: 0d9c7a31-5a7e-4c43-9a55-51f0e4d1c2a7
status: test
author: Mamori tests
level: low
logsource:
    product: windows
detection:
    sel:
        EventID: 325
        Channel: 'Microsoft-Windows-AppXDeployment/Operational'
    condition: sel
"""
BAD_CHUNK = SHARED / "parser-samples" / "sample_with_a_bad_chunk_magic.evtx"
REAL = ("security.evtx", "system.evtx", "Security_with_size_t.evtx", "2-vss_7-System.evtx")


@pytest.fixture(scope="module")
def sigma_rules(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    folder = SHARED.parent / "sigma" / "rules" / "windows"
    if not folder.is_dir():
        pytest.skip(f"SigmaHQ rules not present at {folder}")
    ruleset, _ = load_rules([folder], rule_cache=tmp_path_factory.mktemp("rules") / "sigma.pickle")
    return ruleset


def _reference(path: Path, ruleset: RuleSet) -> FileScan:
    """What a file gives when every record is decoded and matched at once (no streaming, no raw prefilter)."""
    events = read_evtx(path).events
    scan = FileScan(FileMetrics(str(path), events=len(events)))
    times = [e["TimeCreated"] for e in events if e["TimeCreated"] is not None]
    scan.metrics.first, scan.metrics.last = min(times), max(times)
    scan.metrics.event_ids.update(e["EventID"] for e in events)
    scan.metrics.streams.update((e["Channel"] or "", str(e["Computer"] or "")) for e in events)
    scan.logons = summarise_logons(events)
    scan.rows = [_row(d, path.name) for d in match(ruleset, events)]
    return scan


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"real EVTX samples not present at {SHARED}")
def test_streaming_with_the_raw_prefilter_gives_what_decoding_every_record_gives(sigma_rules: RuleSet) -> None:
    files = [SHARED / "parser-samples" / name for name in REAL]
    files += sorted((SHARED / "hayabusa-sample-evtx" / "DeepBlueCLI").glob("*.evtx"))
    detections = 0
    for path in files:
        want, got = _reference(path, sigma_rules), scan_file(path, sigma_rules, chunk=500)
        assert got.rows == want.rows, path
        assert (got.metrics.events, got.metrics.first, got.metrics.last, got.metrics.event_ids) == (
            want.metrics.events, want.metrics.first, want.metrics.last, want.metrics.event_ids), path
        assert got.metrics.streams == want.metrics.streams and got.metrics.hosts == want.metrics.hosts, path
        assert (got.logons.success, got.logons.failure) == (want.logons.success, want.logons.failure), path
        detections += len(got.rows)
    assert detections > 500


@pytest.mark.skipif(not BAD_CHUNK.is_file(), reason=f"malformed EVTX sample not present at {BAD_CHUNK}")
def test_a_broken_evtx_gives_no_detection_unless_read_in_recover_mode(tmp_path: Path) -> None:
    rules = compile_rules([BUILTIN_RULES, APPX_RULE])
    broken = scan_file(BAD_CHUNK, rules, chunk=5)  # 14 good records, so two chunks were matched before the failure
    assert broken.rows == [] and broken.metrics.events == 0 and "chunk 6" in broken.metrics.error
    recovered = scan_file(BAD_CHUNK, rules, recover=True)
    assert recovered.metrics.error == "" and recovered.metrics.skipped >= 2
    assert len(recovered.rows) == recovered.metrics.event_ids[325] == 269


def test_a_file_is_matched_chunk_by_chunk_while_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = compile_rules(APPX_RULE)
    calls = [0]
    real_match = match

    def counting_match(ruleset: RuleSet, events: Any) -> Any:
        calls[0] += 1
        return real_match(ruleset, events)

    def reader(path: Path, *, recover: bool, skipped: list[Any]) -> Any:
        for n in range(100):
            if n == 50:
                assert calls[0] == 5  # the first 50 events were matched before the 51st was read
            yield {"Channel": "Microsoft-Windows-AppXDeployment/Operational", "EventID": 325, "_offset": n}

    monkeypatch.setattr(hunt_module, "match", counting_match)
    monkeypatch.setitem(hunt_module.READERS, ".fake", reader)
    scan = scan_file(Path("x.fake"), rules, chunk=10)
    assert len(scan.rows) == scan.metrics.events == 100 and calls[0] == 10


def test_detections_reach_the_consumer_file_by_file_and_never_from_a_broken_file(tmp_path: Path) -> None:
    _winlogbeat(tmp_path / "a.jsonl")
    broken = tmp_path / "b.jsonl"
    broken.write_text(_winlogbeat(tmp_path / "tmp.jsonl").read_text(encoding="utf-8") + "{bad\n", encoding="utf-8")
    (tmp_path / "tmp.jsonl").rename(tmp_path / "c.jsonl")
    seen: list[tuple[str, int]] = []
    result = hunt([tmp_path], rule_cache=False, on_detection=lambda d: seen.append((d.event["_source"],
                                                                                   d.event["_offset"])))
    assert seen == [("a.jsonl", 1), ("a.jsonl", 2), ("c.jsonl", 1), ("c.jsonl", 2)]
    assert [Path(f.path).name for f in result.files if f.error] == ["b.jsonl"] and result.events == 6


@pytest.mark.skipif(not SHARED.is_dir(), reason=f"real EVTX samples not present at {SHARED}")
def test_two_worker_processes_give_the_same_result_in_the_same_order(monkeypatch: pytest.MonkeyPatch,
                                                                      tmp_path: Path) -> None:
    monkeypatch.setattr(hunt_module, "_PARALLEL_MIN_BYTES", 0)
    files = [*sorted((SHARED / "hayabusa-sample-evtx" / "DeepBlueCLI").glob("*.evtx")), BAD_CHUNK,
             _winlogbeat(tmp_path / "a.jsonl")]
    rules = compile_rules([BUILTIN_RULES, APPX_RULE])
    runs = []
    for workers in (1, 2):
        seen: list[str] = []
        result = hunt(files, ruleset=rules, workers=workers, on_detection=lambda d: seen.append(d.rule_id))  # noqa: B023
        metrics = [(f.path, f.events, f.first, f.last, f.event_ids, f.error) for f in result.files]
        runs.append((result.rows, result.by_level, metrics, result.logons.success, result.logons.failure,
                     result.events, seen))
    assert runs[0] == runs[1]
    assert runs[0][0] and runs[0][2][-2][5] and not runs[0][2][-1][5]  # detections; the bad chunk is an error


def test_the_compiled_rules_are_cached_and_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    cache = tmp_path / "rules.pickle"
    first, from_cache = load_rules(rule_cache=cache)
    assert not from_cache and cache.is_file()
    again, from_cache = load_rules(rule_cache=cache)
    assert from_cache and [r.id for r in again.rules] == [r.id for r in first.rules]
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    rules, from_cache = load_rules(rule_cache=tmp_path / "file" / "rules.pickle")
    assert not from_cache and len(rules.rules) == len(first.rules)
    assert default_rule_cache([BUILTIN_RULES]).parent.name == "mamori"


def test_json_lines_are_streamed_with_the_errors_of_the_whole_file_reader(tmp_path: Path) -> None:
    path = _winlogbeat(tmp_path / "a.jsonl")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert list(iter_json_events(path)) == read_json_events(path)
    stream = iter_json_events(path)
    first = next(stream)  # one line read, not the whole file
    assert first["_offset"] == 1 and first["EventID"] == 4688
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(path.read_bytes() + b'{"winlog": {"channel": "\x83\x5a"}}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl, line 4: is not valid utf-8 at byte offset") as streamed:
        list(iter_json_events(bad))
    with pytest.raises(InputError) as whole:
        read_json_events(bad)
    assert str(streamed.value) == str(whole.value)
    array = tmp_path / "array.json"
    array.write_text(json.dumps([json.loads(x) for x in path.read_text(encoding="utf-8-sig").splitlines()]),
                     encoding="utf-8")
    assert [e["EventID"] for e in iter_json_events(array)] == [4688, 1102, 4688]


def test_hidden_rules_reach_the_consumer_but_not_the_timeline(tmp_path: Path) -> None:
    path = _winlogbeat(tmp_path / "a.jsonl")
    clear = "2b7e9c10-4d5f-4a8b-8e21-3c6f0d9a7b42"
    seen: list[str] = []
    result = hunt([path], rule_cache=False, hidden_rules={clear}, on_detection=lambda d: seen.append(d.rule_id))
    assert clear in seen and clear not in {r.rule_id for r in result.rows}
    assert result.by_level["high"] == 0 and result.by_level["critical"] == 1
