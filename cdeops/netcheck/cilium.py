"""``cilium.io/v2`` CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy.

Semantics (Cilium docs and the CRD schema; choices where they are silent are marked):

- Subjects: a CNP selects endpoints of its own namespace matching ``endpointSelector``; a CCNP
  selects across namespaces. Selector keys may carry a source (``k8s:app``, ``any:app``); a pod's
  identity also holds ``io.kubernetes.pod.namespace`` and ``io.cilium.k8s.namespace.labels.<k>``.
  ``nodeSelector`` policies select nodes, not pods, and are skipped.
- Peer selectors (``toEndpoints``/``fromEndpoints``) in a CNP are limited to the policy's namespace
  unless they name ``io.kubernetes.pod.namespace`` or a namespace-labels key; so ``[{}]`` means
  "every pod of this namespace". In a CCNP they span the cluster.
- Default deny per direction: ``enableDefaultDeny.<dir>`` when set, else "the policy has allow or
  deny rules for that direction" (non-empty list).
- A rule's L3 members (endpoints, entities, CIDRs, FQDNs) are ORed. A member given as an empty list
  selects nothing. With no L3 member but ``toPorts`` the rule allows those ports to any peer
  (L4-only rule); a rule with neither (``- {}``) allows nothing. ``toPorts`` entries are ORed; port
  ``0`` is every port; protocol ``ANY`` (the default) matches TCP, UDP and SCTP. L7 rules
  (``rules.http`` / ``rules.dns`` ...) do not change L4 reachability here.
- CIDR rules apply to places outside the cluster only; entities ``world`` / ``all`` match external
  places, ``cluster`` / ``all`` match in-cluster pods.
- ``toFQDNs`` matches a destination by name, and only takes effect when the DNS lookups of the same
  endpoint are allowed by a rule with ``rules.dns`` covering the name (Cilium's DNS proxy learns
  the addresses); otherwise the rule is reported as ineffective and does not allow.
- ``egressDeny`` / ``ingressDeny`` win over every allow, from any policy kind.
- Unsupported peer kinds (``toServices``, ``toGroups``, ``toNodes``, ``toRequires``, ``fromNodes``
  ...) match nothing and leave a note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdeops.netcheck.addresses import IpSet, parse_network
from cdeops.netcheck.errors import NetcheckError
from cdeops.netcheck.fqdn import FqdnSelector, parse_fqdn_selector
from cdeops.netcheck.model import Port
from cdeops.netcheck.peers import AddressPeer, Grant, Peer, PodPeer, Side
from cdeops.netcheck.selectors import (
    CILIUM_NAMESPACE_KEY,
    CILIUM_NAMESPACE_LABELS_PREFIX,
    Requirement,
    Selector,
    cilium_endpoint_labels,
    parse_selector,
    strip_cilium_source,
)

__all__ = ["CiliumPolicy", "fqdn_effective", "parse_cilium_policy"]

_PROTOCOLS = ("TCP", "UDP", "SCTP", "ANY")
_ENTITIES = {
    "all",
    "world",
    "world-ipv4",
    "world-ipv6",
    "cluster",
    "host",
    "init",
    "ingress",
    "unmanaged",
    "remote-node",
    "health",
    "none",
    "kube-apiserver",
}
_EXTERNAL_ENTITIES = {"all", "world", "world-ipv4", "world-ipv6"}
_CLUSTER_ENTITIES = {"all", "cluster"}
_KEYS = {
    "egress": ("to", ("toServices", "toGroups", "toNodes", "toRequires")),
    "ingress": ("from", ("fromGroups", "fromNodes", "fromRequires")),
}


@dataclass(frozen=True)
class _PortProtocol:
    port: int | str  # 0: every port; str: a named port
    end_port: int | None
    protocol: str

    def matches(self, probe: Port) -> bool:
        if self.protocol != "ANY" and self.protocol != probe.protocol:
            return False
        if isinstance(self.port, str):
            return probe.name is not None and probe.name == self.port
        if self.port == 0:
            return True
        upper = self.end_port if self.end_port else self.port
        return self.port <= probe.port <= upper


@dataclass(frozen=True)
class _PortRule:
    ports: tuple[_PortProtocol, ...]  # empty: every port
    dns: tuple[FqdnSelector, ...]
    l7: tuple[str, ...]

    def matches(self, probe: Port) -> bool:
        return not self.ports or any(p.matches(probe) for p in self.ports)


@dataclass(frozen=True)
class _Rule:
    where: str
    l3_given: bool
    empty_member: bool
    endpoints: tuple[Selector, ...]
    entities: frozenset[str]
    cidrs: IpSet | None
    fqdns: tuple[FqdnSelector, ...]
    to_ports: tuple[_PortRule, ...]
    unsupported: tuple[str, ...]

    def port_rules(self, probe: Port) -> list[_PortRule] | None:
        """The toPorts entries matching ``probe``; None if the rule does not allow the port."""
        if not self.to_ports:
            return []
        found = [p for p in self.to_ports if p.matches(probe)]
        return found or None


@dataclass(frozen=True)
class CiliumPolicy:
    kind: str
    namespace: str | None  # None: clusterwide
    name: str
    subject: Selector | None  # None: a nodeSelector policy (hosts, not pods)
    default_deny: frozenset[str]
    rules: Mapping[str, tuple[_Rule, ...]]  # egress, egressDeny, ingress, ingressDeny
    notes: tuple[str, ...]

    @property
    def ref(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"

    def selects(self, pod: PodPeer) -> bool:
        if self.subject is None:
            return False
        if self.namespace is not None and pod.namespace != self.namespace:
            return False
        return self.subject.matches(cilium_endpoint_labels(pod.namespace, pod.namespace_labels, pod.labels))

    def rules_for(self, direction: str) -> tuple[_Rule, ...]:
        return self.rules.get(direction, ())

    def side(
        self,
        direction: str,
        subject: PodPeer,
        peer: Peer,
        port: Port,
        dns_visible: Callable[[str], bool],
    ) -> Side:
        """``direction`` is ``egress`` or ``ingress``; ``port`` is the destination's port."""
        if not self.selects(subject):
            return Side()
        notes: list[str] = []
        allows = [g for r in self.rules_for(direction) for g in self._grants(r, peer, port, notes)]
        fqdn_allows = [g for g in allows if g.via_fqdn]
        if fqdn_allows and isinstance(peer, AddressPeer) and peer.fqdn and not dns_visible(peer.fqdn):
            allows = [g for g in allows if g not in fqdn_allows]
            notes.extend(
                f"{g.reason} is ineffective: no rules.dns rule on port 53 covers {peer.fqdn}, "
                "so Cilium's DNS proxy never learns its addresses"
                for g in fqdn_allows
            )
        denies = [g for r in self.rules_for(direction + "Deny") for g in self._grants(r, peer, port, notes)]
        isolating = (self.ref,) if direction in self.default_deny else ()
        return Side(isolating, tuple(allows), tuple(denies), tuple(notes))

    def _grants(self, rule: _Rule, peer: Peer, port: Port, notes: list[str]) -> list[Grant]:
        where = f"{self.ref} {rule.where}"
        if rule.port_rules(port) is not None:
            notes.extend(f"{where}: {u} is not evaluated (treated as matching nothing)" for u in rule.unsupported)
            return self._l3_grants(rule, peer, where)
        named = any(isinstance(p.port, str) for r in rule.to_ports for p in r.ports)
        if named and port.name is None and self._l3_grants(rule, peer, where):
            notes.append(
                f"{where}: a named port cannot be resolved against {port}, which has no name in "
                "the topology (counted as not matching)"
            )
        return []

    @staticmethod
    def _l3_grants(rule: _Rule, peer: Peer, where: str) -> list[Grant]:
        """The grants of the rule's peers (L3) that match ``peer``, ports aside."""
        if rule.empty_member:
            return []
        if not rule.l3_given:
            return [Grant(f"{where} (ports only: every destination)")] if rule.to_ports else []
        grants: list[Grant] = []
        if isinstance(peer, PodPeer):
            labels = cilium_endpoint_labels(peer.namespace, peer.namespace_labels, peer.labels)
            grants += [Grant(f"{where} endpoints[{i}]") for i, s in enumerate(rule.endpoints) if s.matches(labels)]
            grants += [Grant(f"{where} (entity {e})") for e in sorted(rule.entities & _CLUSTER_ENTITIES)]
            return grants
        grants += [Grant(f"{where} (entity {e})") for e in sorted(rule.entities & _EXTERNAL_ENTITIES)]
        if rule.cidrs is not None:
            grants.append(Grant(f"{where} (CIDR)", rule.cidrs))
        if peer.fqdn:
            grants += [Grant(f"{where} (toFQDNs {s})", via_fqdn=True) for s in rule.fqdns if s.matches(peer.fqdn)]
        return grants

    def dns_selectors(self, subject: PodPeer, dns_peers: Sequence[PodPeer]) -> list[FqdnSelector]:
        """The ``rules.dns`` selectors of egress rules that let ``subject`` query a DNS server."""
        if not self.selects(subject):
            return []
        found: list[FqdnSelector] = []
        for rule in self.rules_for("egress"):
            for port in (Port(53, "UDP"), Port(53, "TCP")):
                port_rules = rule.port_rules(port)
                if not port_rules:
                    continue
                reaches = not dns_peers or any(self._grants(rule, p, port, []) for p in dns_peers)
                if reaches:
                    found.extend(s for pr in port_rules for s in pr.dns)
        return found

    def fqdn_selectors(self) -> list[tuple[str, FqdnSelector]]:
        return [(f"{self.ref} {r.where}", s) for r in self.rules_for("egress") for s in r.fqdns]


