"""EVTX reading on the real public samples (../shared/data/evtx): times, EventIDs, fields, malformed files."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from evtx import PyEvtxParser

from mamori.engines.logs import evtx_reader
from mamori.engines.logs.events import normalise
from mamori.engines.logs.evtx_reader import EvtxError, iter_evtx, read_evtx

UTC = dt.UTC
ATTACK = "hayabusa-sample-evtx/EVTX-to-MITRE-Attack"
LOG_CLEARED = f"{ATTACK}/TA0005-Defense Evasion/T1070.001-Clear Windows event logs/ID104-1102-Event log cleared.evtx"
PSEXEC_SERVICE = (f"{ATTACK}/TA0003-Persistence/T1543.003-Create or Modify System Process-Windows Service/"
                  "ID7045-7036 PSexec service installation.evtx")
FAILED_RDP = (f"{ATTACK}/TA0001-Initial access/T1078-Valid accounts/"
              "ID4625-failed login with denied access due to account restriction.evtx")
PASS_THE_HASH = (f"{ATTACK}/TA0008-Lateral Movement/T1550-Use Alternate Authentication Material/"
                 "ID4624-Mimikatz Pass the hash.evtx")
HEADER_1601 = "hayabusa-sample-evtx/DeepBlueCLI/disablestop-eventlog.evtx"
APPLICATION = "hayabusa-sample-evtx/DeepBlueCLI/many-events-application.evtx"
BAD_CHUNK = "parser-samples/sample_with_a_bad_chunk_magic.evtx"
ZERO_SIZE = "parser-samples/sample-with-zero-data-size-event.evtx"
BAD_RECORD = "parser-samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS%4Operational.evtx"


@pytest.fixture(scope="module")
def evtx_dir(shared_data: Path) -> Path:
    folder = shared_data / "evtx"
    if not (folder / "hayabusa-sample-evtx").is_dir() or not (folder / "parser-samples").is_dir():
        pytest.skip(f"EVTX samples not present under {folder} (hayabusa-sample-evtx, parser-samples)")
    return folder


def _sample(evtx_dir: Path, relative: str) -> Path:
    path = evtx_dir / relative
    if not path.is_file():
        pytest.skip(f"sample not present: {path}")
    return path


def _raw(path: Path) -> list[dict[str, Any]]:
    """The parser's own items ({event_record_id, timestamp, data}), to compare against."""
    return [item for item in PyEvtxParser(str(path)).records_json() if item is not None]


def _by_id(events: list[dict[str, Any]], event_id: int) -> list[dict[str, Any]]:
    return [e for e in events if e["EventID"] == event_id]


# --- time -------------------------------------------------------------------------------------------------------

def test_a_record_whose_header_says_1601_gets_its_real_time_created(evtx_dir: Path) -> None:
    path = _sample(evtx_dir, HEADER_1601)
    headers = [item["timestamp"] for item in _raw(path)]
    zero = [number for number, stamp in enumerate(headers, start=1) if stamp.startswith("1601-01-01")]
    assert zero, "the sample no longer has a record with a zero header timestamp"
    events = read_evtx(path).events
    by_offset = {e["_offset"]: e for e in events}
    for number in zero:
        event = by_offset[number]
        assert event["TimeCreated"].year > 2000  # the header's 1601 never leaks in
        assert event["TimeCreated"].tzinfo is not None and event["TimeCreated"].utcoffset() == dt.timedelta(0)
        assert "_time_from_header" not in event
    assert by_offset[13]["TimeCreated"] == dt.datetime(2019, 4, 27, 21, 6, 49, 341668, tzinfo=UTC)


def test_time_created_comes_from_system_time_not_the_header_even_when_both_are_set(evtx_dir: Path) -> None:
    path = _sample(evtx_dir, LOG_CLEARED)
    first = _raw(path)[0]
    assert first["timestamp"].startswith("2021-10-25T18:09:51")  # header: when the record was written
    event = read_evtx(path).events[0]
    assert event["TimeCreated"] == dt.datetime(2021, 10, 25, 18, 4, 30, 334471, tzinfo=UTC)


