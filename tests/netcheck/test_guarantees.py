"""The egress promise on hand-written policy sets: one that keeps it, and ways to break it."""

from __future__ import annotations

import json

import pytest
import yaml

from cdeops.checks.findings import Finding
from cdeops.netcheck import (
    Endpoint,
    External,
    Port,
    assert_workspace_guarantees,
    describe,
    reachability,
)

from .cases import WS, good_objects, replace, topology, workspace_egress


def errors(findings: list[Finding]) -> list[str]:
    return [f.message for f in findings if f.severity == "error"]


def matching(findings: list[Finding], *words: str) -> list[str]:
    return [m for m in errors(findings) if all(w in m for w in words)]


def check(objects: list[dict[str, object]], **topology_overrides: object) -> list[Finding]:
    return assert_workspace_guarantees(objects, topology(**topology_overrides), [WS])


def test_correct_policy_set_keeps_every_promise() -> None:
    assert check(good_objects()) == []


def test_findings_are_egress_findings_naming_the_file() -> None:
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress("    - {}"))
    findings = assert_workspace_guarantees(objects, topology(), [WS], file="kubernetes/ws-payments.yaml")
    assert findings
    assert {f.check for f in findings} == {"egress"}
    assert {f.file for f in findings} == {"kubernetes/ws-payments.yaml"}
    assert findings == sorted(findings)


def test_missing_dns_rule_breaks_dns() -> None:
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(dns_rule=""))
    # The Cilium DNS rule of the FQDN policy still lets port 53 through: drop it too.
    cnp = yaml.safe_load(
        """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: workspace-fqdn, namespace: ws-payments}
spec:
  endpointSelector: {}
  egress:
    - toFQDNs: [{matchName: github.com}]
      toPorts: [{ports: [{port: "443", protocol: TCP}]}]
"""
    )
    objects = [cnp if o.get("metadata", {}).get("name") == "workspace-fqdn" else o for o in objects]
    findings = check(objects)
    assert matching(findings, "workspace namespace ws-payments cannot reach dns kube-dns", "53/UDP")
    assert matching(findings, "cannot reach dns kube-dns", "53/TCP")
    # ... and without DNS the FQDN rule is dead: both the reachability and a static finding say so.
    assert matching(findings, "cannot reach allowed github", "is ineffective")
    assert matching(findings, "toFQDNs matchName: github.com has no effect")


def test_dns_selectors_split_into_two_peers_open_all_of_kube_system() -> None:
    split = """
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
        - podSelector: {matchLabels: {k8s-app: kube-dns}}
      ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
"""
    other = Endpoint("metrics-server", "kube-system", {"k8s-app": "metrics-server"}, (Port(53, "UDP"),))
    base = topology()
    probe = type(base)((*base.endpoints, other), base.externals, base.namespaces, base.workspace_labels)
    good = reachability(good_objects(), probe, probe.workspace(WS))
    assert not good.verdict("metrics-server").allowed
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(dns_rule=split))
    broken = reachability(objects, probe, probe.workspace(WS))
    assert broken.verdict("metrics-server").allowed
    assert broken.verdict("kube-dns").fully_allowed


def test_dns_split_with_any_namespace_and_no_ports_reaches_inference() -> None:
    split = """
    - to:
        - namespaceSelector: {}
        - podSelector: {matchLabels: {k8s-app: kube-dns}}
"""
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(dns_rule=split))
    findings = check(objects)
    # The inference ingress policy still stops the connection: a warning names the egress hole.
    assert errors(findings) == []
    warnings = [f.message for f in findings if f.severity == "warning"]
    assert any("egress allows inference vllm-llama" in w and "8000/TCP" in w for w in warnings)
    # Without that ingress policy the workspace reaches the inference server: an error.
    objects = [o for o in objects if o["metadata"].get("namespace") != "llm-inference"]
    assert matching(check(objects), "can reach inference vllm-llama", "8000/TCP", "workspace-egress")


