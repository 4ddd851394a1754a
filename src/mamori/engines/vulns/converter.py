"""Shared by the feed decoders: turning decoded values into record parts, collecting every problem with
its place (file and JSON path) so that a bad file is refused whole with all that is wrong in it."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from mamori.engines.errors import InputError, InputLocation
from mamori.engines.vulns.cpe import Cpe, parse_cpe
from mamori.engines.vulns.errors import CpeError, FeedError
from mamori.engines.vulns.nvd_schema import LangString
from mamori.engines.vulns.records import CpeMatch
from mamori.engines.vulns.versions import VersionRange

__all__ = ["RecordConverter", "english"]

_CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}")


def english(descriptions: Sequence[LangString]) -> str:
    """The English text of a list of {lang, value} (the first one), or ""."""
    return next((d.value for d in descriptions if d.lang == "en"), "")


class RecordConverter:
    """Turns decoded feed objects into records, collecting problems with their JSON path.

    Shared with the 1.1 converter. CPE criteria are parsed once per distinct string in a file.
    """

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[InputError] = []
        self._cpes: dict[str, Cpe] = {}
        self._ranges: dict[tuple[str | None, str | None, str | None, str | None], VersionRange] = {}

    def problem(self, where: str, reason: str, code: str, value: str) -> None:
        """Note a problem at `where` (a JSON path)."""
        self.problems.append(FeedError(reason, InputLocation(self.filename, None, where), code=code,
                                       params={"value": value}))

    def cpe(self, criteria: str, where: str) -> Cpe | None:
        found = self._cpes.get(criteria)
        if found is None:
            try:
                found = parse_cpe(criteria, InputLocation(self.filename, None, where))
            except CpeError as exc:
                self.problems.append(exc)
                return None
            self._cpes[criteria] = found
        return found

    def time(self, value: str, where: str) -> datetime:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.problem(where, f"not a date and time: {value!r}", "feed_bad_date", value)
            return datetime.min.replace(tzinfo=UTC)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def cve_id(self, value: str, where: str) -> str:
        if not _CVE_ID.fullmatch(value):
            self.problem(where, f"not a CVE id: {value!r}", "feed_bad_cve_id", value)
        return value

    def operator(self, value: str, where: str) -> Literal["AND", "OR"]:
        upper = value.upper()
        if upper == "AND":
            return "AND"
        if upper != "OR":
            self.problem(where, f"operator must be AND or OR, not {value!r}", "feed_bad_operator", value)
        return "OR"

    def match(self, criteria: str, vulnerable: bool, bounds: tuple[str | None, str | None, str | None, str | None],
              match_id: str, where: str) -> CpeMatch | None:
        cpe = self.cpe(criteria, where)
        if cpe is None:
            return None
        version_range = None
        if any(b is not None for b in bounds):
            version_range = self._ranges.get(bounds)
            if version_range is None:
                # Some NVD bounds keep the CPE escape of a colon ("12.1x46\\:d72"); a bound is plain text.
                version_range = self._ranges[bounds] = VersionRange(
                    *(sys.intern(b.replace("\\", "")) if b else None for b in bounds))
        # NVD gives the same id to the same criteria and bounds in every record: keep one copy.
        return CpeMatch(cpe, vulnerable, version_range, sys.intern(match_id))