def test_the_header_time_is_used_only_without_system_time_and_then_flagged() -> None:
    record = {"Event": {"System": {"EventID": 1, "Channel": "System"}, "EventData": None}}
    event = normalise(record, header_time="2024-01-02T03:04:05.1234567Z UTC", source="x.evtx", offset=7)
    assert event["TimeCreated"] == dt.datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)
    assert event["_time_from_header"] is True
    assert (event["_source"], event["_offset"]) == ("x.evtx", 7)
    system_time = {"#attributes": {"SystemTime": "2024-05-06T07:08:09Z"}}
    with_time = {"Event": {"System": {"EventID": 1, "TimeCreated": system_time}}}
    event = normalise(with_time, header_time="1601-01-01T00:00:00Z UTC")
    assert event["TimeCreated"] == dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
    assert "_time_from_header" not in event


# --- System fields -----------------------------------------------------------------------------------------------

def test_event_ids_with_qualifiers_become_plain_ints(evtx_dir: Path) -> None:
    path = _sample(evtx_dir, PSEXEC_SERVICE)
    raw = [json.loads(item["data"])["Event"]["System"]["EventID"] for item in _raw(path)]
    assert any(isinstance(value, dict) and "Qualifiers" in value["#attributes"] for value in raw)
    events = read_evtx(path).events
    assert all(type(e["EventID"]) is int for e in events)
    service = _by_id(events, 7045)
    assert service and {7045, 7036, 104} <= {e["EventID"] for e in events}
    assert service[0]["ServiceName"] == "PSEXESVC"
    assert service[0]["Provider_Name"] == "Service Control Manager"
    assert service[0]["Channel"] == "System" and service[0]["Computer"] == "jump01.offsec.lan"
    assert type(service[0]["EventRecordID"]) is int and service[0]["EventRecordID"] == 471480


def test_record_ids_levels_and_tasks_rendered_as_strings_become_ints() -> None:
    record = {"Event": {"System": {"EventID": "1116", "EventRecordID": "171", "Level": "3", "Task": "0",
                                   "Keywords": "0x8000000000000000",
                                   "Security": {"#attributes": {"UserID": "S-1-5-18"}}}}}
    event = normalise(record)
    assert (event["EventID"], event["EventRecordID"], event["Level"], event["Task"]) == (1116, 171, 3, 0)
    assert event["Keywords"] == "0x8000000000000000" and event["Security_UserID"] == "S-1-5-18"


# --- EventData / UserData ----------------------------------------------------------------------------------------

def test_logon_event_data_fields_are_top_level_by_name(evtx_dir: Path) -> None:
    failed = _by_id(read_evtx(_sample(evtx_dir, FAILED_RDP)).events, 4625)[0]
    assert failed["IpAddress"] == "10.23.23.9"
    assert failed["LogonType"] == 10  # an int, as the parser typed it
    assert failed["TargetUserName"] == "-"
    success = _by_id(read_evtx(_sample(evtx_dir, PASS_THE_HASH)).events, 4624)[0]
    assert (success["TargetUserName"], success["IpAddress"], success["LogonType"]) == ("admmig", "::1", 9)


def test_user_data_of_a_log_clear_is_flattened_and_does_not_overwrite_the_channel(evtx_dir: Path) -> None:
    events = read_evtx(_sample(evtx_dir, LOG_CLEARED)).events
    cleared_system, cleared_security = _by_id(events, 104)[0], _by_id(events, 1102)[0]
    assert cleared_system["SubjectUserName"] == "admmig" and cleared_system["SubjectDomainName"] == "OFFSEC"
    assert cleared_system["Channel"] == "System" and cleared_system["UserData_Channel"] == "System"
    assert cleared_system["BackupPath"] is None
    assert cleared_security["Channel"] == "Security" and cleared_security["SubjectUserName"] == "admmig"
    assert cleared_security["SubjectLogonId"] == "0x123550"
    assert "LogFileCleared" not in cleared_security and "xmlns" not in cleared_security


