"""What the evaluator probes (the topology) and what it answers (verdicts per destination and port)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Decision",
    "DestinationVerdict",
    "Endpoint",
    "External",
    "Port",
    "PortVerdict",
    "Reachability",
    "Role",
    "Topology",
]

#: What a probed thing is, for the guarantees. ``allowed`` = an ``egress.allow`` destination.
Role = Literal[
    "workspace",
    "dns",
    "coderd",
    "gateway",
    "vault",
    "inference",
    "provider",
    "world",
    "metadata",
    "allowed",
    "other",
]

METADATA_NAME_LABEL = "kubernetes.io/metadata.name"


@dataclass(frozen=True, order=True)
class Port:
    """A port a destination listens on. ``name`` is the container port name (for named-port rules)."""

    port: int
    protocol: str = "TCP"
    name: str | None = None

    def __str__(self) -> str:
        named = f" ({self.name})" if self.name else ""
        return f"{self.port}/{self.protocol}{named}"


@dataclass(frozen=True)
class Endpoint:
    """Pods in the cluster, identified like a policy sees them: namespace name + pod labels.

    The namespace's labels come from ``Topology.namespaces`` and the rendered ``Namespace`` objects
    (plus ``kubernetes.io/metadata.name``, which the API server always sets).
    """

    name: str
    namespace: str
    labels: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[Port, ...] = ()
    role: Role = "other"

    def describe(self) -> str:
        labels = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        pods = "workspace pods" if self.role == "workspace" else "pods"
        return f"{pods} [{labels}] in namespace {self.namespace}" if labels else f"{pods} in namespace {self.namespace}"


@dataclass(frozen=True)
class External:
    """A destination outside the cluster: an IP address, a DNS name, or both.

    With only ``fqdn``, address rules match it only if they admit every public IPv4 address (see
    ``addresses.PUBLIC_IPV4``); give ``ip`` as well to test a specific CIDR rule.
    """

    name: str
    ports: tuple[Port, ...]
    ip: str | None = None
    fqdn: str | None = None
    role: Role = "other"

    def describe(self) -> str:
        return " / ".join(x for x in (self.fqdn, self.ip) if x) or self.name


@dataclass(frozen=True)
class Topology:
    """The things to probe. ``namespaces`` adds labels to namespaces not in the rendered objects
    (``kube-system``, ``coder`` ...); ``workspace_labels`` are the labels of a workspace pod."""

    endpoints: tuple[Endpoint, ...] = ()
    externals: tuple[External, ...] = ()
    namespaces: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    workspace_labels: Mapping[str, str] = field(default_factory=dict)

    def by_role(self, role: Role) -> tuple[Endpoint | External, ...]:
        found: list[Endpoint | External] = [e for e in self.endpoints if e.role == role]
        found.extend(e for e in self.externals if e.role == role)
        return tuple(found)

    def workspace(self, namespace: str) -> Endpoint:
        """A workspace pod of one team namespace, as a probe source."""
        return Endpoint(f"workspace/{namespace}", namespace, dict(self.workspace_labels), (), "workspace")


@dataclass(frozen=True)
class Decision:
    """One direction's answer, with the rules (or the default) that decided it."""

    allowed: bool
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"allowed": self.allowed, "reasons": list(self.reasons)}


@dataclass(frozen=True)
class PortVerdict:
    """Whether one port of a destination is reachable. ``ingress`` is None for external places."""

    port: Port
    egress: Decision
    ingress: Decision | None = None
    notes: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and (self.ingress is None or self.ingress.allowed)

    def to_dict(self) -> dict[str, object]:
        return {
            "port": self.port.port,
            "protocol": self.port.protocol,
            "name": self.port.name,
            "allowed": self.allowed,
            "egress": self.egress.to_dict(),
            "ingress": None if self.ingress is None else self.ingress.to_dict(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class DestinationVerdict:
    name: str
    role: Role
    kind: Literal["endpoint", "external"]
    target: str
    ports: tuple[PortVerdict, ...]

    @property
    def allowed(self) -> bool:
        """Reachable on at least one probed port."""
        return any(p.allowed for p in self.ports)

    @property
    def fully_allowed(self) -> bool:
        """Reachable on every probed port."""
        return bool(self.ports) and all(p.allowed for p in self.ports)

    @property
    def allowed_ports(self) -> tuple[Port, ...]:
        return tuple(p.port for p in self.ports if p.allowed)

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "kind": self.kind,
            "target": self.target,
            "allowed": self.allowed,
            "ports": [p.to_dict() for p in self.ports],
        }


@dataclass(frozen=True)
class Reachability:
    """Everything one source can (and cannot) reach."""

    source: Endpoint
    destinations: tuple[DestinationVerdict, ...]

    def verdict(self, name: str) -> DestinationVerdict:
        for dest in self.destinations:
            if dest.name == name:
                return dest
        raise KeyError(name)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": {
                "name": self.source.name,
                "namespace": self.source.namespace,
                "labels": dict(sorted(self.source.labels.items())),
            },
            "destinations": [d.to_dict() for d in self.destinations],
        }
