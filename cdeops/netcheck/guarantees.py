"""The egress promise (SPEC §4, promise 3) as checks over rendered policies and a topology.

Workspaces must reach DNS, coderd, the gateway, Vault and every ``egress.allow`` place (role
``allowed``), and must not reach model providers, inference pods, the internet at large (role
``world``) or the cloud metadata address. Gateway pods must reach DNS, the providers and inference,
and nothing of role ``world`` / ``metadata``. Inference pods accept connections only from the
gateway's namespace. A Cilium ``toFQDNs`` rule whose lookups the DNS proxy cannot see is an error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cdeops.checks.findings import Finding, Severity
from cdeops.netcheck.cilium import CiliumPolicy
from cdeops.netcheck.evaluate import PolicySet, connection, ingress_decision
from cdeops.netcheck.model import DestinationVerdict, Endpoint, External, PortVerdict, Role, Topology

__all__ = ["CHECK", "assert_workspace_guarantees"]

CHECK = "egress"

_WORKSPACE_MUST: tuple[Role, ...] = ("dns", "coderd", "gateway", "vault", "allowed")
_WORKSPACE_MUST_NOT: tuple[Role, ...] = ("provider", "inference", "world", "metadata")
_GATEWAY_MUST: tuple[Role, ...] = ("dns", "provider", "inference")
_GATEWAY_MUST_NOT: tuple[Role, ...] = ("world", "metadata")
_STRANGER_NAMESPACE = "cdeops-netcheck-stranger"


class _Report:
    def __init__(self, file: str) -> None:
        self.file = file
        self.findings: list[Finding] = []

    def add(self, message: str, severity: Severity = "error") -> None:
        self.findings.append(Finding(CHECK, self.file, 0, message, severity))


def assert_workspace_guarantees(
    objects: PolicySet | Iterable[Mapping[str, Any]],
    topology: Topology,
    workspace_namespaces: Iterable[str],
    *,
    file: str = "kubernetes",
) -> list[Finding]:
    """Every broken egress promise, sorted; empty when the policies keep them all.

    ``file`` is what the findings name (the rendered folder the objects came from).
    """
    policies = objects if isinstance(objects, PolicySet) else PolicySet.from_objects(objects)
    report = _Report(file)
    for note in policies.notes:
        report.add(note, "warning")
    workspaces = [topology.workspace(ns) for ns in sorted(set(workspace_namespaces))]
    gateways = [e for e in topology.endpoints if e.role == "gateway"]
    for role in sorted({*_WORKSPACE_MUST, *_WORKSPACE_MUST_NOT} - {"allowed"}):
        if not topology.by_role(role):
            report.add(f"topology has no {role} destination: that part of the promise is not checked", "warning")
    for source in workspaces:
        label = f"workspace namespace {source.namespace}"
        _check_source(report, policies, topology, source, label, _WORKSPACE_MUST, _WORKSPACE_MUST_NOT)
    for source in gateways:
        label = f"gateway {source.name} ({source.namespace})"
        _check_source(report, policies, topology, source, label, _GATEWAY_MUST, _GATEWAY_MUST_NOT)
    _check_inference_ingress(report, policies, topology, workspaces, gateways)
    _check_fqdn_dns(report, policies, topology, [*workspaces, *topology.endpoints])
    return sorted(set(report.findings))


def _check_source(
    report: _Report,
    policies: PolicySet,
    topology: Topology,
    source: Endpoint,
    label: str,
    must: tuple[Role, ...],
    must_not: tuple[Role, ...],
) -> None:
    for role in must:
        for destination in topology.by_role(role):
            verdict = connection(policies, topology, source, destination)
            for port in verdict.ports:
                if not port.allowed:
                    report.add(f"{label} cannot reach {role} {_name(destination)} on {port.port}: {_why(port)}")
    for role in must_not:
        for destination in topology.by_role(role):
            if destination is source:
                continue
            verdict = connection(policies, topology, source, destination)
            if verdict.allowed:
                report.add(f"{label} can reach {role} {_name(destination)} {_open_ports(verdict)}")
                continue
            undecided = sorted({n for p in verdict.ports for n in p.notes})
            if undecided:
                report.add(
                    f"{label} -> {role} {_name(destination)} is blocked only as far as this check can "
                    f"tell: {'; '.join(undecided)}",
                    "warning",
                )
            leaky = [p for p in verdict.ports if p.egress.allowed]
            if leaky:
                ports = ", ".join(str(p.port) for p in leaky)
                report.add(
                    f"{label} egress allows {role} {_name(destination)} on {ports}; only the "
                    f"destination's ingress policy blocks it ({'; '.join(leaky[0].egress.reasons)})",
                    "warning",
                )


def _check_inference_ingress(
    report: _Report,
    policies: PolicySet,
    topology: Topology,
    workspaces: list[Endpoint],
    gateways: list[Endpoint],
) -> None:
    gateway_namespaces = {g.namespace for g in gateways}
    stranger = Endpoint("unrelated pod", _STRANGER_NAMESPACE, {}, (), "other")
    others = [e for e in topology.endpoints if e.namespace not in gateway_namespaces and e.role != "inference"]
    for target in (e for e in topology.endpoints if e.role == "inference"):
        for source in [*workspaces, *others, stranger]:
            if source.namespace == target.namespace and source.role == "inference":
                continue
            for port in target.ports:
                decision = ingress_decision(policies, topology, source, target, port)
                if decision.allowed:
                    report.add(
                        f"inference {target.name} ({target.namespace}) accepts {port} from "
                        f"{source.describe()}: {'; '.join(decision.reasons)}"
                    )


def _check_fqdn_dns(report: _Report, policies: PolicySet, topology: Topology, sources: list[Endpoint]) -> None:
    dns_peers = [policies.pod(topology, e) for e in topology.endpoints if e.role == "dns"]
    for source in sources:
        pod = policies.pod(topology, source)
        _, cilium = policies.applicable(pod.namespace)
        selecting: list[CiliumPolicy] = [p for p in cilium if p.selects(pod)]
        dns = [s for p in selecting for s in p.dns_selectors(pod, dns_peers)]
        for policy in selecting:
            for where, selector in policy.fqdn_selectors():
                if not any(d.covers(selector) for d in dns):
                    report.add(
                        f"{where} toFQDNs {selector} has no effect for {source.describe()}: no egress "
                        "rule to kube-dns on port 53 carries rules.dns covering it, so Cilium's DNS "
                        "proxy never learns its addresses"
                    )


def _name(destination: Endpoint | External) -> str:
    return f"{destination.name} ({destination.describe()})"


def _why(port: PortVerdict) -> str:
    parts = [] if port.egress.allowed else ["egress: " + "; ".join(port.egress.reasons)]
    if port.ingress is not None and not port.ingress.allowed:
        parts.append("ingress: " + "; ".join(port.ingress.reasons))
    parts.extend(port.notes)
    return " | ".join(parts)


def _open_ports(verdict: DestinationVerdict) -> str:
    parts = [f"on {p.port}: allowed by {'; '.join(p.egress.reasons)}" for p in verdict.ports if p.allowed]
    return ", ".join(parts)