def test_unnamed_data_lists_become_data_and_numbered_fields(evtx_dir: Path) -> None:
    events = read_evtx(_sample(evtx_dir, APPLICATION)).events
    listed = [e for e in events if "Data_2" in e]
    assert listed
    assert listed[0]["Data"] == f"{listed[0]['Data_1']}\n{listed[0]['Data_2']}"
    assert all("#text" not in e and "#attributes" not in e for e in events)


def test_event_data_shapes_and_values() -> None:
    base = {"EventID": 1, "TimeCreated": {"#attributes": {"SystemTime": "2024-01-01T00:00:00Z"}}}
    event = normalise({"Event": {"System": base, "EventData": {"#attributes": {"Name": "X"}, "fAutoDetect": False,
                                                                 "Count": 3, "Nested": {"a": 1}}}})
    assert (event["fAutoDetect"], event["Count"], event["Nested"]) == ("false", 3, '{"a": 1}')
    event = normalise({"Event": {"System": base, "EventData": {"#text": "only text"}}})
    assert event["Data"] == "only text"
    named = [{"#attributes": {"Name": "User"}, "#text": "山田"}, {"#attributes": {"Name": "Port"}, "#text": 3389}]
    event = normalise({"Event": {"System": base, "EventData": {"Data": named}}})
    assert (event["User"], event["Port"]) == ("山田", 3389) and "Data" not in event


# --- malformed files ---------------------------------------------------------------------------------------------

def test_a_bad_chunk_is_refused_by_default_naming_file_chunk_and_good_record_count(evtx_dir: Path) -> None:
    path = _sample(evtx_dir, BAD_CHUNK)
    with pytest.raises(EvtxError) as caught:
        read_evtx(path)
    error = caught.value
    assert str(error).startswith(f"{path}, chunk 6: ")
    assert "14 good record" in str(error)
    assert (error.records, error.part.kind, error.part.number) == (14, "chunk", 6)
    assert error.params["number"] == 6 and error.code == "evtx_parse"


def test_a_zero_size_record_is_refused_by_default_with_the_last_good_record(evtx_dir: Path) -> None:
    with pytest.raises(EvtxError) as caught:
        read_evtx(_sample(evtx_dir, ZERO_SIZE))
    assert caught.value.records == 2 and caught.value.last_record_id == 2
    assert "found `0`" in str(caught.value)


def test_a_bad_record_is_refused_naming_the_record_number(evtx_dir: Path) -> None:
    with pytest.raises(EvtxError) as caught:
        read_evtx(_sample(evtx_dir, BAD_RECORD))
    assert (caught.value.part.kind, caught.value.part.number, caught.value.records) == ("record", 6335011, 95)
    assert ", record 6335011: " in str(caught.value)


@pytest.mark.parametrize(("relative", "good", "parts"), [
    (BAD_CHUNK, 270, [("chunk", 6), ("chunk", 10)]),
    (ZERO_SIZE, 335, [("data", None)]),
    (BAD_RECORD, 1910, [("record", 6335011), ("data", None), ("record", 6914519), ("data", None)]),
])
def test_recover_returns_the_good_records_and_lists_every_skipped_part(
        evtx_dir: Path, relative: str, good: int, parts: list[tuple[str, int | None]]) -> None:
    with warnings.catch_warnings(record=True) as leaked:
        warnings.simplefilter("always")
        result = read_evtx(_sample(evtx_dir, relative), recover=True)
    assert len(result.events) == result.records == good
    assert [(p.kind, p.number) for p in result.skipped] == parts
    assert all(p.message and not p.message.startswith("Skipping") for p in result.skipped)
    assert all(e["TimeCreated"] is not None for e in result.events)
    assert [str(w.message) for w in leaked] == []  # the parser's RuntimeWarnings became SkippedParts


