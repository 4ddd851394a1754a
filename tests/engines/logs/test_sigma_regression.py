"""SigmaHQ regression data: each rule under rules/windows must fire on its own .evtx at least `match_count` times.

Data (not committed) is read from `<repo>/../shared/data/sigma`; the tests skip with a reason when it is absent.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from mamori.engines.logs.evtx_reader import read_evtx
from mamori.engines.logs.sigma import compile_rules, match

SIGMA = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "sigma"
REG_ROOT = SIGMA / "regression_data"
REG_WINDOWS = REG_ROOT / "regression_data" / "rules" / "windows"
ALL_STATUSES = ("stable", "test", "experimental")
_ID = re.compile(r"^id:\s*['\"]?([0-9a-fA-F-]{36})", re.MULTILINE)

pytestmark = pytest.mark.skipif(not REG_WINDOWS.is_dir(), reason=f"SigmaHQ regression data not found at {REG_WINDOWS}")


@dataclass(frozen=True)
class Case:
    name: str
    rule_id: str
    title: str
    evtx: Path
    match_count: int


def _cases() -> list[Case]:
    if not REG_WINDOWS.is_dir():
        return []
    out: list[Case] = []
    for info in sorted(REG_WINDOWS.rglob("info.yml")):
        meta = yaml.safe_load(info.read_text(encoding="utf-8"))
        rule = meta["rule_metadata"][0]
        for test in meta.get("regression_tests_info") or []:
            if test.get("type", "evtx") != "evtx":
                continue
            out.append(Case(info.parent.name, str(rule["id"]), str(rule.get("title", "")), REG_ROOT / test["path"],
                            int(test.get("match_count") or 1)))
    return out


@functools.cache
def _rule_files() -> dict[str, Path]:
    """Rule id -> file, over every `rules*` folder of the SigmaHQ checkout."""
    found: dict[str, Path] = {}
    for folder in sorted(SIGMA.glob("rules*")):
        for f in folder.rglob("*.yml"):
            m = _ID.search(f.read_text(encoding="utf-8", errors="replace"))
            if m:
                found[m.group(1).lower()] = f
    return found


@dataclass(frozen=True)
class Outcome:
    status: str  # "pass" | "fail" | "skip"
    detail: str


def _run(case: Case) -> Outcome:
    path = _rule_files().get(case.rule_id.lower())
    if path is None:
        return Outcome("skip", f"rule {case.rule_id} not found under {SIGMA}/rules*")
    rs = compile_rules(path, statuses=ALL_STATUSES)
    if rs.errors:
        return Outcome("fail", f"parse error: {rs.errors}")
    if not rs.rules:
        reasons = "; ".join(s.reason for s in rs.skipped)
        return Outcome("skip", f"rule skipped as unsupported: {reasons}")
    events = read_evtx(case.evtx).events
    hits = [d for d in match(rs, events) if d.rule_id.lower() == case.rule_id.lower()]
    if not all(d.author for d in hits):
        return Outcome("fail", "a detection lacks the rule author")
    if len(hits) >= case.match_count:
        return Outcome("pass", f"{len(hits)} >= {case.match_count}")
    chans = sorted({(e.get("Channel"), e.get("EventID")) for e in events}, key=str)
    return Outcome("fail", f"{len(hits)} matches < {case.match_count} on {len(events)} events {chans}")


@functools.cache
def _outcomes() -> dict[str, Outcome]:
    return {f"{c.name}#{i}": _run(c) for i, c in enumerate(_cases())}


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rule_fires_on_its_regression_evtx(case: Case) -> None:
    outcome = _run(case)
    if outcome.status == "skip":
        pytest.skip(outcome.detail)
    assert outcome.status == "pass", f"{case.title} ({case.rule_id}): {outcome.detail}"


def test_regression_pass_rate(capsys: pytest.CaptureFixture[str]) -> None:
    outcomes = _outcomes()
    if not outcomes:
        pytest.skip("no regression cases")
    passed = sum(o.status == "pass" for o in outcomes.values())
    skipped = sum(o.status == "skip" for o in outcomes.values())
    total = len(outcomes)
    with capsys.disabled():
        print(f"\nSigma regression (rules/windows): {passed}/{total} pass, {skipped} skipped, "
              f"{total - passed - skipped} fail")
    assert passed / total >= 0.95
