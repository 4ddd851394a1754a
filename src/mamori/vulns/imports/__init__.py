"""Importing feed files into the catalogue: the one use case behind the page, the API, the CLI and the inbox.

Each file is read whole and stored in one transaction, or refused whole with the file and the place of
the first problem; nothing of a refused file is kept. Many small files of one kind in one folder (a CSAF
tree, a vulnrichment checkout) are stored together as one import. Each import records what was new and
what changed, and lands in the audit trail. Afterwards the ledger is matched again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from mamori.audit.context import current_actor
from mamori.audit.recording import record
from mamori.engines.errors import InputError, InputLocation
from mamori.engines.vulns.csaf import CsafAdvisory as ParsedAdvisory
from mamori.engines.vulns.cve5 import Cve5File
from mamori.engines.vulns.epss import EpssFile
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feeds import FeedContent, FeedKind, detect_feed, read_feed
from mamori.engines.vulns.feedworker import NvdReader
from mamori.engines.vulns.jvn import JvnFeed, parse_jvn_checksums, verify_jvn_checksum
from mamori.engines.vulns.kev import KevCatalog
from mamori.engines.vulns.nvd import NvdFeed
from mamori.vulns.choices import RunTrigger
from mamori.vulns.imports.advisories import store_csaf, store_jvn
from mamori.vulns.imports.nvd import store_nvd
from mamori.vulns.imports.result import StoreResult
from mamori.vulns.imports.sources import store_cve5, store_epss, store_kev
from mamori.vulns.models import FeedImport, MatchRun, Vulnerability

__all__ = ["MAX_UPLOAD_BYTES", "FeedImportError", "ImportOutcome", "import_paths", "import_upload"]

PREFETCH_BYTES = 20 * 1024 * 1024  # below this, starting a worker costs more than it saves
MAX_UPLOAD_BYTES = 300 * 1024 * 1024  # a compressed NVD year file is 10–20 MB; a plain one up to ~200 MB
_SIDECARS = (".sha512", ".sha256", ".asc", ".meta", ".md", ".txt")
_GROUPED: tuple[FeedKind, ...] = ("csaf", "cve5")


class FeedImportError(Exception):
    """Files that were refused; `errors` pairs each file with its engine error (nothing of them was stored)."""

    def __init__(self, errors: list[tuple[str, InputError]]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for _, e in errors))


@dataclass
class ImportOutcome:
    imports: list[FeedImport] = field(default_factory=list)
    rejected: list[tuple[str, InputError]] = field(default_factory=list)
    run: MatchRun | None = None


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                              and not p.name.endswith(_SIDECARS))
        else:
            yield path


def _digest(path: Path) -> tuple[str, int]:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest(), path.stat().st_size


def _check_jvn(path: Path) -> None:
    """Verify a JVN feed against the checksum.txt beside it, when there is one."""
    listing = path.parent / "checksum.txt"
    if listing.is_file():
        verify_jvn_checksum(path, parse_jvn_checksums(listing.read_bytes(), listing.name))


def _store(kind: FeedKind, contents: list[tuple[Path, FeedContent]], now: dt.datetime) -> tuple[StoreResult, Any]:
    """Write parsed contents of one kind; returns the result and the feed's own timestamp, if it has one."""
    first = contents[0][1]
    if kind == "nvd":
        feed = cast(NvdFeed, first)
        return store_nvd(feed.records, now), feed.timestamp
    if kind == "kev":
        catalog = cast(KevCatalog, first)
        return store_kev(catalog, now), catalog.date_released
    if kind == "epss":
        scores = cast(EpssFile, first)
        when = dt.datetime.combine(scores.score_date, dt.time(), dt.UTC) if scores.score_date else None
        return store_epss(scores, now), when
    if kind == "jvn":
        jvn = cast(JvnFeed, first)
        return store_jvn(jvn.entries, len(jvn.dropped), now), None
    if kind == "cve5":
        records = [r for _, c in contents for r in cast(Cve5File, c).records]
        return store_cve5(records, now), None
    total = StoreResult()
    for path, content in contents:
        part = store_csaf(cast(ParsedAdvisory, content), path.name, _digest(path)[0], now)
        for name in ("records", "new", "changed", "unchanged", "stale", "dropped"):
            setattr(total, name, getattr(total, name) + getattr(part, name))
        total.new_ids += part.new_ids
        total.changed_ids += part.changed_ids
    return total, None