def parse_cilium_policy(obj: Mapping[str, Any]) -> list[CiliumPolicy]:
    """One CiliumPolicy per spec (a CNP may carry ``spec`` and a ``specs`` list)."""
    kind = str(obj.get("kind"))
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name", "<unnamed>"))
    namespace: str | None = None
    if kind == "CiliumNetworkPolicy":
        namespace = str(metadata.get("namespace") or "default")
    specs: list[tuple[str, Any]] = []
    if obj.get("spec") is not None:
        specs.append(("spec", obj["spec"]))
    specs.extend((f"specs[{i}]", s) for i, s in enumerate(_list(obj.get("specs"), f"{kind} {name}: specs")))
    if not specs:
        raise NetcheckError(f"{kind} {name}: needs spec or specs")
    return [_parse_spec(kind, namespace, name, where, spec) for where, spec in specs]


def _parse_spec(kind: str, namespace: str | None, name: str, spec_where: str, spec: Any) -> CiliumPolicy:
    where = f"{kind} {namespace + '/' if namespace else ''}{name}: {spec_where}"
    if not isinstance(spec, Mapping):
        raise NetcheckError(f"{where}: must be a mapping")
    notes: list[str] = []
    subject: Selector | None = None
    if spec.get("endpointSelector") is not None:
        subject = _cilium_selector(spec["endpointSelector"], f"{where}.endpointSelector")
    elif spec.get("nodeSelector") is not None:
        notes.append(f"{where}: nodeSelector policies apply to nodes and are not evaluated")
    else:
        raise NetcheckError(f"{where}: needs endpointSelector or nodeSelector")
    rules: dict[str, tuple[_Rule, ...]] = {}
    for direction in ("egress", "egressDeny", "ingress", "ingressDeny"):
        raw_rules = _list(spec.get(direction), f"{where}.{direction}")
        rules[direction] = tuple(
            _parse_rule(direction, namespace, r, f"{spec_where}.{direction}[{i}]", where)
            for i, r in enumerate(raw_rules)
        )
    default_deny = set()
    configured = spec.get("enableDefaultDeny") or {}
    for direction in ("egress", "ingress"):
        value = configured.get(direction)
        has_rules = bool(rules[direction] or rules[direction + "Deny"])
        if value if value is not None else has_rules:
            default_deny.add(direction)
    return CiliumPolicy(kind, namespace, name, subject, frozenset(default_deny), rules, tuple(notes))


