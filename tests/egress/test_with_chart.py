"""The egress proof against the pods the Helm chart really creates.

``helm template`` renders the chart with the values ``cdeops render`` wrote; the topology's gateway,
Redis and vLLM endpoints are replaced by the chart's Deployments (their real pod labels and
namespaces), and the promise is checked again: the policies in ``kubernetes/`` must select the pods
the chart runs, or the gateway would be cut off from inference / Redis (or left open).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdeops.netcheck import Endpoint, Port, assert_workspace_guarantees, connection
from cdeops.netcheck.tree import TOPOLOGY_FILE, parse_topology_document
from cdeops.outputs.helm_values import VALUES_FILE
from cdeops.views.naming import GATEWAY_SERVICE, inference_namespace
from cdeops.views.platform_policies import REDIS_PORT
from tests.egress.support import kubernetes_objects
from tests.helm.test_chart import CHART, run_helm
from tests.support.examples import EXAMPLES, rendered

pytestmark = pytest.mark.slow

Obj = dict[str, Any]


@pytest.fixture(scope="module")
def chart_pods(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Obj]]:
    """Every example's chart Deployments (helm template with the rendered values)."""
    home = tmp_path_factory.mktemp("helm-home")
    folder = tmp_path_factory.mktemp("values")
    out: dict[str, list[Obj]] = {}
    for name in EXAMPLES:
        values = folder / f"{name}.yaml"
        values.write_bytes(rendered(name)[1][VALUES_FILE])
        proc = run_helm(home, "template", "llm-stack", str(CHART), "-f", str(values))
        assert proc.returncode == 0, proc.stderr
        out[name] = [d for d in yaml.safe_load_all(proc.stdout) if d and d["kind"] == "Deployment"]
    return out


def _endpoint(deployment: Obj, role: Any, port: int) -> Endpoint:
    meta, labels = deployment["metadata"], deployment["spec"]["template"]["metadata"]["labels"]
    return Endpoint(f"chart {meta['name']}", meta["namespace"], dict(labels), (Port(port, "TCP"),), role)


def test_promise_holds_for_the_chart_pods(example: str, chart_pods: dict[str, list[Obj]]) -> None:
    loaded, files = rendered(example)
    policy = loaded.policy
    topology, namespaces, accepted = parse_topology_document(json.loads(files[TOPOLOGY_FILE]))
    deployments = chart_pods[example]
    by_name = {d["metadata"]["name"]: d for d in deployments}
    gateway = _endpoint(by_name[GATEWAY_SERVICE], "gateway", policy.gateway.port)
    assert gateway.namespace == policy.gateway.namespace
    inference = [
        _endpoint(d, "inference", 8000)
        for d in deployments
        if d["metadata"]["namespace"] == inference_namespace(policy)
    ]
    assert len(inference) == len(policy.inference)
    kept = [e for e in topology.endpoints if e.role not in ("gateway", "inference")]
    topology = dataclasses.replace(topology, endpoints=(*kept, gateway, *inference))
    objects = [o for _, o in kubernetes_objects(files)]
    findings = assert_workspace_guarantees(objects, topology, namespaces)
    errors = [str(f) for f in findings if f.severity == "error"]
    if accepted and any("source" in a for a in accepted):
        errors = [e for e in errors if " gateway chart llm-gateway (" not in e or " can reach world " not in e]
    assert errors == []
    redis = by_name.get(f"{GATEWAY_SERVICE}-redis")
    assert (redis is not None) == (policy.gateway.replicas > 1)
    if redis is not None:
        verdict = connection(objects, topology, gateway, _endpoint(redis, "other", REDIS_PORT))
        assert verdict.fully_allowed, verdict.to_dict()
        for workspace in namespaces:
            blocked = connection(
                objects, topology, topology.workspace(workspace), _endpoint(redis, "other", REDIS_PORT)
            )
            assert not blocked.allowed


def test_chart_renders_no_network_policies_of_its_own(tmp_path: Path) -> None:
    """kubernetes/ is the one source of the platform namespaces' policies (the chart's are disabled)."""
    values = tmp_path / "values.yaml"
    values.write_bytes(rendered("eks-cilium")[1][VALUES_FILE])
    proc = run_helm(tmp_path, "template", "llm-stack", str(CHART), "-f", str(values))
    assert proc.returncode == 0, proc.stderr
    kinds = {d["kind"] for d in yaml.safe_load_all(proc.stdout) if d}
    assert "NetworkPolicy" not in kinds and "Namespace" not in kinds