def test_iter_evtx_streams_the_good_events_then_raises_at_the_failure_point(evtx_dir: Path) -> None:
    path = _sample(evtx_dir, BAD_CHUNK)
    seen: list[dict[str, Any]] = []
    with pytest.raises(EvtxError):
        for event in iter_evtx(path):
            seen.append(event)
    assert len(seen) == 14


def test_a_file_that_is_not_evtx_or_missing_is_an_input_error(evtx_dir: Path, tmp_path: Path) -> None:
    not_evtx = tmp_path / "notes.evtx"
    not_evtx.write_bytes(b"hello")
    for path in (not_evtx, tmp_path / "missing.evtx"):
        with pytest.raises(EvtxError) as caught:
            read_evtx(path, recover=True)
        assert str(caught.value).startswith(f"{path}: cannot be opened as an EVTX file")
        assert caught.value.code == "unreadable"


# --- pre-filter and codec ----------------------------------------------------------------------------------------

def test_the_event_id_pre_filter_returns_exactly_a_full_parse_then_filter(evtx_dir: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    wanted = frozenset({7045, 104, 4625, 4624, 1102})
    files = [_sample(evtx_dir, r) for r in (PSEXEC_SERVICE, LOG_CLEARED, FAILED_RDP, PASS_THE_HASH, APPLICATION)]
    files += sorted((evtx_dir / "hayabusa-sample-evtx" / "DeepBlueCLI").glob("*.evtx"))
    expected = [e for path in files for e in read_evtx(path).events if e["EventID"] in wanted]

    decoded = [0]
    real_decode = evtx_reader._DECODE

    def counting_decode(text: str) -> Any:
        decoded[0] += 1
        return real_decode(text)

    monkeypatch.setattr(evtx_reader, "_DECODE", counting_decode)
    results = [read_evtx(path, event_ids=wanted) for path in files]
    got = [e for result in results for e in result.events]
    assert got == expected and got
    assert decoded[0] == len(got)  # every other record was dropped before being decoded
    assert sum(r.records for r in results) > len(got)


def test_the_pre_filter_reads_qualified_event_ids() -> None:
    raw = '{"Event":{"System":{"EventID":{"#attributes":{"Qualifiers":16384},"#text":7045},"Version":0}}}'
    found = evtx_reader._EVENT_ID.search(raw)
    assert found is not None and found.group(1) == "7045"
    found = evtx_reader._EVENT_ID.search('{"Event":{"System":{"EventID":"4624"}}}')
    assert found is not None and found.group(1) == "4624"


def test_shift_jis_ansi_codec_is_accepted_and_an_unknown_one_refused(evtx_dir: Path) -> None:
    path = _sample(evtx_dir, PASS_THE_HASH)
    assert read_evtx(path, ansi_codec="shift_jis").events == read_evtx(path).events
    with pytest.raises(ValueError, match="encoding"):
        read_evtx(path, ansi_codec="no-such-codec")


# --- raw record peeking (hunt's prefilter) ------------------------------------------------------------------------

def test_peek_reads_channel_event_id_and_time_exactly_as_normalise_does(evtx_dir: Path) -> None:
    files = sorted((evtx_dir / "hayabusa-sample-evtx").rglob("*.evtx"))[:150]
    seen = 0
    for path in files:
        for offset, item in evtx_reader.iter_records(path, recover=True):
            head = evtx_reader.peek(item["data"])
            event = evtx_reader.decode_record(item, path.name, offset)
            if head is not None:
                seen += 1
                assert (head.channel, head.event_id, head.time) == (event["Channel"], event["EventID"],
                                                                    event["TimeCreated"]), (path, offset)
    assert seen > 1000


SYSTEM = ('{"Event":{"System":{"Provider":{"#attributes":{"Name":"P"}},"EventID":%s,"TimeCreated":{"#attributes":'
          '{"SystemTime":"2026-11-30T15:00:00.123456Z"}},"EventRecordID":7,"Channel":%s,"Computer":"PC"},%s}}')


@pytest.mark.parametrize(
    ("event_id", "channel", "rest", "expected"),
    [
        ("4624", '"Security"', '"EventData":{"A":"x"}', ("Security", 4624)),
        ('{"#attributes":{"Qualifiers":16384},"#text":7045}', '"System"', '"EventData":null', ("System", 7045)),
        ('"4624"', '"Security"', '"EventData":{}', ("Security", 4624)),
        ('"4624x"', '"Security"', '"EventData":{}', None),  # to_int gives None: normalise must decide
        ("4624", '"Sec\\\\urity"', '"EventData":{}', None),  # an escape in the channel name
        ("104", "null", '"UserData":{"LogFileCleared":{"Channel":"Security"}}', None),  # only UserData names one
    ],
    ids=["plain", "qualifiers", "string-id", "not-a-number", "escaped-channel", "channel-only-in-user-data"],
)
def test_peek_gives_up_rather_than_guess(event_id: str, channel: str, rest: str,
                                         expected: tuple[str, int] | None) -> None:
    head = evtx_reader.peek(SYSTEM % (event_id, channel, rest))
    assert (None if head is None else (head.channel, head.event_id)) == expected
    if head is not None:
        assert head.time == dt.datetime(2026, 11, 30, 15, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("rest", "flat"),
    [
        ('"EventData":{"Data":[{"#attributes":{"Name":"A"},"#text":"x"}],"Binary":null}', True),
        ('"EventData":{"Data":{"#text":["a","b"]}}', True),
        ('"UserData":{"LogFileCleared":{"#attributes":{"xmlns":"u"},"SubjectUserName":"bob"}}', True),
        ('"UserData":{"CertChain":{"Element":{"Sub":"C:\\\\x"}}}', False),  # normalise would write JSON text
        ('"EventData":{"ScriptBlockText":"{ iex }"}', False),  # a brace in a string: a safe "no"
        ('"EventData":{"Field":{"#attributes":{"A":"1"},"Child":"C:\\\\x"}}', False),  # attributes + child
        ('"EventData":{"Field":{"#attributes":{"A":"}"},"#text":"v","Child":"w"}}', False),  # text + child
        ('"EventData":{"Data":[{"Sub":"x"}]}', False),  # an object in a list
    ],
    ids=["named-data", "unnamed-data", "user-data", "nested", "brace-in-string", "attributes-and-child",
         "text-and-child", "object-in-list"],
)
def test_flat_values_says_whether_normalise_keeps_every_value_as_it_is_in_the_text(rest: str, flat: bool) -> None:
    data = SYSTEM % ("1", '"Application"', rest)
    assert evtx_reader.flat_values(data) is flat
    if flat:  # the promise the raw prefilter relies on: every value (each line of a joined list), lower-cased and
        # JSON-escaped, is in the lower-cased text
        from mamori.engines.logs.sigma.nodes import prepare

        text = data.lower()
        for value in prepare(normalise(json.loads(data))).values():
            for one in (value,) if isinstance(value, str) else value:
                assert all(json.dumps(line, ensure_ascii=False)[1:-1] in text for line in one.split("\n"))


def test_decode_record_reads_what_json_reads_when_msgspec_refuses_it() -> None:
    item = {"data": SYSTEM % ("1", '"Application"', '"EventData":{"Huge":1e400}'), "timestamp": None}
    event = evtx_reader.decode_record(item, "a.evtx", 3)
    assert event["Huge"] == "inf" and event["_offset"] == 3 and event["Channel"] == "Application"