def _parse_rule(direction: str, namespace: str | None, raw: Any, rule_where: str, where: str) -> _Rule:
    here = f"{where}: {rule_where}"
    if not isinstance(raw, Mapping):
        raise NetcheckError(f"{here}: must be a mapping")
    prefix, unsupported_keys = _KEYS[direction.removesuffix("Deny")]
    members = [f"{prefix}{m}" for m in ("Endpoints", "Entities", "CIDR", "CIDRSet", "FQDNs")]
    given = [k for k in (*members, *unsupported_keys) if raw.get(k) is not None]
    if f"{prefix}FQDNs" in given and len(given) > 1:
        others = ", ".join(k for k in given if k != f"{prefix}FQDNs")
        raise NetcheckError(f"{here}: toFQDNs cannot be combined with {others} in one rule (Cilium rejects it)")
    empty_member = any(isinstance(raw.get(k), list) and not raw[k] for k in given)
    endpoints = tuple(
        _peer_selector(s, namespace, f"{here}.{prefix}Endpoints[{i}]")
        for i, s in enumerate(_list(raw.get(f"{prefix}Endpoints"), here))
    )
    entities = frozenset(str(e) for e in _list(raw.get(f"{prefix}Entities"), here))
    if entities - _ENTITIES:
        raise NetcheckError(f"{here}: unknown entities {', '.join(sorted(entities - _ENTITIES))}")
    cidrs = _cidrs(raw, prefix, here)
    fqdns = tuple(
        parse_fqdn_selector(s, f"{here}.{prefix}FQDNs[{i}]")
        for i, s in enumerate(_list(raw.get(f"{prefix}FQDNs"), here))
    )
    to_ports = tuple(_port_rule(p, f"{here}.toPorts[{i}]") for i, p in enumerate(_list(raw.get("toPorts"), here)))
    return _Rule(
        where=rule_where,
        l3_given=bool(given),
        empty_member=empty_member,
        endpoints=endpoints,
        entities=entities,
        cidrs=cidrs,
        fqdns=fqdns,
        to_ports=to_ports,
        unsupported=tuple(k for k in unsupported_keys if raw.get(k)),
    )


