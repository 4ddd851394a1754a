"""FIRST's daily EPSS scores (`epss_scores-YYYY-MM-DD.csv.gz`) to plain scores, in all three header variants.

    scores = read_epss_file("epss_scores-2025-08-25.csv.gz")   # ~300,000 rows in about 0.3 s
    scores.score_date, scores.model_version                     # 2025-08-25, "v2025.03.14"

The variants (vulnerability-intel.md §2.4): `cve,epss` (2021-04-14), `cve,epss,percentile`
(2021-09-01), and since 2022-02-04 a `#model_version:…,score_date:…` line before that header. The
score date comes from that line, else from a file name `epss_scores-YYYY-MM-DD.csv(.gz)`, else None.

All or nothing: a CVE id not matching `CVE-YYYY-NNNN`, a value that is not a number from 0 to 1, a
line with the wrong number of fields or a CVE listed twice raises FeedError naming the line.

Rows are split in plain Python, not with Polars. On a 300,000-row csv.gz (benchmarks/bench_epss.py)
Polars is faster once loaded (0.16 s against 0.25 s), but a fresh process reading one daily file (a
CLI run, a scheduled task) is no faster with it (0.35 s against 0.32 s: importing Polars alone takes
0.23 s), and its errors name a byte offset, not the line; here every bad row is reported with its line.
"""

from __future__ import annotations

import re
from datetime import date
from itertools import islice
from pathlib import Path

import msgspec

from mamori.engines.errors import InputLocation
from mamori.engines.vulns.errors import FeedError
from mamori.engines.vulns.feedfiles import read_feed_bytes
from mamori.engines.vulns.feedproblems import CVE_ID, FeedProblems, decode_utf8

__all__ = ["EpssFile", "EpssScore", "looks_like_epss", "parse_epss", "read_epss_file"]

_HEADERS = {"cve,epss": False, "cve,epss,percentile": True}
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})")
_FILE_DATE = re.compile(r"epss_scores-([0-9]{4}-[0-9]{2}-[0-9]{2})\.csv(?:\.gz)?")
# Every id at once, in C, possessive so that it never backtracks: a tenth of the time of a fullmatch per row.
_IDS = re.compile(r"(?:CVE-[0-9]{4}-[0-9]{4,19}+\n)*+")


class EpssScore(msgspec.Struct, frozen=True, gc=False):
    """One CVE's probability of exploitation in the next 30 days, and its percentile (None before 2021-09)."""

    cve_id: str
    epss: float
    percentile: float | None


class EpssFile(msgspec.Struct, frozen=True):
    """One day's scores; model_version only in files from 2022-02-04 on."""

    filename: str
    model_version: str | None
    score_date: date | None
    scores: tuple[EpssScore, ...]


def _comment(line: str, filename: str) -> tuple[str | None, date | None]:
    """(model_version, score_date) from `#model_version:v2022.01.01,score_date:2022-02-04T00:00:00+0000`."""
    values: dict[str, str] = {}
    for part in line.lstrip("#").strip().split(","):
        key, _, value = part.partition(":")
        values[key.strip()] = value
    model = values.get("model_version", "").strip() or None
    stamp = values.get("score_date", "").strip()
    if not stamp:
        return model, None
    found = _DATE.match(stamp)
    try:
        if found:
            return model, date.fromisoformat(found.group(1))
    except ValueError:
        pass
    raise FeedError(f"not a date: {stamp!r}", InputLocation(filename, 1, "score_date"), code="feed_bad_date",
                    params={"value": stamp})


def _date_in_name(filename: str) -> date | None:
    found = _FILE_DATE.search(filename)
    if found is None:
        return None
    try:
        return date.fromisoformat(found.group(1))
    except ValueError:
        return None


