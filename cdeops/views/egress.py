"""Egress for workspace namespaces (SPEC §4 promise 3), built as Kubernetes objects.

Default deny in and out; then DNS, coderd, the gateway, Vault and the policy's ``egress.allow``.
CIDR rules are NetworkPolicy ``ipBlock``s; host rules are Cilium ``toFQDNs`` with the DNS-proxy rule
Cilium needs to learn the addresses. Nothing here allows a model provider or inference pod.
"""

from __future__ import annotations

from typing import Any

from ..policy.document import Policy
from ..policy.infra import PodEndpoint
from .naming import MANAGED_LABELS

__all__ = [
    "METADATA_CIDR",
    "dns_peers",
    "network_policy",
    "pod_peer",
    "workspace_egress_objects",
]

METADATA_CIDR = "169.254.169.254/32"
NS_LABEL = "kubernetes.io/metadata.name"

Obj = dict[str, Any]


def network_policy(name: str, namespace: str, spec: Obj) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_LABELS)},
        "spec": spec,
    }


def pod_peer(namespace: str, pod_labels: dict[str, str]) -> Obj:
    """One ``to``/``from`` peer: both selectors in the same element (AND), never two elements (OR)."""
    return {
        "namespaceSelector": {"matchLabels": {NS_LABEL: namespace}},
        "podSelector": {"matchLabels": dict(sorted(pod_labels.items()))},
    }


def _ports(ports: list[int], protocol: str = "TCP") -> list[Obj]:
    return [{"protocol": protocol, "port": p} for p in ports]


def dns_peers(policy: Policy) -> list[Obj]:
    dns = policy.cluster.dns
    peers = [pod_peer(dns.namespace, dns.pod_labels)]
    cidrs = list(dns.cidrs)
    if dns.mode == "node-local" and "169.254.20.10/32" not in cidrs:
        cidrs.append("169.254.20.10/32")
    if dns.mode == "cloud-dns" and METADATA_CIDR not in cidrs:
        cidrs.append(METADATA_CIDR)  # only port 53 is opened below
    peers += [{"ipBlock": {"cidr": c}} for c in sorted(cidrs)]
    return peers


def _dns_rule(policy: Policy) -> Obj:
    return {
        "to": dns_peers(policy),
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def _endpoint_rule(endpoint: PodEndpoint) -> Obj:
    return {"to": [pod_peer(endpoint.namespace, endpoint.pod_labels)], "ports": _ports([endpoint.port])}


def _vault_rule(policy: Policy) -> Obj:
    vault = policy.vault
    if vault.cidrs:
        return {"to": [{"ipBlock": {"cidr": c}} for c in vault.cidrs], "ports": _ports([vault.port])}
    endpoint = vault.endpoint or PodEndpoint(
        namespace="vault", pod_labels={"app.kubernetes.io/name": "vault"}, port=8200
    )
    return _endpoint_rule(endpoint)


def _cilium_fqdn_policy(policy: Policy, namespace: str) -> Obj | None:
    rules = [r for r in policy.egress.allow if r.hosts]
    if not rules:
        return None
    dns = policy.cluster.dns
    patterns = sorted({h for r in rules for h in r.hosts})
    dns_endpoint = {f"k8s:{k}": v for k, v in sorted(dns.pod_labels.items())}
    dns_endpoint["k8s:io.kubernetes.pod.namespace"] = dns.namespace
    egress: list[Obj] = [
        {
            "toEndpoints": [{"matchLabels": dns_endpoint}],
            "toPorts": [
                {
                    "ports": [{"port": "53", "protocol": "ANY"}],
                    "rules": {"dns": [{"matchPattern": p} for p in patterns]},
                }
            ],
        }
    ]
    for rule in rules:
        egress.append(
            {
                "toFQDNs": [{"matchPattern": h} if h.startswith("*") else {"matchName": h} for h in rule.hosts],
                "toPorts": [{"ports": [{"port": str(p), "protocol": rule.protocol} for p in rule.ports]}],
            }
        )
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": "allow-egress-fqdn", "namespace": namespace, "labels": dict(MANAGED_LABELS)},
        "spec": {"endpointSelector": {}, "egress": egress},
    }


def workspace_egress_objects(policy: Policy, namespace: str) -> list[Obj]:
    """Every network policy object of one workspace namespace."""
    coder = PodEndpoint(namespace=policy.coder.namespace, pod_labels=policy.coder.pod_labels, port=policy.coder.port)
    gateway = PodEndpoint(
        namespace=policy.gateway.namespace, pod_labels=policy.gateway.pod_labels, port=policy.gateway.port
    )
    objects = [
        network_policy("default-deny", namespace, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        network_policy(
            "allow-dns",
            namespace,
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [_dns_rule(policy)]},
        ),
        network_policy(
            "allow-coderd",
            namespace,
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [_endpoint_rule(coder)]},
        ),
        network_policy(
            "allow-llm-gateway",
            namespace,
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [_endpoint_rule(gateway)]},
        ),
        network_policy(
            "allow-vault",
            namespace,
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [_vault_rule(policy)]},
        ),
    ]
    for rule in policy.egress.allow:
        if rule.cidrs:
            spec = {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {
                        "to": [{"ipBlock": {"cidr": c}} for c in rule.cidrs],
                        "ports": _ports(rule.ports, rule.protocol),
                    }
                ],
            }
            objects.append(network_policy(f"allow-egress-{rule.name}", namespace, spec))
    if policy.cluster.network_plugin == "cilium":
        fqdn = _cilium_fqdn_policy(policy, namespace)
        if fqdn is not None:
            objects.append(fqdn)
    return objects
