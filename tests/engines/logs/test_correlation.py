"""Sigma v2 correlation engine: windows and their edges, group-by isolation, de-duplication, value counts,
temporal vs temporal_ordered, nested correlations, generate: false, window-end conditions, what is skipped and why,
bounded memory. Rules are inline YAML; events are generated dicts in Mamori's flat event shape."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pytest

from mamori.engines.logs.sigma import compile_rules, match
from mamori.engines.logs.sigma.correlation import CorrelationAlert, Correlator, compile_correlations

T0 = dt.datetime(2026, 11, 30, 15, 0, 0, tzinfo=dt.UTC)

BASE = """title: Failed logon {n}
id: 00000000-0000-4000-8000-00000000000{n}
name: base_{n}
status: test
author: Mamori tests
level: informational
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: {eid}
    condition: selection
"""


def base(n: int, eid: int) -> str:
    return BASE.format(n=n, eid=eid)


def corr(kind: str, rules: list[str], *, group_by: Iterable[str] = ("IpAddress",), timespan: str = "10s",
         condition: str = "", generate: bool | None = None, name: str = "", extra: str = "",
         cid: str = "aaaaaaaa-0000-4000-8000-000000000001", status: str = "test") -> str:
    lines = [f"title: Correlation {cid[-2:]}", f"id: {cid}", f"status: {status}", "author: Mamori tests",
             "level: high", "tags:", "    - attack.credential-access"]
    if name:
        lines.append(f"name: {name}")
    lines += ["correlation:", f"    type: {kind}", "    rules:", *[f"        - {r}" for r in rules]]
    groups = list(group_by)
    if groups:
        lines += ["    group-by:", *[f"        - {g}" for g in groups]]
    lines.append(f"    timespan: {timespan}")
    if condition:
        lines += ["    condition:", *[f"        {c}" for c in condition.split(";")]]
    if generate is not None:
        lines.append(f"    generate: {str(generate).lower()}")
    if extra:
        lines.append(extra)
    return "\n".join(lines) + "\n"


def doc(*parts: str) -> str:
    return "---\n".join(parts)


def ev(eid: int, seconds: float, n: int = 0, **fields: Any) -> dict[str, Any]:
    return {"Channel": "Security", "EventID": eid, "Computer": fields.pop("Computer", "SRV01"),
            "EventRecordID": 1000 + n, "TimeCreated": T0 + dt.timedelta(seconds=seconds),
            "_source": "gen.evtx", "_offset": n + 1, **fields}


def run(yaml_text: str, events: list[dict[str, Any]], **kw: Any) -> list[CorrelationAlert]:
    rs = compile_rules(yaml_text)
    cs = compile_correlations(yaml_text)
    assert not rs.errors and not cs.errors and not cs.skipped, (rs.errors, cs.errors, cs.skipped)
    return Correlator(cs, **kw).run(match(rs, events))


def burst(times: Iterable[float], eid: int = 4625, **fields: Any) -> list[dict[str, Any]]:
    return [ev(eid, t, i, **dict(fields)) for i, t in enumerate(times)]


COUNT3 = doc(base(1, 4625), corr("event_count", ["base_1"], condition="gte: 3"))


# --------------------------------------------------------------------------------------------- windows
def test_an_event_exactly_at_the_timespan_boundary_is_inside_the_window() -> None:
    alerts = run(COUNT3, burst([0, 5, 10], IpAddress="10.0.0.9"))
    assert len(alerts) == 1
    a = alerts[0]
    assert a.count == 3 and a.first == T0 and a.last == T0 + dt.timedelta(seconds=10)
    assert a.group == {"IpAddress": "10.0.0.9"} and a.author == "Mamori tests" and a.level == "high"


def test_one_second_beyond_the_timespan_does_not_fire() -> None:
    assert run(COUNT3, burst([0, 5, 11], IpAddress="10.0.0.9")) == []


def test_the_window_slides_instead_of_using_fixed_buckets() -> None:
    # 0, 8 | 12, 15: no fixed 10 s bucket holds three, the window 8..15 does
    alerts = run(COUNT3, burst([0, 8, 12, 15], IpAddress="10.0.0.9"))
    assert len(alerts) == 1 and alerts[0].first == T0 + dt.timedelta(seconds=8)


def test_group_by_keeps_sources_apart_and_a_missing_field_is_its_own_group() -> None:
    events = burst([0, 1], IpAddress="10.0.0.1") + burst([2], IpAddress="10.0.0.2") + burst([3, 4, 5])
    alerts = run(COUNT3, events)
    assert [a.group for a in alerts] == [{"IpAddress": None}]


def test_group_values_compare_case_insensitively_and_ipv4_mapped_addresses_as_ipv4() -> None:
    text = doc(base(1, 4625), corr("event_count", ["base_1"], group_by=["IpAddress", "TargetUserName"],
                                   condition="gte: 3"))
    events = [ev(4625, 0, 0, IpAddress="::ffff:10.0.0.7", TargetUserName="Admin"),
              ev(4625, 1, 1, IpAddress="10.0.0.7", TargetUserName="admin"),
              ev(4625, 2, 2, IpAddress="10.0.0.7", TargetUserName="ADMIN")]
    alerts = run(text, events)
    assert len(alerts) == 1 and alerts[0].group == {"IpAddress": "::ffff:10.0.0.7", "TargetUserName": "Admin"}


# --------------------------------------------------------------------------------------------- de-duplication
def test_a_long_burst_is_one_alert_with_its_span_count_and_capped_sample_references() -> None:
    alerts = run(COUNT3, burst(range(100), IpAddress="10.0.0.9"), max_refs=6)
    assert len(alerts) == 1
    a = alerts[0]
    assert a.count == 100 and a.closed
    assert (a.first, a.last) == (T0, T0 + dt.timedelta(seconds=99))
    refs = a.sample_refs
    assert [r.offset for r in refs] == [1, 2, 3, 98, 99, 100]
    assert refs[0].source == "gen.evtx" and refs[0].record_id == 1000 and refs[0].rule_id.endswith("0001")


def test_a_gap_longer_than_the_timespan_starts_a_second_alert() -> None:
    alerts = run(COUNT3, burst([0, 1, 2, 3, 20, 21, 22], IpAddress="10.0.0.9"))
    assert [(a.count, a.first.second) for a in alerts] == [(4, 0), (3, 20)]


def test_gt_needs_one_more_than_the_count() -> None:
    text = doc(base(1, 4625), corr("event_count", ["base_1"], condition="gt: 3"))
    assert run(text, burst([0, 1, 2], IpAddress="x")) == []
    assert len(run(text, burst([0, 1, 2, 3], IpAddress="x"))) == 1


# --------------------------------------------------------------------------------------------- value_count
def test_value_count_counts_distinct_values_and_lists_them() -> None:
    text = doc(base(1, 4625), corr("value_count", ["base_1"], condition="field: TargetUserName;gte: 3"))
    events = [ev(4625, i, i, IpAddress="10.0.0.5", TargetUserName=u)
              for i, u in enumerate(["alice", "alice", "ALICE", "bob", "bob", "carol", "dave"])]
    alerts = run(text, events)
    assert len(alerts) == 1
    a = alerts[0]
    assert a.distinct == 4 and a.values == ["alice", "bob", "carol", "dave"] and a.count == 7


def test_value_count_forgets_values_older_than_the_timespan() -> None:
    text = doc(base(1, 4625), corr("value_count", ["base_1"], condition="field: TargetUserName;gte: 3"))
    events = [ev(4625, t, i, IpAddress="10.0.0.5", TargetUserName=u)
              for i, (t, u) in enumerate([(0, "alice"), (5, "bob"), (16, "carol"), (17, "bob")])]
    assert run(text, events) == []  # alice (0 s) is out of the window when carol arrives (16 s)


def test_aliases_group_different_fields_of_different_rules() -> None:
    aliases = ("    aliases:\n        source:\n            base_1: IpAddress\n            base_2: Workstation")
    text = doc(base(1, 4625), base(2, 4776),
               corr("value_count", ["base_1", "base_2"], group_by=["source"],
                    condition="field: TargetUserName;gte: 3", extra=aliases))
    events = [ev(4625, 0, 0, IpAddress="PC-77", TargetUserName="a"),
              ev(4776, 1, 1, Workstation="pc-77", TargetUserName="b"),
              ev(4776, 2, 2, Workstation="PC-77", TargetUserName="c"),
              ev(4776, 3, 3, Workstation="PC-99", TargetUserName="d")]
    alerts = run(text, events)
    assert len(alerts) == 1 and alerts[0].group == {"source": "PC-77"} and alerts[0].distinct == 3
    assert len(alerts[0].rule_ids) == 2


# --------------------------------------------------------------------------------------------- temporal
THREE = doc(base(1, 4624), base(2, 7045), base(3, 1102))


def temporal(kind: str, condition: str = "") -> str:
    return doc(THREE, corr(kind, ["base_1", "base_2", "base_3"], group_by=["Computer"], timespan="1h",
                           condition=condition))


def chain(order: list[int], gaps: list[float] | None = None, host: str = "SRV01") -> list[dict[str, Any]]:
    eids = {1: 4624, 2: 7045, 3: 1102}
    times = gaps or [i * 60.0 for i in range(len(order))]
    return [ev(eids[k], t, i, Computer=host) for i, (k, t) in enumerate(zip(order, times, strict=True))]


def test_a_chain_out_of_order_fires_temporal_but_not_temporal_ordered() -> None:
    assert len(run(temporal("temporal"), chain([3, 2, 1]))) == 1
    assert run(temporal("temporal_ordered"), chain([3, 2, 1])) == []
    ordered = run(temporal("temporal_ordered"), chain([1, 2, 3]))
    assert len(ordered) == 1 and ordered[0].count == 3 and len(ordered[0].rule_ids) == 3


def test_temporal_ordered_finds_the_order_among_noise_and_equal_times_count_as_in_order() -> None:
    alerts = run(temporal("temporal_ordered"), chain([3, 1, 3, 2, 1, 3], [0, 10, 20, 30, 40, 40]))
    assert len(alerts) == 1 and alerts[0].first == T0 + dt.timedelta(seconds=10)


def test_temporal_needs_every_rule_within_the_timespan_on_the_same_host() -> None:
    assert run(temporal("temporal"), chain([1, 2, 3], [0, 1800, 3601])) == []
    split = chain([1, 2], host="SRV01") + chain([3], [120], host="SRV02")
    assert run(temporal("temporal"), split) == []


def test_temporal_ordered_with_a_count_accepts_a_partial_chain_in_order() -> None:
    text = temporal("temporal_ordered", "gte: 2")
    alerts = run(text, chain([3, 1, 2]))
    assert len(alerts) == 1 and alerts[0].count == 2  # 1 -> 2 (1102 came first, out of order)
    assert run(text, chain([3, 2, 1])) == []


# --------------------------------------------------------------------------------------------- nesting, generate
NESTED = doc(
    base(1, 4625), base(2, 4624),
    corr("event_count", ["base_1"], condition="gte: 3", name="many_failed",
         cid="aaaaaaaa-0000-4000-8000-000000000010"),
    corr("temporal_ordered", ["many_failed", "base_2"], timespan="1h",
         cid="aaaaaaaa-0000-4000-8000-000000000011"),
)


def test_a_nested_burst_followed_by_a_success_from_the_same_source_fires_once() -> None:
    events = [*burst([0, 1, 2, 3, 4], IpAddress="10.0.0.9"), ev(4624, 60, 9, IpAddress="10.0.0.9")]
    alerts = run(NESTED, events)
    assert [a.rule_id for a in alerts] == ["aaaaaaaa-0000-4000-8000-000000000011"]  # the nested one stays quiet
    a = alerts[0]
    assert a.group == {"IpAddress": "10.0.0.9"} and a.type == "temporal_ordered"
    assert a.rule_ids == ["aaaaaaaa-0000-4000-8000-000000000010", "00000000-0000-4000-8000-000000000002"]
    assert {r.offset for r in a.sample_refs} >= {1, 2, 3, 10}


def test_a_success_from_another_source_or_before_the_burst_does_not_fire() -> None:
    other = [*burst([0, 1, 2, 3], IpAddress="10.0.0.9"), ev(4624, 60, 9, IpAddress="10.0.0.10")]
    assert run(NESTED, other) == []
    before = [ev(4624, 0, 9, IpAddress="10.0.0.9"), *burst([10, 11, 12], IpAddress="10.0.0.9")]
    assert run(NESTED, before) == []


def test_generate_false_suppresses_the_referenced_rules_and_generate_true_keeps_them() -> None:
    quiet = compile_correlations(NESTED)
    assert quiet.suppressed_rule_ids == {"00000000-0000-4000-8000-000000000001",
                                         "00000000-0000-4000-8000-000000000002"}
    assert [r.emit for r in quiet.rules] == [False, True]
    loud = compile_correlations(doc(base(1, 4625), corr("event_count", ["base_1"], condition="gte: 3",
                                                        generate=True)))
    assert loud.suppressed_rule_ids == frozenset()


def test_a_rule_is_suppressed_only_when_every_correlation_referencing_it_says_so() -> None:
    text = doc(base(1, 4625), corr("event_count", ["base_1"], condition="gte: 3"),
               corr("event_count", ["base_1"], condition="gte: 5", generate=True,
                    cid="aaaaaaaa-0000-4000-8000-000000000002"))
    assert compile_correlations(text).suppressed_rule_ids == frozenset()


# --------------------------------------------------------------------------------------------- window-end conditions
def test_lt_is_decided_when_the_window_is_over() -> None:
    text = doc(base(1, 4625), corr("event_count", ["base_1"], condition="lt: 3"))
    rs, cs = compile_rules(text), compile_correlations(text)
    c = Correlator(cs)
    assert [c.feed(d) for d in match(rs, burst([0, 1], IpAddress="x"))] == [[], []]
    closed = c.finish()
    assert len(closed) == 1 and closed[0].count == 2 and closed[0].closed
    assert run(text, burst([0, 1, 2], IpAddress="x")) == []


# --------------------------------------------------------------------------------------------- streaming
def test_run_sorts_a_batch_from_interleaved_files_by_time() -> None:
    events = burst([4, 0, 2], IpAddress="x") + burst([3, 1], IpAddress="x")
    alerts = run(COUNT3, events)
    assert len(alerts) == 1 and alerts[0].count == 5 and alerts[0].first == T0


def test_feed_returns_an_alert_when_it_fires_and_keeps_updating_it() -> None:
    rs, cs = compile_rules(COUNT3), compile_correlations(COUNT3)
    c = Correlator(cs)
    returned = [c.feed(d) for d in match(rs, burst([0, 1, 2, 3], IpAddress="x"))]
    assert [len(r) for r in returned] == [0, 0, 1, 0]
    a = returned[2][0]
    assert a.count == 4 and not a.closed
    assert c.finish() == [] and a.closed and c.alerts == [a]


def test_expire_closes_idle_bursts_in_live_mode() -> None:
    rs, cs = compile_rules(COUNT3), compile_correlations(COUNT3)
    c = Correlator(cs)
    fired = [a for d in match(rs, burst([0, 1, 2], IpAddress="x")) for a in c.feed(d)]
    assert len(fired) == 1 and not fired[0].closed
    assert c.expire(T0 + dt.timedelta(seconds=12)) == [] and not fired[0].closed  # 10 s after the last: still open
    c.expire(T0 + dt.timedelta(seconds=13))
    assert fired[0].closed and c.held_groups() == 0


def test_feed_tolerates_disorder_within_the_timespan() -> None:
    rs, cs = compile_rules(COUNT3), compile_correlations(COUNT3)
    c = Correlator(cs)
    for d in match(rs, burst([5, 0, 9], IpAddress="x")):
        c.feed(d)
    c.finish()
    assert [(a.count, a.first) for a in c.alerts] == [(3, T0)]


def test_detections_without_time_are_counted_and_left_out() -> None:
    events = burst([0, 1, 2], IpAddress="x")
    for e in events:
        e["TimeCreated"] = None
    rs, cs = compile_rules(COUNT3), compile_correlations(COUNT3)
    c = Correlator(cs)
    assert c.run(match(rs, events)) == [] and c.untimed == 3


def test_memory_is_bounded_by_time_and_by_the_group_cap() -> None:
    rs, cs = compile_rules(COUNT3), compile_correlations(COUNT3)
    by_time = Correlator(cs)
    for d in match(rs, [ev(4625, i * 20, i, IpAddress=f"10.0.{i // 250}.{i % 250}") for i in range(1000)]):
        by_time.feed(d)
    assert by_time.held_groups() <= 2  # every earlier source is idle for longer than the 10 s timespan
    capped = Correlator(cs, max_groups=50)
    for d in match(rs, [ev(4625, 0, i, IpAddress=f"10.1.{i // 250}.{i % 250}") for i in range(1000)]):
        capped.feed(d)
    assert capped.held_groups() <= 51


# --------------------------------------------------------------------------------------------- compile
def test_references_resolve_across_files_by_name_and_id(tmp_path: Any) -> None:
    (tmp_path / "base.yml").write_text(base(1, 4625), encoding="utf-8")
    (tmp_path / "corr.yml").write_text(
        corr("temporal", ["base_1", "00000000-0000-4000-8000-000000000001"], condition="gte: 1"), encoding="utf-8")
    cs = compile_correlations(tmp_path)
    assert not cs.errors and not cs.skipped
    assert cs.rules[0].rules == ("00000000-0000-4000-8000-000000000001",) * 2


@pytest.mark.parametrize(("text", "kind", "reason"), [
    (doc(base(1, 4625), corr("value_sum", ["base_1"], condition="field: n;gte: 3")), "unsupported",
     "correlation type 'value_sum' is not supported"),
    (corr("event_count", ["no_such_rule"], condition="gte: 3"), "unsupported", "Rule 'no_such_rule' not found"),
    (doc(base(1, 4625).replace("service: security", "service: no-such-service"),
         corr("event_count", ["base_1"], condition="gte: 3")), "unsupported",
     "referenced rule 'base_1' cannot be evaluated: logsource service 'no-such-service' is not mapped"),
    (doc(base(1, 4625), corr("event_count", ["base_1"], condition="gte: 3", status="experimental")), "status",
     "status 'experimental' not selected"),
])
def test_what_cannot_be_evaluated_is_skipped_with_the_reason(text: str, kind: str, reason: str) -> None:
    cs = compile_correlations(text)
    assert cs.rules == [] and len(cs.skipped) == 1
    assert cs.skipped[0].kind == kind and reason in cs.skipped[0].reason and cs.skipped[0].title == "Correlation 01"


def test_a_nested_correlation_that_cannot_be_evaluated_takes_its_parent_down() -> None:
    text = doc(base(1, 4625),
               corr("value_avg", ["base_1"], condition="field: n;gte: 3", name="inner",
                    cid="aaaaaaaa-0000-4000-8000-000000000010"),
               corr("temporal", ["inner", "base_1"]))
    cs = compile_correlations(text)
    assert cs.rules == [] and [s.reason for s in cs.skipped] == ["referenced correlation 'inner' cannot be evaluated"]


def test_a_broken_correlation_is_an_error_naming_the_file(tmp_path: Any) -> None:
    path = tmp_path / "bad.yml"
    path.write_text(corr("event_count", ["base_1"], timespan="10 minutes", condition="gte: 3"), encoding="utf-8")
    cs = compile_correlations(path)
    assert cs.rules == [] and len(cs.errors) == 1
    assert cs.errors[0].source == str(path) and "Timespan '10 minutes' is invalid" in cs.errors[0].message
