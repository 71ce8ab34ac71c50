"""The egress promise (SPEC §4, promise 3) on a rendered tree, proven with :mod:`cdeops.netcheck`.

Every workspace namespace (``cdeops.io/workspaces: "true"``) must hold a default-deny NetworkPolicy
(all pods, Ingress and Egress, no rules), and the rendered NetworkPolicies / Cilium policies must let
workspaces reach DNS, coderd, the gateway, Vault and the ``egress.allow`` places, and nothing else.

The destinations probed come from the policy when one is given (exact). Without it they are read
from the tree: the peers of the rendered ``allow-coderd`` / ``allow-llm-gateway`` / ``allow-vault``
policies (falling back to cdeops' defaults when one is missing, which then fails), the
``allow-egress-*`` and ``toFQDNs`` destinations, and well-known provider hosts. Gateway and inference
pods are checked as sources only when the tree holds policies in their namespaces (otherwise they
come from the Helm chart, which ``cdeops check`` does not render).
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cdeops.checks.findings import Finding
from cdeops.checks.k8s_objects import K8sObject
from cdeops.views.naming import WORKSPACES_LABEL

if TYPE_CHECKING:
    from cdeops.netcheck import Endpoint, External, Topology
    from cdeops.policy.document import Policy

__all__ = ["CHECK_NAME", "check_egress", "policy_topology", "tree_topology"]

CHECK_NAME = "egress"
_NS_LABEL = "kubernetes.io/metadata.name"
_NAMESPACE_IN_MESSAGE = re.compile(r"workspace namespace (\S+)")
_SAMPLE_PROVIDER_HOSTS = ("api.anthropic.com", "api.openai.com")
_DEFAULTS = {
    "allow-coderd": ("coder", {"app.kubernetes.io/name": "coder"}, 8080),
    "allow-llm-gateway": ("llm-gateway", {"app.kubernetes.io/name": "llm-gateway"}, 4000),
    "allow-vault": ("vault", {"app.kubernetes.io/name": "vault"}, 8200),
}


def _sample_ip(cidr: str) -> str:
    network = ipaddress.ip_network(cidr, strict=False)
    return str(next(iter(network.hosts()), network.network_address))


def _workspace_namespaces(objects: Iterable[K8sObject]) -> list[str]:
    return sorted({o.name for o in objects if o.kind == "Namespace" and str(o.labels.get(WORKSPACES_LABEL)) == "true"})


def _is_default_deny(obj: Mapping[str, Any]) -> bool:
    spec = obj.get("spec") or {}
    selector = spec.get("podSelector")
    types = set(spec.get("policyTypes") or [])
    return (
        selector in ({}, None) and {"Ingress", "Egress"} <= types and not spec.get("egress") and not spec.get("ingress")
    )


def _default_deny_findings(objects: list[K8sObject], namespaces: list[str]) -> list[Finding]:
    findings = []
    by_ns = {o.namespace: o for o in objects if o.kind == "NetworkPolicy" and _is_default_deny(o.obj)}
    files = {o.name: (o.file, o.line) for o in objects if o.kind == "Namespace"}
    for ns in namespaces:
        if ns not in by_ns:
            file, line = files.get(ns, ("kubernetes", 0))
            message = f"workspace namespace {ns} has no default-deny NetworkPolicy (podSelector {{}}, Ingress+Egress)"
            findings.append(Finding(CHECK_NAME, file, line, message))
    return findings


def _pod_peer(obj: Mapping[str, Any]) -> tuple[str, dict[str, str], int] | None:
    for rule in (obj.get("spec") or {}).get("egress") or []:
        ports = [p.get("port") for p in rule.get("ports") or [] if isinstance(p.get("port"), int)]
        for peer in rule.get("to") or []:
            ns = ((peer.get("namespaceSelector") or {}).get("matchLabels") or {}).get(_NS_LABEL)
            pods = (peer.get("podSelector") or {}).get("matchLabels")
            if ns and isinstance(pods, dict) and ports:
                return str(ns), {str(k): str(v) for k, v in pods.items()}, int(ports[0])
    return None


def _ip_peer(obj: Mapping[str, Any]) -> tuple[str, list[int]] | None:
    for rule in (obj.get("spec") or {}).get("egress") or []:
        ports = [int(p["port"]) for p in rule.get("ports") or [] if isinstance(p.get("port"), int)]
        for peer in rule.get("to") or []:
            cidr = (peer.get("ipBlock") or {}).get("cidr")
            if cidr:
                return _sample_ip(str(cidr)), ports or [443]
    return None


def tree_topology(objects: list[K8sObject]) -> Topology:
    """Destinations read from the rendered policies themselves (see the module notes)."""
    from cdeops.netcheck import Endpoint, External, Port, standard_topology

    named: dict[str, K8sObject] = {}
    allowed: list[External] = []
    for item in objects:
        if item.kind == "NetworkPolicy" and item.name in _DEFAULTS:
            named.setdefault(item.name, item)
        elif item.kind == "NetworkPolicy" and item.name.startswith("allow-egress-"):
            peer = _ip_peer(item.obj)
            if peer:
                name = item.name.removeprefix("allow-egress-")
                allowed.append(External(name, tuple(Port(p) for p in peer[1]), ip=peer[0]))
        elif item.kind in ("CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"):
            for rule in (item.obj.get("spec") or {}).get("egress") or []:
                ports = [
                    Port(int(p["port"]), str(p.get("protocol", "TCP")))
                    for tp in rule.get("toPorts") or []
                    for p in tp.get("ports") or []
                    if str(p.get("port", "")).isdigit() and p.get("protocol", "TCP") in ("TCP", "UDP")
                ]
                for fqdn in rule.get("toFQDNs") or []:
                    host = fqdn.get("matchName") or str(fqdn.get("matchPattern", "")).replace("*", "sample")
                    if host:
                        allowed.append(External(host, tuple(ports) or (Port(443),), fqdn=host))
    ends: dict[str, Endpoint] = {}
    vault_external: External | None = None
    for name, (ns, labels, port) in _DEFAULTS.items():
        found = _pod_peer(named[name].obj) if name in named else None
        if found is None and name == "allow-vault" and name in named:
            ip_peer = _ip_peer(named[name].obj)
            if ip_peer:
                vault_external = External("vault", tuple(Port(p) for p in ip_peer[1]), ip=ip_peer[0])
                continue
        ns, labels, port = found or (ns, labels, port)
        ends[name] = Endpoint(name.removeprefix("allow-"), ns, labels, (Port(port),))
    unique = {(a.name, a.ip, a.fqdn): a for a in allowed}
    return standard_topology(
        coder_namespace=ends["allow-coderd"].namespace,
        coder_labels=ends["allow-coderd"].labels,
        coder_ports=ends["allow-coderd"].ports,
        gateway_namespace=ends["allow-llm-gateway"].namespace,
        gateway_labels=ends["allow-llm-gateway"].labels,
        gateway_port=ends["allow-llm-gateway"].ports[0].port,
        vault=vault_external or ends.get("allow-vault"),
        provider_hosts=_SAMPLE_PROVIDER_HOSTS,
        allowed=list(unique.values()),
    )


def policy_topology(policy: Policy) -> Topology:
    """Destinations exactly as the policy declares them."""
    from cdeops.netcheck import Endpoint, External, Port, standard_topology

    vault = policy.vault
    vault_dest: Endpoint | External
    if vault.cidrs:
        vault_dest = External("vault", (Port(vault.port),), ip=_sample_ip(vault.cidrs[0]))
    elif vault.endpoint is not None:
        e = vault.endpoint
        vault_dest = Endpoint("vault", e.namespace, dict(e.pod_labels), (Port(e.port),))
    else:
        vault_dest = Endpoint("vault", "vault", {"app.kubernetes.io/name": "vault"}, (Port(8200),))
    allowed: list[External] = []
    for rule in policy.egress.allow:
        ports = tuple(Port(p, rule.protocol) for p in rule.ports)
        allowed.extend(External(f"{rule.name}:{h}", ports, fqdn=h.replace("*", "sample")) for h in rule.hosts)
        allowed.extend(External(f"{rule.name}:{c}", ports, ip=_sample_ip(c)) for c in rule.cidrs)
    topology = standard_topology(
        coder_namespace=policy.coder.namespace,
        coder_labels=policy.coder.pod_labels,
        coder_ports=(Port(policy.coder.port),),
        gateway_namespace=policy.gateway.namespace,
        gateway_labels=policy.gateway.pod_labels,
        gateway_port=policy.gateway.port,
        vault=vault_dest,
        provider_hosts=sorted({h for p in policy.providers for h in p.hosts}),
        allowed=allowed,
    )
    dns = policy.cluster.dns
    endpoints = tuple(
        replace(e, namespace=dns.namespace, labels=dict(dns.pod_labels)) if e.role == "dns" else e
        for e in topology.endpoints
    )
    return replace(topology, endpoints=endpoints)


def _topology_file_findings(
    root: Path, policy: Policy | None, objects: list[K8sObject] | None = None
) -> list[Finding] | None:
    """The proof through ``checks/egress-topology.json`` (written by render), or None without it."""
    from cdeops.netcheck.tree import TOPOLOGY_FILE, egress_findings_for_tree, topology_document

    path = root / TOPOLOGY_FILE
    if not path.is_file():
        return None
    findings: list[Finding] = []
    if policy is not None:
        try:
            recorded = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            recorded = None
        if recorded != json.loads(json.dumps(topology_document(policy))):
            message = "does not match the policy given with --policy: render the tree again"
            findings.append(Finding(CHECK_NAME, TOPOLOGY_FILE, 0, message))
    loaded = None if objects is None else [o.obj for o in objects if o.file.startswith("kubernetes/")]
    return findings + egress_findings_for_tree(root, loaded)


def check_egress(objects: list[K8sObject], root: Path | None = None, policy: Policy | None = None) -> list[Finding]:
    """Default-deny present in every workspace namespace, and the reachability proof.

    The proof uses the tree's ``checks/egress-topology.json`` when there is one; otherwise the
    destinations come from ``policy`` or, failing that, from the rendered policies themselves.
    """
    from cdeops.netcheck import assert_workspace_guarantees

    namespaces = _workspace_namespaces(objects)
    if not namespaces:
        return []
    findings = _default_deny_findings(objects, namespaces)
    where = {o.name: (o.file, o.line) for o in objects if o.kind == "Namespace"}
    proof = _topology_file_findings(root, policy, objects) if root is not None else None
    if proof is None:
        topology = policy_topology(policy) if policy is not None else tree_topology(objects)
        policy_namespaces = {o.namespace for o in objects if "NetworkPolicy" in o.kind}
        gateway_ns = next(e.namespace for e in topology.endpoints if e.role == "gateway")
        proof = []
        for finding in assert_workspace_guarantees([o.obj for o in objects], topology, namespaces, file="kubernetes"):
            if finding.message.startswith("gateway ") and gateway_ns not in policy_namespaces:
                continue  # the gateway's own policies come from the Helm chart, not from this tree
            if not finding.message.startswith("topology has no"):
                proof.append(finding)
    for finding in proof:
        match = _NAMESPACE_IN_MESSAGE.match(finding.message)
        if match and match.group(1) in where and finding.file == "kubernetes":
            file, line = where[match.group(1)]
            finding = replace(finding, file=file, line=line)
        findings.append(finding)
    return findings
