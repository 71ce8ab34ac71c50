"""The gateway and inference namespaces: Namespace objects, network policies, Vault stores.

Gateway namespace: default deny in and out; the gateway pods accept connections on the gateway port
from workspace namespaces only (label ``cdeops.io/workspaces: "true"``) and may reach DNS, the
inference pods (TCP 8000), Vault (agent injection), Redis in their namespace (when replicas > 1)
and the approved providers: by name (``toFQDNs``) on Cilium; on other plugins by
``gateway.provider_cidrs``, or — the weaker default — TCP 443 on any public address.

With ``vault.injection`` ``operator`` / ``external-secrets`` the gateway namespace also gets the
VaultConnection + VaultAuth / SecretStore (``cdeops-vault``) the chart's secret objects refer to.

Inference namespace (only when the policy has inference entries): default deny in and out; vLLM
pods accept TCP 8000 from the gateway pods only and resolve names; a model that is not air-gapped
may also download weights from Hugging Face (by name on Cilium, public 443 elsewhere).

Pod labels follow the Helm chart (helm/cdeops-llm-stack): vLLM pods carry
``app.kubernetes.io/name: vllm`` + ``app.kubernetes.io/component: inference`` and
``cdeops.io/inference-model: vllm-<name>``; Redis pods ``app.kubernetes.io/name: llm-gateway-redis``
+ ``app.kubernetes.io/component: gateway-state``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..policy.document import Policy
from ..policy.fields import normalise_name
from ..policy.llm import Inference, Provider
from .egress import (
    cilium_dns_rules,
    cilium_network_policy,
    dns_rule,
    fqdn_selectors,
    ip_block,
    network_policy,
    pod_peer,
    vault_rule,
)
from .gateway_env import needs_redis
from .naming import (
    GATEWAY_SA,
    GATEWAY_SERVICE,
    MANAGED_LABELS,
    WORKSPACES_LABEL,
    gateway_vault_role,
    inference_namespace,
    pod_security_labels,
)
from .vault_sync import vault_login_objects

__all__ = [
    "HUGGINGFACE_HOSTS",
    "INFERENCE_POD_LABELS",
    "INFERENCE_PORT",
    "NON_PUBLIC_IPV4",
    "REDIS_POD_LABELS",
    "REDIS_PORT",
    "gateway_namespace_objects",
    "gateway_uses_redis",
    "inference_model_labels",
    "inference_namespace_objects",
    "provider_egress_mode",
    "provider_hosts",
    "provider_ports",
]

Obj = dict[str, Any]

INFERENCE_PORT = 8000
INFERENCE_POD_LABELS = {"app.kubernetes.io/component": "inference", "app.kubernetes.io/name": "vllm"}
REDIS_PORT = 6379
REDIS_POD_LABELS = {
    "app.kubernetes.io/component": "gateway-state",
    "app.kubernetes.io/name": f"{GATEWAY_SERVICE}-redis",
}
MODEL_LABEL = "cdeops.io/inference-model"
#: Where vLLM downloads weights from when a model is not air-gapped.
HUGGINGFACE_HOSTS = ("huggingface.co", "*.huggingface.co", "hf.co", "*.hf.co", "*.xethub.hf.co")
#: Excluded from "any public address" rules: private, shared (CGNAT), loopback and link-local
#: (which holds the cloud metadata address) ranges, so the cluster's own networks stay closed.
NON_PUBLIC_IPV4 = ("10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16")

_DEFAULT_HOSTS: dict[str, tuple[str, ...]] = {
    "anthropic": ("api.anthropic.com",),
    "openai": ("api.openai.com",),
    "mistral": ("api.mistral.ai",),
    "gemini": ("generativelanguage.googleapis.com",),
    "bedrock": ("bedrock-runtime.{region}.amazonaws.com", "sts.{region}.amazonaws.com"),
    "vertex": ("{region}-aiplatform.googleapis.com", "oauth2.googleapis.com"),
}


def provider_hosts(provider: Provider) -> list[str]:
    """The host names the gateway may reach for a provider: ``hosts`` when given, else the host of
    ``api_base``, else the provider kind's public API (and token) endpoints."""
    if provider.hosts:
        return sorted(set(provider.hosts))
    if provider.api_base is not None:
        host = urlsplit(provider.api_base).hostname
        return [host.lower()] if host else []
    region = provider.region or ""
    return sorted({h.format(region=region) for h in _DEFAULT_HOSTS.get(provider.kind, ())})


