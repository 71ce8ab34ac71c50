"""The egress view builders: DNS modes, metadata exceptions, gateway and inference policies, rules."""

from __future__ import annotations

from typing import Any

import pytest

from cdeops.errors import PolicyError
from cdeops.views.egress import ip_block, workspace_egress_objects
from cdeops.views.platform_policies import (
    HUGGINGFACE_HOSTS,
    gateway_namespace_objects,
    inference_namespace_objects,
    provider_egress_mode,
    provider_hosts,
)
from tests.egress.support import example_data, load_data

Obj = dict[str, Any]


def _policy(example: str, **changes: Any) -> Any:
    data = example_data(example)
    for dotted, value in changes.items():
        target = data
        *parents, last = dotted.split("__")
        for key in parents:
            target = target.setdefault(key, {})
        if value is None:
            target.pop(last, None)
        else:
            target[last] = value
    return load_data(data, example).policy


def _by_name(objects: list[Obj]) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] != "Namespace"}


def _dns_rule(policy: Any) -> Obj:
    rule: Obj = _by_name(workspace_egress_objects(policy, "ws-x"))["allow-dns"]["spec"]["egress"][0]
    return rule


def test_kube_dns_mode_has_no_ip_block() -> None:
    rule = _dns_rule(_policy("minimal"))
    assert [p for p in rule["to"] if "ipBlock" in p] == []
    assert rule["ports"] == [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]


def test_node_local_dns_adds_its_address_on_53() -> None:
    rule = _dns_rule(_policy("minimal", cluster__dns={"mode": "node-local"}))
    assert {"ipBlock": {"cidr": "169.254.20.10/32"}} in rule["to"]
    assert {p["port"] for p in rule["ports"]} == {53}


def test_cloud_dns_opens_the_metadata_address_on_53_only() -> None:
    policy = _policy("gke-networkpolicy")
    rule = _dns_rule(policy)
    assert {"ipBlock": {"cidr": "169.254.169.254/32"}} in rule["to"]
    assert {p["port"] for p in rule["ports"]} == {53}
    others = [o for n, o in _by_name(workspace_egress_objects(policy, "ws-x")).items() if n != "allow-dns"]
    assert "169.254.169.254/32" not in str(others)


def test_ip_blocks_covering_metadata_except_it() -> None:
    assert ip_block("169.254.0.0/16") == {"ipBlock": {"cidr": "169.254.0.0/16", "except": ["169.254.169.254/32"]}}
    assert ip_block("10.0.0.0/8") == {"ipBlock": {"cidr": "10.0.0.0/8"}}
    assert ip_block("169.254.169.254/32") == {"ipBlock": {"cidr": "169.254.169.254/32"}}
    assert ip_block("0.0.0.0/0", ["169.254.0.0/16"])["ipBlock"]["except"] == ["169.254.0.0/16"]
    assert ip_block("fd00::/8") == {"ipBlock": {"cidr": "fd00::/8"}}


def test_user_dns_cidrs_covering_metadata_carry_the_exception() -> None:
    rule = _dns_rule(_policy("minimal", cluster__dns={"mode": "node-local", "cidrs": ["169.254.0.0/16"]}))
    assert {"ipBlock": {"cidr": "169.254.0.0/16", "except": ["169.254.169.254/32"]}} in rule["to"]


def test_workspace_fqdn_policy_routes_every_lookup_through_the_proxy() -> None:
    objects = _by_name(workspace_egress_objects(_policy("eks-cilium"), "ws-x"))
    cnp = objects["allow-egress-fqdn"]
    assert cnp["spec"]["endpointSelector"] == {}
    dns, *fqdn = cnp["spec"]["egress"]
    assert dns["toPorts"][0]["rules"] == {"dns": [{"matchPattern": "*"}]}
    assert fqdn[0]["toFQDNs"] == [{"matchPattern": "*.githubusercontent.com"}, {"matchName": "github.com"}]


def test_gateway_on_cilium_reaches_providers_by_name() -> None:
    policy = _policy("eks-cilium")
    objects = _by_name(gateway_namespace_objects(policy))
    assert provider_egress_mode(policy) == "fqdn"
    cnp = objects["allow-providers-fqdn"]
    assert cnp["spec"]["endpointSelector"] == {"matchLabels": {"app.kubernetes.io/name": "llm-gateway"}}
    assert cnp["spec"]["egress"][-1]["toFQDNs"] == [{"matchName": "api.anthropic.com"}, {"matchName": "api.openai.com"}]
    assert "allow-providers-public" not in objects


