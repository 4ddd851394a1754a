"""Sender lists and the longest-prefix routing of a syslog sender's address to its log source."""

from __future__ import annotations

import ipaddress
import pickle

import pytest

from mamori.engines.logs import routing
from mamori.engines.logs.routing import InvalidSender, SenderRoutes, parse_senders

net = ipaddress.ip_network


# -- parse_senders ------------------------------------------------------------------------------------------------

def test_addresses_become_host_networks_and_networks_are_kept() -> None:
    assert parse_senders("10.0.0.1\n192.168.10.0/24\n2001:db8::7\n2001:db8:1::/48") == [
        net("10.0.0.1/32"), net("192.168.10.0/24"), net("2001:db8::7/128"), net("2001:db8:1::/48")]


def test_entries_may_be_separated_by_commas_spaces_and_tabs_and_comments_are_ignored() -> None:
    text = """# the data centre
    10.0.0.1, 10.0.0.2  10.0.0.3\t10.0.1.0/28   # core switches, 10.9.9.9 is not read
    ,,
    fd00::1 # a comment right after an entry
    #10.0.0.99
    """
    assert parse_senders(text) == [net("10.0.0.1/32"), net("10.0.0.2/32"), net("10.0.0.3/32"), net("10.0.1.0/28"),
                                   net("fd00::1/128")]


def test_an_entry_given_twice_is_listed_once_and_empty_text_is_no_sender() -> None:
    assert parse_senders("10.0.0.1 10.0.0.1/32, 10.0.0.1") == [net("10.0.0.1/32")]
    assert parse_senders("") == []
    assert parse_senders("  \n # only a comment\n") == []


@pytest.mark.parametrize("text, entry", [
    ("10.0.0.1\n10.0.0.300\n10.0.0.2", "10.0.0.300"),
    ("fortigate.hospital.local", "fortigate.hospital.local"),
    ("10.0.0.0/33", "10.0.0.0/33"),
    ("10.0.0.1,2001:db8::g", "2001:db8::g"),
])
def test_a_bad_entry_is_named(text: str, entry: str) -> None:
    with pytest.raises(InvalidSender) as raised:
        parse_senders(text)
    assert raised.value.entry == entry
    assert str(raised.value) == f"'{entry}' is not an IP address or network"
    assert isinstance(raised.value, ValueError)


def test_a_network_with_host_bits_set_is_refused_with_the_network_it_may_mean() -> None:
    with pytest.raises(InvalidSender, match=r"'10\.0\.0\.1/24' has host bits set \(did you mean 10\.0\.0\.0/24\?\)"
                       ) as raised:
        parse_senders("10.0.0.0/24\n10.0.0.1/24")
    assert raised.value.entry == "10.0.0.1/24"


def test_the_error_survives_pickling_with_its_entry() -> None:
    error = pickle.loads(pickle.dumps(InvalidSender("10.0.0.300")))  # noqa: S301 - our own bytes
    assert (error.entry, str(error)) == ("10.0.0.300", "'10.0.0.300' is not an IP address or network")


# -- SenderRoutes -------------------------------------------------------------------------------------------------

def hospital(default: str | None = "misc") -> SenderRoutes:
    return SenderRoutes({
        "fortigate": ["10.0.0.1"],  # inside the server segment: its own source all the same
        "servers": ["10.0.0.0/24", net("10.0.8.0/22")],
        "switches": "10.1.0.0/16  # every floor\n10.1.99.0/24",
        "ipv6": ["2001:db8::/32", "2001:db8:5::9"],
        "ipv6-host": ["2001:db8:5::/48"],
    }, default=default)


@pytest.mark.parametrize("peer, key", [
    ("10.0.0.1", "fortigate"),
    ("10.0.0.2", "servers"),
    ("10.0.0.255", "servers"),
    ("10.0.9.200", "servers"),
    ("10.0.12.1", "misc"),
    ("10.1.99.5", "switches"),
    ("10.2.0.1", "misc"),
    ("2001:db8:5::9", "ipv6"),  # the /128 beats the /48
    ("2001:db8:5::8", "ipv6-host"),
    ("2001:db8:6::1", "ipv6"),
    ("2001:db9::1", "misc"),
])
def test_the_longest_prefix_wins(peer: str, key: str) -> None:
    routes = hospital()
    assert routes(peer) == key
    assert routes.route(peer) == key  # uncached, the same answer