def provider_ports(policy: Policy) -> list[int]:
    """TCP ports of the provider APIs: 443, plus any explicit port of an ``api_base``."""
    ports = {443}
    for provider in policy.providers:
        if provider.api_base is not None:
            port = urlsplit(provider.api_base).port
            if port is not None:
                ports.add(port)
    return sorted(ports)


def provider_egress_mode(policy: Policy) -> str:
    """``fqdn`` (Cilium), ``cidrs`` (``gateway.provider_cidrs``) or ``public`` (any public address)."""
    if policy.cluster.network_plugin == "cilium":
        return "fqdn"
    return "cidrs" if policy.gateway.provider_cidrs else "public"


def gateway_uses_redis(policy: Policy) -> bool:
    """Whether the gateway runs with Redis (the Helm values enable it from this): exactly when the
    LiteLLM config reads it (``gateway_env.needs_redis``: replicas share rate limits and budgets, or
    the cache is semantic). Portkey's config never reads Redis."""
    return policy.gateway.engine == "litellm" and needs_redis(policy)


def inference_model_labels(inference: Inference) -> dict[str, str]:
    """Labels of one inference entry's vLLM pods (the chart's selector labels)."""
    return {**INFERENCE_POD_LABELS, MODEL_LABEL: f"vllm-{normalise_name(inference.name)}"}


def _namespace(policy: Policy, name: str, component: str) -> Obj:
    labels = {
        **MANAGED_LABELS,
        "app.kubernetes.io/component": component,
        "env": policy.metadata.environment,
        **pod_security_labels(policy),
    }
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(sorted(labels.items()))}}


def _selector(labels: dict[str, str]) -> Obj:
    return {"matchLabels": dict(sorted(labels.items()))}


def _egress(name: str, namespace: str, pods: dict[str, str], rules: list[Obj]) -> Obj:
    return network_policy(name, namespace, {"podSelector": _selector(pods), "policyTypes": ["Egress"], "egress": rules})


def _ingress(name: str, namespace: str, pods: dict[str, str], rules: list[Obj]) -> Obj:
    spec = {"podSelector": _selector(pods), "policyTypes": ["Ingress"], "ingress": rules}
    return network_policy(name, namespace, spec)


def _public_443(ports: list[int]) -> Obj:
    return {"to": [ip_block("0.0.0.0/0", NON_PUBLIC_IPV4)], "ports": [{"protocol": "TCP", "port": p} for p in ports]}


def _provider_objects(policy: Policy, namespace: str, pods: dict[str, str]) -> list[Obj]:
    ports = provider_ports(policy)
    mode = provider_egress_mode(policy)
    objects: list[Obj] = []
    if mode == "fqdn":
        hosts = sorted({h for p in policy.providers for h in provider_hosts(p)})
        if hosts:
            fqdn_rule = {
                "toFQDNs": fqdn_selectors(hosts),
                "toPorts": [{"ports": [{"port": str(p), "protocol": "TCP"} for p in ports]}],
            }
            egress = [*cilium_dns_rules(policy), fqdn_rule]
            objects.append(cilium_network_policy("allow-providers-fqdn", namespace, pods, egress))
    if policy.gateway.provider_cidrs:
        to = [ip_block(c) for c in policy.gateway.provider_cidrs]
        rule = {"to": to, "ports": [{"protocol": "TCP", "port": p} for p in ports]}
        objects.append(_egress("allow-provider-cidrs", namespace, pods, [rule]))
    elif mode == "public" and policy.providers:
        objects.append(_egress("allow-providers-public", namespace, pods, [_public_443(ports)]))
    return objects


