"""Combine NetworkPolicy and Cilium policies into one verdict per source, destination and port.

How the kinds combine (Cilium enforces Kubernetes NetworkPolicy by translating it into its own
rules, so one endpoint's policy is the union of both kinds — Cilium docs "Network Policy": running
several policy types at once unions their allowed traffic):

- a pod is restricted in a direction when any NetworkPolicy isolates it or any Cilium policy puts
  it into default deny; then traffic passes only if some rule of either kind allows it;
- a pod nobody restricts may send (or receive) anything;
- a Cilium deny rule that matches drops the traffic whatever allows it.

A connection to an in-cluster pod needs both the source's egress and the destination's ingress.
Cilium objects are evaluated whenever they are present (a cluster without Cilium would ignore them:
do not render them there).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cdeops.netcheck.addresses import parse_address
from cdeops.netcheck.cilium import CiliumPolicy, fqdn_effective, parse_cilium_policy
from cdeops.netcheck.errors import NetcheckError
from cdeops.netcheck.fqdn import normalise_name
from cdeops.netcheck.model import (
    METADATA_NAME_LABEL,
    Decision,
    DestinationVerdict,
    Endpoint,
    External,
    Port,
    PortVerdict,
    Reachability,
    Topology,
)
from cdeops.netcheck.networkpolicy import NetworkPolicy, parse_network_policy
from cdeops.netcheck.peers import AddressPeer, Peer, PodPeer, Side, resolve_grants

__all__ = ["PolicySet", "connection", "ingress_decision", "reachability"]

_CILIUM_KINDS = ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy")


@dataclass(frozen=True)
class PolicySet:
    """The policies and namespaces found in a list of rendered Kubernetes objects."""

    network_policies: tuple[NetworkPolicy, ...] = ()
    cilium_policies: tuple[CiliumPolicy, ...] = ()
    namespace_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @staticmethod
    def from_objects(objects: Iterable[Mapping[str, Any]]) -> PolicySet:
        network: list[NetworkPolicy] = []
        cilium: list[CiliumPolicy] = []
        namespaces: dict[str, dict[str, str]] = {}
        notes: list[str] = []
        for obj in _flatten(objects):
            kind, api = obj.get("kind"), str(obj.get("apiVersion", ""))
            if kind == "Namespace" and api == "v1":
                metadata = obj.get("metadata") or {}
                labels = metadata.get("labels") or {}
                namespaces[str(metadata.get("name"))] = {str(k): str(v) for k, v in labels.items()}
            elif kind == "NetworkPolicy" and api == "networking.k8s.io/v1":
                network.append(parse_network_policy(obj))
            elif kind in _CILIUM_KINDS and api == "cilium.io/v2":
                cilium.extend(parse_cilium_policy(obj))
            elif isinstance(kind, str) and "NetworkPolicy" in kind:
                notes.append(f"{api} {kind} {(obj.get('metadata') or {}).get('name')} is not evaluated")
        for policy in cilium:
            notes.extend(policy.notes)
        return PolicySet(tuple(network), tuple(cilium), namespaces, tuple(notes))

    @cached_property
    def _by_namespace(self) -> dict[str, tuple[list[NetworkPolicy], list[CiliumPolicy]]]:
        index: dict[str, tuple[list[NetworkPolicy], list[CiliumPolicy]]] = {}
        for np in self.network_policies:
            index.setdefault(np.namespace, ([], []))[0].append(np)
        for cnp in self.cilium_policies:
            index.setdefault(cnp.namespace or "", ([], []))[1].append(cnp)
        return index

    def applicable(self, namespace: str) -> tuple[list[NetworkPolicy], list[CiliumPolicy]]:
        """The policies that may select a pod of ``namespace`` (its own, plus clusterwide ones)."""
        network, cilium = self._by_namespace.get(namespace, ([], []))
        return network, cilium + self._by_namespace.get("", ([], []))[1]

    def pod(self, topology: Topology, endpoint: Endpoint) -> PodPeer:
        labels = dict(topology.namespaces.get(endpoint.namespace, {}))
        labels.update(self.namespace_labels.get(endpoint.namespace, {}))
        labels[METADATA_NAME_LABEL] = endpoint.namespace
        return PodPeer(endpoint.namespace, labels, dict(endpoint.labels))


def _flatten(objects: Iterable[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    for obj in objects:
        if not isinstance(obj, Mapping):
            continue
        if obj.get("kind") == "List" or str(obj.get("kind", "")).endswith("List"):
            yield from _flatten(obj.get("items") or [])
        else:
            yield obj


def _as_policies(objects: PolicySet | Iterable[Mapping[str, Any]]) -> PolicySet:
    return objects if isinstance(objects, PolicySet) else PolicySet.from_objects(objects)


def _address(external: External) -> AddressPeer:
    ip = None if external.ip is None else parse_address(external.ip, f"topology: {external.name}.ip")
    fqdn = None if external.fqdn is None else normalise_name(external.fqdn)
    if ip is None and fqdn is None:
        raise NetcheckError(f"topology: external {external.name!r} needs an ip or an fqdn")
    return AddressPeer(ip, fqdn)


def _decide(direction: str, sides: list[Side], peer: Peer) -> Decision:
    denied = resolve_grants((g for s in sides for g in s.denies), peer)
    if denied:
        return Decision(False, tuple(f"denied by {r}" for r in denied))
    isolating = sorted({ref for s in sides for ref in s.isolating})
    if not isolating:
        return Decision(True, (f"no policy restricts this pod's {direction} (not isolated)",))
    allowed = resolve_grants((g for s in sides for g in s.allows), peer)
    if allowed:
        return Decision(True, tuple(allowed))
    return Decision(False, (f"{direction} default deny ({'; '.join(isolating)}): no rule allows it",))


def _egress(
    policies: PolicySet, topology: Topology, source: PodPeer, peer: Peer, port: Port
) -> tuple[Decision, list[str]]:
    network, cilium = policies.applicable(source.namespace)
    dns_peers = [policies.pod(topology, e) for e in topology.endpoints if e.role == "dns"]
    visible = fqdn_effective(cilium, source, dns_peers)
    sides = [p.side("Egress", source, peer, port) for p in network]
    sides += [p.side("egress", source, peer, port, visible) for p in cilium]
    return _decide("egress", sides, peer), [n for s in sides for n in s.notes]


def _ingress(policies: PolicySet, destination: PodPeer, source: PodPeer, port: Port) -> tuple[Decision, list[str]]:
    network, cilium = policies.applicable(destination.namespace)
    sides = [p.side("Ingress", destination, source, port) for p in network]
    sides += [p.side("ingress", destination, source, port, lambda _: False) for p in cilium]
    return _decide("ingress", sides, source), [n for s in sides for n in s.notes]


def connection(
    objects: PolicySet | Iterable[Mapping[str, Any]],
    topology: Topology,
    source: Endpoint,
    destination: Endpoint | External,
) -> DestinationVerdict:
    """Whether ``source`` can open connections to each port of ``destination``."""
    policies = _as_policies(objects)
    src = policies.pod(topology, source)
    verdicts: list[PortVerdict] = []
    if isinstance(destination, External):
        peer: Peer = _address(destination)
        for port in destination.ports:
            egress, notes = _egress(policies, topology, src, peer, port)
            verdicts.append(PortVerdict(port, egress, None, tuple(dict.fromkeys(notes))))
        return DestinationVerdict(
            destination.name, destination.role, "external", destination.describe(), tuple(verdicts)
        )
    dst = policies.pod(topology, destination)
    for port in destination.ports:
        egress, notes = _egress(policies, topology, src, dst, port)
        ingress, more = _ingress(policies, dst, src, port)
        verdicts.append(PortVerdict(port, egress, ingress, tuple(dict.fromkeys(notes + more))))
    return DestinationVerdict(destination.name, destination.role, "endpoint", destination.describe(), tuple(verdicts))


def reachability(
    objects: PolicySet | Iterable[Mapping[str, Any]], topology: Topology, source: Endpoint
) -> Reachability:
    """What ``source`` can reach among every endpoint (but itself) and external place of ``topology``."""
    policies = _as_policies(objects)
    destinations: list[Endpoint | External] = [e for e in topology.endpoints if e.name != source.name]
    destinations.extend(topology.externals)
    return Reachability(source, tuple(connection(policies, topology, source, d) for d in destinations))


def ingress_decision(
    objects: PolicySet | Iterable[Mapping[str, Any]],
    topology: Topology,
    source: Endpoint,
    destination: Endpoint,
    port: Port,
) -> Decision:
    """Whether ``destination`` accepts ``source``'s connections on ``port`` (ingress side only)."""
    policies = _as_policies(objects)
    decision, _ = _ingress(policies, policies.pod(topology, destination), policies.pod(topology, source), port)
    return decision