def _fast(lines: list[str], first: int, has_percentile: bool) -> list[EpssScore] | None:
    """The scores if every row is good, else None (then `_checked` finds what is wrong, line by line)."""
    scores: list[EpssScore] = []
    append, number, score = scores.append, float, EpssScore  # local names: a tenth faster over 300,000 rows
    try:
        if has_percentile:
            for line in islice(lines, first, None):
                cve_id, epss, percentile = line.split(",")
                value, rank = number(epss), number(percentile)
                if not (0.0 <= value <= 1.0 and 0.0 <= rank <= 1.0):  # NaN fails too
                    return None
                append(score(cve_id, value, rank))
        else:
            for line in islice(lines, first, None):
                cve_id, epss = line.split(",")
                value = number(epss)
                if not 0.0 <= value <= 1.0:
                    return None
                append(score(cve_id, value, None))
    except ValueError:
        return None
    ids = [s.cve_id for s in scores]
    joined = "\n".join(ids) + "\n" if ids else ""
    matched = _IDS.match(joined)
    if matched is None or matched.end() != len(joined) or len(set(ids)) != len(ids):
        return None
    return scores


def _number(text: str, name: str, line: int, problems: FeedProblems) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.add(f"{name} is not a number: {text!r}", code="feed_bad_value", line=line, field=name,
                     params={"value": text})
        return None
    if not 0.0 <= value <= 1.0:
        problems.add(f"{name} must be between 0 and 1, not {text.strip()}", code="feed_out_of_range", line=line,
                     field=name, params={"value": text})
        return None
    return value


def _checked(lines: list[str], first: int, has_percentile: bool, filename: str) -> list[EpssScore]:
    """Every row checked on its own, so each problem is reported with its line."""
    problems = FeedProblems(filename)
    width = 3 if has_percentile else 2
    seen: dict[str, int] = {}
    scores: list[EpssScore] = []
    for number, line in enumerate(islice(lines, first, None), first + 1):
        fields = line.rstrip("\r").split(",")
        if len(fields) != width:
            problems.add(f"expected {width} fields, found {len(fields)}: {line[:80]!r}", code="feed_bad_row",
                         line=number)
            continue
        cve_id = fields[0]
        if not CVE_ID.fullmatch(cve_id):
            problems.add(f"not a CVE id (CVE-YYYY-NNNN): {cve_id!r}", code="feed_bad_cve_id", line=number,
                         field="cve", params={"value": cve_id})
        elif cve_id in seen:
            problems.add(f"{cve_id} is listed twice (first at line {seen[cve_id]})", code="feed_duplicate_id",
                         line=number, field="cve", params={"value": cve_id, "first_line": seen[cve_id]})
        else:
            seen[cve_id] = number
        value = _number(fields[1], "epss", number, problems)
        rank = _number(fields[2], "percentile", number, problems) if has_percentile else None
        if value is not None:
            scores.append(EpssScore(cve_id, value, rank))
    problems.raise_if_any()
    return scores


def parse_epss(data: bytes | bytearray, filename: str) -> EpssFile:
    """Decode one EPSS CSV (already decompressed), any header variant, all or nothing."""
    lines = decode_utf8(data, filename).split("\n")
    while lines and not lines[-1].strip():  # the final newline (and any blank lines after the last row)
        lines.pop()
    model_version, score_date = None, None
    first = 0
    if lines and lines[0].startswith("#"):
        model_version, score_date = _comment(lines[0], filename)
        first = 1
    header = lines[first].strip() if first < len(lines) else ""
    has_percentile = _HEADERS.get(header)
    if has_percentile is None:
        raise FeedError(f"not an EPSS file: expected the header 'cve,epss' or 'cve,epss,percentile', found "
                        f"{header[:80]!r}", InputLocation(filename, first + 1), code="feed_not_epss")
    scores = _fast(lines, first + 1, has_percentile)
    if scores is None:
        scores = _checked(lines, first + 1, has_percentile, filename)
    return EpssFile(filename, model_version, score_date or _date_in_name(filename), tuple(scores))


def read_epss_file(path: str | Path) -> EpssFile:
    """Read and decode one EPSS file (.csv or .csv.gz), all or nothing."""
    path = Path(path)
    return parse_epss(read_feed_bytes(path), path.name)


def looks_like_epss(head: bytes) -> bool:
    """Whether the first bytes of a (decompressed) file look like EPSS scores, in any header variant."""
    lines = bytes(head[:4096]).removeprefix(b"\xef\xbb\xbf").split(b"\n", 2)
    if lines[0].startswith(b"#model_version"):
        return True
    if lines[0].startswith(b"#"):
        lines = lines[1:]
    return bool(lines) and lines[0].strip().decode("ascii", "replace") in _HEADERS
