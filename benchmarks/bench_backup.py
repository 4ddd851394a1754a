"""Benchmark: backup content validation and snapshot verification (issue 7).

Generates a hospital file share of --files (default 20,000) real-format files (docx, xlsx, PDF, JPEG, PNG,
DICOM, CP932 CSV, UTF-8 logs: templates written by tests/engines/backup/files.py, then copied with a
per-file difference where the format allows), then:

- content validation of every file on disk (files/s, MB/s of files judged, bytes actually read);
- a real restic repository (and borg with --borg): a clean snapshot, then a snapshot after simulated
  ransomware encrypted --encrypted (default 1%) of the files in place, names and times kept (the hardest
  case: the listing shows nothing); `verify_repository` with a sample of --sample files per snapshot:
  time, whether the attack was caught, and the sample's detection probability.

Target (issue 7): a 20,000-file snapshot verified in ≤ 60 s with sampling on this 2-core machine.
Run: .venv/bin/python benchmarks/bench_backup.py [--files 20000] [--sample 300] [--encrypted 0.01] [--borg]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the file writers of the tests

from tests.engines.backup import files as writers  # noqa: E402

from mamori.engines.backup.content import ContentVerdict, check_path  # noqa: E402
from mamori.engines.backup.sampling import detection_probability  # noqa: E402
from mamori.engines.backup.verdict import SnapshotState  # noqa: E402
from mamori.engines.backup.verify import verify_repository  # noqa: E402

PASSWORD = "bench-password"  # noqa: S105 -- a throwaway repository of generated files
# (kind, share of the files, a writer of a realistic small office file of that kind)
MIX: tuple[tuple[str, float, Callable[[Path, int], Path]], ...] = (
    ("docx", 0.18, lambda p, n: writers.write_docx(p, paragraphs=30, seed=n)),
    ("xlsx", 0.14, lambda p, n: writers.write_xlsx(p, rows=300, seed=n)),
    ("pdf", 0.16, lambda p, n: writers.write_pdf(p, pages=6, seed=n)),
    ("jpeg", 0.12, lambda p, n: writers.write_jpeg(p, width=800, height=600, seed=n)),
    ("png", 0.06, lambda p, n: writers.write_png(p, width=400, height=300, seed=n)),
    ("dicom", 0.12, lambda p, n: writers.write_dicom(p, size=256, seed=n)),
    ("csv_cp932", 0.12, lambda p, n: writers.write_csv_cp932(p, rows=400, seed=n)),
    ("text", 0.10, lambda p, n: writers.write_text(p, lines=800, seed=n)),
)
TEMPLATES = 12  # distinct files per kind; copies of them fill the share


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_share(root: Path, count: int, seed: int) -> list[Path]:
    started = time.perf_counter()
    templates: dict[str, list[Path]] = {}
    source = root / "templates"
    source.mkdir(parents=True)
    for kind, _share, write in MIX:
        templates[kind] = [write(source / f"{kind}{n}{writers.SUFFIXES[kind]}", n) for n in range(TEMPLATES)]
    rng = random.Random(seed)
    paths: list[Path] = []
    kinds = [kind for kind, share, _ in MIX for _ in range(round(share * 1000))]
    for n in range(count):
        kind = kinds[n % len(kinds)]
        folder = root / "share" / f"部署{n % 40:02d}" / f"{2020 + n % 6}年度"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"文書{n:05d}{writers.SUFFIXES[kind]}"
        shutil.copyfile(rng.choice(templates[kind]), target)
        if kind in ("text", "csv_cp932"):  # each log and export differs from the others
            with target.open("ab") as handle:
                handle.write(f"record {n}\r\n".encode("ascii"))
        paths.append(target)
    size = sum(p.stat().st_size for p in paths)
    print(f"share: {count:,} files, {size / 1e6:,.0f} MB, generated in {time.perf_counter() - started:.0f} s",
          flush=True)
    return paths


def validate_all(paths: list[Path]) -> None:
    started = time.perf_counter()
    judged = 0
    failures = 0
    for path in paths:
        check = check_path(path)
        judged += path.stat().st_size
        failures += check.verdict not in (ContentVerdict.OK, ContentVerdict.UNCHECKED)
    elapsed = time.perf_counter() - started
    print(f"content validation of every file: {len(paths) / elapsed:,.0f} files/s, {judged / 1e6 / elapsed:,.0f} MB/s "
          f"of files judged ({elapsed:.1f} s); {failures} false alarms on the clean share; peak RSS {rss_mb():,.0f} MB",
          flush=True)


def run(*args: str, env: dict[str, str]) -> None:
    subprocess.run(list(args), env=env, check=True, capture_output=True)


def attack(paths: list[Path], share: float, seed: int) -> list[Path]:
    """Intermittent in-place encryption of a share of the files, names and times kept."""
    victims = random.Random(seed).sample(paths, max(1, round(len(paths) * share)))
    for path in victims:
        stat = path.stat()
        writers.encrypt_intermittent(path, skip_header=4096)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return victims


def bench_tool(tool: str, root: Path, paths: list[Path], args: argparse.Namespace) -> None:
    from mamori.engines.backup.borg import BorgRepository
    from mamori.engines.backup.restic import ResticRepository

    password = root / f"{tool}.password"
    password.write_text(PASSWORD, encoding="utf-8")
    repo = root / f"{tool}-repo"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESTIC_", "BORG_"))}
    env.update(RESTIC_PASSWORD_FILE=str(password), BORG_PASSCOMMAND=f"cat {password}",
               BORG_BASE_DIR=str(root / "borg-base"))
    share = root / "share"
    started = time.perf_counter()
    if tool == "restic":
        run("restic", "--no-cache", "-r", str(repo), "init", env=env)
        run("restic", "--no-cache", "-r", str(repo), "backup", str(share), env=env)
    else:
        run("borg", "init", "--encryption=repokey-blake2", str(repo), env=env)
        run("borg", "create", f"{repo}::clean", str(share), env=env)
    victims = attack(paths, args.encrypted, args.seed)
    if tool == "restic":
        run("restic", "--no-cache", "-r", str(repo), "backup", str(share), env=env)
    else:
        run("borg", "create", f"{repo}::attacked", str(share), env=env)
    print(f"{tool}: two snapshots written in {time.perf_counter() - started:.0f} s ({len(victims):,} files "
          f"encrypted in place between them)", flush=True)
    os.environ["BORG_BASE_DIR"] = str(root / "borg-base")
    repository = (ResticRepository(str(repo), password_file=password) if tool == "restic"
                  else BorgRepository(str(repo), password_file=password))
    scratch = root / "scratch"
    scratch.mkdir(exist_ok=True)
    started = time.perf_counter()
    report = verify_repository(repository, scratch, sample_size=args.sample, integrity=False)
    elapsed = time.perf_counter() - started
    newest = report.snapshots[-1]
    caught = newest.verdict.state != SnapshotState.CLEAN
    probability = detection_probability(newest.files, len(victims), args.sample)
    print(f"{tool}: verified {len(report.snapshots)} snapshots of {newest.files:,} files in {elapsed:.1f} s "
          f"({elapsed / len(report.snapshots):.1f} s per snapshot), sample {args.sample}: first "
          f"{report.snapshots[0].verdict.state}, second {newest.verdict.state} ({len(newest.verdict.broken)} broken "
          f"files sampled); caught: {caught}; detection probability of this sample for {len(victims):,} encrypted "
          f"files: {probability:.1%}; peak RSS {rss_mb():,.0f} MB", flush=True)
    for path in victims:  # the next tool starts from the clean share again
        path.unlink()
    print(f"target: a {newest.files:,}-file snapshot verified in {elapsed / len(report.snapshots):.1f} s (≤ 60)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--encrypted", type=float, default=0.01, help="share of files the attack encrypts")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--borg", action="store_true", help="borg too (restic always, when installed)")
    parser.add_argument("--keep", type=Path, help="generate the share here and keep it")
    parser.add_argument("--no-validate-all", action="store_true", help="skip validating every file on disk")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="mamori-bench-backup-"))
    try:
        paths = make_share(root, args.files, args.seed)
        if not args.no_validate_all:
            validate_all(paths)
        for tool in ("restic", "borg") if args.borg else ("restic",):
            if shutil.which(tool) is None:
                print(f"{tool}: not installed, skipped (apt install {tool if tool == 'restic' else 'borgbackup'})")
                continue
            bench_tool(tool, root, paths, args)
            paths = [p for p in paths if p.exists()]
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
