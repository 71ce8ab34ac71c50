"""``networking.k8s.io/v1`` NetworkPolicy, evaluated as the Kubernetes API documents it.

- A pod is isolated for a direction iff some policy of its namespace selects it and lists that
  direction in ``policyTypes``. Omitted ``policyTypes`` means ``Ingress``, plus ``Egress`` when the
  policy has a non-empty ``egress`` list.
- Rules of all policies are unioned. A rule with no (or an empty) ``to``/``from`` matches every peer;
  one with no ``ports`` matches every port. Peers are ORed; inside one peer ``namespaceSelector`` and
  ``podSelector`` are ANDed; a lone ``podSelector`` means the policy's namespace; ``{}`` means all.
- Ports: protocol defaults to TCP; ``endPort`` gives a range; a named port matches a destination port
  of that name (external places have no port names).
- ``ipBlock`` (with ``except``) is applied to addresses outside the cluster only; in-cluster pods are
  matched by selectors only (whether ipBlock matches pod IPs is implementation-defined upstream).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdeops.netcheck.addresses import IpSet
from cdeops.netcheck.errors import NetcheckError
from cdeops.netcheck.model import Port
from cdeops.netcheck.peers import Grant, Peer, PodPeer, Side
from cdeops.netcheck.selectors import Selector, parse_selector

__all__ = ["NetworkPolicy", "parse_network_policy"]

_PROTOCOLS = ("TCP", "UDP", "SCTP")


@dataclass(frozen=True)
class _PortRule:
    protocol: str
    port: int | str | None  # None: every port of the protocol
    end_port: int | None = None

    def matches(self, probe: Port) -> bool:
        if self.protocol != probe.protocol:
            return False
        if self.port is None:
            return True
        if isinstance(self.port, str):
            return probe.name is not None and probe.name == self.port
        upper = self.end_port if self.end_port is not None else self.port
        return self.port <= probe.port <= upper


@dataclass(frozen=True)
class _PolicyPeer:
    pod_selector: Selector | None
    namespace_selector: Selector | None
    ip_block: IpSet | None


@dataclass(frozen=True)
class _Rule:
    where: str
    peers: tuple[_PolicyPeer, ...]  # empty: every peer
    ports: tuple[_PortRule, ...]  # empty: every port

    def ports_match(self, probe: Port) -> bool:
        return not self.ports or any(p.matches(probe) for p in self.ports)


@dataclass(frozen=True)
class NetworkPolicy:
    namespace: str
    name: str
    pod_selector: Selector
    types: frozenset[str]
    egress: tuple[_Rule, ...]
    ingress: tuple[_Rule, ...]

    @property
    def ref(self) -> str:
        return f"NetworkPolicy {self.namespace}/{self.name}"

    def selects(self, pod: PodPeer) -> bool:
        return pod.namespace == self.namespace and self.pod_selector.matches(pod.labels)

    def side(self, direction: str, subject: PodPeer, peer: Peer, port: Port) -> Side:
        """What this policy says about ``subject``'s ``direction`` traffic with ``peer`` on ``port``
        (``port`` is the destination's port in both directions)."""
        if direction not in self.types or not self.selects(subject):
            return Side()
        rules = self.egress if direction == "Egress" else self.ingress
        grants: list[Grant] = []
        notes: list[str] = []
        for rule in rules:
            matched: list[Grant] = []
            if not rule.peers:
                matched.append(Grant(f"{self.ref} {rule.where} (no peer list: every destination)"))
            for index, policy_peer in enumerate(rule.peers):
                grant = self._peer_grant(policy_peer, peer, f"{self.ref} {rule.where}.peers[{index}]")
                if grant is not None:
                    matched.append(grant)
            if rule.ports_match(port):
                grants.extend(matched)
            elif matched and port.name is None and any(isinstance(p.port, str) for p in rule.ports):
                notes.append(
                    f"{self.ref} {rule.where}: a named port cannot be resolved against {port}, which "
                    "has no name in the topology (counted as not matching)"
                )
        return Side(isolating=(self.ref,), allows=tuple(grants), notes=tuple(notes))

    def _peer_grant(self, policy_peer: _PolicyPeer, peer: Peer, where: str) -> Grant | None:
        if policy_peer.ip_block is not None:
            if isinstance(peer, PodPeer):
                return None
            return Grant(f"{where} (ipBlock)", policy_peer.ip_block)
        if not isinstance(peer, PodPeer):
            return None
        if policy_peer.namespace_selector is None:
            if peer.namespace != self.namespace:
                return None
        elif not policy_peer.namespace_selector.matches(peer.namespace_labels):
            return None
        if policy_peer.pod_selector is not None and not policy_peer.pod_selector.matches(peer.labels):
            return None
        return Grant(where)


def parse_network_policy(obj: Mapping[str, Any]) -> NetworkPolicy:
    metadata = obj.get("metadata") or {}
    name = str(metadata.get("name", "<unnamed>"))
    namespace = str(metadata.get("namespace") or "default")
    where = f"NetworkPolicy {namespace}/{name}"
    spec = obj.get("spec")
    if not isinstance(spec, Mapping):
        raise NetcheckError(f"{where}: spec must be a mapping")
    if "podSelector" not in spec:
        raise NetcheckError(f"{where}: spec.podSelector is required (use {{}} for every pod)")
    pod_selector = parse_selector(spec["podSelector"], f"{where}: spec.podSelector")
    egress_raw = _list(spec.get("egress"), f"{where}: spec.egress")
    ingress_raw = _list(spec.get("ingress"), f"{where}: spec.ingress")
    if spec.get("policyTypes") is None:
        types = {"Ingress"} | ({"Egress"} if egress_raw else set())
    else:
        types = {str(t) for t in _list(spec["policyTypes"], f"{where}: spec.policyTypes")}
        if not types <= {"Ingress", "Egress"}:
            raise NetcheckError(f"{where}: spec.policyTypes may hold only Ingress and Egress")
    return NetworkPolicy(
        namespace=namespace,
        name=name,
        pod_selector=pod_selector,
        types=frozenset(types),
        egress=tuple(_rule(r, "to", f"egress[{i}]", where) for i, r in enumerate(egress_raw)),
        ingress=tuple(_rule(r, "from", f"ingress[{i}]", where) for i, r in enumerate(ingress_raw)),
    )


def _list(raw: Any, where: str) -> Sequence[Any]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise NetcheckError(f"{where}: must be a list")
    return raw


def _rule(raw: Any, peers_key: str, rule_where: str, where: str) -> _Rule:
    here = f"{where}: spec.{rule_where}"
    if not isinstance(raw, Mapping):
        raise NetcheckError(f"{here}: must be a mapping")
    peers = tuple(_peer(p, f"{here}.{peers_key}[{i}]") for i, p in enumerate(_list(raw.get(peers_key), here)))
    ports = tuple(_port(p, f"{here}.ports[{i}]") for i, p in enumerate(_list(raw.get("ports"), here)))
    return _Rule(rule_where, peers, ports)


def _peer(raw: Any, where: str) -> _PolicyPeer:
    if not isinstance(raw, Mapping) or not raw:
        raise NetcheckError(f"{where}: a peer needs podSelector, namespaceSelector or ipBlock")
    if "ipBlock" in raw:
        if "podSelector" in raw or "namespaceSelector" in raw:
            raise NetcheckError(f"{where}: ipBlock cannot be combined with selectors")
        block = raw["ipBlock"]
        if not isinstance(block, Mapping) or "cidr" not in block:
            raise NetcheckError(f"{where}.ipBlock: needs a cidr")
        excepts = [str(e) for e in _list(block.get("except"), f"{where}.ipBlock.except")]
        return _PolicyPeer(None, None, IpSet.block(str(block["cidr"]), excepts, f"{where}.ipBlock"))
    pod = raw.get("podSelector")
    namespace = raw.get("namespaceSelector")
    return _PolicyPeer(
        None if pod is None else parse_selector(pod, f"{where}.podSelector"),
        None if namespace is None else parse_selector(namespace, f"{where}.namespaceSelector"),
        None,
    )


def _port(raw: Any, where: str) -> _PortRule:
    if not isinstance(raw, Mapping):
        raise NetcheckError(f"{where}: must be a mapping")
    protocol = str(raw.get("protocol") or "TCP")
    if protocol not in _PROTOCOLS:
        raise NetcheckError(f"{where}.protocol: {protocol!r} is not TCP, UDP or SCTP")
    port = raw.get("port")
    end_port = raw.get("endPort")
    if port is None:
        if end_port is not None:
            raise NetcheckError(f"{where}: endPort needs a port")
        return _PortRule(protocol, None)
    if isinstance(port, bool):
        raise NetcheckError(f"{where}.port: {port!r} is not a port")
    if isinstance(port, str) and not port.isdigit():
        if end_port is not None:
            raise NetcheckError(f"{where}: endPort cannot be used with a named port")
        return _PortRule(protocol, port)
    number = int(port)
    if end_port is not None and int(end_port) < number:
        raise NetcheckError(f"{where}: endPort {end_port} is below port {number}")
    return _PortRule(protocol, number, None if end_port is None else int(end_port))