def _vault_store_objects(policy: Policy, namespace: str) -> list[Obj]:
    """``operator`` / ``external-secrets``: the VaultConnection + VaultAuth or SecretStore named
    ``cdeops-vault`` that the chart's VaultStaticSecret / ExternalSecret objects use. The operator
    logs in as the gateway's ServiceAccount, which the gateway's Vault role binds."""
    if not any(p.api_key for p in policy.providers):
        return []
    return vault_login_objects(policy, namespace, gateway_vault_role(policy), GATEWAY_SA, {})


def gateway_namespace_objects(policy: Policy) -> list[Obj]:
    """Namespace and network policies of the gateway namespace, in apply order."""
    gw = policy.gateway
    ns = gw.namespace
    pods = dict(gw.pod_labels)
    port = [{"protocol": "TCP", "port": gw.port}]
    workspaces = {"namespaceSelector": {"matchLabels": {WORKSPACES_LABEL: "true"}}}
    objects = [
        _namespace(policy, ns, "llm-gateway"),
        network_policy("default-deny", ns, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _ingress("allow-from-workspaces", ns, pods, [{"from": [workspaces], "ports": port}]),
        _egress("allow-dns", ns, pods, [dns_rule(policy)]),
    ]
    if policy.inference:
        to = [pod_peer(inference_namespace(policy), INFERENCE_POD_LABELS)]
        rule = {"to": to, "ports": [{"protocol": "TCP", "port": INFERENCE_PORT}]}
        objects.append(_egress("allow-inference", ns, pods, [rule]))
    if policy.vault.injection == "agent":  # the Vault Agent sidecar in the gateway pod reads provider keys
        objects.append(_egress("allow-vault", ns, pods, [vault_rule(policy)]))
    if gateway_uses_redis(policy):
        redis_port = [{"protocol": "TCP", "port": REDIS_PORT}]
        to_redis = {"to": [{"podSelector": _selector(REDIS_POD_LABELS)}], "ports": redis_port}
        from_gateway = {"from": [{"podSelector": _selector(pods)}], "ports": redis_port}
        objects.append(_egress("allow-redis", ns, pods, [to_redis]))
        objects.append(_ingress("redis-from-gateway", ns, REDIS_POD_LABELS, [from_gateway]))
    objects.extend(_provider_objects(policy, ns, pods))
    objects.extend(_vault_store_objects(policy, ns))
    return objects


def _download_objects(policy: Policy, namespace: str, inference: Inference) -> list[Obj]:
    name = f"allow-model-download-{normalise_name(inference.name)}"
    labels = inference_model_labels(inference)
    if policy.cluster.network_plugin == "cilium":
        fqdn_rule = {
            "toFQDNs": fqdn_selectors(HUGGINGFACE_HOSTS),
            "toPorts": [{"ports": [{"port": "443", "protocol": "TCP"}]}],
        }
        return [cilium_network_policy(name, namespace, labels, [*cilium_dns_rules(policy), fqdn_rule])]
    return [_egress(name, namespace, labels, [_public_443([443])])]


def inference_namespace_objects(policy: Policy) -> list[Obj]:
    """Namespace and network policies of the inference namespace; empty without inference entries."""
    if not policy.inference:
        return []
    ns = inference_namespace(policy)
    gw = policy.gateway
    from_gateway = {
        "from": [pod_peer(gw.namespace, gw.pod_labels)],
        "ports": [{"protocol": "TCP", "port": INFERENCE_PORT}],
    }
    objects = [
        _namespace(policy, ns, "llm-inference"),
        network_policy("default-deny", ns, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _ingress("allow-from-gateway", ns, INFERENCE_POD_LABELS, [from_gateway]),
        _egress("allow-dns", ns, INFERENCE_POD_LABELS, [dns_rule(policy)]),
    ]
    for inference in sorted(policy.inference, key=lambda i: normalise_name(i.name)):
        if not inference.air_gapped:
            objects.extend(_download_objects(policy, ns, inference))
    return objects
