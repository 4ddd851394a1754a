"""The Parquet event store: staged imports, live writer, DuckDB queries, retention, coverage, compaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mamori.engines.errors import InputError
from mamori.engines.logs.store import EventStore, EventWriter, event_from_row, event_json, partition_name

UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))


def logon(n: int, *, when: dt.datetime | None, host: str = "PC01", user: str = "yamada") -> dict[str, Any]:
    return {"Channel": "Security", "EventID": 4625, "Computer": host, "EventRecordID": 1000 + n,
            "TimeCreated": when, "Provider_Name": "Microsoft-Windows-Security-Auditing", "TargetUserName": user,
            "IpAddress": "10.0.0.9", "LogonType": 3, "_kind": "evtx", "_host": host, "_user": user,
            "_src_ip": "10.0.0.9", "_action": "logon_failed", "_received": None, "_source": "Security.evtx",
            "_offset": n}


def at(day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 5, day, hour, minute, tzinfo=UTC)


def parts(root: Path) -> list[Path]:
    return sorted(path for path in root.rglob("*") if path.is_file())


# -- empty store ------------------------------------------------------------------------------------------------

def test_an_empty_store_answers_every_query_with_nothing(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "never-created")
    assert store.count() == 0
    assert store.count("dc01") == 0
    assert store.timeline() == []
    assert store.source_stats() == []
    assert store.query("SELECT count(*) AS n, max(time) AS last FROM events") == [{"n": 0, "last": None}]
    assert [n for _hour, n in store.hourly("dc01", at(1), at(1, 3))] == [0, 0, 0]
    coverage = store.coverage("dc01", 30, dt.date(2024, 5, 31))
    assert (coverage.oldest, coverage.days, coverage.complete) == (None, 0, False)
    assert store.apply_retention({}).deleted == ()


# -- import -----------------------------------------------------------------------------------------------------

def test_import_partitions_by_source_and_utc_day(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    events = [logon(1, when=at(1, 23, 30)), logon(2, when=dt.datetime(2024, 5, 2, 8, 0, tzinfo=JST)),
              logon(3, when=at(2, 0, 5))]
    result = store.import_batch("dc01", events)
    assert (result.events, result.days) == (3, ("2024-05-01", "2024-05-02"))
    # 08:00 JST on the 2nd is 23:00 UTC on the 1st
    assert [path.relative_to(tmp_path).parts[:2] for path in result.files] == [
        ("source=dc01", "day=2024-05-01"), ("source=dc01", "day=2024-05-02")]
    assert store.query('SELECT day, count(*) AS n FROM events GROUP BY day ORDER BY day') == [
        {"day": "2024-05-01", "n": 2}, {"day": "2024-05-02", "n": 1}]
    assert all(path.name.startswith("part-") and path.suffix == ".parquet" for path in parts(tmp_path))


def test_day_comes_from_received_when_there_is_no_event_time_else_unknown(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    live = {**logon(1, when=None), "_received": at(3, 12)}
    store.import_batch("syslog", [live, logon(2, when=None)])
    rows = store.query('SELECT day, time, received FROM events ORDER BY "offset"')
    assert rows == [{"day": "2024-05-03", "time": at(3, 12), "received": at(3, 12)},
                    {"day": "unknown", "time": None, "received": None}]
    assert (tmp_path / "source=syslog" / "day=unknown").is_dir()


def test_typed_columns_hold_the_common_fields(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.import_batch("dc01", [{**logon(7, when=at(1)), "EventRecordID": "123456789012"}])
    (row,) = store.query("SELECT * EXCLUDE (fields) FROM events")
    assert row == {"time": at(1), "received": None, "source": "dc01", "kind": "evtx", "host": "PC01",
                   "channel": "Security", "event_id": 4625, "record_id": 123456789012,
                   "provider": "Microsoft-Windows-Security-Auditing", "user": "yamada", "src_ip": "10.0.0.9",
                   "action": "logon_failed", "offset": 7, "day": "2024-05-01"}


def test_an_iterator_failing_halfway_leaves_the_store_untouched(tmp_path: Path) -> None:
    store = EventStore(tmp_path, batch_events=50)
    store.import_batch("dc01", [logon(n, when=at(1, n % 24)) for n in range(10)])
    before = parts(tmp_path)

    def broken() -> Iterator[dict[str, Any]]:
        for n in range(175):  # three full batches are written to staging before the failure
            yield logon(n, when=at(1 + n % 3, 1))
        raise InputError("line 176: broken record")

    with pytest.raises(InputError, match="line 176: broken record"):
        store.import_batch("dc01", broken())
    assert parts(tmp_path) == before
    assert not (tmp_path / ".staging").exists()
    assert store.count() == 10
    assert store.count("dc01") == 10


def test_an_item_that_is_not_an_event_is_refused_with_its_position(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    with pytest.raises(InputError, match=r"^dc01, line 3, event: is a str, not an event$"):
        store.import_batch("dc01", [logon(1, when=at(1)), logon(2, when=at(1)), "garbage"])  # type: ignore[list-item]
    assert store.count() == 0
    assert parts(tmp_path) == []


def test_a_large_import_is_written_in_several_part_files(tmp_path: Path) -> None:
    store = EventStore(tmp_path, batch_events=1000)
    result = store.import_batch("fw", (logon(n, when=at(1, 10)) for n in range(3500)))
    assert (result.events, len(result.files)) == (3500, 4)
    assert store.count("fw") == 3500
    assert store.query('SELECT count(DISTINCT "offset") AS n FROM events') == [{"n": 3500}]


# -- source names -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../etc", "dc01'); DROP TABLE events; --", "東京 FW", ".", "a/b", "*"])
def test_a_source_name_is_kept_but_its_folder_is_safe(tmp_path: Path, name: str) -> None:
    store = EventStore(tmp_path / "store")
    result = store.import_batch(name, [logon(1, when=at(1))])
    folder = result.files[0].parent.parent
    assert folder.parent == tmp_path / "store"
    assert folder.name.startswith("source=") and all(c.isalnum() or c in "._-=" for c in folder.name)
    assert store.count(name) == 1
    assert store.count("other") == 0
    assert [row["source"] for row in store.timeline(source=name)] == [name]


def test_names_that_look_alike_once_made_safe_get_different_folders() -> None:
    assert partition_name("dc01") == "dc01"
    assert partition_name("東京") != partition_name("大阪")
    assert partition_name("fw 1") != partition_name("fw_1") == "fw_1"


# -- round trip -------------------------------------------------------------------------------------------------

def test_event_from_row_gives_back_the_event_exactly(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    event = {**logon(1, when=dt.datetime(2024, 5, 1, 9, 27, 56, 82509, tzinfo=UTC)),
             "_received": dt.datetime(2024, 5, 1, 18, 0, 1, 5, tzinfo=JST), "TargetUserName": "山田 太郎",
             "Message": "ログオンに失敗しました\n理由: パスワード不一致", "SD_origin@0_ip": "10.1.1.1",
             "Keywords": None, "Level": 0, "Flag": True}
    store.import_batch("dc01", [event])
    (row,) = store.timeline()
    rebuilt = event_from_row(row)
    assert rebuilt == event
    assert rebuilt["_received"].utcoffset() == dt.timedelta(hours=9)
    assert '"山田 太郎"' in row["fields"]  # not \\u-escaped: readable in SQL too
    assert store.query("SELECT fields->>'TargetUserName' AS u FROM events") == [{"u": "山田 太郎"}]


def test_event_json_keeps_values_json_cannot_hold() -> None:
    text = event_json({"Day": dt.date(2024, 5, 1), "Raw": b"\x82\xa0", "Big": 2**70})
    assert event_from_row({"fields": text}) == {"Day": "2024-05-01", "Raw": "gqA=", "Big": 2**70}


# -- timeline ---------------------------------------------------------------------------------------------------

@pytest.fixture
def two_sources(tmp_path: Path) -> EventStore:
    store = EventStore(tmp_path)
    store.import_batch("dc01", [logon(1, when=at(2, 9)), logon(2, when=at(1, 9), host="pc02"),
                                logon(3, when=at(3, 9))])
    store.import_batch("dc02", [logon(4, when=at(2, 8), host="PC02"), logon(5, when=None, host="pc02")])
    return store


def test_timeline_is_in_time_order_across_sources_and_files(two_sources: EventStore) -> None:
    rows = two_sources.timeline()
    assert [row["offset"] for row in rows] == [2, 4, 1, 3, 5]  # the event without a time comes last
    assert [row["source"] for row in rows] == ["dc01", "dc02", "dc01", "dc01", "dc02"]


def test_timeline_filters_host_any_case_source_and_time(two_sources: EventStore) -> None:
    assert [row["offset"] for row in two_sources.timeline(host="PC02")] == [2, 4, 5]
    assert [row["offset"] for row in two_sources.timeline(source="dc02")] == [4, 5]
    assert [row["offset"] for row in two_sources.timeline(start=at(2), end=at(3, 9))] == [4, 1]
    assert [row["offset"] for row in two_sources.timeline(host="pc02", source="dc01")] == [2]
    naive = two_sources.timeline(start=at(2).replace(tzinfo=None), end=at(3, 9).replace(tzinfo=None))
    assert [row["offset"] for row in naive] == [4, 1]  # naive times are UTC


def test_timeline_pages(two_sources: EventStore) -> None:
    assert [row["offset"] for row in two_sources.timeline(limit=2)] == [2, 4]
    assert [row["offset"] for row in two_sources.timeline(limit=2, offset=2)] == [1, 3]
    assert [row["offset"] for row in two_sources.timeline(limit=2, offset=4)] == [5]


def test_source_stats_and_hourly(two_sources: EventStore) -> None:
    stats = two_sources.source_stats(now=at(3, 10, 30))
    assert [(s.source, s.events, s.first, s.last, s.hosts) for s in stats] == [
        ("dc01", 3, at(1, 9), at(3, 9), 2), ("dc02", 2, at(2, 8), at(2, 8), 1)]
    recent = dict(stats[0].recent)
    assert len(stats[0].recent) == 48 and stats[0].recent[-1][0] == at(3, 10)
    assert (recent[at(2, 9)], recent[at(3, 9)], sum(recent.values())) == (1, 1, 2)  # 1 May 09:00 is too old
    hours = two_sources.hourly("dc01", at(2, 8, 59), at(2, 11))
    assert hours == [(at(2, 8), 0), (at(2, 9), 1), (at(2, 10), 0)]


def test_query_takes_parameters_not_spliced_text(two_sources: EventStore) -> None:
    assert two_sources.query("SELECT count(*) AS n FROM events WHERE host = ?", ["PC01' OR '1'='1"]) == [{"n": 0}]
    assert two_sources.query('SELECT "offset" FROM events WHERE "user" = ? AND event_id = ? ORDER BY 1',
                             ["yamada", 4625]) == [{"offset": n} for n in (1, 2, 3, 4, 5)]


# -- live writer ------------------------------------------------------------------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_writer_flushes_by_count_and_on_exit(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    with store.writer("syslog", max_events=10, max_seconds=3600) as writer:
        for n in range(25):
            writer.add(logon(n, when=at(1, 12)))
        assert (writer.written, writer.pending, writer.files) == (20, 5, 2)
        assert store.count() == 20
    assert store.count() == 25
    assert not [path for path in parts(tmp_path) if path.suffix != ".parquet"]


def test_writer_flushes_by_age(tmp_path: Path) -> None:
    clock = FakeClock()
    writer = EventWriter(EventStore(tmp_path), "syslog", max_events=1000, max_seconds=5, clock=clock)
    writer.add(logon(1, when=at(1)))
    clock.now = 4.9
    assert writer.flush_if_due() == 0
    writer.add(logon(2, when=at(1)))
    clock.now = 5.0
    assert writer.flush_if_due() == 2
    assert (writer.written, writer.pending) == (2, 0)
    clock.now = 100
    assert writer.flush_if_due() == 0  # nothing buffered: no empty file
    writer.add(logon(3, when=at(1)))  # the first event after a quiet spell starts a new wait
    assert writer.pending == 1


def test_a_writer_batch_spanning_days_writes_one_file_per_day(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    with store.writer("fw") as writer:
        for n in range(6):
            writer.add(logon(n, when=at(1 + n % 3, 23, 59)))
    assert sorted(path.parent.name for path in parts(tmp_path)) == ["day=2024-05-01", "day=2024-05-02",
                                                                    "day=2024-05-03"]


# -- retention, coverage, compaction ----------------------------------------------------------------------------

def test_retention_deletes_only_partitions_older_than_the_policy(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    today = dt.date(2024, 5, 31)
    store.import_batch("fw", [logon(1, when=at(1)), logon(2, when=at(30)), logon(3, when=None)])
    store.import_batch("dc01", [logon(4, when=dt.datetime(2019, 5, 1, tzinfo=UTC)), logon(5, when=at(1))])
    result = store.apply_retention({"fw": 29}, default_days=1826, today=today)
    assert [(d.partition, d.day, d.files) for d in result.deleted] == [("dc01", dt.date(2019, 5, 1), 1),
                                                                         ("fw", dt.date(2024, 5, 1), 1)]
    assert result.files == 2 and result.bytes > 0
    assert sorted(row["offset"] for row in store.timeline()) == [2, 3, 5]  # day=unknown is never deleted
    assert store.apply_retention({"fw": 29}, today=today).deleted == ()


def test_retention_policy_keys_are_source_names(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.import_batch("東京 FW", [logon(1, when=at(1))])
    assert store.apply_retention({"東京 FW": 10}, today=dt.date(2024, 5, 31)).files == 1
    assert store.count() == 0


def test_coverage_says_whether_the_whole_window_is_held(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    store.import_batch("dc01", [logon(n, when=at(day)) for n, day in enumerate((10, 11, 13))])
    short = store.coverage("dc01", 30, dt.date(2024, 5, 13))
    assert (short.required_from, short.oldest, short.newest, short.days, short.complete) == (
        dt.date(2024, 4, 13), dt.date(2024, 5, 10), dt.date(2024, 5, 13), 3, False)
    assert short.missing_days == 1  # the 12th
    held = store.coverage("dc01", 2, dt.date(2024, 5, 13))
    assert (held.required_from, held.complete, held.missing_days) == (dt.date(2024, 5, 11), True, 1)


def test_compact_merges_a_days_files_without_losing_events(tmp_path: Path) -> None:
    store = EventStore(tmp_path)
    for n in range(4):
        with store.writer("syslog") as writer:
            writer.add(logon(n, when=at(1, n)))
            writer.add(logon(n + 10, when=at(2, n)))
    folder = tmp_path / "source=syslog" / "day=2024-05-01"
    assert len(list(folder.glob("*.parquet"))) == 4
    assert store.compact("syslog", dt.date(2024, 5, 1)) == 4
    assert len(list(folder.glob("*.parquet"))) == 1
    assert store.compact("syslog", "2024-05-01") == 0
    assert store.count() == 8
    assert [row["offset"] for row in store.timeline(end=at(2))] == [0, 1, 2, 3]
