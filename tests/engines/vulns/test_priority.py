"""Priority: the ladder (KEV → SSVC → EPSS → CVSS → exposure → patient safety) and its reasons."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

from mamori.engines.vulns.priority import CREDENTIAL_LEAK_CVES, SLA_DAYS, CvssInput, Level, Signals, assess

NVD_98 = (CvssInput("nvd@nist.gov", "3.1", 9.8),)
KEV_DATE = dt.date(2021, 11, 3)


def fortigate_13379() -> Signals:
    """CVE-2018-13379 on the 半田病院 FortiGate: KEV (ransomware Known), SSVC active, internet-facing VPN."""
    return Signals(kev=True, kev_ransomware=True, kev_date_added=KEV_DATE, ssvc_exploitation="active",
                   ssvc_automatable="yes", epss=0.97, epss_percentile=0.999, cvss=NVD_98, internet_exposed=True,
                   remote_access=True, patient_safety="indirect")


def test_ransomware_kev_on_internet_facing_vpn_is_critical_with_reasons_strongest_first() -> None:
    p = assess(fortigate_13379())
    assert p.level is Level.CRITICAL
    codes = [r.code for r in p.reasons]
    assert codes == ["kev_ransomware", "ssvc_active_automatable", "exposed_vpn", "epss_high", "cvss_critical",
                     "patient_safety_indirect"]
    assert "CISA KEV since 2021-11-03" in p.text and "ransomware" in p.text
    assert "CVSS 9.8 (nvd@nist.gov, v3.1)" in p.text


def test_ransomware_kev_on_exposed_vpn_outranks_every_other_combination() -> None:
    top = assess(fortigate_13379()).score
    flags = itertools.product((False, True), repeat=4)
    for kev, ransomware, exposed, remote in flags:
        for ssvc, epss, score, safety in itertools.product(("", "poc", "active"), (None, 0.0, 0.5, 1.0),
                                                           (0.0, 5.0, 10.0), ("none", "life_sustaining")):
            other = Signals(kev=kev, kev_ransomware=kev and ransomware, ssvc_exploitation=ssvc, epss=epss,
                            cvss=(CvssInput("x", "3.1", score),), internet_exposed=exposed, remote_access=remote,
                            patient_safety=safety)
            if kev and ransomware and exposed and remote:
                continue
            assert assess(other).score < top, other


def test_kev_without_exposure_is_high_and_above_a_critical_cvss_without_exploitation() -> None:
    kev_inside = assess(Signals(kev=True, kev_date_added=KEV_DATE, cvss=(CvssInput("nvd", "3.1", 6.1),)))
    severe_inside = assess(Signals(cvss=(CvssInput("nvd", "3.1", 10.0),), epss=0.02))
    assert kev_inside.level is Level.HIGH
    assert severe_inside.level is Level.MEDIUM
    assert kev_inside.score > severe_inside.score


def test_ssvc_active_on_an_exposed_asset_is_critical() -> None:
    p = assess(Signals(ssvc_exploitation="active", ssvc_automatable="yes", internet_exposed=True, cvss=NVD_98))
    assert p.level is Level.CRITICAL
    assert "SSVC (CISA): exploitation active, and automatable" in p.text


def test_epss_orders_within_the_same_rung() -> None:
    low = assess(Signals(epss=0.02, cvss=(CvssInput("nvd", "3.1", 7.5),)))
    high = assess(Signals(epss=0.30, cvss=(CvssInput("nvd", "3.1", 7.5),)))
    assert (low.level, high.level) == (Level.MEDIUM, Level.HIGH)
    assert high.score > low.score
    assert "EPSS 30.0%" in high.text


def test_highest_cvss_of_all_sources_is_used_and_named() -> None:
    scores = (CvssInput("nvd@nist.gov", "3.1", 5.4), CvssInput("Baxter", "3.1", 5.5), CvssInput("CISA", "3.0", 7.5))
    p = assess(Signals(cvss=scores))
    assert "CVSS 7.5 (CISA, v3.0): high" in p.text
    assert p.level is Level.MEDIUM


def test_no_score_is_said_not_assumed() -> None:
    p = assess(Signals())
    assert p.level is Level.LOW
    assert "no CVSS score" in p.text


def test_patient_safety_raises_a_high_cvss_on_a_medical_device() -> None:
    pump = assess(Signals(cvss=(CvssInput("nvd", "3.1", 7.5),), patient_safety="life_sustaining"))
    pc = assess(Signals(cvss=(CvssInput("nvd", "3.1", 7.5),)))
    assert (pump.level, pc.level) == (Level.HIGH, Level.MEDIUM)
    assert "patient-safety impact: a life-sustaining device" in pump.text


def test_a_hit_to_confirm_is_never_critical_but_stays_near_the_top() -> None:
    confirmed = assess(fortigate_13379())
    possible = assess(dataclasses.replace(fortigate_13379(), confirmed=False))
    assert possible.level is Level.HIGH
    assert possible.reasons[-1].code == "to_confirm"
    assert confirmed.score > possible.score
    assert possible.score > assess(Signals(kev=True, cvss=NVD_98)).score


def test_due_date_follows_the_level() -> None:
    first_seen = dt.date(2026, 11, 30)
    assert assess(fortigate_13379()).due(first_seen) == first_seen + dt.timedelta(days=SLA_DAYS[Level.CRITICAL])
    assert assess(Signals()).due(first_seen) == dt.date(2027, 5, 29)


def test_credential_leak_table_names_the_fortios_case() -> None:
    assert "CVE-2018-13379" in CREDENTIAL_LEAK_CVES
    assert "password" in CREDENTIAL_LEAK_CVES["CVE-2018-13379"]
