"""Every shipped example: the rendered egress objects keep the promise, validate, and never open metadata."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdeops.netcheck import assert_workspace_guarantees
from cdeops.netcheck.tree import TOPOLOGY_FILE, egress_findings_for_tree, parse_topology_document
from tests.egress.support import dns_only, ip_blocks, kubernetes_objects, opens_metadata, schema_errors, write_tree
from tests.support.examples import rendered

PLATFORM_FILES = ("kubernetes/gateway.yaml", "kubernetes/inference.yaml")


def test_rendered_tree_keeps_the_egress_promise(example: str, tmp_path: Path) -> None:
    _, files = rendered(example)
    findings = egress_findings_for_tree(write_tree(files, tmp_path))
    assert [str(f) for f in findings if f.severity == "error"] == []
    # the only warnings are the documented weaker guarantee, marked as accepted
    assert all("[accepted: " in f.message for f in findings), [str(f) for f in findings]


def test_in_memory_objects_keep_the_promise(example: str) -> None:
    _, files = rendered(example)
    topology, namespaces, _ = parse_topology_document(json.loads(files[TOPOLOGY_FILE]))
    objects = [o for _, o in kubernetes_objects(files)]
    errors = [f for f in assert_workspace_guarantees(objects, topology, namespaces) if f.severity == "error"]
    if json.loads(files[TOPOLOGY_FILE])["accepted"]:  # public provider egress: the gateway reaches the internet
        errors = [
            f for f in errors if not (f.message.startswith("gateway gateway (") and " can reach world " in f.message)
        ]
    assert [str(f) for f in errors] == []
    assert namespaces, "the topology names the workspace namespaces"


def test_every_egress_object_is_schema_valid(example: str) -> None:
    loaded, files = rendered(example)
    version = loaded.policy.cluster.kubernetes_version
    problems = []
    checked = 0
    for path, obj in kubernetes_objects(files):
        if path in PLATFORM_FILES or obj["kind"] in ("Namespace", "NetworkPolicy", "CiliumNetworkPolicy"):
            checked += 1
            problems += [f"{path}: {obj['kind']} {obj['metadata']['name']}: {e}" for e in schema_errors(obj, version)]
    assert checked
    assert problems == []


def test_no_ip_block_opens_the_metadata_address_beyond_dns(example: str) -> None:
    _, files = rendered(example)
    for path, obj in kubernetes_objects(files):
        for block in ip_blocks(obj):
            if opens_metadata(block):
                assert block["cidr"] == "169.254.169.254/32", (path, block)
                assert dns_only(obj, block), f"{path}: {obj['metadata']['name']} opens metadata beyond port 53"


def test_cilium_objects_only_on_cilium(example: str) -> None:
    loaded, files = rendered(example)
    kinds = {o["kind"] for _, o in kubernetes_objects(files)}
    assert ("CiliumNetworkPolicy" in kinds) == (loaded.policy.cluster.network_plugin == "cilium")


def test_inference_namespace_only_with_inference(example: str) -> None:
    loaded, files = rendered(example)
    assert ("kubernetes/inference.yaml" in files) == bool(loaded.policy.inference)
    assert "kubernetes/gateway.yaml" in files
    assert TOPOLOGY_FILE in files and not TOPOLOGY_FILE.startswith("kubernetes/")


@pytest.mark.parametrize("name", ["eks-cilium"])
def test_platform_namespaces_are_restricted_and_not_workspaces(name: str) -> None:
    _, files = rendered(name)
    for path in ("kubernetes/gateway.yaml", "kubernetes/inference.yaml"):
        namespaces = [o for p, o in kubernetes_objects(files) if p == path and o["kind"] == "Namespace"]
        assert len(namespaces) == 1
        labels = namespaces[0]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert "cdeops.io/workspaces" not in labels
