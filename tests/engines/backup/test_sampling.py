"""How many restored files to check and which: exact hypergeometric numbers and a reproducible sample."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from fractions import Fraction

import pytest

from mamori.engines.backup import choose_sample, detection_probability, sample_size_for


def _exact(population: int, affected: int, sample: int) -> float:
    return float(1 - Fraction(math.comb(population - affected, sample), math.comb(population, sample)))


def test_one_percent_of_20000_files_is_caught_by_300_with_about_95_percent() -> None:
    # 1 - C(19800, 300) / C(20000, 300) = 0.95207...
    value = detection_probability(20_000, 200, 300)
    assert value == pytest.approx(_exact(20_000, 200, 300), abs=1e-12)
    assert value == pytest.approx(0.95207, abs=1e-5)


@pytest.mark.parametrize(("population", "affected", "sample", "expected"), [
    (10, 2, 3, 8 / 15),  # 1 - C(8,3)/C(10,3) = 1 - 56/120
    (100, 1, 10, 0.1),  # one bad file is in a sample of 10 of 100 with probability 10/100
    (52, 4, 5, 1 - 1712304 / 2598960),  # a five-card hand holds an ace: 1 - C(48,5)/C(52,5)
    (1_000_000, 10, 1000, None),
    (500, 250, 40, None),
])
def test_detection_probability_is_the_exact_hypergeometric_value(population: int, affected: int, sample: int,
                                                                  expected: float | None) -> None:
    exact = _exact(population, affected, sample)
    if expected is not None:
        assert exact == pytest.approx(expected, abs=1e-12)
    assert detection_probability(population, affected, sample) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(("population", "affected", "sample", "expected"), [
    (100, 5, 100, 1.0), (100, 5, 500, 1.0), (100, 0, 50, 0.0), (100, 5, 0, 0.0), (100, 100, 1, 1.0),
    (100, 10, 91, 1.0), (0, 0, 0, 0.0),
])
def test_detection_probability_edge_cases(population: int, affected: int, sample: int, expected: float) -> None:
    assert detection_probability(population, affected, sample) == expected


@pytest.mark.parametrize("arguments", [(-1, 0, 0), (10, -1, 1), (10, 1, -1), (10, 11, 1)])
def test_detection_probability_refuses_impossible_counts(arguments: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        detection_probability(*arguments)


def test_sample_size_for_one_percent_at_95_percent_of_20000_is_296() -> None:
    size = sample_size_for(20_000, 0.01, 0.95)
    assert size == 296
    assert detection_probability(20_000, 200, size) >= 0.95 > detection_probability(20_000, 200, size - 1)


@pytest.mark.parametrize(("population", "fraction", "confidence"), [
    (50, 0.1, 0.9), (1000, 0.005, 0.99), (7, 0.5, 0.999), (300, 1.0, 0.5), (12_345, 0.02, 0.8)])
def test_sample_size_for_is_the_smallest_size_that_reaches_the_confidence(population: int, fraction: float,
                                                                          confidence: float) -> None:
    affected = math.ceil(fraction * population)
    brute = next(n for n in range(population + 1) if _exact(population, affected, n) >= confidence)
    assert sample_size_for(population, fraction, confidence) == brute


def test_sample_size_for_edge_cases_and_bad_arguments() -> None:
    assert sample_size_for(0, 0.1, 0.95) == 0
    assert sample_size_for(100, 0.1, 0.0) == 0
    assert sample_size_for(100, 0.1, 1.0) == 91  # must include one of the 10: 100 - 10 + 1
    for fraction, confidence in ((0.0, 0.9), (1.5, 0.9), (0.1, 1.5)):
        with pytest.raises(ValueError):
            sample_size_for(100, fraction, confidence)


PATHS = [f"/srv/共有/外来/{i:04d}.{ext}" for i, ext in enumerate(["csv", "xlsx", "pdf", "jpg", "bin", "exe"] * 50)]


def test_choose_sample_is_deterministic_for_a_seed_and_keeps_only_checkable_files() -> None:
    first = choose_sample(PATHS, 40, seed="snapshot-7f3a")
    assert first == choose_sample(PATHS, 40, seed="snapshot-7f3a")
    assert first != choose_sample(PATHS, 40, seed="snapshot-9b21")
    assert len(first) == len(set(first)) == 40
    assert all(not path.endswith((".bin", ".exe")) for path in first)


def test_choose_sample_does_not_depend_on_the_order_of_the_listing() -> None:
    assert choose_sample(PATHS, 25, seed=42) == choose_sample(list(reversed(PATHS)) + PATHS[:10], 25, seed=42)


def test_choose_sample_is_the_same_in_another_process() -> None:
    # String seeds must not depend on PYTHONHASHSEED.
    code = ("import json, sys; from mamori.engines.backup import choose_sample; "
            "print(json.dumps(choose_sample(json.loads(sys.argv[1]), 30, seed='snapshot-7f3a')))")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code, json.dumps(PATHS)], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert json.loads(out) == choose_sample(PATHS, 30, seed="snapshot-7f3a")


def test_always_paths_come_first_in_their_order_then_a_random_fill() -> None:
    changed = [PATHS[14], PATHS[2], PATHS[9]]  # a pdf, a pdf, a jpg
    sample = choose_sample(PATHS, 10, seed=1, always=changed)
    assert sample[:3] == changed
    assert len(sample) == 10 and len(set(sample)) == 10


def test_always_paths_that_are_not_checkable_or_not_listed_are_ignored() -> None:
    sample = choose_sample(PATHS, 5, seed=1, always=[PATHS[4], "/elsewhere/x.pdf", PATHS[0], PATHS[0]])
    assert sample[0] == PATHS[0]  # PATHS[4] is a .bin; the other path is not in the listing; duplicates collapse
    assert PATHS[4] not in sample and "/elsewhere/x.pdf" not in sample and sample.count(PATHS[0]) == 1


def test_more_always_paths_than_the_size_gives_a_seeded_subset_of_them_in_their_order() -> None:
    changed = [path for path in PATHS if path.endswith(".pdf")][:30]
    sample = choose_sample(PATHS, 8, seed="s", always=changed)
    assert len(sample) == 8 and set(sample) <= set(changed)
    assert sample == [path for path in changed if path in sample]
    assert sample == choose_sample(PATHS, 8, seed="s", always=changed)


def test_a_size_beyond_the_checkable_files_returns_them_all_and_size_zero_none() -> None:
    checkable = [path for path in PATHS if not path.endswith((".bin", ".exe"))]
    assert sorted(choose_sample(PATHS, 10_000, seed=3)) == sorted(checkable)
    assert choose_sample(PATHS, 0, seed=3, always=checkable[:3]) == []
    with pytest.raises(ValueError):
        choose_sample(PATHS, -1, seed=3)


def test_a_checkable_function_decides_eligibility_instead_of_the_extension() -> None:
    renamed = ["/a/報告書.docx.lockbit", "/a/b.pdf.lockbit", "/a/c.csv", "/a/d.exe"]
    assert choose_sample(renamed, 10, seed=1) == ["/a/c.csv"]  # by extension, renamed files are not checkable

    def typed(path: str) -> str | None:
        return path.removesuffix(".lockbit") if not path.endswith(".exe") else None

    assert sorted(choose_sample(renamed, 10, seed=1, checkable=typed)) == sorted(renamed[:3])