def test_ipv4_mapped_ipv6_peers_match_the_ipv4_networks() -> None:
    routes = hospital()
    assert routes("::ffff:10.0.0.1") == "fortigate"
    assert routes("::ffff:10.0.0.7") == "servers"
    assert routes("::FFFF:10.1.2.3") == "switches"
    assert routes("::ffff:10.9.9.9") == "misc"
    mapped = SenderRoutes({"v6": ["::ffff:10.9.9.0/120"]})
    assert mapped("::ffff:10.9.9.9") == "v6"  # a mapped network written as IPv6 still matches


@pytest.mark.parametrize("peer", ["", "not-an-ip", "10.0.0.300", "10.0.0.0/24"])
def test_a_peer_that_is_not_an_address_goes_to_the_default(peer: str) -> None:
    assert hospital()(peer) == "misc"
    assert hospital(default=None)(peer) is None


def test_without_a_default_an_unknown_sender_is_routed_nowhere() -> None:
    routes = hospital(default=None)
    assert routes("192.0.2.10") is None
    assert routes("10.0.0.1") == "fortigate"
    assert routes.keys == {"fortigate", "servers", "switches", "ipv6", "ipv6-host"}
    assert hospital().keys == {"fortigate", "servers", "switches", "ipv6", "ipv6-host", "misc"}


def test_an_empty_table_sends_everything_to_the_default() -> None:
    routes = SenderRoutes({"a": []}, default="b")
    assert (routes("10.0.0.1"), routes("::1"), routes.table(), routes.keys) == ("b", "b", [], {"a", "b"})


def test_the_same_network_for_two_keys_is_refused() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.1/32 is given to both 'fortigate' and 'servers'"):
        SenderRoutes({"fortigate": ["10.0.0.1"], "servers": ["10.0.0.0/24", "10.0.0.1/32"]})
    with pytest.raises(ValueError, match=r"2001:db8::/32"):
        SenderRoutes({"a": ["2001:db8::/32"], "b": ["2001:0db8:0::/32"]})  # written differently, the same network
    assert SenderRoutes({"a": ["10.0.0.1", "10.0.0.1/32"]})("10.0.0.1") == "a"  # twice for one key is fine


def test_a_bad_entry_in_the_routes_is_named() -> None:
    with pytest.raises(InvalidSender) as raised:
        SenderRoutes({"a": ["10.0.0.1", "10.0.0.1/24"]})
    assert raised.value.entry == "10.0.0.1/24"
    with pytest.raises(TypeError, match="IPv4Address"):
        SenderRoutes({"a": [ipaddress.ip_address("10.0.0.1")]})  # type: ignore[list-item]


def test_the_table_lists_longest_prefixes_first() -> None:
    assert hospital().table() == [  # by prefix length (then IPv4 first, then by address)
        ("2001:db8:5::9/128", "ipv6"),
        ("2001:db8:5::/48", "ipv6-host"),
        ("10.0.0.1/32", "fortigate"),
        ("2001:db8::/32", "ipv6"),
        ("10.0.0.0/24", "servers"),
        ("10.1.99.0/24", "switches"),
        ("10.0.8.0/22", "servers"),
        ("10.1.0.0/16", "switches"),
    ]


def test_the_routes_survive_pickling_and_answer_alike() -> None:
    routes = hospital()
    routes("10.0.0.1")  # something in the cache
    copy = pickle.loads(pickle.dumps(routes))  # noqa: S301 - our own bytes
    assert isinstance(copy, SenderRoutes) and copy._cache == {}  # the cache is not carried over
    assert (copy.table(), copy.keys, copy.default) == (routes.table(), routes.keys, "misc")
    peers = ["10.0.0.1", "10.0.0.9", "10.1.99.1", "2001:db8:5::9", "::ffff:10.0.0.1", "192.0.2.1", "x"]
    assert [copy(p) for p in peers] == [routes(p) for p in peers] == [
        "fortigate", "servers", "switches", "ipv6", "fortigate", "misc", "misc"]


def test_answers_are_cached_and_the_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routing, "CACHE_LIMIT", 100)
    routes = hospital()
    looked_up: list[str] = []
    uncached = routes.route

    def counting(peer: str) -> str | None:
        looked_up.append(peer)
        return uncached(peer)

    monkeypatch.setattr(routes, "route", counting)
    for _ in range(3):
        assert routes("10.0.0.1") == "fortigate"
    assert looked_up == ["10.0.0.1"]
    for n in range(250):
        peer = f"10.0.{n}.1"
        assert routes(peer) == uncached(peer)
        assert len(routes._cache) <= 100
    assert looked_up[1:] == [f"10.0.{n}.1" for n in range(1, 250)]  # each new peer looked up once
