"""Egress for workspace namespaces (SPEC §4 promise 3), built as Kubernetes objects.

Default deny in and out; then DNS, coderd, the gateway, Vault and the policy's ``egress.allow``.
CIDR rules are NetworkPolicy ``ipBlock``s; host rules (Cilium only) are a ``CiliumNetworkPolicy``
with ``toFQDNs`` plus the DNS-proxy rule Cilium needs to learn the addresses. Nothing here allows a
model provider or an inference pod. Every ``ipBlock`` that contains the cloud metadata address
lists it under ``except``; the one exception is GKE Cloud DNS, whose resolver *is* the metadata
address, opened on port 53 only.

The building blocks (``dns_rule``, ``ip_block``, ``cilium_dns_rule`` ...) are shared with the gateway
and inference namespaces (``platform_policies``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from typing import Any

from ..policy.document import Policy
from ..policy.fields import normalise_name
from ..policy.infra import PodEndpoint
from .naming import MANAGED_LABELS

__all__ = [
    "CLOUD_DNS_CIDR",
    "METADATA_CIDR",
    "NODE_LOCAL_DNS_CIDR",
    "NS_LABEL",
    "cilium_dns_rule",
    "cilium_dns_rules",
    "cilium_network_policy",
    "dns_cidrs",
    "dns_peers",
    "dns_rule",
    "endpoint_rule",
    "fqdn_selectors",
    "ip_block",
    "network_policy",
    "pod_peer",
    "vault_endpoint",
    "vault_rule",
    "workspace_egress_objects",
]

METADATA_CIDR = "169.254.169.254/32"
NODE_LOCAL_DNS_CIDR = "169.254.20.10/32"  # GKE NodeLocal DNSCache
CLOUD_DNS_CIDR = METADATA_CIDR  # GKE Cloud DNS resolves through the metadata server, port 53
NS_LABEL = "kubernetes.io/metadata.name"
_METADATA = ipaddress.IPv4Network(METADATA_CIDR)
_DNS_PORTS = [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]

Obj = dict[str, Any]


def network_policy(name: str, namespace: str, spec: Obj) -> Obj:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_LABELS)},
        "spec": spec,
    }


def cilium_network_policy(name: str, namespace: str, pod_labels: Mapping[str, str], egress: list[Obj]) -> Obj:
    """A namespaced ``cilium.io/v2`` policy for the pods with ``pod_labels`` (all pods when empty)."""
    selector: Obj = {"matchLabels": dict(sorted(pod_labels.items()))} if pod_labels else {}
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(MANAGED_LABELS)},
        "spec": {"endpointSelector": selector, "egress": egress},
    }


def pod_peer(namespace: str, pod_labels: Mapping[str, str]) -> Obj:
    """One ``to``/``from`` peer: both selectors in the same element (AND), never two elements (OR)."""
    return {
        "namespaceSelector": {"matchLabels": {NS_LABEL: namespace}},
        "podSelector": {"matchLabels": dict(sorted(pod_labels.items()))},
    }


def _covers_metadata(cidr: str) -> bool:
    net = ipaddress.ip_network(cidr)
    return isinstance(net, ipaddress.IPv4Network) and net.supernet_of(_METADATA)


def ip_block(cidr: str, excepts: Iterable[str] = ()) -> Obj:
    """An ``ipBlock`` peer. A range that contains the metadata address (and is not exactly it)
    always carries it under ``except``, whatever else is excepted."""
    cut = list(excepts)
    if cidr != METADATA_CIDR and _covers_metadata(cidr) and not any(_covers_metadata(e) for e in cut):
        cut.append(METADATA_CIDR)
    block: Obj = {"cidr": cidr}
    if cut:
        block["except"] = sorted(cut, key=_cidr_key)
    return {"ipBlock": block}


def _cidr_key(cidr: str) -> tuple[int, int, int]:
    net = ipaddress.ip_network(cidr)
    return net.version, int(net.network_address), net.prefixlen


def _ports(ports: Iterable[int], protocol: str = "TCP") -> list[Obj]:
    return [{"protocol": protocol, "port": p} for p in ports]


def dns_cidrs(policy: Policy) -> list[str]:
    """Resolver addresses outside kube-dns pods: ``cluster.dns.cidrs`` plus the mode's own address."""
    dns = policy.cluster.dns
    cidrs = set(dns.cidrs)
    if dns.mode == "node-local":
        cidrs.add(NODE_LOCAL_DNS_CIDR)
    if dns.mode == "cloud-dns":
        cidrs.add(CLOUD_DNS_CIDR)  # only port 53 is ever opened to it
    return sorted(cidrs, key=_cidr_key)


def dns_peers(policy: Policy) -> list[Obj]:
    dns = policy.cluster.dns
    return [pod_peer(dns.namespace, dns.pod_labels), *(ip_block(c) for c in dns_cidrs(policy))]


