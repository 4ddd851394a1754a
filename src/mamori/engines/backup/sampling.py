"""How many restored files to check, and which: the hypergeometric detection probability and a seeded sample.

If `affected` files out of `population` are damaged, a uniform random sample of `sample` files drawn
without replacement misses all of them with probability C(N-K, n) / C(N, n).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence

from mamori.engines.backup.content import kind_of

__all__ = ["choose_sample", "detection_probability", "sample_size_for"]


def _check_counts(population: int, affected: int, sample: int) -> None:
    if population < 0 or affected < 0 or sample < 0:
        raise ValueError("population, affected and sample must not be negative")
    if affected > population:
        raise ValueError(f"affected ({affected}) exceeds the population ({population})")


def detection_probability(population: int, affected: int, sample: int) -> float:
    """The probability that `sample` files drawn uniformly without replacement from `population` include at
    least one of the `affected` ones: 1 - C(N-K, n) / C(N, n), computed as a product in log space.

    1.0 when the sample is the whole population (or cannot avoid the affected files) and some are affected;
    0.0 when none is affected or nothing is sampled. Raises ValueError for negative counts or K > N.
    """
    _check_counts(population, affected, sample)
    if affected == 0 or sample == 0:
        return 0.0
    if sample > population - affected:
        return 1.0
    # C(N-K, n) / C(N, n) = prod_{i<n} (1 - K/(N-i)) = prod_{j<K} (1 - n/(N-j)): the shorter product, summed
    # exactly in log space (lgamma differences lose about 1e-7 relative at N = 10^6).
    terms, taken = (affected, sample) if sample <= affected else (sample, affected)
    log_miss = math.fsum(math.log1p(-terms / (population - i)) for i in range(taken))
    return min(1.0, max(0.0, -math.expm1(log_miss)))


def sample_size_for(population: int, affected_fraction: float, confidence: float) -> int:
    """The smallest sample size whose `detection_probability` reaches `confidence` when at least
    `affected_fraction` of the `population` is affected (K = ceil(fraction x N), at least 1).

    0 for an empty population or a confidence of 0 or less. Raises ValueError unless 0 < fraction <= 1 and
    confidence <= 1.
    """
    if population < 0:
        raise ValueError("population must not be negative")
    if not 0 < affected_fraction <= 1:
        raise ValueError("affected_fraction must be in (0, 1]")
    if confidence > 1:
        raise ValueError("confidence must be at most 1")
    if population == 0 or confidence <= 0:
        return 0
    # round() first so that 0.01 x 20000 = 200.00000000000003 does not become 201.
    affected = max(1, math.ceil(round(affected_fraction * population, 9)))
    low, high = 1, population - affected + 1  # the high end always detects
    while low < high:
        middle = (low + high) // 2
        if detection_probability(population, affected, middle) >= confidence:
            high = middle
        else:
            low = middle + 1
    return low


def choose_sample(paths: Sequence[str], size: int, seed: int | str, always: Iterable[str] = (), *,
                  checkable: Callable[[str], object] | None = None) -> list[str]:
    """A deterministic sample of at most `size` paths whose content `kind_of` can validate.

    Eligible: the distinct paths in `paths` with a known kind -- or, when `checkable` is given, those for
    which it returns neither None nor False (e.g. a function that also takes `報告書.docx.lockbit` for a
    docx). The members of `always` that are eligible (e.g. files changed since the previous snapshot)
    come first, in their given order; then eligible paths drawn at random fill the sample up to `size`. If
    `always` alone has more than `size` eligible members, a random subset of `size` of them is returned
    (still in their given order). Members of `always` that are not eligible are ignored. The result depends
    only on the set of paths, `always`, `size` and `seed` (`random.Random(seed)`), not on the order of `paths`.
    Raises ValueError for a negative size.
    """
    if size < 0:
        raise ValueError("size must not be negative")
    rng = random.Random(seed)  # noqa: S311 -- reproducible sampling, not cryptography
    accepts = checkable if checkable is not None else kind_of
    eligible = {path for path in paths if accepts(path) not in (None, False)}
    forced = [path for path in dict.fromkeys(always) if path in eligible]
    if len(forced) > size:
        kept = set(rng.sample(sorted(forced), size))
        return [path for path in forced if path in kept]
    rest = sorted(eligible.difference(forced))
    return forced + rng.sample(rest, min(size - len(forced), len(rest)))
