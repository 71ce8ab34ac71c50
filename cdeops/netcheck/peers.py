"""The shapes both policy engines share: the peer on the other side, and what a rule grants."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from cdeops.netcheck.addresses import PUBLIC_IPV4, IpSet

__all__ = ["AddressPeer", "Grant", "Peer", "PodPeer", "Side", "resolve_grants"]


@dataclass(frozen=True)
class PodPeer:
    """A pod in the cluster: matched by selectors only (never by ipBlock / CIDR rules)."""

    namespace: str
    namespace_labels: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AddressPeer:
    """A place outside the cluster. ``ip`` None means "some public address of ``fqdn``"."""

    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    fqdn: str | None = None


Peer = PodPeer | AddressPeer


@dataclass(frozen=True)
class Grant:
    """A rule that matched the port. ``addresses`` None: it matched the peer itself; otherwise it
    matches only addresses in the set (ipBlock, toCIDR) and is resolved against the peer's address."""

    reason: str
    addresses: IpSet | None = None
    via_fqdn: bool = False  # a toFQDNs match: effective only if the DNS proxy sees the lookup


@dataclass(frozen=True)
class Side:
    """What one engine says about one direction of one connection."""

    isolating: tuple[str, ...] = ()
    allows: tuple[Grant, ...] = ()
    denies: tuple[Grant, ...] = ()
    notes: tuple[str, ...] = ()


def resolve_grants(grants: Iterable[Grant], peer: Peer) -> list[str]:
    """The reasons of the grants that really match ``peer``.

    An address-conditional grant matches a peer with a known IP when the IP is in its set. For a
    peer known only by name, the address grants are considered together: they match only if their
    union admits every public IPv4 address; then each grant that admits some public address counts.
    """
    grants = list(grants)
    reasons = [g.reason for g in grants if g.addresses is None]
    conditional = [(g.reason, g.addresses) for g in grants if g.addresses is not None]
    if not conditional or isinstance(peer, PodPeer):
        return reasons
    if peer.ip is not None:
        ip = peer.ip
        reasons.extend(r for r, s in conditional if s.contains(ip))
        return reasons
    union = IpSet()
    for _, s in conditional:
        union = union.union(s)
    if union.covers(PUBLIC_IPV4):
        reasons.extend(r for r, s in conditional if s.overlaps(PUBLIC_IPV4))
    return reasons
