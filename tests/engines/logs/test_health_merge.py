"""Health trackers combined: files scanned in other processes (`mamori hunt`) and chunks of one live stream parsed
in other processes (`mamori logs listen`): merging the chunks' trackers must give what one tracker fed every event
gives — profiles (counts, hours, intervals, record ids) and findings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mamori.engines.logs.health import HealthPolicy, HealthTracker

T0 = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.UTC)
NOW = T0 + dt.timedelta(days=2)


def stream() -> list[dict[str, Any]]:
    """Two hosts over 30 hours: a Security log with a 25-record gap and, on DC01, a later clear explaining another
    one; a syslog source without record ids; a clock 9 h off on PC-7; arrival gaps of 20 s and a 3-hour pause."""
    events: list[dict[str, Any]] = []
    record = {"DC01": 1000, "PC-7": 50}
    moment = T0
    for n in range(1500):
        host = "DC01" if n % 3 else "PC-7"
        moment += dt.timedelta(seconds=20 if n != 700 else 3 * 3600)
        record[host] += 26 if n in (300, 301) else 1
        if host == "DC01" and n == 1201:
            record[host] += 40  # cleared below, within the clear window
            events.append({"Channel": "Security", "EventID": 1102, "Computer": "DC01", "EventRecordID": record[host],
                           "TimeCreated": moment, "_received": moment, "_source": "10.0.0.1", "_kind": "winjson",
                           "SubjectUserName": "taro", "SubjectDomainName": "HOSP"})
            record[host] += 1
        received = moment + dt.timedelta(hours=9 if host == "PC-7" else 0, seconds=1)
        events.append({"Channel": "Security", "EventID": 4688 if n % 5 == 0 else 4624, "Computer": host,
                       "EventRecordID": record[host], "TimeCreated": moment, "_received": received,
                       "_source": "10.0.0.1", "_kind": "winjson", "CommandLine": "" if n % 2 else "cmd.exe /c x"})
        if n % 4 == 0:
            events.append({"Channel": "Syslog", "Computer": "fw01", "TimeCreated": moment, "_received": moment,
                           "_source": "10.0.0.254", "_kind": "syslog"})
    return events


@pytest.mark.parametrize("size", [1, 37, 512, 100_000])
def test_chunk_trackers_merged_in_order_equal_one_tracker_fed_every_event(size: int) -> None:
    events = stream()
    whole = HealthTracker()
    for event in events:
        whole.add(event)
    merged = HealthTracker()
    for start in range(0, len(events), size):
        chunk = HealthTracker()
        for event in events[start:start + size]:
            chunk.add(event)
        merged.merge(chunk)
    policy = HealthPolicy(min_security_events=10)
    assert merged.events == whole.events == len(events)
    assert merged.profiles() == whole.profiles()
    found = merged.findings(now=NOW, policy=policy)
    assert found == whole.findings(now=NOW, policy=policy)
    codes = {f.code for f in found}
    assert {"record_gap", "clock_tz_offset", "log_cleared", "silent_source"} <= codes


def test_files_of_other_processes_keep_their_own_streams() -> None:
    a, b = HealthTracker(), HealthTracker()
    event = {"Channel": "Security", "EventID": 4624, "Computer": "DC01", "EventRecordID": 1, "TimeCreated": T0,
             "_kind": "evtx"}
    a.add(event, source="a.evtx")
    b.add(dict(event, EventRecordID=2), source="b.evtx")
    a.merge(b)
    assert a.events == 2 and [(p.source, p.count) for p in a.profiles()] == [("a.evtx", 1), ("b.evtx", 1)]


def test_chunks_merged_out_of_order_give_the_same_gaps_clears_and_counts() -> None:
    events = stream()
    chunks = []
    for start in range(0, len(events), 64):
        chunk = HealthTracker()
        for event in events[start:start + 64]:
            chunk.add(event)
        chunks.append(chunk)
    for i in range(0, len(chunks) - 1, 2):  # two parsing processes finishing in the other order
        chunks[i], chunks[i + 1] = chunks[i + 1], chunks[i]
    whole, merged = HealthTracker(), HealthTracker()
    for event in events:
        whole.add(event)
    for chunk in chunks:
        merged.merge(chunk)
    policy = HealthPolicy(min_security_events=10)

    def solid(tracker: HealthTracker) -> list[tuple[str, str, str, Any]]:
        return sorted((f.code, f.host, f.channel, sorted(f.params.items())) for f in tracker.findings(
            now=NOW, policy=policy) if f.code in ("record_gap", "record_reset", "log_cleared", "clock_tz_offset"))

    assert solid(merged) == solid(whole) and len(solid(whole)) == 4
    assert [(p.count, p.first, p.last, p.first_record_id, p.last_record_id) for p in merged.profiles()] == [
        (p.count, p.first, p.last, p.first_record_id, p.last_record_id) for p in whole.profiles()]
