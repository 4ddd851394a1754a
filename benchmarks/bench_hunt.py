"""Benchmark: `mamori hunt` with the SigmaHQ Windows rules over a realistic multi-file EVTX corpus.

The corpus is built in a temporary folder (never in the repository) by copying real public EVTX files COPIES times:

- `real` (default): the 7 well-formed omerbenamram/evtx samples (`security.evtx`, `system.evtx`, `2-vss_7-System`,
  Shell-Core, `sample-with-irregular-bool-values`, `Security_with_size_t`, LiveId: 10,511 events) — ×20 =
  210,220 events, the "real20" corpus Zircolite 3.7.0 was measured on (6.3–6.7k events/s on this 2-core box,
  ../shared/domain/detection.md §4);
- `mixed`: every EVTX file under ../shared/data/evtx that parses without error (hayabusa samples, Sysmon, 4688,
  PowerShell…; many small files), ×COPIES.

For each COPIES value, each in a fresh process so the peak RSS is its own:

- (a) plain parse: stream every file through `iter_evtx` (parse + normalise, no rules) — the ceiling;
- (b) hunt: `mamori.engines.logs.hunt.hunt(corpus, rules=[RULES], workers=W)` with the compiled rules cached, as
  `mamori hunt` runs it: Sigma rules, correlation rules (Mamori's and any in RULES) and the log-health checks.

Printed: events, seconds, events/s, peak RSS of the process and of its largest worker (`RUSAGE_CHILDREN`), and the
detections by level (they must not change with `--workers`). Copies repeat their events at the same times, so the
correlation rules see bursts the 7 files alone do not hold: real×20 gives 8 correlation alerts (brute force of
1–4 failed logons ×20, one "mass log clearing" critical from 2 clears ×20); the 7 files once give none. Peak memory
staying flat as COPIES grows (e.g. `--copies 20 --copies 60`) shows it does not depend on the input size.

With `--big-file-mb N` one EVTX of about N MB is also built (security.evtx's chunks repeated, header patched) and
hunted: its peak RSS shows that one large file is streamed, not held.

Run: .venv/bin/python benchmarks/bench_hunt.py [--corpus real|mixed] [--copies 20 ...] [--workers 2]
     [--rules ../shared/data/sigma/rules/windows] [--repeat 1] [--big-file-mb 200 --big-file-mb 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SAMPLES = DATA / "evtx" / "parser-samples"
REAL = ("security.evtx", "system.evtx", "2-vss_7-System.evtx",
        "E_Windows_system32_winevt_logs_Microsoft-Windows-Shell-Core%4Operational.evtx",
        "sample-with-irregular-bool-values.evtx", "Security_with_size_t.evtx",
        "2-system-Microsoft-Windows-LiveId%4Operational.evtx")


def corpus_files(kind: str) -> list[Path]:
    """The source files of a corpus (`real` or `mixed`), checked to parse without error."""
    from evtx import PyEvtxParser

    if kind == "real":
        files = [SAMPLES / name for name in REAL]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            sys.exit(f"missing sample files: {missing}")
        return files
    good: list[Path] = []
    for path in sorted((DATA / "evtx").rglob("*.evtx")):
        try:
            for _ in PyEvtxParser(str(path)).records_json():
                pass
        except (OSError, RuntimeError):
            continue
        good.append(path)
    return good


def build(files: list[Path], copies: int, target: Path) -> int:
    """Copy every file `copies` times under `target`; returns the bytes written."""
    size = 0
    for n in range(copies):
        folder = target / f"copy{n:03d}"
        folder.mkdir(parents=True)
        for i, path in enumerate(files):
            dest = folder / f"{i:04d}-{path.name}"
            shutil.copyfile(path, dest)
            size += dest.stat().st_size
    return size


def build_big(source: Path, megabytes: int, target: Path) -> int:
    """One big EVTX: the header of `source` and its used 64 KiB chunks repeated until `megabytes` is reached (the
    header's last-chunk number, chunk count and CRC32 patched). The parser reads it as one file of many chunks."""
    data = source.read_bytes()
    header = bytearray(data[:4096])
    _first, _last, next_id, size, minor, major, block, count = struct.unpack_from("<QQQIHHHH", header, 8)
    chunks = data[4096:4096 + count * 65536]
    reps = max(1, megabytes * 1_000_000 // len(chunks))
    total = count * reps
    if total > 0xFFFF:
        sys.exit(f"{megabytes} MB needs {total} chunks, more than an EVTX header can count")
    struct.pack_into("<QQQIHHHH", header, 8, 0, total - 1, next_id, size, minor, major, block, total)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    with target.open("wb") as handle:
        handle.write(header)
        for _ in range(reps):
            handle.write(chunks)
    return target.stat().st_size


def _peaks() -> dict[str, float]:
    """Peak RSS (MB) of this process (VmHWM: its own, not the launching process's, which `ru_maxrss` keeps across
    exec) and of the largest child process that ended (the workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1]) / 1024
    except OSError:
        pass
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"rss_mb": round(own, 1), "worker_rss_mb": round(children, 1)}


def _count_file(path: str) -> int:
    from mamori.engines.logs.evtx_reader import iter_evtx

    return sum(1 for _ in iter_evtx(Path(path)))


def run_parse(corpus: Path, workers: int) -> dict[str, object]:
    """(a) parse + normalise every file, no rules; in `workers` processes (one file per task) when > 1."""
    files = sorted(str(p) for p in corpus.rglob("*.evtx"))
    started = time.perf_counter()
    if workers > 1:
        from concurrent.futures import ProcessPoolExecutor
        from multiprocessing import get_context

        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            events = sum(pool.map(_count_file, files, chunksize=4))
    else:
        events = sum(_count_file(f) for f in files)
    seconds = time.perf_counter() - started
    return {"events": events, "seconds": round(seconds, 2), "events_per_s": round(events / seconds), **_peaks()}


def run_hunt(corpus: Path, workers: int, rules: Path, cache: Path) -> dict[str, object]:
    """(b) the whole hunt (rules from the cache), as `mamori hunt` runs it."""
    from mamori.engines.logs.hunt import hunt, load_correlations, load_rules

    t0 = time.perf_counter()
    ruleset, from_cache = load_rules([rules], rule_cache=cache)
    correlations = load_correlations([rules])
    loaded = time.perf_counter() - t0
    started = time.perf_counter()
    result = hunt([corpus], ruleset=ruleset, correlations=correlations, workers=workers)
    seconds = time.perf_counter() - started
    errors = [f.error for f in result.files if f.error]
    return {"events": result.events, "seconds": round(seconds, 2), "events_per_s": round(result.events / seconds),
            "rules": len(ruleset.rules), "rules_load_s": round(loaded, 2), "rules_from_cache": from_cache,
            "detections": {level: result.by_level[level] for level in ("critical", "high", "medium", "low",
                                                                      "informational")},
            "rules_fired": len({r.rule_id for r in result.rows}), "correlations": len(correlations.rules),
            "correlation_alerts": result.correlation_alerts, "health_findings": len(result.health),
            "files": len(result.files),
            "file_errors": len(errors), **_peaks()}


def child(argv: list[str]) -> None:
    """Run one measurement in this (fresh) process and print it as JSON."""
    mode, corpus, workers = argv[0], Path(argv[1]), int(argv[2])
    out = run_parse(corpus, workers) if mode == "parse" else run_hunt(corpus, workers, Path(argv[3]), Path(argv[4]))
    print(json.dumps(out))


def _measure(*args: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    if done.returncode != 0:
        sys.exit(done.stderr)
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=["real", "mixed"], default="real")
    parser.add_argument("--copies", type=int, action="append", help="times each file is copied (repeatable)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rules", type=Path, default=DATA / "sigma" / "rules" / "windows")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (the best is shown)")
    parser.add_argument("--skip-parse", action="store_true", help="measure the hunt only")
    parser.add_argument("--big-file-mb", type=int, action="append", default=[],
                        help="also hunt one EVTX of about this size, built from security.evtx (repeatable)")
    args = parser.parse_args()
    if not args.rules.is_dir():
        sys.exit(f"no rules folder at {args.rules}")
    files = corpus_files(args.corpus)
    with tempfile.TemporaryDirectory(prefix="mamori-bench-hunt-") as tmp:
        cache = Path(tmp) / "rules.pickle"
        from mamori.engines.logs.hunt import load_rules

        started = time.perf_counter()
        ruleset, _ = load_rules([args.rules], rule_cache=cache)  # compiled once, into the cache the runs load
        print(f"rules: {len(ruleset.rules):,} compiled ({len(ruleset.skipped)} skipped, {len(ruleset.errors)} "
              f"errors) and cached in {time.perf_counter() - started:.1f} s")
        del ruleset
        for copies in args.copies or [20]:
            corpus = Path(tmp) / f"corpus-{copies}"
            size = build(files, copies, corpus)
            print(f"\ncorpus {args.corpus} x{copies}: {len(files) * copies} files, {size / 1e6:,.1f} MB")
            runs: list[tuple[str, tuple[str, ...]]] = []
            if not args.skip_parse:
                runs += [("parse  1 proc", ("parse", str(corpus), "1")),
                         (f"parse  {args.workers} proc", ("parse", str(corpus), str(args.workers)))]
            runs += [("hunt   1 proc", ("hunt", str(corpus), "1", str(args.rules), str(cache))),
                     (f"hunt   {args.workers} proc", ("hunt", str(corpus), str(args.workers), str(args.rules),
                                                       str(cache)))]
            for label, run_args in runs:
                best: dict[str, object] | None = None
                for _ in range(max(1, args.repeat)):
                    got = _measure(*run_args)
                    if best is None or int(str(got["events_per_s"])) > int(str(best["events_per_s"])):
                        best = got
                assert best is not None
                extra = ""
                if "detections" in best:
                    extra = (f"  detections {best['detections']} rules fired {best['rules_fired']}; correlation "
                             f"alerts {best['correlation_alerts']} ({best['correlations']} correlations); health "
                             f"findings {best['health_findings']}")
                    if best["file_errors"]:
                        extra += f" file errors {best['file_errors']}"
                print(f"{label}: {best['events']:>9,} events {best['seconds']:>7} s {best['events_per_s']:>8,} "
                      f"events/s  peak RSS {best['rss_mb']} MB (largest worker {best['worker_rss_mb']} MB){extra}")
            shutil.rmtree(corpus)
        for megabytes in args.big_file_mb:
            folder = Path(tmp) / f"big-{megabytes}"
            folder.mkdir()
            size = build_big(SAMPLES / "security.evtx", megabytes, folder / "Security-big.evtx")
            print(f"\none file of {size / 1e6:,.0f} MB (security.evtx's chunks repeated)")
            for label, run_args in (("parse  1 proc", ("parse", str(folder), "1")),
                                    ("hunt   1 proc", ("hunt", str(folder), "1", str(args.rules), str(cache)))):
                got = _measure(*run_args)
                print(f"{label}: {got['events']:>9,} events {got['seconds']:>7} s {got['events_per_s']:>8,} "
                      f"events/s  peak RSS {got['rss_mb']} MB")
            shutil.rmtree(folder)


if __name__ == "__main__":
    main()
