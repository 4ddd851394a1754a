"""Benchmark: reading one day of EPSS scores (a realistic 300,000-row epss_scores-YYYY-MM-DD.csv.gz).

Generates the file as FIRST ships it (the `#model_version…,score_date…` line, `cve,epss,percentile`,
CVE ids 1999–2025 sorted, scores with five decimals and mostly tiny, as real scores are), then in a
fresh process each, so the figures are the reader's own:

- mamori: `read_epss_file` (plain Python rows), cold (imports and first read) and warm (best of 3);
- polars: the same work with `polars.read_csv` and vectorised checks, for comparison (`--no-polars`
  skips it); it is what epss.py would do if it used Polars, minus the exact line of a bad row.

Run: .venv/bin/python benchmarks/bench_epss.py [--rows 300000] [--no-polars]
"""

from __future__ import annotations

import argparse
import gzip
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

FILENAME = "epss_scores-2025-08-25.csv.gz"


def generate(path: Path, rows: int, seed: int) -> None:
    rnd = random.Random(seed)
    ids: set[str] = set()
    while len(ids) < rows:
        year = rnd.randint(1999, 2025)
        ids.add(f"CVE-{year}-{rnd.randint(1, 9_999 if year < 2014 else 60_000):04d}")
    scores = {cve: round(min(1.0, rnd.betavariate(0.25, 12)), 5) for cve in ids}
    ranked = sorted(scores, key=scores.__getitem__)
    percentile = {cve: round(rank / rows, 5) for rank, cve in enumerate(ranked)}
    lines = ["#model_version:v2025.03.14,score_date:2025-08-25T12:55:00Z", "cve,epss,percentile"]
    lines += [f"{cve},{scores[cve]:.5f},{percentile[cve]:.5f}" for cve in sorted(ids)]
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6))


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_mamori(path: Path) -> None:
    started = time.perf_counter()
    from mamori.engines.vulns.epss import read_epss_file

    rows = len(read_epss_file(path).scores)
    cold_s = time.perf_counter() - started
    cold_mb = rss_mb()
    warm_s = min(_timed(lambda: read_epss_file(path)) for _ in range(3))
    report("mamori (plain Python)", rows, cold_s, cold_mb, warm_s)


def _polars_read(path: Path) -> int:
    import polars as pl

    from mamori.engines.vulns.epss import EpssScore
    from mamori.engines.vulns.feedfiles import read_feed_bytes

    frame = pl.read_csv(bytes(read_feed_bytes(path)), comment_prefix="#",
                        schema={"cve": pl.String, "epss": pl.Float64, "percentile": pl.Float64})
    good = frame.select((pl.col("cve").str.contains(r"^CVE-[0-9]{4}-[0-9]{4,19}$")
                         & pl.col("epss").is_between(0.0, 1.0) & pl.col("percentile").is_between(0.0, 1.0))
                        .fill_null(False).all()).item()
    assert good and frame["cve"].n_unique() == frame.height
    scores = tuple(map(EpssScore, frame["cve"].to_list(), frame["epss"].to_list(), frame["percentile"].to_list()))
    return len(scores)


def measure_polars(path: Path) -> None:
    started = time.perf_counter()
    rows = _polars_read(path)
    cold_s = time.perf_counter() - started
    cold_mb = rss_mb()
    warm_s = min(_timed(lambda: _polars_read(path)) for _ in range(3))
    report("polars.read_csv", rows, cold_s, cold_mb, warm_s)


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def report(name: str, rows: int, cold_s: float, cold_mb: float, warm_s: float) -> None:
    """Cold: a fresh process importing the reader and reading the file once (peak RSS then). Warm: best of 3."""
    print(f"{name}: {rows:,} rows; cold (imports + first read) {cold_s:.3f} s = {rows / cold_s:,.0f} rows/s, "
          f"peak RSS {cold_mb:,.0f} MB; warm (best of 3) {warm_s:.3f} s = {rows / warm_s:,.0f} rows/s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-polars", action="store_true", help="skip the Polars comparison")
    parser.add_argument("--measure", choices=["mamori", "polars"], help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        (measure_mamori if args.measure == "mamori" else measure_polars)(args.file)
        return
    with tempfile.TemporaryDirectory(prefix="mamori-bench-epss-") as folder:
        path = Path(folder) / FILENAME
        generate(path, args.rows, args.seed)
        print(f"generated {path.name}: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB gzip", flush=True)
        for reader in ["mamori"] + ([] if args.no_polars else ["polars"]):
            subprocess.run([sys.executable, __file__, "--measure", reader, "--file", str(path)], check=True)


if __name__ == "__main__":
    main()