def dns_rule(policy: Policy) -> Obj:
    """Egress to the cluster's resolvers on UDP and TCP 53, and nothing else."""
    return {"to": dns_peers(policy), "ports": [dict(p) for p in _DNS_PORTS]}


def endpoint_rule(endpoint: PodEndpoint) -> Obj:
    return {"to": [pod_peer(endpoint.namespace, endpoint.pod_labels)], "ports": _ports([endpoint.port])}


def vault_endpoint(policy: Policy) -> PodEndpoint | None:
    """The in-cluster Vault pods (None when Vault is reached by ``vault.cidrs``)."""
    vault = policy.vault
    if vault.cidrs:
        return None
    return vault.endpoint or PodEndpoint(namespace="vault", pod_labels={"app.kubernetes.io/name": "vault"}, port=8200)


def vault_rule(policy: Policy) -> Obj:
    endpoint = vault_endpoint(policy)
    if endpoint is None:
        return {"to": [ip_block(c) for c in policy.vault.cidrs], "ports": _ports([policy.vault.port])}
    return endpoint_rule(endpoint)


def cilium_dns_rule(policy: Policy) -> Obj:
    """The rule that sends lookups through Cilium's DNS proxy so ``toFQDNs`` rules can match.

    ``rules.dns`` is ``*``: resolving a name grants no connection, and narrowing it would make the
    proxy refuse the in-cluster names (coderd, gateway, Vault Services) pods must resolve.
    """
    dns = policy.cluster.dns
    endpoint = {f"k8s:{k}": v for k, v in sorted(dns.pod_labels.items())}
    endpoint["k8s:io.kubernetes.pod.namespace"] = dns.namespace
    return {
        "toEndpoints": [{"matchLabels": endpoint}],
        "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}], "rules": {"dns": [{"matchPattern": "*"}]}}],
    }


def _cilium_dns_cidr_rule(policy: Policy) -> Obj | None:
    """NodeLocal DNSCache / Cloud DNS resolvers, also through the DNS proxy (port 53 only)."""
    cidrs = dns_cidrs(policy)
    if not cidrs:
        return None
    return {
        "toCIDRSet": [ip_block(c)["ipBlock"] for c in cidrs],
        "toPorts": [{"ports": [{"port": "53", "protocol": "ANY"}], "rules": {"dns": [{"matchPattern": "*"}]}}],
    }


def fqdn_selectors(hosts: Iterable[str]) -> list[Obj]:
    return [{"matchPattern": h} if h.startswith("*") else {"matchName": h} for h in sorted(set(hosts))]


def cilium_dns_rules(policy: Policy) -> list[Obj]:
    rules = [cilium_dns_rule(policy)]
    extra = _cilium_dns_cidr_rule(policy)
    if extra is not None:
        rules.append(extra)
    return rules


def _workspace_fqdn_policy(policy: Policy, namespace: str) -> Obj | None:
    rules = [r for r in policy.egress.allow if r.hosts]
    if not rules:
        return None
    egress = cilium_dns_rules(policy)
    for rule in rules:
        egress.append(
            {
                "toFQDNs": fqdn_selectors(rule.hosts),
                "toPorts": [{"ports": [{"port": str(p), "protocol": rule.protocol} for p in rule.ports]}],
            }
        )
    return cilium_network_policy("allow-egress-fqdn", namespace, {}, egress)


def _egress_only(name: str, namespace: str, rules: list[Obj]) -> Obj:
    return network_policy(name, namespace, {"podSelector": {}, "policyTypes": ["Egress"], "egress": rules})


def workspace_egress_objects(policy: Policy, namespace: str) -> list[Obj]:
    """Every network policy object of one workspace namespace."""
    coder = PodEndpoint(namespace=policy.coder.namespace, pod_labels=policy.coder.pod_labels, port=policy.coder.port)
    gateway = PodEndpoint(
        namespace=policy.gateway.namespace, pod_labels=policy.gateway.pod_labels, port=policy.gateway.port
    )
    objects = [
        network_policy("default-deny", namespace, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _egress_only("allow-dns", namespace, [dns_rule(policy)]),
        _egress_only("allow-coderd", namespace, [endpoint_rule(coder)]),
        _egress_only("allow-llm-gateway", namespace, [endpoint_rule(gateway)]),
        _egress_only("allow-vault", namespace, [vault_rule(policy)]),
    ]
    for rule in policy.egress.allow:
        if rule.cidrs:
            to = [ip_block(c) for c in rule.cidrs]
            allow = {"to": to, "ports": _ports(rule.ports, rule.protocol)}
            objects.append(_egress_only(f"allow-egress-{normalise_name(rule.name)}", namespace, [allow]))
    if policy.cluster.network_plugin == "cilium":
        fqdn = _workspace_fqdn_policy(policy, namespace)
        if fqdn is not None:
            objects.append(fqdn)
    return objects
