"""Breaking the rendered objects breaks the proof: each tampering is caught by the egress check."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from cdeops.netcheck import External, Port, assert_workspace_guarantees
from cdeops.netcheck.tree import TOPOLOGY_FILE, egress_findings_for_tree, parse_topology_document
from tests.egress.support import edit_stream, kubernetes_objects, write_tree
from tests.support.examples import rendered

Obj = dict[str, Any]
TEAM_FILE = {"eks-cilium": "kubernetes/teams/payments.yaml", "gke-networkpolicy": "kubernetes/teams/web.yaml"}
ANTHROPIC_RANGE = "160.79.104.0/23"  # the address range Anthropic publishes for its API


def _errors(files: dict[str, bytes], tmp_path: Path) -> list[str]:
    return [str(f) for f in egress_findings_for_tree(write_tree(files, tmp_path)) if f.severity == "error"]


def _drop(name: str) -> Any:
    return lambda docs: [d for d in docs if d["metadata"]["name"] != name]


def _add_workspace_rule(rule: Obj, namespace: str) -> Any:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "tampered", "namespace": namespace},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"], "egress": [rule]},
    }
    return lambda docs: [*docs, policy]


@pytest.mark.parametrize("example", sorted(TEAM_FILE))
def test_untampered_tree_has_no_errors(example: str, tmp_path: Path) -> None:
    assert _errors(rendered(example)[1], tmp_path) == []


def test_removing_allow_dns_is_an_error(tmp_path: Path) -> None:
    files = edit_stream(rendered("gke-networkpolicy")[1], "kubernetes/teams/web.yaml", _drop("allow-dns"))
    errors = _errors(files, tmp_path)
    assert errors
    assert all("workspace namespace ws-web cannot reach dns" in e for e in errors), errors
    assert any("cannot reach dns kube-dns" in e for e in errors)
    assert any("cannot reach dns dns 169.254.169.254/32" in e for e in errors)


def test_on_cilium_dns_needs_both_allow_dns_and_the_proxy_rule(tmp_path: Path) -> None:
    """The FQDN policy's DNS-proxy rule also allows lookups: only removing both breaks DNS, and
    without the proxy rule the toFQDNs rules stop working."""
    path = "kubernetes/teams/payments.yaml"
    files = edit_stream(rendered("eks-cilium")[1], path, _drop("allow-dns"))
    assert _errors(files, tmp_path / "a") == []

    def strip_proxy(docs: list[Obj]) -> list[Obj]:
        for doc in docs:
            if doc["kind"] == "CiliumNetworkPolicy":
                doc["spec"]["egress"] = [r for r in doc["spec"]["egress"] if "toFQDNs" in r]
        return docs

    errors = _errors(edit_stream(files, path, strip_proxy), tmp_path / "b")
    assert any("ws-payments cannot reach dns kube-dns" in e for e in errors), errors
    assert any("toFQDNs matchName: github.com has no effect" in e for e in errors), errors
    assert any("ws-payments cannot reach allowed github github.com" in e for e in errors), errors


@pytest.mark.parametrize("example", sorted(TEAM_FILE))
def test_a_rule_without_to_opens_everything(example: str, tmp_path: Path) -> None:
    ns = {"eks-cilium": "ws-payments", "gke-networkpolicy": "ws-web"}[example]
    files = edit_stream(rendered(example)[1], TEAM_FILE[example], _add_workspace_rule({"ports": [{"port": 443}]}, ns))
    errors = _errors(files, tmp_path)
    assert any(f"workspace namespace {ns} can reach world internet-address" in e for e in errors), errors
    assert any(f"workspace namespace {ns} can reach provider" in e for e in errors), errors
    assert any(f"workspace namespace {ns} can reach metadata" in e for e in errors), errors


def test_without_default_deny_the_allows_still_isolate_egress(tmp_path: Path) -> None:
    files = edit_stream(rendered("gke-networkpolicy")[1], "kubernetes/teams/web.yaml", _drop("default-deny"))
    assert _errors(files, tmp_path) == []


def test_removing_every_policy_is_an_error(tmp_path: Path) -> None:
    files = rendered("gke-networkpolicy")[1]
    files = edit_stream(files, "kubernetes/teams/web.yaml", lambda docs: [d for d in docs if d["kind"] == "Namespace"])
    errors = _errors(files, tmp_path)
    assert any("workspace namespace ws-web can reach world" in e for e in errors), errors
    assert any("workspace namespace ws-web can reach metadata" in e for e in errors), errors


def test_a_provider_cidr_in_a_workspace_is_an_error() -> None:
    """A provider known by address in the topology: an ipBlock to its range is caught."""
    _, files = rendered("eks-cilium")
    topology, namespaces, _ = parse_topology_document(json.loads(files[TOPOLOGY_FILE]))
    anthropic = External(
        "api.anthropic.com by address",
        (Port(443, "TCP"),),
        ip="160.79.104.10",
        fqdn="api.anthropic.com",
        role="provider",
    )
    topology = type(topology)(topology.endpoints, (*topology.externals, anthropic), {}, topology.workspace_labels)
    objects = [o for _, o in kubernetes_objects(files)]
    assert [f for f in assert_workspace_guarantees(objects, topology, namespaces) if f.severity == "error"] == []
    sneaky = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "sneaky", "namespace": "ws-payments"},
        "spec": {
            "podSelector": {},
            "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": ANTHROPIC_RANGE}}], "ports": [{"port": 443}]}],
        },
    }
    tampered = [*objects, sneaky]
    errors = [str(f) for f in assert_workspace_guarantees(tampered, topology, namespaces) if f.severity == "error"]
    assert len(errors) == 1
    assert "workspace namespace ws-payments can reach provider api.anthropic.com by address" in errors[0]
    assert "NetworkPolicy ws-payments/sneaky" in errors[0]


def test_a_provider_fqdn_in_a_workspace_is_an_error(tmp_path: Path) -> None:
    files = rendered("eks-cilium")[1]

    def add_provider(docs: list[Obj]) -> list[Obj]:
        for doc in docs:
            if doc["kind"] == "CiliumNetworkPolicy":
                doc["spec"]["egress"].append({"toFQDNs": [{"matchName": "api.openai.com"}]})
        return docs

    errors = _errors(edit_stream(files, "kubernetes/teams/payments.yaml", add_provider), tmp_path)
    assert any("ws-payments can reach provider api.openai.com" in e for e in errors), errors


def test_metadata_through_a_broad_block_is_an_error(tmp_path: Path) -> None:
    files = rendered("gke-networkpolicy")[1]
    rule = {"to": [{"ipBlock": {"cidr": "169.254.0.0/16"}}], "ports": [{"port": 80}]}
    errors = _errors(edit_stream(files, "kubernetes/teams/web.yaml", _add_workspace_rule(rule, "ws-web")), tmp_path)
    assert any("ws-web can reach metadata cloud-metadata" in e for e in errors), errors


def test_gateway_without_inference_allow_is_an_error(tmp_path: Path) -> None:
    files = edit_stream(rendered("eks-cilium")[1], "kubernetes/gateway.yaml", _drop("allow-inference"))
    errors = _errors(files, tmp_path)
    assert any("gateway gateway (llm-gateway) cannot reach inference" in e for e in errors), errors


def test_gateway_without_fqdn_policy_cannot_reach_providers(tmp_path: Path) -> None:
    files = edit_stream(rendered("eks-cilium")[1], "kubernetes/gateway.yaml", _drop("allow-providers-fqdn"))
    errors = _errors(files, tmp_path)
    assert any("gateway gateway (llm-gateway) cannot reach provider api.anthropic.com" in e for e in errors), errors


def test_inference_open_to_workspaces_is_an_error(tmp_path: Path) -> None:
    def open_up(docs: list[Obj]) -> list[Obj]:
        for doc in docs:
            if doc["metadata"]["name"] == "allow-from-gateway":
                doc["spec"]["ingress"][0]["from"].append({"namespaceSelector": {}})
        return docs

    files = edit_stream(rendered("eks-cilium")[1], "kubernetes/inference.yaml", open_up)
    errors = _errors(files, tmp_path)
    assert any("accepts 8000/TCP from workspace pods" in e for e in errors), errors


def test_missing_or_broken_topology_is_reported(tmp_path: Path) -> None:
    files = dict(rendered("minimal")[1])
    del files[TOPOLOGY_FILE]
    findings = egress_findings_for_tree(write_tree(files, tmp_path / "a"))
    assert [(f.file, f.severity) for f in findings] == [(TOPOLOGY_FILE, "error")]
    files[TOPOLOGY_FILE] = b'{"format": "something else"}'
    findings = egress_findings_for_tree(write_tree(files, tmp_path / "b"))
    assert [(f.file, f.severity) for f in findings] == [(TOPOLOGY_FILE, "error")]
    assert "cannot be read" in findings[0].message


def test_unparseable_yaml_is_reported(tmp_path: Path) -> None:
    files = {**rendered("minimal")[1], "kubernetes/extra.yaml": b"kind: [unclosed\n"}
    findings = egress_findings_for_tree(write_tree(files, tmp_path))
    assert any(f.file == "kubernetes/extra.yaml" and f.severity == "error" for f in findings)


def test_a_hand_labelled_workspace_namespace_is_checked_too(tmp_path: Path) -> None:
    extra = (
        b"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ws-rogue\n  labels:\n    cdeops.io/workspaces: 'true'\n"
    )
    files = {**rendered("minimal")[1], "kubernetes/rogue.yaml": extra}
    errors = _errors(files, tmp_path)
    assert any("workspace namespace ws-rogue can reach world" in e for e in errors), errors


def _full_errors(files: dict[str, bytes]) -> set[str]:
    """Errors of the complete, ungrouped evaluation of every workspace namespace."""
    topology, namespaces, _ = parse_topology_document(json.loads(files[TOPOLOGY_FILE]))
    objects = [o for _, o in kubernetes_objects(files)]
    findings = assert_workspace_guarantees(objects, topology, namespaces)
    return {str(f) for f in findings if f.severity == "error" and not f.message.startswith("gateway gateway (")}


@pytest.mark.parametrize(
    "tamper",
    [
        {},
        {"kubernetes/teams/web.yaml": "allow-dns"},
        {"kubernetes/teams/data.yaml": "allow-vault"},
        {"kubernetes/teams/web.yaml": "allow-dns", "kubernetes/teams/data.yaml": "allow-dns"},
    ],
)
def test_equivalent_namespaces_are_checked_once_without_losing_findings(tamper: dict[str, str], tmp_path: Path) -> None:
    """Teams whose policies no selector can tell apart are evaluated once; the findings are those of
    the full evaluation (a finding on the representative makes every namespace be checked)."""
    files = rendered("gke-networkpolicy")[1]
    for path, name in tamper.items():
        files = edit_stream(files, path, _drop(name))
    errors = {e for e in _errors(files, tmp_path) if "gateway gateway (" not in e}
    assert errors == _full_errors(files)
    for path in tamper:
        namespace = "ws-" + path.rsplit("/", 1)[1].removesuffix(".yaml")
        assert any(f"workspace namespace {namespace} " in e for e in errors), (namespace, errors)
