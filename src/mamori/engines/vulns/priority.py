"""How urgent one finding (asset × vulnerability) is, explained in words.

The order is a fixed ladder, not a weighted sum, so that a reader can tell why one finding is above
another: known exploitation first (CISA KEV, and within it known ransomware use), then SSVC
"active exploitation", then the likelihood of exploitation (EPSS), then the severity (CVSS, every
source kept, the highest used), then where the asset stands (internet exposure, VPN or
remote-maintenance role) and what it does to patients. A ransomware-known KEV on an internet-facing
VPN appliance — the way into 半田病院 and 大阪急性期 — is always at the top.

    p = assess(Signals(kev=True, kev_ransomware=True, internet_exposed=True, remote_access=True, cvss=(...)))
    p.level        # Level.CRITICAL
    p.reasons      # (Reason("kev_ransomware", ...), Reason("exposed_vpn", ...), ...), strongest first
    p.due(first_seen)  # the SLA date for the level

A hit that still needs confirming (要確認) keeps its place in the ladder but never rises above
`high`: the first thing to do with it is to confirm it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from mamori.engines.vulns.results import Reason

__all__ = [
    "CREDENTIAL_LEAK_CVES",
    "PRIORITY_REASON_TEXTS",
    "SLA_DAYS",
    "CvssInput",
    "Level",
    "Priority",
    "Signals",
    "assess",
]


class Level(StrEnum):
    """Priority levels, most urgent first (緊急 / 高 / 中 / 低)."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


_LEVEL_RANK = {Level.CRITICAL: 3, Level.HIGH: 2, Level.MEDIUM: 1, Level.LOW: 0}

# Days from first detection to the due date, per level. CISA gives federal agencies 2–3 weeks for a KEV;
# a hospital with one to three IT staff gets a week for the ones that stopped hospitals.
SLA_DAYS: dict[Level, int] = {Level.CRITICAL: 7, Level.HIGH: 30, Level.MEDIUM: 90, Level.LOW: 180}

# Vulnerabilities whose exploitation leaks credentials or session secrets: patching alone does not end
# the exposure, the passwords (or keys, sessions) must be changed too. CVE-2018-13379 is the case in point:
# the list of FortiGate VPN credentials read through it was published in 2020, and patched appliances
# whose passwords were never changed stayed open (the 大阪急性期 and 半田病院 reports).
CREDENTIAL_LEAK_CVES: dict[str, str] = {
    "CVE-2018-13379": "FortiOS SSL-VPN: the session file with user names and passwords in clear can be read",
    "CVE-2019-11510": "Pulse Connect Secure: arbitrary file read exposes cached credentials and session data",
    "CVE-2019-19781": "Citrix ADC/Gateway: remote code execution exposes the appliance's stored credentials",
    "CVE-2022-40684": "FortiOS: authentication bypass lets attackers add administrators and SSH keys",
    "CVE-2022-42475": "FortiOS SSL-VPN: remote code execution exposes the configuration and its credentials",
    "CVE-2023-4966": "Citrix Bleed: session tokens leak from memory and stay valid after the update",
    "CVE-2023-27997": "FortiOS SSL-VPN: remote code execution exposes the configuration and its credentials",
    "CVE-2024-21762": "FortiOS SSL-VPN: remote code execution exposes the configuration and its credentials",
}

PRIORITY_REASON_TEXTS: dict[str, str] = {
    "kev_ransomware": "CISA KEV since {date_added}: exploited in the wild and known to be used by ransomware",
    "kev": "CISA KEV since {date_added}: exploited in the wild",
    "exposed_vpn": "the asset is an internet-facing VPN or remote-maintenance appliance",
    "remote_access": "the asset is a VPN or remote-maintenance appliance",
    "internet_exposed": "the asset is reachable from the internet",
    "ssvc_active": "SSVC (CISA): exploitation active",
    "ssvc_active_automatable": "SSVC (CISA): exploitation active, and automatable",
    "ssvc_poc": "SSVC (CISA): a public proof of concept exists",
    "ssvc_poc_automatable": "SSVC (CISA): a public proof of concept exists, and exploitation is automatable",
    "epss_high": "EPSS {epss:.1%} (percentile {percentile}): likely to be exploited within 30 days",
    "epss": "EPSS {epss:.1%} (percentile {percentile})",
    "cvss_critical": "CVSS {score} ({source}, v{version}): critical",
    "cvss_high": "CVSS {score} ({source}, v{version}): high",
    "cvss": "CVSS {score} ({source}, v{version})",
    "cvss_unknown": "no CVSS score in the imported data",
    "patient_safety_indirect": "patient-safety impact: indirect",
    "patient_safety_direct": "patient-safety impact: direct",
    "patient_safety_life_sustaining": "patient-safety impact: a life-sustaining device",
    "to_confirm": "the match needs confirming (要確認) before it can be rated higher",
    "not_in_use": "the asset is recorded as not in use",
}


@dataclass(frozen=True, slots=True)
class CvssInput:
    """One CVSS score with its source (NVD, the CNA, JVN, a CSAF publisher)."""

    source: str
    version: str
    score: float