def test_gateway_without_cilium_reaches_public_443_excluding_private_and_metadata() -> None:
    objects = _by_name(gateway_namespace_objects(_policy("minimal")))
    rule = objects["allow-providers-public"]["spec"]["egress"][0]
    block = rule["to"][0]["ipBlock"]
    assert block["cidr"] == "0.0.0.0/0"
    assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"} <= set(block["except"])
    assert rule["ports"] == [{"protocol": "TCP", "port": 443}]


def test_gateway_provider_cidrs_replace_the_public_rule() -> None:
    policy = _policy("minimal", gateway__provider_cidrs=["160.79.104.0/23"])
    objects = _by_name(gateway_namespace_objects(policy))
    assert provider_egress_mode(policy) == "cidrs"
    assert "allow-providers-public" not in objects
    assert objects["allow-provider-cidrs"]["spec"]["egress"][0]["to"] == [{"ipBlock": {"cidr": "160.79.104.0/23"}}]


def test_gateway_ingress_only_from_workspace_namespaces() -> None:
    objects = _by_name(gateway_namespace_objects(_policy("minimal")))
    ingress = [o for o in objects.values() if "Ingress" in o["spec"]["policyTypes"] and o["spec"].get("ingress")]
    gateway_ingress = [o for o in ingress if o["metadata"]["name"] == "allow-from-workspaces"]
    assert gateway_ingress[0]["spec"]["ingress"] == [
        {
            "from": [{"namespaceSelector": {"matchLabels": {"cdeops.io/workspaces": "true"}}}],
            "ports": [{"protocol": "TCP", "port": 4000}],
        }
    ]


@pytest.mark.parametrize(("replicas", "redis"), [(1, False), (2, True)])
def test_redis_only_with_several_replicas(replicas: int, redis: bool) -> None:
    objects = _by_name(gateway_namespace_objects(_policy("minimal", gateway__replicas=replicas)))
    assert ("allow-redis" in objects) is redis
    assert ("redis-from-gateway" in objects) is redis


@pytest.mark.parametrize(("injection", "vault"), [("agent", True), ("operator", False), ("external-secrets", False)])
def test_gateway_vault_egress_only_for_the_agent(injection: str, vault: bool) -> None:
    objects = _by_name(gateway_namespace_objects(_policy("minimal", vault__injection=injection)))
    assert ("allow-vault" in objects) is vault


def test_inference_namespace_accepts_only_the_gateway() -> None:
    policy = _policy("eks-cilium")
    objects = _by_name(inference_namespace_objects(policy))
    assert set(objects) == {"default-deny", "allow-from-gateway", "allow-dns"}
    peer = objects["allow-from-gateway"]["spec"]["ingress"][0]["from"]
    assert peer == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "llm-gateway"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "llm-gateway"}},
        }
    ]
    assert inference_namespace_objects(_policy("minimal")) == []


def _not_air_gapped(example: str) -> Any:
    data = example_data(example)
    data["inference"][0]["air_gapped"] = False
    return load_data(data, example).policy


def test_model_download_on_cilium_is_huggingface_by_name() -> None:
    objects = _by_name(inference_namespace_objects(_not_air_gapped("eks-cilium")))
    cnp = objects["allow-model-download-llama-3-1-8b"]
    assert cnp["kind"] == "CiliumNetworkPolicy"
    assert cnp["spec"]["endpointSelector"]["matchLabels"]["cdeops.io/inference-model"] == "vllm-llama-3-1-8b"
    names = {next(iter(s.values())) for s in cnp["spec"]["egress"][-1]["toFQDNs"]}
    assert names == set(HUGGINGFACE_HOSTS)


def test_model_download_without_cilium_is_public_443() -> None:
    data = example_data("eks-cilium")
    data["inference"][0]["air_gapped"] = False
    data["cluster"]["network_plugin"] = "calico"
    data["egress"]["allow"] = [r for r in data["egress"]["allow"] if "hosts" not in r]
    objects = _by_name(inference_namespace_objects(load_data(data, "eks-cilium").policy))
    rule = objects["allow-model-download-llama-3-1-8b"]["spec"]["egress"][0]
    assert rule["to"][0]["ipBlock"]["cidr"] == "0.0.0.0/0"
    assert "169.254.0.0/16" in rule["to"][0]["ipBlock"]["except"]


