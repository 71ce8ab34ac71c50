"""Sets of IP addresses (CIDRs minus exceptions) as sorted intervals, for ipBlock / toCIDRSet rules.

An external destination given only by name has no known address offline. Such a destination counts
as matched by address rules only when those rules together admit *every* public IPv4 address
(``PUBLIC_IPV4``): that is what ``0.0.0.0/0`` (with or without RFC 1918 exceptions) means, while a
narrow public range (``52.0.0.0/8``) cannot be decided and is not counted — give the destination an
address in the topology to check a specific range.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from cdeops.netcheck.errors import NetcheckError

__all__ = ["PUBLIC_IPV4", "IpSet", "parse_address", "parse_network"]

_Interval = tuple[int, int, int]  # (version, first, last), inclusive


@dataclass(frozen=True)
class IpSet:
    """A finite union of address intervals, normalised (sorted, merged)."""

    intervals: tuple[_Interval, ...] = ()

    @staticmethod
    def of(networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> IpSet:
        return IpSet(_normalise((n.version, int(n.network_address), int(n.broadcast_address)) for n in networks))

    @staticmethod
    def block(cidr: str, excepts: Iterable[str], where: str) -> IpSet:
        base = parse_network(cidr, where)
        cut = [parse_network(e, f"{where}.except") for e in excepts]
        return IpSet.of([base]).minus(IpSet.of(cut))

    def union(self, other: IpSet) -> IpSet:
        return IpSet(_normalise((*self.intervals, *other.intervals)))

    def minus(self, other: IpSet) -> IpSet:
        result: list[_Interval] = []
        for version, first, last in self.intervals:
            pieces = [(first, last)]
            for o_version, o_first, o_last in other.intervals:
                if o_version != version:
                    continue
                next_pieces: list[tuple[int, int]] = []
                for a, b in pieces:
                    if o_last < a or o_first > b:
                        next_pieces.append((a, b))
                        continue
                    if a < o_first:
                        next_pieces.append((a, o_first - 1))
                    if o_last < b:
                        next_pieces.append((o_last + 1, b))
                pieces = next_pieces
            result.extend((version, a, b) for a, b in pieces)
        return IpSet(_normalise(result))

    def contains(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        value = int(address)
        return any(v == address.version and a <= value <= b for v, a, b in self.intervals)

    def covers(self, other: IpSet) -> bool:
        return not other.minus(self).intervals

    def overlaps(self, other: IpSet) -> bool:
        return bool(other.minus(other.minus(self)).intervals)

    @property
    def is_empty(self) -> bool:
        return not self.intervals


def _normalise(items: Iterable[_Interval]) -> tuple[_Interval, ...]:
    merged: list[_Interval] = []
    for version, first, last in sorted(items):
        if merged and merged[-1][0] == version and first <= merged[-1][2] + 1:
            prev = merged[-1]
            merged[-1] = (version, prev[1], max(prev[2], last))
        else:
            merged.append((version, first, last))
    return tuple(merged)


def parse_network(cidr: object, where: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(str(cidr), strict=False)
    except ValueError as exc:
        raise NetcheckError(f"{where}: {cidr!r} is not a CIDR ({exc})") from None


def parse_address(address: object, where: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    try:
        return ipaddress.ip_address(str(address))
    except ValueError:
        raise NetcheckError(f"{where}: {address!r} is not an IP address") from None


_NON_PUBLIC_IPV4 = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/3",
)

#: Every globally routable IPv4 address: where a provider host given only by name may resolve to.
PUBLIC_IPV4 = IpSet.of([ipaddress.IPv4Network("0.0.0.0/0")]).minus(
    IpSet.of(ipaddress.IPv4Network(n) for n in _NON_PUBLIC_IPV4)
)
