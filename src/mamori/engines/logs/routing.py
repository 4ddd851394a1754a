"""Which log source a live syslog message belongs to, by the address of the device that sent it.

A hospital points all its devices (the FortiGate, the servers, the switches) at one syslog port; the receiver
(`SyslogReceiver` with a mapping of writers) asks a `SenderRoutes` which source each sender's messages go to.
Each source lists its senders as an operator types them — addresses and networks separated by newlines, commas or
spaces, `#` comments (`parse_senders`) — and the most specific network holding the sender wins: a FortiGate at
10.0.0.1/32 inside a server segment 10.0.0.0/24 is routed to its own source. A sender in no listed network goes to
the default source, or nowhere when there is none.

An IPv4 sender seen by a dual-stack socket as "::ffff:192.0.2.10" matches the IPv4 networks. Answers are cached
per sender (a bounded cache: a device sends thousands of messages, and looking one up is then one dict access).
No Django here: the application builds the routes from its sources' settings.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["InvalidSender", "Network", "SenderRoutes", "network_text", "parse_senders"]

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_SEPARATORS = re.compile(r"[\s,]+")
#: Senders whose answer is kept; the cache is emptied when it would grow past this (a scan from many addresses).
CACHE_LIMIT = 65_536


class InvalidSender(ValueError):
    """A sender entry that is neither an IP address nor a network (or a network with host bits set); `entry` is
    the text as given, `suggestion` the network meant when only host bits were set (else None)."""

    def __init__(self, entry: str, reason: str = "is not an IP address or network",
                 suggestion: Network | None = None) -> None:
        super().__init__(f"{entry!r} {reason}")
        self.entry = entry
        self.reason = reason
        self.suggestion = suggestion

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self.entry, self.reason, self.suggestion)


def network_text(network: Network) -> str:
    """A network as an operator writes it: a single address without its /32 or /128, else in CIDR."""
    return str(network.network_address) if network.num_addresses == 1 else str(network)


def _network(entry: str) -> Network:
    """One entry as a network: an address is a /32 (IPv4) or /128 (IPv6); a network must not have host bits set."""
    try:
        return ipaddress.ip_network(entry, strict=True)
    except ValueError:
        pass
    if "/" in entry:
        try:
            loose = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            pass
        else:
            raise InvalidSender(entry, f"has host bits set (did you mean {loose}?)", loose) from None
    raise InvalidSender(entry) from None


def parse_senders(text: str) -> list[Network]:
    """The networks of a sender list ("10.0.0.1, 10.0.1.0/24  # switches"), in order, each once.

    Entries are separated by newlines, commas or whitespace; `#` starts a comment to the end of its line. A single
    address becomes a /32 or /128 network. Raises `InvalidSender` naming the first bad entry; a network with host
    bits set (10.0.0.1/24) is one, since it usually is a typing mistake. Empty text gives [].
    """
    found: dict[Network, None] = {}
    for line in text.splitlines():
        for entry in _SEPARATORS.split(line.split("#", 1)[0]):
            if entry:
                found.setdefault(_network(entry), None)
    return list(found)


def _networks(entries: Iterable[str | Network]) -> list[Network]:
    """`entries` as networks: text entries parsed by `parse_senders` (one may hold several), networks kept."""
    if isinstance(entries, str):
        return parse_senders(entries)
    found: dict[Network, None] = {}
    for entry in entries:
        if isinstance(entry, str):
            found.update(dict.fromkeys(parse_senders(entry)))
        elif isinstance(entry, ipaddress.IPv4Network | ipaddress.IPv6Network):
            found.setdefault(entry, None)
        else:
            raise TypeError(f"a sender is text or an ip_network, not {type(entry).__name__}: {entry!r}")
    return list(found)


class SenderRoutes:
    """Route a sender's address to a key (a log source) by longest-prefix match; call it with the peer's address.

    `routes`: key → its senders (addresses, networks, or text entries as `parse_senders` reads them). Networks may
    nest (the longest prefix wins), but one network given to two different keys is a `ValueError`. `default`: the
    key of a sender in no network, and of a peer that is not an address; None routes those nowhere.

    Picklable (it is rebuilt from its routes, without the cache), so it can be handed to another process.
    """

    def __init__(self, routes: Mapping[str, Iterable[str | Network]], default: str | None = None) -> None:
        self.default = default
        self._routes: dict[str, list[Network]] = {}
        owner: dict[Network, str] = {}
        for key, entries in routes.items():
            networks = _networks(entries)
            for network in networks:
                other = owner.setdefault(network, key)
                if other != key:
                    raise ValueError(f"the sender network {network} is given to both {other!r} and {key!r}")
            self._routes[key] = networks
        self._owner = owner
        # per IP version: (prefix length, {network bits → key}), longest prefix first
        self._tables: dict[int, list[tuple[int, dict[int, str]]]] = {4: [], 6: []}
        by_length: dict[tuple[int, int], dict[int, str]] = {}
        for network, key in owner.items():
            shift = network.max_prefixlen - network.prefixlen
            by_length.setdefault((network.version, network.prefixlen), {})[int(network.network_address) >> shift] = key
        for (version, length), table in sorted(by_length.items(), key=lambda item: -item[0][1]):
            self._tables[version].append((length, table))
        self._cache: dict[str, str | None] = {}

    @property
    def keys(self) -> set[str]:
        """Every key a sender can be routed to: the keys of `routes` and the default (when there is one)."""
        found = set(self._routes)
        if self.default is not None:
            found.add(self.default)
        return found

    def networks(self) -> list[tuple[Network, str]]:
        """(network, key) pairs in the order they are tried: longest prefixes first (then IPv4 before IPv6, then
        by address). The default is not listed (see `default`)."""
        return sorted(self._owner.items(), key=lambda item: (-item[0].prefixlen, item[0].version,
                                                             int(item[0].network_address)))

    def table(self) -> list[tuple[str, str]]:
        """`networks` as text (CIDR), to print at start-up."""
        return [(str(network), key) for network, key in self.networks()]

    def _lookup(self, address: Address) -> str | None:
        value = int(address)
        bits = address.max_prefixlen
        for length, table in self._tables[address.version]:
            key = table.get(value >> (bits - length))
            if key is not None:
                return key
        return None

    def route(self, peer: str) -> str | None:
        """The key of `peer` (an address as text), uncached: its longest-prefix match, else `default`."""
        try:
            address = ipaddress.ip_address(peer)
        except (ValueError, TypeError):
            return self.default
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            key = self._lookup(address.ipv4_mapped)
            if key is not None:
                return key
        key = self._lookup(address)
        return self.default if key is None else key

    def __call__(self, peer: str) -> str | None:
        """The key of `peer` (see `route`), from the cache when this peer was seen before."""
        cache = self._cache
        try:
            return cache[peer]
        except KeyError:
            pass
        key = self.route(peer)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[peer] = key
        return key

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (self._routes, self.default)

    def __repr__(self) -> str:
        return f"SenderRoutes({len(self._owner)} networks to {len(self._routes)} keys, default={self.default!r})"