def test_provider_hosts_default_per_kind() -> None:
    policy = _policy("gke-networkpolicy")
    assert provider_hosts(policy.provider("mistral")) == ["api.mistral.ai"]
    data = example_data("gke-networkpolicy")
    del data["providers"][0]["hosts"]
    vertex = load_data(data, "gke-networkpolicy").policy.provider("vertex")
    assert provider_hosts(vertex) == ["europe-west4-aiplatform.googleapis.com", "oauth2.googleapis.com"]


def _problems(example: str, edit: Any) -> list[str]:
    data = example_data(example)
    edit(data)
    with pytest.raises(PolicyError) as info:
        load_data(data, example)
    return [i.message for i in info.value.issues]


def test_workspaces_may_not_name_a_provider_host() -> None:
    def edit(data: Obj) -> None:
        data["egress"]["allow"].append({"name": "sneaky", "hosts": ["*.anthropic.com"]})

    problems = _problems("eks-cilium", edit)
    assert any("reaches provider 'anthropic' (api.anthropic.com)" in p for p in problems), problems


def test_provider_cidrs_may_not_cover_metadata_or_overlap_workspace_rules() -> None:
    def edit(data: Obj) -> None:
        data["gateway"]["provider_cidrs"] = ["169.254.0.0/16", "10.50.0.0/16"]

    problems = _problems("gke-networkpolicy", edit)
    assert any("includes the cloud metadata address" in p for p in problems), problems
    assert any("overlaps gateway.provider_cidrs" in p for p in problems), problems


def test_dns_cidrs_may_cover_metadata_only_in_cloud_dns_mode() -> None:
    def edit(data: Obj) -> None:
        data["cluster"]["dns"] = {"mode": "node-local", "cidrs": ["169.254.169.254/32"]}

    problems = _problems("minimal", edit)
    assert any("only dns mode cloud-dns resolves through it" in p for p in problems), problems


def test_hosts_need_cilium() -> None:
    def edit(data: Obj) -> None:
        data["cluster"]["network_plugin"] = "calico"

    problems = _problems("eks-cilium", edit)
    assert any("host names need network_plugin: cilium" in p for p in problems), problems


def test_gateway_namespace_must_be_dedicated() -> None:
    def edit(data: Obj) -> None:
        data["gateway"]["namespace"] = "vault"

    problems = _problems("eks-cilium", edit)
    assert any("the gateway namespace 'vault' is also vault.endpoint.namespace" in p for p in problems), problems


def _stores(example: str, injection: str) -> dict[str, Obj]:
    policy = _policy(example, vault__injection=injection)
    return {o["kind"]: o for o in gateway_namespace_objects(policy) if o["kind"] != "NetworkPolicy"}


def test_operator_mode_gives_the_gateway_namespace_its_vault_auth() -> None:
    objects = _stores("eks-cilium", "operator")
    auth = objects["VaultAuth"]
    assert auth["metadata"] == {
        "name": "cdeops-vault",
        "namespace": "llm-gateway",
        "labels": {"app.kubernetes.io/managed-by": "cdeops", "app.kubernetes.io/part-of": "cdeops"},
    }
    assert auth["spec"]["kubernetes"]["role"] == "acme-llm-gateway"
    assert auth["spec"]["kubernetes"]["serviceAccount"] == "llm-gateway"
    assert objects["VaultConnection"]["spec"]["address"] == "https://vault.acme.example:8200"
    assert "SecretStore" not in objects


def test_external_secrets_mode_gives_the_gateway_namespace_its_secret_store() -> None:
    store = _stores("gke-networkpolicy", "external-secrets")["SecretStore"]
    vault = store["spec"]["provider"]["vault"]
    assert vault["auth"]["kubernetes"]["role"] == "globex-llm-gateway"
    assert vault["auth"]["kubernetes"]["serviceAccountRef"]["name"] == "llm-gateway"
    assert vault["path"] == "secret" and vault["version"] == "v2"


def test_agent_mode_needs_no_vault_store_in_the_gateway_namespace() -> None:
    assert set(_stores("eks-cilium", "agent")) == {"Namespace", "CiliumNetworkPolicy"}