def test_rule_without_to_opens_the_world() -> None:
    extra = """
    - ports: [{protocol: TCP, port: 443}]
"""
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(extra))
    findings = check(objects)
    assert matching(findings, "can reach world internet-address", "443/TCP", "no peer list")
    assert matching(findings, "can reach world internet-name")
    assert matching(findings, "can reach provider api.openai.com")
    assert matching(findings, "can reach metadata cloud-metadata", "443/TCP")


def test_provider_cidr_in_ip_block_reaches_the_provider() -> None:
    extra = """
    - to:
        - ipBlock: {cidr: 162.159.0.0/16}
      ports: [{protocol: TCP, port: 443}]
"""
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(extra))
    findings = check(objects, provider_ips={"api.openai.com": "162.159.140.245"})
    assert matching(findings, "can reach provider api.openai.com", "ipBlock")
    assert not matching(findings, "can reach provider api.anthropic.com")  # address unknown, /16 undecidable
    assert not matching(findings, "can reach world")


def test_broad_ip_block_with_rfc1918_except_reaches_world_and_metadata() -> None:
    extra = """
    - to:
        - ipBlock:
            cidr: 0.0.0.0/0
            except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]
"""
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(extra))
    findings = check(objects)
    assert matching(findings, "can reach world internet-address")
    assert matching(findings, "can reach world internet-name")
    assert matching(findings, "can reach metadata cloud-metadata")
    assert matching(findings, "can reach provider api.anthropic.com")
    # ipBlock does not apply to pods here: inference stays out of reach
    assert not matching(findings, "can reach inference")


def test_broad_ip_block_excepting_metadata_still_reaches_the_world() -> None:
    extra = """
    - to:
        - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}
"""
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(extra))
    findings = check(objects)
    assert matching(findings, "can reach world")
    assert not matching(findings, "can reach metadata")


def test_typo_in_gateway_namespace_label_breaks_the_gateway() -> None:
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress())
    text = json.dumps(objects).replace(
        '"kubernetes.io/metadata.name": "llm-gateway"}}, "podSelector": {"matchLabels": '
        '{"app.kubernetes.io/name": "litellm"}}}], "ports": [{"protocol": "TCP", "port": 4000}]',
        '"kubernetes.io/metadata.name": "llm-gatway"}}, "podSelector": {"matchLabels": '
        '{"app.kubernetes.io/name": "litellm"}}}], "ports": [{"protocol": "TCP", "port": 4000}]',
    )
    assert "llm-gatway" in text
    findings = check(json.loads(text))
    assert matching(findings, "workspace namespace ws-payments cannot reach gateway gateway", "4000/TCP")


def test_gateway_ingress_that_forgets_workspaces_breaks_the_gateway() -> None:
    ingress = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: gateway-ingress, namespace: llm-gateway}
spec:
  podSelector: {matchLabels: {app.kubernetes.io/name: litellm}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {cdeops.io/workspaces: "yes"}}}]
"""
    findings = check(replace(good_objects(), "llm-gateway", "gateway-ingress", ingress))
    assert matching(findings, "cannot reach gateway", "ingress: ingress default deny")


def test_fqdn_rule_without_dns_proxy_rule_is_a_finding() -> None:
    providers = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: gateway-providers, namespace: llm-gateway}
spec:
  endpointSelector: {matchLabels: {app.kubernetes.io/name: litellm}}
  egress:
    - toFQDNs: [{matchName: api.anthropic.com}, {matchName: api.openai.com}]
      toPorts: [{ports: [{port: "443", protocol: TCP}]}]
"""
    findings = check(replace(good_objects(), "llm-gateway", "gateway-providers", providers))
    assert matching(findings, "gateway gateway (llm-gateway) cannot reach provider api.openai.com", "ineffective")
    assert matching(findings, "toFQDNs matchName: api.anthropic.com has no effect", "litellm")


