"""What an nmap run covered, rebuilt from its command line and the hosts it reported."""

from __future__ import annotations

import pytest

from mamori.engines.discovery import ScanScope, parse_target, targets_from_args


def test_targets_skip_options_and_their_values() -> None:
    parsed = targets_from_args(
        "nmap -sV -p 22,80 -S 10.9.9.9 --dns-servers 10.0.0.53 -oX out.xml -T4 --max-retries 2 "
        "10.20.30.0/24 10.40.0.1-50 ct-console.hosp.local"
    )
    assert parsed.targets == ("10.20.30.0/24", "10.40.0.1-50", "ct-console.hosp.local")
    assert parsed.excluded == ()
    assert parsed.input_list is False


def test_exclusions_in_both_spellings_and_input_lists_are_recognised() -> None:
    parsed = targets_from_args("nmap --exclude 10.0.0.5,10.0.0.6 --exclude=10.0.0.128/25 -iL hosts.txt 10.0.0.0/24")
    assert parsed.targets == ("10.0.0.0/24",)
    assert parsed.excluded == ("10.0.0.5", "10.0.0.6", "10.0.0.128/25")
    assert parsed.input_list is True


def test_unbalanced_quotes_in_args_do_not_break_parsing() -> None:
    assert targets_from_args("nmap --script-args 'x=1 10.0.0.1").targets != ()


@pytest.mark.parametrize(("target", "inside", "outside"), [
    ("10.0.0.0/24", "10.0.0.255", "10.0.1.0"),
    ("10.0.0.77/24", "10.0.0.1", "10.0.1.1"),  # nmap allows host bits
    ("10.0.0.1-50", "10.0.0.50", "10.0.0.51"),
    ("10.0.1-3.*", "10.0.3.200", "10.0.4.1"),
    ("10.0.0.1,5,9", "10.0.0.5", "10.0.0.6"),
    ("10.0.0.-10", "10.0.0.0", "10.0.0.11"),
    ("10.0.0.250-", "10.0.0.255", "10.0.0.249"),
    ("fd00::/120", "fd00::ff", "fd00::100"),
])
def test_target_specifications(target: str, inside: str, outside: str) -> None:
    spec = parse_target(target)
    assert spec is not None
    scope = ScanScope.build([target], [], [])
    assert scope.contains(inside) and not scope.contains(outside)


@pytest.mark.parametrize("target", ["ct-console.hosp.local", "10.0.0.300-400", "10.0.0", "10.0.0.1-2-3"])
def test_host_names_and_nonsense_name_no_range(target: str) -> None:
    assert parse_target(target) is None


def test_exclusions_are_removed_but_reported_hosts_always_count() -> None:
    scope = ScanScope.build(["10.0.0.0/24", "pc.hosp.local"], ["10.0.0.5", "10.0.0.128/25"], ["10.0.0.200"])
    assert not scope.contains("10.0.0.5")
    assert not scope.contains("10.0.0.129")
    assert scope.contains("10.0.0.200")  # excluded on paper but present in the XML, so scanned
    assert scope.contains("10.0.0.6")
    assert scope.unplaced_targets == ("pc.hosp.local",)
    assert scope.describe() == ("10.0.0.0/24",)


def test_ipv4_range_does_not_contain_ipv6_addresses() -> None:
    assert not ScanScope.build(["10.0.0.*"], [], []).contains("::ffff:10.0.0.1")