def _touch_changed(kind: FeedKind, contents: list[tuple[Path, FeedContent]], result: StoreResult,
                   now: dt.datetime) -> None:
    """A changed JVN entry or CSAF release changes what its CVEs match: mark them, for the weekly report."""
    if kind not in ("jvn", "csaf") or not (result.new or result.changed):
        return
    if kind == "jvn":
        cves = {c for _, jvn in contents for e in cast(JvnFeed, jvn).entries for c in e.cve_ids}
    else:
        cves = {v.cve_id for _, a in contents for v in cast(ParsedAdvisory, a).vulnerabilities if v.cve_id}
    ids = sorted(cves)
    for start in range(0, len(ids), 900):
        Vulnerability.objects.filter(cve_id__in=ids[start:start + 900], first_seen__lt=now).update(changed_at=now)


@transaction.atomic
def _import_group(kind: FeedKind, contents: list[tuple[Path, FeedContent]]) -> FeedImport:
    started = time.perf_counter()
    now = timezone.now()
    result, stamp = _store(kind, contents, now)
    _touch_changed(kind, contents, result, now)
    first = contents[0][0]
    if len(contents) == 1:
        sha, size = _digest(first)
        name = first.name
    else:
        digest = hashlib.sha256()
        size = 0
        for path, _ in contents:
            sha_one, size_one = _digest(path)
            digest.update(sha_one.encode())
            size += size_one
        sha, name = digest.hexdigest(), f"{first.parent.name}/ ({len(contents)} files)"
    entry = FeedImport.objects.create(
        kind=kind, filename=name[:255], sha256=sha, size=size, feed_timestamp=stamp,
        imported_by=current_actor().username[:150], records=result.records, new=result.new, changed=result.changed,
        unchanged=result.unchanged, stale=result.stale, dropped=result.dropped,
        duration=round(time.perf_counter() - started, 3), details=result.details())
    record("feed_import", instance=entry, changes={"kind": kind, "sha256": sha, "records": result.records,
                                                   "new": result.new, "changed": result.changed})
    return entry


def _read(path: Path) -> tuple[FeedKind, FeedContent]:
    kind = detect_feed(path)
    if kind == "jvn":
        _check_jvn(path)
    return read_feed(path, kind)


def _prefetched(files: list[Path]) -> Iterator[tuple[Path, NvdReader | None]]:
    """Each file with a worker's reading of it when that is worth it: several large files (NVD year files) are
    decoded one ahead in another process while the current one is stored."""
    if len(files) < 2 or sum(p.stat().st_size for p in files) < PREFETCH_BYTES or not settings.MAMORI_IMPORT_WORKER:
        yield from ((p, None) for p in files)
        return
    with tempfile.TemporaryDirectory(prefix="mamori-feed-") as scratch:
        ahead = NvdReader(files[0], Path(scratch))
        try:
            for number, path in enumerate(files):
                current = ahead
                if number + 1 < len(files):
                    ahead = NvdReader(files[number + 1], Path(scratch))
                yield path, current
        finally:
            ahead.cancel()


def _read_ahead(path: Path, ahead: NvdReader | None) -> tuple[FeedKind, FeedContent]:
    feed = ahead.result() if ahead is not None else None
    if feed is not None:
        return "nvd", feed
    return _read(path)  # not NVD, or not readable: read here, so that a problem is reported with its place


def import_paths(paths: Iterable[Path], *, match: bool = True, trigger: str = RunTrigger.IMPORT) -> ImportOutcome:
    """Import files and folders; refused files are in `rejected` (nothing of them stored), the rest is kept."""
    outcome = ImportOutcome()
    grouped: dict[tuple[FeedKind, Path], list[tuple[Path, FeedContent]]] = defaultdict(list)
    for path, ahead in _prefetched(list(_files(paths))):
        try:
            kind, content = _read_ahead(path, ahead)
        except FeedError as exc:
            outcome.rejected.append((str(path), exc))
            continue
        if kind in _GROUPED:
            grouped[(kind, path.parent)].append((path, content))
        else:
            outcome.imports.append(_import_group(kind, [(path, content)]))
            del content
    for (kind, _folder), contents in grouped.items():
        outcome.imports.append(_import_group(kind, contents))
    if match and outcome.imports:
        from mamori.vulns.matching import run_match

        outcome.run = run_match(trigger, current_actor().username)
    return outcome


def import_upload(data: bytes, filename: str, *, match: bool = True) -> ImportOutcome:
    """An uploaded file, imported as a file of that name (the page and the API); FeedImportError if refused."""
    name = Path(filename or "feed").name
    if len(data) > MAX_UPLOAD_BYTES:
        error = FeedError(f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", InputLocation(name),
                          code="too_large", params={"limit": MAX_UPLOAD_BYTES // (1024 * 1024)})
        raise FeedImportError([(name, error)])
    folder = Path(settings.DATA_DIR) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as staging:
        path = Path(staging) / name
        path.write_bytes(data)
        outcome = import_paths([path], match=match, trigger=RunTrigger.IMPORT)
    if outcome.rejected:
        raise FeedImportError([(name, error) for _, error in outcome.rejected])
    return outcome
