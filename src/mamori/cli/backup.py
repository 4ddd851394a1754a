"""Backup commands. With no database: `mamori backup verify` judges a restic or borg repository's snapshots (or a
folder of manifests), `mamori backup drill` restores a sample and compares it with production. With Mamori's
database: `mamori backup jobs` lists the registered jobs with their checks, `mamori backup run` verifies them
(for cron), storing the verdicts the web pages show."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["add_commands", "cmd_backup_drill", "cmd_backup_jobs", "cmd_backup_run", "cmd_backup_verify"]


def add_commands(sub: Any) -> None:
    """Register `backup` on the top-level subparsers."""
    backup = sub.add_parser("backup", help="backup assurance", description="backup assurance")
    backup.set_defaults(handler=lambda a: 2)
    backup_sub = backup.add_subparsers(dest="backup_command", required=True)
    p = backup_sub.add_parser(
        "verify", help="judge every snapshot Clean / Suspicious / Encrypted and name the last clean one",
        description="Exit status: 0 the newest snapshot is clean and the check passed; 1 a snapshot is suspected "
                    "or the check failed; 2 the repository could not be read.")
    p.set_defaults(handler=cmd_backup_verify)
    _repository_arguments(p, manifests=True)
    p.add_argument("--sample", type=int, default=None, help="files restored and checked per snapshot (300)")
    p.add_argument("--no-check", action="store_true", help="skip the repository's own integrity check")
    p.add_argument("--read-data", action="store_true", help="let the integrity check read all data (slow)")
    p.add_argument("--json", action="store_true")
    p = backup_sub.add_parser(
        "drill", help="restore a sample of a snapshot, time it and compare it with production",
        description="Exit status: 0 every comparable file came back byte for byte and matches its type; 1 a file "
                    "differs or is broken; 2 the repository could not be read.")
    p.set_defaults(handler=cmd_backup_drill)
    _repository_arguments(p)
    p.add_argument("--snapshot", help="snapshot id or name (default: the newest)")
    p.add_argument("--files", type=int, default=50, help="files to restore (50)")
    p.add_argument("--production-root", type=Path, default=Path("/"),
                   help="where the backed-up paths live now, to compare hashes with (default /)")
    p.add_argument("--json", action="store_true")
    p = backup_sub.add_parser("jobs", help="the registered backup jobs, their restore points and failed checks",
                              description="Exit status: 0 every job passes every check; 1 a check fails.")
    p.set_defaults(handler=cmd_backup_jobs)
    p.add_argument("--json", action="store_true")
    p.add_argument("--user", help="run as this user (their permissions apply)")
    p = backup_sub.add_parser(
        "run", help="verify the registered jobs Mamori can read (restic, borg, manifests) and store the verdicts",
        description="Exit status: 0 every newest snapshot is clean; 1 one is suspected or a repository could not "
                    "be read.")
    p.set_defaults(handler=cmd_backup_run)
    p.add_argument("--job", action="append", metavar="CODE", help="only this job (repeatable)")
    p.add_argument("--sample", type=int, default=None, help="files restored and checked per snapshot (300)")
    p.add_argument("--user", help="run as this user (their permissions apply)")


def _repository_arguments(p: argparse.ArgumentParser, *, manifests: bool = False) -> None:
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--restic", metavar="REPO", help="a restic repository (path or URL)")
    where.add_argument("--borg", metavar="REPO", help="a borg repository (path or ssh://…)")
    if manifests:
        where.add_argument("--manifests", metavar="DIR", type=Path,
                           help="a folder of manifests (path,size,mtime,sha256 CSV), one per snapshot: listings "
                                "only, no password")
        p.add_argument("--encoding", default="utf-8",
                       help="the manifests' encoding (utf-8; cp932 for a CSV saved by Japanese Excel)")
    secret = p.add_mutually_exclusive_group(required=not manifests)
    secret.add_argument("--password-file", type=Path, help="file holding the repository password")
    secret.add_argument("--password-env", metavar="VAR", help="environment variable holding the password")


def _open(args: argparse.Namespace) -> Any:
    if getattr(args, "manifests", None):
        from mamori.engines.backup.manifest import ManifestFolder

        return ManifestFolder(args.manifests, encoding=args.encoding)
    if args.password_file is None and args.password_env is None:
        raise ValueError("give --password-file or --password-env")
    if args.restic:
        from mamori.engines.backup.restic import ResticRepository

        return ResticRepository(args.restic, password_file=args.password_file, password_env=args.password_env)
    from mamori.engines.backup.borg import BorgRepository

    return BorgRepository(args.borg, password_file=args.password_file, password_env=args.password_env)


def cmd_backup_drill(args: argparse.Namespace) -> int:
    from mamori.engines.backup.drill import run_drill
    from mamori.engines.errors import InputError

    try:
        repo = _open(args)
        snapshots = repo.snapshots()
        wanted = [s for s in snapshots if args.snapshot in (None, s.id, s.short_id)]
        if not wanted:
            print(f"mamori: no snapshot {args.snapshot or ''} in the repository", file=sys.stderr)
            return 2
        with tempfile.TemporaryDirectory(prefix="mamori-drill-") as scratch:
            result = run_drill(repo, wanted[-1], Path(scratch), files=args.files,
                               production_root=args.production_root)
    except (InputError, ValueError) as exc:  # BackupToolError, ManifestError
        print(f"mamori: {exc}", file=sys.stderr)
        return 2
    body = {"snapshot": result.snapshot.id, "time": result.snapshot.time.isoformat(), "ok": result.ok,
            "restored": result.restored, "bytes": result.bytes, "seconds": round(result.seconds, 2),
            "matched": len(result.matched), "mismatched": result.mismatched, "changed_since": len(result.changed_since),
            "missing_in_production": len(result.missing_in_production),
            "broken": [{"path": c.path, "code": c.code, "detail": c.detail} for c in result.broken]}
    if args.json:
        print(json.dumps(body, ensure_ascii=False, indent=1))
    else:
        print(f"restored {result.restored} files ({result.bytes / 1e6:,.1f} MB) of {result.snapshot.short_id} in "
              f"{result.seconds:.1f} s ({result.bytes_per_second / 1e6:,.1f} MB/s)")
        print(f"hashes: {len(result.matched)} match production, {len(result.mismatched)} differ, "
              f"{len(result.changed_since)} changed since the snapshot, {len(result.missing_in_production)} gone")
        for path in result.mismatched:
            print(f"  DIFFERS: {path}")
        for check in result.broken:
            print(f"  BROKEN: {check.path}: {check.detail}")
    return 0 if result.ok else 1


def _report_json(report: Any) -> dict[str, Any]:
    last = report.last_clean
    return {
        "tool": report.tool, "ok": report.ok, "seconds": round(report.seconds, 1), "sample_size": report.sample_size,
        "detection_1_percent": round(report.detection(0.01), 4),
        "last_clean": {"id": last.id, "short_id": last.short_id, "time": last.time.isoformat()} if last else None,
        "check": {"ok": report.check.ok, "exit_code": report.check.exit_code, "messages": list(report.check.messages)}
        if report.check else None,
        "snapshots": [{
            "id": s.snapshot.id, "short_id": s.snapshot.short_id, "time": s.snapshot.time.isoformat(),
            "state": str(s.verdict.state), "files": s.files, "sampled": s.verdict.sampled,
            "added": len(s.diff.added), "modified": len(s.diff.modified), "removed": len(s.diff.removed),
            "reasons": [{"code": r.code, "state": str(r.state), "count": r.count, "examples": list(r.examples),
                         "text": r.text} for r in s.verdict.reasons],
        } for s in report.snapshots],
    }


def _print_report(report: Any) -> None:
    for s in report.snapshots:
        print(f"{s.snapshot.time:%Y-%m-%d %H:%M} {s.snapshot.short_id} {s.verdict.state.upper():10} "
              f"{s.files:,} files, {s.verdict.sampled} sampled")
        for reason in s.verdict.reasons:
            print(f"    - {reason.text}")
    if report.check is not None:
        print(f"integrity check: {'ok' if report.check.ok else 'FAILED'}")
        for message in report.check.messages[:20]:
            print(f"    {message}")
    last = report.last_clean
    print(f"last clean snapshot: {last.id} ({last.time:%Y-%m-%d %H:%M})" if last else "last clean snapshot: none")
    if report.sample_size:
        print(f"a sample of {report.sample_size} finds 1% of files encrypted with probability "
              f"{report.detection(0.01):.0%}")
    else:
        print("listings only: a manifest holds no contents to sample")


def cmd_backup_verify(args: argparse.Namespace) -> int:
    from mamori.engines.backup.verify import DEFAULT_SAMPLE, BackupRepository, verify_repository
    from mamori.engines.errors import InputError

    repo: BackupRepository
    try:
        repo = _open(args)
        with tempfile.TemporaryDirectory(prefix="mamori-verify-") as scratch:
            report = verify_repository(repo, Path(scratch), sample_size=args.sample or DEFAULT_SAMPLE,
                                       integrity=not args.no_check, read_data=args.read_data)
    except (InputError, ValueError) as exc:  # BackupToolError, ManifestError
        print(f"mamori: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=1))
    else:
        _print_report(report)
    return 0 if report.ok else 1


def _registered(args: argparse.Namespace, action: str) -> tuple[Any, Any]:
    from mamori.backups.models import BackupJob
    from mamori.cli.common import run_as, scoped

    user = run_as(args)
    return user, scoped(BackupJob, user, action).filter(active=True).select_related("facility", "system")


def cmd_backup_jobs(args: argparse.Namespace) -> int:
    from mamori.cli.common import setup_django

    setup_django()
    from mamori.backups.facts import job_status

    _user, jobs = _registered(args, "view")
    rows = []
    for job in jobs:
        status = job_status(job)
        run = status.run
        rows.append({"facility": job.facility.code, "code": job.code, "name": job.name, "tool": job.tool,
                     "newest_state": run.newest_state if run else None,
                     "last_clean": {"id": run.last_clean_id, "short_id": run.last_clean_short_id,
                                    "time": run.last_clean_time.isoformat()}
                     if run and run.last_clean_id and run.last_clean_time else None,
                     "checks": [{"code": c.code, "severity": str(c.severity), "text": c.text} for c in status.checks]})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
    else:
        for row in rows:
            last = row["last_clean"]
            print(f"{row['code']:12} {row['name']}  newest: {row['newest_state'] or 'not verified'}  "
                  f"last clean: {last['short_id'] + ' ' + last['time'] if last else 'none'}")
            for check in row["checks"]:
                print(f"    {check['severity'].upper():8} {check['text']}")
    return 1 if any(r["checks"] for r in rows) else 0


def cmd_backup_run(args: argparse.Namespace) -> int:
    from mamori.cli.common import setup_django

    setup_django()
    from mamori.audit.context import acting_as
    from mamori.backups.choices import READABLE_TOOLS, RunTrigger
    from mamori.backups.verification import verify_job
    from mamori.cli.common import actor_for, policy_allows
    from mamori.engines.backup.verify import DEFAULT_SAMPLE

    user, jobs = _registered(args, "view")
    if user is not None and not policy_allows(user, "backups.verificationrun", "add"):
        print(f"mamori: {user.username} may not verify backups", file=sys.stderr)
        return 2
    jobs = jobs.filter(tool__in=list(READABLE_TOOLS))
    if args.job:
        jobs = jobs.filter(code__in=args.job)
        missing = set(args.job) - set(jobs.values_list("code", flat=True))
        if missing:
            print(f"mamori: no readable active job {', '.join(sorted(missing))}", file=sys.stderr)
            return 2
    failed = False
    with acting_as(actor_for(user)):
        for job in jobs:
            run = verify_job(job, trigger=RunTrigger.CLI, sample_size=args.sample or DEFAULT_SAMPLE)
            if run.failed:
                failed = True
                print(f"{job.code}: could not be read ({run.error_code}): {run.error}", file=sys.stderr)
                continue
            failed = failed or run.newest_state != "clean" or run.integrity_ok is False
            print(f"{job.code}: {run.snapshots} snapshots, newest {run.newest_state}, last clean "
                  f"{run.last_clean_short_id or 'none'} ({run.seconds:.1f} s)")
    return 1 if failed else 0