def test_dns_rule_narrower_than_the_fqdn_rule_is_a_finding() -> None:
    providers = yaml.safe_dump(
        {
            "apiVersion": "cilium.io/v2",
            "kind": "CiliumNetworkPolicy",
            "metadata": {"name": "gateway-providers", "namespace": "llm-gateway"},
            "spec": {
                "endpointSelector": {"matchLabels": {"app.kubernetes.io/name": "litellm"}},
                "egress": [
                    {
                        "toEndpoints": [{"matchLabels": {"k8s:io.kubernetes.pod.namespace": "kube-system"}}],
                        "toPorts": [
                            {
                                "ports": [{"port": "53", "protocol": "UDP"}],
                                "rules": {"dns": [{"matchPattern": "*.anthropic.com"}]},
                            }
                        ],
                    },
                    {"toFQDNs": [{"matchName": "api.anthropic.com"}, {"matchName": "api.openai.com"}]},
                ],
            },
        }
    )
    findings = check(replace(good_objects(), "llm-gateway", "gateway-providers", providers))
    assert matching(findings, "cannot reach provider api.openai.com")
    assert not matching(findings, "cannot reach provider api.anthropic.com")


def test_cilium_to_entities_world_opens_the_world() -> None:
    extra = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: workspace-world, namespace: ws-payments}
spec:
  endpointSelector: {}
  egress:
    - toEntities: [world]
"""
    objects = [*good_objects(), yaml.safe_load(extra)]
    findings = check(objects)
    assert matching(findings, "can reach world internet-address", "entity world")
    assert matching(findings, "can reach provider api.openai.com", "entity world")
    assert matching(findings, "can reach metadata cloud-metadata")
    assert not matching(findings, "can reach inference")


def test_workspace_namespace_without_any_policy_is_wide_open() -> None:
    findings = assert_workspace_guarantees(good_objects(), topology(), ["ws-forgotten"])
    assert matching(findings, "ws-forgotten can reach world", "not isolated")
    assert matching(findings, "ws-forgotten can reach provider")
    assert matching(findings, "ws-forgotten can reach metadata")
    # ... and inference is blocked by its own ingress policy, not by the workspace's egress
    assert not matching(findings, "ws-forgotten can reach inference")


def test_inference_without_ingress_policy_accepts_anyone() -> None:
    objects = [o for o in good_objects() if o["metadata"].get("namespace") != "llm-inference"]
    findings = check(objects)
    assert matching(findings, "inference vllm-llama (llm-inference) accepts 8000/TCP from", "ws-payments")
    assert matching(findings, "accepts 8000/TCP from pods in namespace cdeops-netcheck-stranger")


def test_gateway_reaching_the_world_is_a_finding() -> None:
    extra = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: gateway-anything, namespace: llm-gateway}
spec:
  podSelector: {}
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}], ports: [{port: 443}]}]
"""
    findings = check([*good_objects(), yaml.safe_load(extra)])
    assert matching(findings, "gateway gateway (llm-gateway) can reach world internet-address")


def test_egress_deny_wins_over_allows() -> None:
    deny = """
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: no-vault}
spec:
  endpointSelector: {matchLabels: {k8s:io.kubernetes.pod.namespace: ws-payments}}
  egressDeny:
    - toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: vault}}]
"""
    findings = check([*good_objects(), yaml.safe_load(deny)])
    assert matching(findings, "cannot reach vault", "denied by CiliumClusterwideNetworkPolicy no-vault")


def test_external_vault_by_cidr() -> None:
    vault = External("vault", (Port(8200),), ip="10.20.0.5")
    assert matching(check(good_objects(), vault=vault), "cannot reach vault vault (10.20.0.5)")
    extra = """
    - to: [{ipBlock: {cidr: 10.20.0.5/32}}]
      ports: [{protocol: TCP, port: 8200}]
"""
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(extra))
    assert check(objects, vault=vault) == []


