"""Benchmark: the application path of issue 4 — feed files into the catalogue, and the ledger matched into findings.

Where bench_vulns.py measures the engine alone, this runs what `mamori feeds import` and the weekly run do:
every NVD-2.0-shaped year file of bench_vulns.py's generator (359,177 CVEs at --scale 1) imported through
the import service into a fresh SQLite database (decode, compare with what is held, write rows with
compressed configurations, audit), then the real KEV catalogue and the weekly `modified` delta, then match
runs over a ledger (building the index from the catalogue, matching, priorities, writing findings):

- the demo hospital generator at --assets (default 10,000): the realistic hospital ledger (PCs, servers,
  VPN appliances, medical devices with their real CPE names) plus the demo feed's case CVEs;
- bench_vulns.py's generated fleet ledger (--fleet N, default 0 = skipped), whose CPEs are the generated
  feed's own vocabulary: millions of (asset, CVE) pairs, to see where persisting findings stops scaling.

Targets (issue 4): full import ≤ 120 s at ≤ 1.5 GB; matching 10,000 assets ≤ 10 s; weekly delta ≤ 10 s. The
weekly run re-evaluates what changed since the last one (vulns.match_state): the bench also prints the first
match (every finding written), a run after an EPSS refresh that moves every CVE's score (every finding's
priority re-evaluated) and a full re-evaluation (`--full`), which are slower and have no target.
Run: .venv/bin/python benchmarks/bench_vulns_service.py [--scale 1.0] [--assets 10000] [--fleet 0]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django_setup import setup_django

HERE = Path(__file__).resolve().parent
KEV = HERE.parents[1] / "shared" / "data" / "vulns" / "kev" / "known_exploited_vulnerabilities.json"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_feed(scale: float, seed: int) -> Path:
    """The generated year files of bench_vulns.py (generated there once, then reused)."""
    folder = Path(tempfile.gettempdir()) / f"mamori-bench-vulns-{scale:g}"
    if not (folder / "manifest.json").is_file():
        subprocess.run([sys.executable, str(HERE / "bench_vulns.py"), "--generate-only", "--scale", str(scale),
                        "--seed", str(seed), "--data-dir", str(folder)], check=True)
        (folder / "manifest.json").write_text(f'{{"scale": {scale}, "seed": {seed}, "format": 5}}')
    return folder


def timed_import(paths: list[Path], label: str) -> float:
    from mamori.vulns.imports import import_paths

    started = time.perf_counter()
    outcome = import_paths(paths, match=False)
    elapsed = time.perf_counter() - started
    assert not outcome.rejected, outcome.rejected[:1]
    records = sum(i.records for i in outcome.imports)
    new = sum(i.new for i in outcome.imports)
    changed = sum(i.changed for i in outcome.imports)
    print(f"{label}: {len(paths)} files, {records:,} records ({new:,} new, {changed:,} changed) in {elapsed:.1f} s; "
          f"peak RSS {rss_mb():,.0f} MB", flush=True)
    return elapsed


def timed_match(label: str, full: bool = False) -> float:
    """One match run as the weekly job runs it: the index built from the catalogue (the records that can meet the
    ledger's products), the plan of what changed, matching, priorities, findings written."""
    from mamori.vulns.matching import run_match

    started = time.perf_counter()
    run = run_match("cli", "bench", full=full)
    total = time.perf_counter() - started
    print(f"{label}: {total:.1f} s in all: {run.assets:,} assets ({run.reevaluated:,} re-evaluated, "
          f"{run.changed_cves:,} CVEs changed), {run.findings:,} findings ({run.new:,} new, {run.gone:,} gone); "
          f"peak RSS {rss_mb():,.0f} MB", flush=True)
    return total


def timed_index() -> None:
    from mamori.ledger.models import Asset
    from mamori.vulns.indexes import build_indexes
    from mamori.vulns.inventory import ledger_items, ledger_products

    started = time.perf_counter()
    items, _skipped = ledger_items(Asset.objects.exclude(in_use=False))
    products = ledger_products(items)
    indexes = build_indexes(products)
    print(f"index for the ledger's {len(products):,} products: {indexes.nvd_indexed:,} of {indexes.nvd_records:,} "
          f"NVD records in {time.perf_counter() - started:.1f} s (all of them: ", end="", flush=True)
    started = time.perf_counter()
    whole = build_indexes()
    print(f"{whole.nvd_indexed:,} in {time.perf_counter() - started:.1f} s)", flush=True)


def epss_refresh(folder: Path, seed: int) -> Path:
    """A day's EPSS file as FIRST ships it, scoring every CVE of the catalogue anew: the worst weekly case, as
    every CVE's signals change and every finding's priority is re-evaluated."""
    import gzip
    import random

    from mamori.vulns.models import Vulnerability

    rnd = random.Random(seed)
    ids = sorted(Vulnerability.objects.values_list("cve_id", flat=True))
    scores = {cve: round(min(1.0, rnd.betavariate(0.25, 12)), 5) for cve in ids}
    rank = {cve: n for n, cve in enumerate(sorted(ids, key=scores.__getitem__))}
    lines = ["#model_version:v2025.03.14,score_date:2026-11-30T12:55:00Z", "cve,epss,percentile"]
    lines += [f"{cve},{scores[cve]:.5f},{rank[cve] / len(ids):.5f}" for cve in ids]
    path = folder / "epss_scores-2026-11-30.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=6))
    return path


def load_fleet(count: int, seed: int) -> None:
    """bench_vulns.py's generated fleet as ledger assets of one more facility."""
    sys.path.insert(0, str(HERE))
    import bench_vulns
    from mamori.ledger.models import Asset
    from mamori.tenancy.models import Facility

    facility = Facility.objects.create(code="fleet", name="生成フリート")
    fleet = bench_vulns.inventory(count, seed, bench_vulns.Vocabulary(seed), distinct=False)
    Asset.objects.bulk_create((Asset(facility=facility, key=a.key, category="terminal", name=a.key,
                                     cpes=list(a.cpes), in_use=True) for a in fleet), batch_size=1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--fleet", type=int, default=0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--copy-before-delta", type=Path, help="copy the SQLite database here before the delta "
                        "(to profile the weekly run after it again and again)")
    args = parser.parse_args()
    feed = ensure_feed(args.scale, args.seed)
    setup_django()
    from mamori.demo.loader import load_demo
    from mamori.vulns.models import Vulnerability

    years = sorted(p for p in feed.glob("nvdcve-2.0-*.json.gz") if p.name[11:15].isdigit())
    import_s = timed_import(years, "full NVD import through the service")
    print(f"catalogue: {Vulnerability.objects.count():,} CVEs", flush=True)
    if KEV.is_file():
        timed_import([KEV], "real KEV catalogue")
    from mamori.vulns.models import MatchRun

    started = time.perf_counter()
    load_demo(assets_target=args.assets)  # its own demo feeds are imported and matched here too
    first = MatchRun.objects.latest("started")
    print(f"demo hospital with {args.assets:,} assets loaded in {time.perf_counter() - started:.1f} s; its first "
          f"match run (every finding written) {first.duration:.1f} s: {first.findings:,} findings", flush=True)
    timed_index()
    match_s = timed_match(f"weekly match run, demo hospital ({args.assets:,} assets), nothing changed")
    if args.copy_before_delta:
        from django.conf import settings

        shutil.copyfile(settings.DATABASES["default"]["NAME"], args.copy_before_delta)
    delta_s = timed_import([feed / "nvdcve-2.0-modified.json.gz"], "weekly delta (modified file)")
    rematch_s = timed_match("weekly match run after the delta")
    with tempfile.TemporaryDirectory() as folder:
        epss_s = timed_import([epss_refresh(Path(folder), args.seed)], "EPSS refresh (every CVE scored anew)")
    epss_match_s = timed_match("weekly match run after the EPSS refresh (every CVE's signals changed)")
    full_s = timed_match("full re-evaluation (mamori vulns match --full), nothing changed", full=True)
    if args.fleet:
        load_fleet(args.fleet, args.seed)
        timed_match(f"match run with the generated fleet of {args.fleet:,} more assets")
    print(f"targets: import {import_s:.1f} s (≤ 120), peak {rss_mb():,.0f} MB (≤ 1,536); weekly match of "
          f"{args.assets:,} assets {match_s:.1f} s (≤ 10); delta {delta_s:.1f} s (≤ 10) + re-match "
          f"{rematch_s:.1f} s (≤ 10). Beyond the targets: first match {first.duration:.1f} s, after an EPSS "
          f"refresh {epss_s:.1f} s + {epss_match_s:.1f} s, full re-evaluation {full_s:.1f} s")


if __name__ == "__main__":
    main()
