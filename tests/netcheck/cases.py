"""Hand-written policy sets: one that keeps the egress promise, and helpers to break it."""

from __future__ import annotations

import copy
from typing import Any

import yaml

from cdeops.netcheck import Endpoint, External, Port, Topology, standard_topology

WS = "ws-payments"

NAMESPACES = """
- apiVersion: v1
  kind: Namespace
  metadata:
    name: ws-payments
    labels: {cdeops.io/team: payments, cdeops.io/workspaces: "true"}
- apiVersion: v1
  kind: Namespace
  metadata: {name: llm-gateway, labels: {cdeops.io/component: gateway}}
- apiVersion: v1
  kind: Namespace
  metadata: {name: llm-inference, labels: {cdeops.io/component: inference}}
"""

WORKSPACE = """
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: default-deny, namespace: ws-payments}
  spec:
    podSelector: {}
    policyTypes: [Ingress, Egress]
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: workspace-egress, namespace: ws-payments}
  spec:
    podSelector: {}
    policyTypes: [Egress]
    egress:
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
            podSelector: {matchLabels: {k8s-app: kube-dns}}
        ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: coder}}
            podSelector: {matchLabels: {app.kubernetes.io/name: coder}}
        ports: [{protocol: TCP, port: 8080}]
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: llm-gateway}}
            podSelector: {matchLabels: {app.kubernetes.io/name: litellm}}
        ports: [{protocol: TCP, port: 4000}]
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: vault}}
            podSelector: {matchLabels: {app.kubernetes.io/name: vault}}
        ports: [{protocol: TCP, port: 8200}]
      - to:
          - ipBlock: {cidr: 10.40.0.0/16}
        ports: [{protocol: TCP, port: 443}]
- apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata: {name: workspace-fqdn, namespace: ws-payments}
  spec:
    endpointSelector: {}
    egress:
      - toEndpoints:
          - matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}
        toPorts:
          - ports: [{port: "53", protocol: ANY}]
            rules:
              dns: [{matchName: github.com}, {matchPattern: "*.githubusercontent.com"}]
      - toFQDNs: [{matchName: github.com}, {matchPattern: "*.githubusercontent.com"}]
        toPorts:
          - ports: [{port: "443", protocol: TCP}]
"""

GATEWAY = """
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: default-deny, namespace: llm-gateway}
  spec:
    podSelector: {}
    policyTypes: [Ingress, Egress]
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: gateway-ingress, namespace: llm-gateway}
  spec:
    podSelector: {matchLabels: {app.kubernetes.io/name: litellm}}
    ingress:
      - from:
          - namespaceSelector: {matchLabels: {cdeops.io/workspaces: "true"}}
        ports: [{protocol: TCP, port: 4000}]
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: gateway-egress, namespace: llm-gateway}
  spec:
    podSelector: {matchLabels: {app.kubernetes.io/name: litellm}}
    policyTypes: [Egress]
    egress:
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
            podSelector: {matchLabels: {k8s-app: kube-dns}}
        ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
      - to:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: llm-inference}}
            podSelector: {matchLabels: {app.kubernetes.io/name: vllm}}
        ports: [{protocol: TCP, port: 8000}]
- apiVersion: cilium.io/v2
  kind: CiliumNetworkPolicy
  metadata: {name: gateway-providers, namespace: llm-gateway}
  spec:
    endpointSelector: {matchLabels: {app.kubernetes.io/name: litellm}}
    egress:
      - toEndpoints:
          - matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}
        toPorts:
          - ports: [{port: "53", protocol: ANY}]
            rules: {dns: [{matchPattern: "*"}]}
      - toFQDNs: [{matchName: api.anthropic.com}, {matchName: api.openai.com}]
        toPorts:
          - ports: [{port: "443", protocol: TCP}]
"""

INFERENCE = """
- apiVersion: networking.k8s.io/v1
  kind: NetworkPolicy
  metadata: {name: inference-ingress, namespace: llm-inference}
  spec:
    podSelector: {}
    policyTypes: [Ingress, Egress]
    ingress:
      - from:
          - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: llm-gateway}}
        ports: [{protocol: TCP, port: 8000}]
"""


def good_objects() -> list[dict[str, Any]]:
    """A policy set that keeps every egress promise."""
    docs: list[dict[str, Any]] = []
    for text in (NAMESPACES, WORKSPACE, GATEWAY, INFERENCE):
        docs.extend(yaml.safe_load(text))
    return docs


def topology(**overrides: Any) -> Topology:
    arguments: dict[str, Any] = {
        "provider_hosts": ["api.anthropic.com", "api.openai.com"],
        "inference": [Endpoint("vllm-llama", "llm-inference", {"app.kubernetes.io/name": "vllm"}, (Port(8000),))],
        "allowed": [
            External("github", (Port(443),), fqdn="github.com"),
            External("raw-github", (Port(443),), fqdn="raw.githubusercontent.com"),
            External("artifact-mirror", (Port(443),), ip="10.40.1.5"),
        ],
    }
    arguments.update(overrides)
    return standard_topology(**arguments)


def find(objects: list[dict[str, Any]], namespace: str, name: str) -> dict[str, Any]:
    for obj in objects:
        metadata = obj.get("metadata", {})
        if metadata.get("namespace") == namespace and metadata.get("name") == name:
            return obj
    raise KeyError(f"{namespace}/{name}")


def replace(objects: list[dict[str, Any]], namespace: str, name: str, text: str) -> list[dict[str, Any]]:
    """A copy of ``objects`` where the object ``namespace/name`` is replaced by the YAML ``text``."""
    result = copy.deepcopy(objects)
    index = result.index(find(result, namespace, name))
    result[index] = yaml.safe_load(text)
    return result


def workspace_egress(extra_rules: str = "", dns_rule: str | None = None) -> str:
    """The workspace egress NetworkPolicy, with its DNS rule and extra rules replaceable."""
    dns = dns_rule if dns_rule is not None else DNS_RULE
    return f"""
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: workspace-egress, namespace: ws-payments}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
{dns}
    - to:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: coder}}}}
          podSelector: {{matchLabels: {{app.kubernetes.io/name: coder}}}}
      ports: [{{protocol: TCP, port: 8080}}]
    - to:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: llm-gateway}}}}
          podSelector: {{matchLabels: {{app.kubernetes.io/name: litellm}}}}
      ports: [{{protocol: TCP, port: 4000}}]
    - to:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: vault}}}}
          podSelector: {{matchLabels: {{app.kubernetes.io/name: vault}}}}
      ports: [{{protocol: TCP, port: 8200}}]
    - to:
        - ipBlock: {{cidr: 10.40.0.0/16}}
      ports: [{{protocol: TCP, port: 443}}]
{extra_rules}
"""


DNS_RULE = """
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
          podSelector: {matchLabels: {k8s-app: kube-dns}}
      ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
"""