def _cidrs(raw: Mapping[str, Any], prefix: str, here: str) -> IpSet | None:
    plain = _list(raw.get(f"{prefix}CIDR"), here)
    sets = _list(raw.get(f"{prefix}CIDRSet"), here)
    if raw.get(f"{prefix}CIDR") is None and raw.get(f"{prefix}CIDRSet") is None:
        return None
    result = IpSet.of(parse_network(c, f"{here}.{prefix}CIDR") for c in plain)
    for index, entry in enumerate(sets):
        where = f"{here}.{prefix}CIDRSet[{index}]"
        if not isinstance(entry, Mapping):
            raise NetcheckError(f"{where}: must be a mapping")
        if "cidr" not in entry:
            continue  # cidrGroupRef / cidrGroupSelector: CiliumCIDRGroup objects are not evaluated
        excepts = [str(e) for e in _list(entry.get("except"), where)]
        result = result.union(IpSet.block(str(entry["cidr"]), excepts, where))
    return result


def _port_rule(raw: Any, where: str) -> _PortRule:
    if not isinstance(raw, Mapping):
        raise NetcheckError(f"{where}: must be a mapping")
    ports: list[_PortProtocol] = []
    for index, entry in enumerate(_list(raw.get("ports"), where)):
        here = f"{where}.ports[{index}]"
        if not isinstance(entry, Mapping) or "port" not in entry:
            raise NetcheckError(f"{here}: needs a port")
        protocol = str(entry.get("protocol") or "ANY").upper()
        if protocol not in _PROTOCOLS:
            raise NetcheckError(f"{here}.protocol: {protocol!r} is not one of {', '.join(_PROTOCOLS)}")
        text = str(entry["port"])
        port: int | str = int(text) if text.isdigit() else text
        end = entry.get("endPort")
        ports.append(_PortProtocol(port, None if end is None else int(end), protocol))
    rules = raw.get("rules") or {}
    if not isinstance(rules, Mapping):
        raise NetcheckError(f"{where}.rules: must be a mapping")
    dns = tuple(parse_fqdn_selector(s, f"{where}.rules.dns[{i}]") for i, s in enumerate(_list(rules.get("dns"), where)))
    return _PortRule(tuple(ports), dns, tuple(sorted(str(k) for k in rules)))


def _cilium_selector(raw: Any, where: str) -> Selector:
    selector = parse_selector(raw, where)
    return Selector(tuple(Requirement(strip_cilium_source(r.key), r.operator, r.values) for r in selector.requirements))


def _peer_selector(raw: Any, namespace: str | None, where: str) -> Selector:
    selector = _cilium_selector(raw, where)
    keys = selector.keys
    if CILIUM_NAMESPACE_KEY in keys or any(k.startswith("reserved:") for k in keys):
        return selector
    if namespace is None:
        return selector.with_requirement(Requirement(CILIUM_NAMESPACE_KEY, "Exists"))
    if any(k.startswith(CILIUM_NAMESPACE_LABELS_PREFIX) for k in keys):
        return selector
    return selector.with_requirement(Requirement(CILIUM_NAMESPACE_KEY, "In", frozenset({namespace})))


def _list(raw: Any, where: str) -> list[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise NetcheckError(f"{where}: must be a list")
    return raw


def fqdn_effective(
    policies: Iterable[CiliumPolicy], subject: PodPeer, dns_peers: Sequence[PodPeer]
) -> Callable[[str], bool]:
    """A predicate: is a lookup of this name visible to Cilium's DNS proxy for ``subject``?"""
    selectors = [s for p in policies for s in p.dns_selectors(subject, dns_peers)]

    def visible(name: str) -> bool:
        return any(s.matches(name) for s in selectors)

    return visible
