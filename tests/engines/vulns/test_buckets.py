"""The arranged bucket gives exactly the answers of judging every entry, on hand-written and real NVD data."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable

import pytest

from mamori.engines.vulns import Asset, CveRecord, Hit, NvdFeed, VulnIndex, read_nvd_file
from mamori.engines.vulns.buckets import BucketPlan, judge_entries, plan_bucket
from mamori.engines.vulns.configurations import ConfigRef, EntryRef, platform_parts
from mamori.engines.vulns.cpe import ANY, NA, Cpe
from tests.engines.vulns.conftest import DATA


def _buckets(records: Iterable[CveRecord]) -> dict[tuple[str, str], list[EntryRef]]:
    found: dict[tuple[str, str], list[EntryRef]] = defaultdict(list)
    for record in records:
        for number, configuration in enumerate(record.configurations):
            config = ConfigRef(record.cve_id, record.last_modified, record.source, number, configuration,
                               platform_parts(configuration), True)
            for node_number, node in enumerate(configuration.nodes):
                for match in node.cpe_match:
                    found[match.cpe.key].append(EntryRef(match, config, node_number))
    return found


def _versions(entries: list[EntryRef]) -> set[str]:
    """Every version the entries name, and versions just around them."""
    found = {"0", "1", "99.0", "*", "-"}
    for entry in entries:
        bounds = entry.match.bounds
        named = [entry.match.cpe.version]
        if bounds is not None:
            named += [b for b in (bounds.start_including, bounds.start_excluding, bounds.end_including,
                                  bounds.end_excluding) if b]
        for version in named:
            if version not in (ANY, NA):
                found |= {version, version + ".1", version + "-1", version + "a"}
    return found


def _answers(entries: list[EntryRef], plan: BucketPlan | None, cpe: Cpe) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every answer, duplicates kept (an entry must be answered once)."""
    return sorted((id(entry), judgement.tier.value, tuple(r.text for r in judgement.reasons))
                  for entry, judgement in judge_entries([tuple(entries)], plan, cpe))


def _check_bucket(key: tuple[str, str], entries: list[EntryRef], most: int = 1_000) -> int:
    plan = plan_bucket([tuple(entries)])
    parts = {e.match.cpe.part for e in entries}
    versions = sorted(_versions(entries))
    versions = random.Random(key[1]).sample(versions, min(most, len(versions)))
    checked = 0
    for version in versions:
        for part in parts:
            cpe = Cpe(part, key[0], key[1], version)
            assert _answers(entries, plan, cpe) == _answers(entries, None, cpe), (key, version)
            checked += 1
    return checked


def test_the_plan_agrees_with_judging_every_entry_on_hand_written_records() -> None:
    records = [r for path in sorted(DATA.glob("api20_*.json")) for r in read_nvd_file(path).records]
    buckets = _buckets(records)
    assert sum(_check_bucket(key, entries) for key, entries in buckets.items()) > 300


def test_the_plan_agrees_with_judging_every_entry_on_the_2018_feed(nvd_2018: NvdFeed) -> None:
    buckets = _buckets(nvd_2018.records)
    chosen = [("fortinet", "fortios"), ("juniper", "junos"), ("cisco", "ios"), ("google", "chrome"),
              ("microsoft", "windows_10"), ("adobe", "acrobat_reader_dc"), ("linux", "linux_kernel"),
              ("oracle", "mysql"), ("mozilla", "firefox"), ("apple", "iphone_os")]
    assert sum(_check_bucket(key, buckets[key], most=40) for key in chosen) > 400


def test_the_plan_finds_builds_of_a_release_and_ranges() -> None:
    (record,) = read_nvd_file(DATA / "api20_fortios_cve-2022-42475.json").records
    entries = _buckets([record])[("fortinet", "fortios")]
    plan = plan_bucket([tuple(entries)])
    assert len(plan.ranges) == len(entries) and not plan.exact and not plan.rest
    found = judge_entries([tuple(entries)], plan, Cpe("o", "fortinet", "fortios", "6.0.4"))
    assert [str(e.match.bounds) for e, _ in found] == [">= 6.0.0, < 6.0.16", ">= 6.0.0, < 6.0.15"]


@pytest.mark.parametrize("version", ["13.0", "13.0-47.24", "13.0.47.24", "13", "13.0.0", "12.1.0.0"])
def test_the_plan_agrees_on_citrix_release_lines(sample_records: dict[str, CveRecord], version: str) -> None:
    entries = _buckets(sample_records.values())[("citrix", "application_delivery_controller_firmware")]
    cpe = Cpe("o", "citrix", "application_delivery_controller_firmware", version)
    assert _answers(entries, plan_bucket([tuple(entries)]), cpe) == _answers(entries, None, cpe) != []


def _summary(hits: tuple[Hit, ...]) -> list[tuple[str, str, list[str]]]:
    return [(h.cve_id, h.tier.value, [e.reason for e in h.evidence]) for h in hits]


@pytest.mark.parametrize(("product", "versions"), [
    ("cpe:2.3:o:microsoft:windows_10", ["1607", "1803", "1809", "-"]),
    ("cpe:2.3:a:google:chrome", ["69.0.3497.100", "70.0.3538.67", "65.0"]),
    ("cpe:2.3:o:juniper:junos", ["15.1x53", "12.3x48:d70", "17.4", "14.1"]),
])
def test_the_index_answers_the_same_once_it_has_arranged_a_bucket(nvd_2018: NvdFeed, product: str,
                                                                   versions: list[str]) -> None:
    warm, cold = VulnIndex(), VulnIndex()
    warm.add_all(nvd_2018.records)
    cold.add_all(nvd_2018.records)
    first = next(r for r in nvd_2018.records if r.cve_id == "CVE-2018-0001")
    warm.match(Asset("first", (f"{product}:0.1",)))  # the first question arranges nothing, the next ones do
    for version in versions:
        asset = Asset(version, (f"{product}:{version}",))
        cold.remove(first.cve_id)  # a changed index forgets what it arranged and cached
        cold.add(first)
        assert _summary(warm.match(asset)) == _summary(cold.match(asset)) != []
    assert warm._plans  # the arranged path was taken