def test_named_port_to_inference_without_names_is_a_warning() -> None:
    extra = """
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: llm-inference}}
      ports: [{port: http}]
"""
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(extra))
    findings = check(objects)
    assert errors(findings) == []
    warnings = [f.message for f in findings if f.severity == "warning"]
    assert any("inference vllm-llama" in w and "named port cannot be resolved" in w for w in warnings)
    named = [Endpoint("vllm-llama", "llm-inference", {"app.kubernetes.io/name": "vllm"}, (Port(8000, "TCP", "http"),))]
    findings = check([o for o in objects if o["metadata"].get("namespace") != "llm-inference"], inference=named)
    assert matching(findings, "can reach inference vllm-llama", "8000/TCP (http)")


def test_missing_roles_in_topology_are_warnings() -> None:
    from cdeops.netcheck import Topology

    findings = assert_workspace_guarantees(good_objects(), Topology(), [WS])
    assert findings
    assert all(f.severity == "warning" for f in findings)
    assert any("no dns destination" in f.message for f in findings)


@pytest.mark.parametrize("shuffle", [False, True])
def test_result_is_independent_of_object_order(shuffle: bool) -> None:
    objects = replace(good_objects(), WS, "workspace-egress", workspace_egress(dns_rule=""))
    if shuffle:
        objects = list(reversed(objects))
    baseline = check(replace(good_objects(), WS, "workspace-egress", workspace_egress(dns_rule="")))
    assert check(objects) == baseline


def test_describe_and_dict_forms() -> None:
    t = topology()
    result = reachability(good_objects(), t, t.workspace(WS))
    text = describe(result)
    assert "[gateway] gateway" in text
    assert "[provider] api.openai.com (api.openai.com): blocked" in text
    assert "4000/TCP: allowed - NetworkPolicy ws-payments/workspace-egress egress[2].peers[0]" in text
    verbose = describe([result], verbose=True)
    assert "egress default deny" in verbose
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    destinations = data["destinations"]
    assert isinstance(destinations, list)
    assert {d["name"]: d["allowed"] for d in destinations}["api.openai.com"] is False
    assert describe([]) == ""


def test_standard_topology_shape() -> None:
    from cdeops.netcheck import WORLD_SAMPLE_IP, standard_topology

    t = standard_topology(provider_hosts=["api.openai.com"], provider_ips={"api.openai.com": "162.159.140.245"})
    roles = {e.role for e in t.endpoints} | {e.role for e in t.externals}
    assert roles == {"dns", "coderd", "gateway", "vault", "provider", "world", "metadata"}
    (provider,) = t.by_role("provider")
    assert isinstance(provider, External)
    assert (provider.fqdn, provider.ip) == ("api.openai.com", "162.159.140.245")
    assert any(isinstance(e, External) and e.ip == WORLD_SAMPLE_IP for e in t.by_role("world"))
    workspace = t.workspace("ws-a")
    assert (workspace.namespace, workspace.role) == ("ws-a", "workspace")


def test_cilium_dns_selectors_split_into_two_endpoints_open_kube_system() -> None:
    split = """
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: workspace-fqdn, namespace: ws-payments}
spec:
  endpointSelector: {}
  egress:
    - toEndpoints:
        - matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system}
        - matchLabels: {k8s:k8s-app: kube-dns}
      toPorts:
        - ports: [{port: "53", protocol: ANY}]
          rules: {dns: [{matchPattern: "*"}]}
"""
    other = Endpoint("metrics-server", "kube-system", {"k8s-app": "metrics-server"}, (Port(53, "UDP"),))
    base = topology()
    probe = type(base)((*base.endpoints, other), base.externals, base.namespaces, base.workspace_labels)
    objects = replace(good_objects(), WS, "workspace-fqdn", split)
    result = reachability(objects, probe, probe.workspace(WS))
    assert result.verdict("metrics-server").allowed
    reasons = result.verdict("metrics-server").ports[0].egress.reasons
    assert reasons == ("CiliumNetworkPolicy ws-payments/workspace-fqdn spec.egress[0] endpoints[0]",)