@dataclass(frozen=True, slots=True)
class Signals:
    """Everything the priority is decided from: the vulnerability's signals and the asset's situation."""

    kev: bool = False
    kev_ransomware: bool = False
    kev_date_added: dt.date | None = None
    ssvc_exploitation: str = ""  # none | poc | active
    ssvc_automatable: str = ""  # no | yes
    epss: float | None = None
    epss_percentile: float | None = None
    cvss: tuple[CvssInput, ...] = ()
    internet_exposed: bool = False
    remote_access: bool = False  # a VPN appliance, or the appliance of a remote-maintenance path
    patient_safety: str = "none"  # none | indirect | direct | life_sustaining
    confirmed: bool = True  # False for 要確認 (possible / name) hits
    in_use: bool | None = True


@dataclass(frozen=True, slots=True)
class Priority:
    """The level, a sort key (higher is more urgent; equal keys are equally urgent) and the reasons."""

    level: Level
    score: int
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    def due(self, first_seen: dt.date) -> dt.date:
        """The date by which the finding should be closed (SLA_DAYS after it was first seen)."""
        return first_seen + dt.timedelta(days=SLA_DAYS[self.level])

    @property
    def text(self) -> str:
        """The reasons as English sentences."""
        return "; ".join(PRIORITY_REASON_TEXTS[r.code].format(**dict(r.args)) for r in self.reasons)


_SAFETY_RANK = {"none": 0, "indirect": 1, "direct": 2, "life_sustaining": 3}
EPSS_HIGH = 0.1  # about the top 2% of CVEs by EPSS


def _best_cvss(scores: tuple[CvssInput, ...]) -> CvssInput | None:
    """The highest score, newest CVSS version first among equals (every score stays in the record)."""
    return max(scores, key=lambda s: (s.score, s.version), default=None)


def _exploitation(signals: Signals) -> tuple[int, list[Reason]]:
    """0–4: KEV with ransomware, KEV, SSVC active, SSVC proof of concept, nothing known."""
    automatable = "_automatable" if signals.ssvc_automatable == "yes" else ""
    ssvc = signals.ssvc_exploitation
    reasons = []
    rank = 0
    if signals.kev:
        date = signals.kev_date_added.isoformat() if signals.kev_date_added else "?"
        code = "kev_ransomware" if signals.kev_ransomware else "kev"
        reasons.append(Reason(code, (("date_added", date),)))
        rank = 4 if signals.kev_ransomware else 3
    if ssvc in ("active", "poc"):
        reasons.append(Reason(f"ssvc_{ssvc}{automatable}"))
        rank = max(rank, 2 if ssvc == "active" else 1)
    return rank, reasons


def _exposure(signals: Signals) -> tuple[int, list[Reason]]:
    """0–3: internet-facing VPN/remote appliance, internet exposed, VPN/remote appliance, inside."""
    if signals.internet_exposed and signals.remote_access:
        return 3, [Reason("exposed_vpn")]
    if signals.internet_exposed:
        return 2, [Reason("internet_exposed")]
    if signals.remote_access:
        return 1, [Reason("remote_access")]
    return 0, []


def _likelihood(signals: Signals) -> tuple[float, list[Reason]]:
    if signals.epss is None:
        return 0.0, []
    percentile = "?" if signals.epss_percentile is None else f"{signals.epss_percentile:.3f}"
    code = "epss_high" if signals.epss >= EPSS_HIGH else "epss"
    return signals.epss, [Reason(code, (("epss", signals.epss), ("percentile", percentile)))]


def _severity(signals: Signals) -> tuple[float, list[Reason]]:
    best = _best_cvss(signals.cvss)
    if best is None:
        return 0.0, [Reason("cvss_unknown")]
    code = "cvss_critical" if best.score >= 9.0 else "cvss_high" if best.score >= 7.0 else "cvss"
    return best.score, [Reason(code, (("score", best.score), ("source", best.source), ("version", best.version)))]


def _level(exploited: int, exposure: int, epss: float, cvss: float, safety: int) -> Level:
    if (exploited >= 3 and exposure >= 1) or (exploited >= 2 and exposure >= 2):
        return Level.CRITICAL
    if exploited >= 2 or (epss >= EPSS_HIGH and cvss >= 7.0) or (cvss >= 9.0 and exposure >= 2) \
            or (safety >= 2 and cvss >= 7.0):
        return Level.HIGH
    if cvss >= 7.0 or exploited or epss >= 0.01 or safety >= 2:
        return Level.MEDIUM
    return Level.LOW


def assess(signals: Signals) -> Priority:
    """The priority of one finding, with its reasons strongest first."""
    exploited, exploit_reasons = _exploitation(signals)
    exposure, exposure_reasons = _exposure(signals)
    epss, epss_reasons = _likelihood(signals)
    cvss, cvss_reasons = _severity(signals)
    safety = _SAFETY_RANK.get(signals.patient_safety, 0)
    level = _level(exploited, exposure, epss, cvss, safety)
    reasons = [*exploit_reasons, *exposure_reasons, *epss_reasons, *cvss_reasons]
    if safety:
        reasons.append(Reason(f"patient_safety_{signals.patient_safety}"))
    if not signals.confirmed:
        reasons.append(Reason("to_confirm"))
        if level is Level.CRITICAL:
            level = Level.HIGH
    if signals.in_use is False:
        reasons.append(Reason("not_in_use"))
    # The ladder as one integer: each rung outranks everything below it.
    score = _LEVEL_RANK[level]
    for value, width in ((exploited, 5), (exposure, 4), (int(epss * 100), 101), (int(cvss * 10), 101),
                         (safety, 4), (int(signals.confirmed), 2), (int(signals.in_use is not False), 2)):
        score = score * width + value
    return Priority(level, score, tuple(reasons))
