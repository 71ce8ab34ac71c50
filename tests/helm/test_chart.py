"""The ``cdeops-llm-stack`` chart, linted and rendered by the real Helm (v4) binary.

Every rendered object is validated against the Kubernetes 1.33 OpenAPI schemas (kubernetes-validate,
strict mode) or, for custom resources, against the CRD schemas vendored under
``cdeops/data/crd_schemas``. Then the chart's promises are checked on the rendered objects: GPU
scheduling, vLLM settings, Pod Security "restricted", Vault wiring, labels, and NetworkPolicies that
let only the gateway reach the inference servers. ``values.schema.json`` must reject bad values.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from cdeops.views.helm_values import merge_values
from tests.support.tools import checkov_bin_dir, helm_binary, repo_root

KUBERNETES_VERSION = "1.33"
CHART = repo_root() / "helm" / "cdeops-llm-stack"
FIXTURES_DIR = Path(__file__).parent / "fixtures"
FIXTURES = sorted(p.name for p in FIXTURES_DIR.glob("*.yaml"))
CRD_SCHEMAS = repo_root() / "cdeops" / "data" / "crd_schemas"
RELEASE = "llm"

FULL = "litellm-agent-inference.yaml"
MINIMAL = "minimal-operator.yaml"
PORTKEY = "portkey-external-secrets.yaml"

pytestmark = pytest.mark.slow

Obj = dict[str, Any]


# --------------------------------------------------------------------------------------------
# running helm


def _helm_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HELM_CONFIG_HOME=str(home / "config"),
        HELM_CACHE_HOME=str(home / "cache"),
        HELM_DATA_HOME=str(home / "data"),
    )
    return env


@pytest.fixture(scope="module")
def helm_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("helm-home")


def run_helm(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(helm_binary()), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_helm_env(home),
    )


def template(home: Path, *values_files: Path, namespace: str = "default") -> list[Obj]:
    args = ["template", RELEASE, str(CHART), "--namespace", namespace]
    for values in values_files:
        args += ["-f", str(values)]
    proc = run_helm(home, *args)
    assert proc.returncode == 0, proc.stderr
    return [doc for doc in yaml.safe_load_all(proc.stdout) if doc]


@pytest.fixture(scope="module")
def rendered(helm_home: Path) -> dict[str, list[Obj]]:
    return {name: template(helm_home, FIXTURES_DIR / name) for name in FIXTURES}


def fixture_values(name: str) -> Obj:
    values: Obj = yaml.safe_load((FIXTURES_DIR / name).read_text())
    return values


# --------------------------------------------------------------------------------------------
# helpers over rendered objects


def find(objs: list[Obj], kind: str, name: str | None = None) -> list[Obj]:
    return [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def one(objs: list[Obj], kind: str, name: str) -> Obj:
    found = find(objs, kind, name)
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_templates(objs: list[Obj]) -> Iterator[tuple[Obj, Obj]]:
    for obj in objs:
        if obj["kind"] in {"Deployment", "StatefulSet", "DaemonSet", "Job"}:
            yield obj, obj["spec"]["template"]


def container(deployment: Obj, name: str) -> Obj:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    return next(c for c in containers if c["name"] == name)


def env_of(c: Obj) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in c.get("env", [])}


def arg_after(args: list[str], flag: str) -> str:
    assert flag in args, f"{flag} missing from {args}"
    return args[args.index(flag) + 1]


@cache
def crd_schema(api_version: str, kind: str) -> Obj | None:
    group, _, version = api_version.rpartition("/")
    path = CRD_SCHEMAS / group / f"{kind.lower()}_{version}.json"
    if not path.is_file():
        return None
    schema: Obj = json.loads(path.read_text())
    return schema


def is_builtin(obj: Obj) -> bool:
    try:
        kubernetes_validate.validate(
            {"apiVersion": obj["apiVersion"], "kind": obj["kind"]}, KUBERNETES_VERSION, strict=True
        )
    except kubernetes_validate.SchemaNotFoundError:
        return False
    except kubernetes_validate.ValidationError:
        return True
    return True


# ---- a tiny NetworkPolicy evaluator (enough for podSelector/namespaceSelector matchLabels) ----


def _matches(selector: Obj | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return True
    assert set(selector) <= {"matchLabels"}, f"evaluator only knows matchLabels: {selector}"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _ns_labels(namespace: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": namespace, **(extra or {})}


def _peer_allows(peer: Obj, policy_ns: str, src_ns: dict[str, str], src_pod: dict[str, str]) -> bool:
    if "ipBlock" in peer:
        return False  # in-cluster pods are not matched by the ipBlocks used here
    if "namespaceSelector" in peer:
        ns_ok = _matches(peer["namespaceSelector"], src_ns)
    else:
        ns_ok = src_ns["kubernetes.io/metadata.name"] == policy_ns
    return ns_ok and _matches(peer.get("podSelector"), src_pod)


def _port_ok(rule: Obj, port: int) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("port") == port and p.get("protocol", "TCP") == "TCP" for p in ports)


def ingress_allowed(
    objs: list[Obj],
    *,
    dst_ns: str,
    dst_pod: dict[str, str],
    src_ns: dict[str, str],
    src_pod: dict[str, str],
    port: int,
) -> bool:
    """Would the NetworkPolicies in ``objs`` let this source reach this destination pod?"""
    selecting = [
        p
        for p in find(objs, "NetworkPolicy")
        if p["metadata"]["namespace"] == dst_ns
        and "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and _matches(p["spec"]["podSelector"] or None, dst_pod)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from")
            if not _port_ok(rule, port):
                continue
            if not peers or any(_peer_allows(peer, dst_ns, src_ns, src_pod) for peer in peers):
                return True
    return False


def egress_ports(objs: list[Obj], *, ns: str, pod: dict[str, str]) -> set[int]:
    """Ports the pod may send to (any destination), given it is selected by an Egress policy."""
    ports: set[int] = set()
    selected = False
    for policy in find(objs, "NetworkPolicy"):
        spec = policy["spec"]
        if policy["metadata"]["namespace"] != ns or "Egress" not in spec.get("policyTypes", []):
            continue
        if not _matches(spec["podSelector"] or None, pod):
            continue
        selected = True
        for rule in spec.get("egress", []):
            assert rule.get("ports"), f"egress rule without ports in {policy['metadata']['name']}"
            ports |= {p["port"] for p in rule["ports"]}
    assert selected, "pod not selected by any egress policy"
    return ports


def pod_labels(deployment: Obj) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


# --------------------------------------------------------------------------------------------
# lint and schema validation of the output


@pytest.mark.parametrize("fixture", [None, *FIXTURES])
def test_helm_lint_strict(helm_home: Path, fixture: str | None) -> None:
    args = ["lint", "--strict", str(CHART)]
    if fixture:
        args += ["-f", str(FIXTURES_DIR / fixture)]
    proc = run_helm(helm_home, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[WARNING]" not in proc.stdout
    assert "[ERROR]" not in proc.stdout


@pytest.mark.parametrize("fixture", FIXTURES)
def test_rendered_objects_are_valid(rendered: dict[str, list[Obj]], fixture: str) -> None:
    objs = rendered[fixture]
    assert objs
    for obj in objs:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        if is_builtin(obj):
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
            continue
        schema = crd_schema(obj["apiVersion"], obj["kind"])
        if schema is None:
            continue  # vendored elsewhere; see test_custom_resources_are_valid
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(obj), key=str)
        assert not errors, f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_service_monitors_validate_against_the_crd_schema(rendered: dict[str, list[Obj]]) -> None:
    monitors = find(rendered[FULL], "ServiceMonitor")
    assert {m["metadata"]["name"] for m in monitors} == {"llm-gateway", "vllm"}
    schema = crd_schema("monitoring.coreos.com/v1", "ServiceMonitor")
    assert schema is not None, "monitoring.coreos.com/servicemonitor_v1.json must be vendored"
    for monitor in monitors:
        jsonschema.Draft7Validator(schema).validate(monitor)
        assert monitor["spec"]["endpoints"][0]["port"] == "http"
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert one(rendered[FULL], "ServiceMonitor", "llm-gateway")["metadata"]["labels"]["release"] == (
        "kube-prometheus-stack"
    )
    # a ServiceMonitor selects Services: its selector must match the Service it scrapes
    gw_service = one(rendered[FULL], "Service", "llm-gateway")
    selector = one(rendered[FULL], "ServiceMonitor", "llm-gateway")["spec"]["selector"]
    assert _matches(selector, gw_service["metadata"]["labels"])
    vllm_selector = one(rendered[FULL], "ServiceMonitor", "vllm")["spec"]["selector"]
    for model in ("llama-3-1-8b", "mistral-7b"):
        assert _matches(vllm_selector, one(rendered[FULL], "Service", model)["metadata"]["labels"])


@pytest.mark.parametrize(
    ("fixture", "kind"),
    [(MINIMAL, "VaultStaticSecret"), (PORTKEY, "ExternalSecret")],
)
def test_custom_resources_are_valid(rendered: dict[str, list[Obj]], fixture: str, kind: str) -> None:
    objs = find(rendered[fixture], kind)
    assert objs
    schema = crd_schema(objs[0]["apiVersion"], kind)
    if schema is None:
        pytest.skip(f"CRD schema for {objs[0]['apiVersion']} {kind} is not vendored in cdeops/data/crd_schemas")
    for obj in objs:
        jsonschema.Draft7Validator(schema).validate(obj)


TOGGLES = [
    "gateway.enabled=false",
    "networkPolicies.enabled=false",
    "networkPolicies.gateway.egress.restrict=false",
    "gateway.replicas=1",
    "gateway.secretFromVault.mode=operator",
    "gateway.secretFromVault.mode=external-secrets",
    "gateway.engine=portkey",
    "inference.namespace=",
]


@pytest.mark.parametrize("toggle", TOGGLES)
def test_variants_render_valid_objects(helm_home: Path, toggle: str) -> None:
    proc = run_helm(
        helm_home, "template", RELEASE, str(CHART), "-f", str(FIXTURES_DIR / FULL), "--set", toggle, "-n", "llm"
    )
    assert proc.returncode == 0, proc.stderr
    objs = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    for obj in objs:
        if is_builtin(obj):
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        else:
            schema = crd_schema(obj["apiVersion"], obj["kind"])
            assert schema is not None, obj["kind"]
            jsonschema.Draft7Validator(schema).validate(obj)
    if toggle == "gateway.enabled=false":
        assert not [o for o in objs if o["metadata"].get("namespace") == "llm-gateway"]
    if toggle == "networkPolicies.enabled=false":
        assert not find(objs, "NetworkPolicy")


def test_render_is_deterministic(helm_home: Path) -> None:
    first = run_helm(helm_home, "template", RELEASE, str(CHART), "-f", str(FIXTURES_DIR / FULL))
    second = run_helm(helm_home, "template", RELEASE, str(CHART), "-f", str(FIXTURES_DIR / FULL))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout


# --------------------------------------------------------------------------------------------
# promises that hold for every fixture


STANDARD_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/version",
)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_every_object_is_labelled_and_namespaced(rendered: dict[str, list[Obj]], fixture: str) -> None:
    values = fixture_values(fixture)
    cost_labels = dict(values.get("global", {}).get("labels", {}))
    if values.get("global", {}).get("org"):
        cost_labels["cdeops.io/org"] = values["global"]["org"]
    if values.get("global", {}).get("environment"):
        cost_labels["env"] = values["global"]["environment"]
    model_labels = {m["name"]: m.get("labels", {}) for m in values.get("inference", {}).get("models", [])}
    for obj in rendered[fixture]:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        labelled = [obj["metadata"]]
        labelled += [tpl["metadata"] for owner, tpl in pod_templates([obj]) if owner is obj]
        for meta in labelled:
            labels = meta.get("labels", {})
            for key in STANDARD_LABELS:
                assert labels.get(key), f"{where} lacks label {key}"
            assert labels["app.kubernetes.io/part-of"] == "cdeops"
            assert labels["app.kubernetes.io/managed-by"] == "Helm"
            # per-model labels (e.g. the owning team) override the global ones
            expected = {**cost_labels, **model_labels.get(labels.get("cdeops.io/inference-model", ""), {})}
            for key, value in expected.items():
                assert labels.get(key) == value, f"{where} lacks cost label {key}={value}"
        if obj["kind"] != "Namespace":
            assert obj["metadata"].get("namespace"), f"{where} has no explicit namespace"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_pods_meet_pod_security_restricted(rendered: dict[str, list[Obj]], fixture: str) -> None:
    for owner, tpl in pod_templates(rendered[fixture]):
        where = f"{owner['kind']}/{owner['metadata']['name']}"
        spec = tpl["spec"]
        pod_sc = spec["securityContext"]
        assert pod_sc["runAsNonRoot"] is True, where
        assert pod_sc["runAsUser"] >= 10000, where
        assert pod_sc["seccompProfile"]["type"] == "RuntimeDefault", where
        assert spec.get("serviceAccountName") not in (None, "default"), where
        assert not spec.get("hostNetwork") and not spec.get("hostPID") and not spec.get("hostIPC"), where
        for volume in spec.get("volumes", []):
            allowed = {"configMap", "emptyDir", "persistentVolumeClaim", "secret", "projected", "downwardAPI"}
            assert set(volume) - {"name"} <= allowed, f"{where}: volume type {volume}"
        for c in spec.get("initContainers", []) + spec["containers"]:
            sc = c["securityContext"]
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            assert not sc["capabilities"].get("add"), where
            assert sc.get("privileged") is not True, where
            assert sc["runAsNonRoot"] is True and sc["runAsUser"] >= 10000, where
            assert c["imagePullPolicy"] == "IfNotPresent", where
            image = c["image"]
            assert ":" in image.rsplit("/", 1)[-1] or "@sha256:" in image, f"{where}: unpinned {image}"
            assert not image.endswith(":latest"), where
            resources = c["resources"]
            assert resources["requests"].get("cpu") and resources["requests"].get("memory"), where
            assert resources["limits"].get("memory"), where
            assert c.get("livenessProbe") and c.get("readinessProbe"), f"{where}: probes"


@pytest.mark.parametrize("fixture", FIXTURES)
def test_service_account_tokens_only_where_vault_agent_needs_them(rendered: dict[str, list[Obj]], fixture: str) -> None:
    agent_mode = fixture_values(fixture)["gateway"]["secretFromVault"]["mode"] == "agent"
    for sa in find(rendered[fixture], "ServiceAccount"):
        assert sa["automountServiceAccountToken"] is False
    for owner, tpl in pod_templates(rendered[fixture]):
        wants_token = agent_mode and owner["metadata"]["name"] == "llm-gateway"
        assert tpl["spec"]["automountServiceAccountToken"] is wants_token, owner["metadata"]["name"]


# --------------------------------------------------------------------------------------------
# inference


def test_vllm_deployment_gpu_scheduling_and_arguments(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[FULL]
    values = {m["name"]: m for m in fixture_values(FULL)["inference"]["models"]}
    for name, model in values.items():
        deployment = one(objs, "Deployment", name)
        assert deployment["metadata"]["namespace"] == "llm-inference"
        assert deployment["spec"]["replicas"] == model["replicas"]
        spec = deployment["spec"]["template"]["spec"]
        vllm = container(deployment, "vllm")
        gpus = str(model["gpusPerReplica"])
        assert vllm["resources"]["limits"]["nvidia.com/gpu"] == gpus
        assert vllm["resources"]["requests"]["nvidia.com/gpu"] == gpus
        assert spec["nodeSelector"] == model["nodeSelector"]
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in spec["tolerations"]

        assert vllm["command"] == ["vllm", "serve"]
        args = vllm["args"]
        assert args[0] == model["model"]
        assert arg_after(args, "--served-model-name") == model.get("servedModelName", name)
        assert arg_after(args, "--tensor-parallel-size") == gpus
        assert arg_after(args, "--max-model-len") == str(model["maxModelLen"])
        assert arg_after(args, "--port") == "8000"
        assert arg_after(args, "--dtype") == model.get("dtype", "auto")
        assert float(arg_after(args, "--gpu-memory-utilization")) == model.get("gpuMemoryUtilization", 0.9)
        for extra in model.get("extraArgs", []):
            assert extra in args
        assert vllm["ports"] == [{"name": "http", "containerPort": 8000, "protocol": "TCP"}]

        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m["name"] for m in vllm["volumeMounts"]}
        shm = volumes[mounts["/dev/shm"]]["emptyDir"]
        assert shm == {"medium": "Memory", "sizeLimit": f"{model.get('shmSizeGi', 8)}Gi"}
        claim = volumes[mounts["/models"]]["persistentVolumeClaim"]["claimName"]
        assert claim == f"{name}-cache"
        pvc = one(objs, "PersistentVolumeClaim", claim)
        assert pvc["spec"]["resources"]["requests"]["storage"] == f"{model['cache']['sizeGi']}Gi"
        assert "emptyDir" in volumes[mounts["/tmp"]]

        env = env_of(vllm)
        assert env["HF_HOME"] == "/models"
        assert env["VLLM_NO_USAGE_STATS"] == "1"
        assert env["DO_NOT_TRACK"] == "1"
        writable = {"/models", "/tmp", "/home/vllm", "/dev/shm"}
        for var in ("HOME", "XDG_CACHE_HOME", "VLLM_CACHE_ROOT", "TRITON_CACHE_DIR", "TMPDIR"):
            assert any(env[var] == root or env[var].startswith(root + "/") for root in writable), var
        assert vllm["securityContext"]["readOnlyRootFilesystem"] is True

        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert vllm[probe]["httpGet"] == {"path": "/health", "port": "http"}, probe
        startup = vllm["startupProbe"]
        budget = startup["periodSeconds"] * startup["failureThreshold"]
        assert budget >= model.get("startupTimeoutSeconds", 1800)

        service = one(objs, "Service", name)
        assert service["spec"]["type"] == "ClusterIP"
        assert service["spec"]["ports"][0]["port"] == 8000
        assert _matches({"matchLabels": service["spec"]["selector"]}, pod_labels(deployment))


def test_offline_mode_only_for_air_gapped_models(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[FULL]
    air_gapped = container(one(objs, "Deployment", "llama-3-1-8b"), "vllm")
    online = container(one(objs, "Deployment", "mistral-7b"), "vllm")
    assert env_of(air_gapped)["HF_HUB_OFFLINE"] == "1"
    assert env_of(air_gapped)["TRANSFORMERS_OFFLINE"] == "1"
    assert "HF_HUB_OFFLINE" not in env_of(online)
    assert "TRANSFORMERS_OFFLINE" not in env_of(online)
    # the online model reads its Hugging Face token from a mounted file, never from a plain env value
    assert env_of(online)["HF_TOKEN_PATH"] == "/var/run/secrets/huggingface/token"
    assert "HF_TOKEN" not in env_of(online)


def test_default_toleration_and_existing_cache_claim(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[PORTKEY]
    deployment = one(objs, "Deployment", "qwen-small")
    spec = deployment["spec"]["template"]["spec"]
    assert spec["tolerations"] == [{"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}]
    claims = [v["persistentVolumeClaim"]["claimName"] for v in spec["volumes"] if "persistentVolumeClaim" in v]
    assert claims == ["qwen-weights"]
    assert not find(objs, "PersistentVolumeClaim")
    vllm = container(deployment, "vllm")
    assert vllm["image"].startswith("vllm/vllm-openai@sha256:")
    assert vllm["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert arg_after(vllm["args"], "--tensor-parallel-size") == "1"
    assert not find(objs, "PodDisruptionBudget", "qwen-small")  # one replica


def test_pod_disruption_budgets_when_replicated(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[FULL]
    assert {p["metadata"]["name"] for p in find(objs, "PodDisruptionBudget")} == {"llm-gateway", "llama-3-1-8b"}
    for pdb in find(objs, "PodDisruptionBudget"):
        deployment = one(objs, "Deployment", pdb["metadata"]["name"])
        assert pdb["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert not find(rendered[MINIMAL], "PodDisruptionBudget")
    assert one(rendered[PORTKEY], "PodDisruptionBudget", "llm-gateway")["spec"]["minAvailable"] == 2


def test_no_inference_objects_without_models(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[MINIMAL]
    assert not [o for o in objs if o["metadata"].get("namespace") == "llm-inference"]
    assert [d["metadata"]["name"] for d in find(objs, "Deployment")] == ["llm-gateway"]


# --------------------------------------------------------------------------------------------
# network policies


GATEWAY_POD = {
    "app.kubernetes.io/name": "llm-gateway",
    "app.kubernetes.io/instance": RELEASE,
    "app.kubernetes.io/component": "gateway",
}


@pytest.mark.parametrize("fixture", [FULL, PORTKEY])
def test_inference_reachable_only_from_the_gateway(rendered: dict[str, list[Obj]], fixture: str) -> None:
    objs = rendered[fixture]
    deny = one(objs, "NetworkPolicy", "vllm-default-deny")
    assert deny["metadata"]["namespace"] == "llm-inference"
    assert deny["spec"]["podSelector"] == {}
    assert sorted(deny["spec"]["policyTypes"]) == ["Egress", "Ingress"]
    assert "ingress" not in deny["spec"] and "egress" not in deny["spec"]

    # the gateway rule is ONE peer holding both selectors (two peers would mean OR)
    allow = one(objs, "NetworkPolicy", "vllm-from-gateway")
    gateway_rule = allow["spec"]["ingress"][0]
    assert gateway_rule["ports"] == [{"protocol": "TCP", "port": 8000}]
    assert gateway_rule["from"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "llm-gateway"}},
            "podSelector": {"matchLabels": GATEWAY_POD},
        }
    ]

    gateway = one(objs, "Deployment", "llm-gateway")
    gateway_ns = _ns_labels("llm-gateway")
    workspace_ns = _ns_labels("ws-payments", {"cdeops.io/workspaces": "true"})
    for model in find(objs, "Deployment"):
        if model["metadata"]["namespace"] != "llm-inference":
            continue
        dst = {"dst_ns": "llm-inference", "dst_pod": pod_labels(model), "port": 8000}
        assert ingress_allowed(objs, src_ns=gateway_ns, src_pod=pod_labels(gateway), **dst)
        # a workspace pod, even one that copies the gateway's labels
        assert not ingress_allowed(objs, src_ns=workspace_ns, src_pod={"app": "ws"}, **dst)
        assert not ingress_allowed(objs, src_ns=workspace_ns, src_pod=pod_labels(gateway), **dst)
        # another pod in the gateway namespace (e.g. redis) and a pod in the inference namespace
        assert not ingress_allowed(objs, src_ns=gateway_ns, src_pod={"app": "other"}, **dst)
        assert not ingress_allowed(objs, src_ns=_ns_labels("llm-inference"), src_pod=pod_labels(model), **dst)
        assert not ingress_allowed(objs, src_ns=_ns_labels("coder"), src_pod={"app": "coder"}, **dst)


def test_inference_egress_is_dns_only_when_air_gapped(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[FULL]
    llama = pod_labels(one(objs, "Deployment", "llama-3-1-8b"))
    mistral = pod_labels(one(objs, "Deployment", "mistral-7b"))
    assert egress_ports(objs, ns="llm-inference", pod=llama) == {53}
    assert egress_ports(objs, ns="llm-inference", pod=mistral) == {53, 443}
    download = one(objs, "NetworkPolicy", "mistral-7b-model-download")
    cidrs = download["spec"]["egress"][0]["to"][0]["ipBlock"]
    assert "169.254.0.0/16" in cidrs["except"]


def test_gateway_ingress_from_workspaces_and_coder_only(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[FULL]
    gateway = pod_labels(one(objs, "Deployment", "llm-gateway"))
    dst = {"dst_ns": "llm-gateway", "dst_pod": gateway, "port": 4000}
    workspace_ns = _ns_labels("ws-payments", {"cdeops.io/workspaces": "true"})
    assert ingress_allowed(objs, src_ns=workspace_ns, src_pod={"app": "ws"}, **dst)
    assert ingress_allowed(objs, src_ns=_ns_labels("coder"), src_pod={"app": "coder"}, **dst)
    assert not ingress_allowed(objs, src_ns=_ns_labels("random"), src_pod={"app": "ws"}, **dst)
    assert not ingress_allowed(objs, src_ns=workspace_ns, src_pod={"app": "ws"}, **{**dst, "port": 22})
    # the Portkey fixture has no Coder namespace rule
    portkey = rendered[PORTKEY]
    pk_dst = {"dst_ns": "llm-gateway", "dst_pod": pod_labels(one(portkey, "Deployment", "llm-gateway")), "port": 8787}
    assert not ingress_allowed(portkey, src_ns=_ns_labels("coder"), src_pod={"app": "coder"}, **pk_dst)
    assert ingress_allowed(portkey, src_ns=workspace_ns, src_pod={"app": "ws"}, **pk_dst)


def test_gateway_egress_is_restricted(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[FULL]
    policy = one(objs, "NetworkPolicy", "llm-gateway")
    assert "Egress" in policy["spec"]["policyTypes"]
    ports = egress_ports(objs, ns="llm-gateway", pod=pod_labels(one(objs, "Deployment", "llm-gateway")))
    # DNS, vLLM, Redis, Vault, and the provider CIDR rule from the fixture
    assert ports == {53, 8000, 6379, 8200, 443}
    rules = policy["spec"]["egress"]
    vault = next(r for r in rules if r["ports"][0]["port"] == 8200)
    assert vault["to"] == [{"ipBlock": {"cidr": "10.50.0.10/32"}}]
    redis = one(objs, "NetworkPolicy", "llm-gateway-redis")
    assert redis["spec"]["egress"] == []
    redis_pod = pod_labels(one(objs, "Deployment", "llm-gateway-redis"))
    gw_ns = _ns_labels("llm-gateway")
    dst = {"dst_ns": "llm-gateway", "dst_pod": redis_pod, "port": 6379}
    assert ingress_allowed(objs, src_ns=gw_ns, src_pod=GATEWAY_POD, **dst)
    assert not ingress_allowed(objs, src_ns=_ns_labels("ws"), src_pod=GATEWAY_POD, **dst)


# --------------------------------------------------------------------------------------------
# gateway


def test_gateway_agent_mode_wiring(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[FULL]
    paths = fixture_values(FULL)["gateway"]["secretFromVault"]["paths"]
    deployment = one(objs, "Deployment", "llm-gateway")
    tpl = deployment["spec"]["template"]
    annotations = tpl["metadata"]["annotations"]
    assert annotations["vault.hashicorp.com/agent-inject"] == "true"
    assert annotations["vault.hashicorp.com/role"] == "llm-gateway"
    assert annotations["vault.hashicorp.com/agent-inject-containers"] == "gateway"
    assert tpl["spec"]["serviceAccountName"] == "llm-gateway"
    gw = container(deployment, "gateway")
    script = gw["command"][2]
    for env_name, ref in paths.items():
        api_path, field = ref.split("#")
        file_name = env_name.lower().replace("_", "-")
        assert annotations[f"vault.hashicorp.com/agent-inject-secret-{file_name}"] == api_path
        template_text = annotations[f"vault.hashicorp.com/agent-inject-template-{file_name}"]
        assert f'with secret "{api_path}"' in template_text
        assert f'.Data.data "{field}"' in template_text
        assert f'{env_name}="$(cat /vault/secrets/{file_name})"' in script
        assert env_name not in env_of(gw)  # never a plain env value
    assert gw["command"][:2] == ["/bin/sh", "-c"]
    assert script.rstrip().endswith('exec "$@"')
    assert gw["args"] == ["litellm", "--config", "/etc/litellm/config.yaml", "--host", "0.0.0.0", "--port", "4000"]
    assert "envFrom" not in gw
    assert gw["image"] == (
        "ghcr.io/berriai/litellm:main-v1.80.12@sha256:4f1c3c0a2b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7"
    )
    env = env_of(gw)
    assert env["REDIS_HOST"] == "llm-gateway-redis.llm-gateway.svc.cluster.local"
    assert env["REDIS_PORT"] == "6379"
    assert gw["livenessProbe"]["httpGet"]["path"] == "/health/liveliness"
    assert gw["readinessProbe"]["httpGet"]["path"] == "/health/readiness"


def test_gateway_config_comes_from_configmap_with_checksum(helm_home: Path, tmp_path: Path) -> None:
    objs = template(helm_home, FIXTURES_DIR / FULL)
    config_map = one(objs, "ConfigMap", "llm-gateway-config")
    values = fixture_values(FULL)
    assert config_map["data"] == values["gateway"]["configMapData"]
    deployment = one(objs, "Deployment", "llm-gateway")
    gw = container(deployment, "gateway")
    mount = next(m for m in gw["volumeMounts"] if m["name"] == "config")
    assert mount == {
        "name": "config",
        "mountPath": "/etc/litellm/config.yaml",
        "subPath": "config.yaml",
        "readOnly": True,
    }
    checksum = deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    changed = tmp_path / "changed.yaml"
    changed.write_text(yaml.safe_dump({"gateway": {"configMapData": {"config.yaml": "model_list: []\n"}}}))
    changed_objs = template(helm_home, FIXTURES_DIR / FULL, changed)
    changed_dep = one(changed_objs, "Deployment", "llm-gateway")
    assert changed_dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"] != checksum


def test_redis_only_when_enabled(rendered: dict[str, list[Obj]]) -> None:
    full = rendered[FULL]
    redis = one(full, "Deployment", "llm-gateway-redis")
    assert one(full, "Service", "llm-gateway-redis")["spec"]["ports"][0]["port"] == 6379
    assert container(redis, "redis")["image"] == "redis:7.4.2-alpine"
    for fixture in (MINIMAL, PORTKEY):
        assert not [o for o in rendered[fixture] if o["metadata"]["name"].endswith("-redis")]
        gw = container(one(rendered[fixture], "Deployment", "llm-gateway"), "gateway")
        assert "REDIS_HOST" not in env_of(gw)


def test_redis_password_is_a_mounted_file(helm_home: Path, tmp_path: Path) -> None:
    values = tmp_path / "redis-auth.yaml"
    values.write_text(yaml.safe_dump({"gateway": {"redis": {"enabled": True, "auth": {"existingSecret": "redis-pw"}}}}))
    objs = template(helm_home, FIXTURES_DIR / MINIMAL, values)
    for name in ("llm-gateway", "llm-gateway-redis"):
        deployment = one(objs, "Deployment", name)
        c = deployment["spec"]["template"]["spec"]["containers"][0]
        assert "REDIS_PASSWORD" not in env_of(c)
        assert "/etc/cdeops/redis/password" in c["command"][2]
        volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
        assert volumes["redis-auth"]["secret"]["secretName"] == "redis-pw"
    for obj in objs:
        if is_builtin(obj):
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_gateway_operator_mode_uses_vault_secrets_operator(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[MINIMAL]
    (vss,) = find(objs, "VaultStaticSecret")
    assert vss["spec"]["vaultAuthRef"] == "llm-gateway"
    assert vss["spec"]["mount"] == "secret"
    assert vss["spec"]["path"] == "llm/providers/openai"
    assert vss["spec"]["type"] == "kv-v2"
    assert vss["spec"]["rolloutRestartTargets"] == [{"kind": "Deployment", "name": "llm-gateway"}]
    transformation = vss["spec"]["destination"]["transformation"]
    assert transformation["templates"] == {"OPENAI_API_KEY": {"text": '{{- get .Secrets "api_key" -}}'}}
    deployment = one(objs, "Deployment", "llm-gateway")
    tpl = deployment["spec"]["template"]
    assert not [a for a in tpl["metadata"].get("annotations", {}) if a.startswith("vault.hashicorp.com/")]
    gw = container(deployment, "gateway")
    # the synced Secret is mounted as files and exported by the entrypoint (no secret env values)
    assert "envFrom" not in gw
    volumes = {v["name"]: v for v in tpl["spec"]["volumes"]}
    sources = volumes["gateway-keys"]["projected"]["sources"]
    assert sources == [{"secret": {"name": vss["spec"]["destination"]["name"]}}]
    assert {"name": "gateway-keys", "mountPath": "/etc/cdeops/gateway-keys", "readOnly": True} in gw["volumeMounts"]
    assert 'OPENAI_API_KEY="$(cat /etc/cdeops/gateway-keys/OPENAI_API_KEY)"' in gw["command"][2]
    assert gw["args"][0] == "litellm"
    assert tpl["spec"]["automountServiceAccountToken"] is False


def test_gateway_existing_secret_is_used_as_is(helm_home: Path, tmp_path: Path) -> None:
    values = tmp_path / "existing.yaml"
    values.write_text(yaml.safe_dump({"gateway": {"secretFromVault": {"mode": "operator", "existingSecret": "keys"}}}))
    objs = template(helm_home, FIXTURES_DIR / MINIMAL, values)
    assert not find(objs, "VaultStaticSecret")
    deployment = one(objs, "Deployment", "llm-gateway")
    gw = container(deployment, "gateway")
    assert gw["envFrom"] == [{"secretRef": {"name": "keys"}}]
    assert gw["command"] == ["litellm"]
    assert deployment["metadata"]["annotations"]["checkov.io/skip2"].startswith("CKV_K8S_35=")


def test_gateway_portkey_with_external_secrets(rendered: dict[str, list[Obj]]) -> None:
    objs = rendered[PORTKEY]
    (external,) = find(objs, "ExternalSecret")
    assert external["spec"]["secretStoreRef"] == {"name": "vault-llm", "kind": "SecretStore"}
    assert external["spec"]["refreshInterval"] == "15m"
    assert sorted(external["spec"]["data"], key=lambda d: d["secretKey"]) == [
        {"secretKey": "ANTHROPIC_API_KEY", "remoteRef": {"key": "llm/providers/anthropic", "property": "api_key"}},
        {"secretKey": "OPENAI_API_KEY", "remoteRef": {"key": "llm/providers/openai", "property": "api_key"}},
    ]
    target = external["spec"]["target"]["name"]
    deployment = one(objs, "Deployment", "llm-gateway")
    gw = container(deployment, "gateway")
    assert "envFrom" not in gw
    volumes = {v["name"]: v for v in deployment["spec"]["template"]["spec"]["volumes"]}
    assert volumes["gateway-keys"]["projected"]["sources"] == [{"secret": {"name": target}}]
    assert gw["command"][:2] == ["/bin/sh", "-c"]
    for env_name in ("ANTHROPIC_API_KEY", "OPENAI_API_KEY"):
        assert f'{env_name}="$(cat /etc/cdeops/gateway-keys/{env_name})"' in gw["command"][2]
    assert gw["args"] == ["node", "build/start-server.js", "--port=8787", "--headless"]
    assert gw["ports"][0]["containerPort"] == 8787
    assert gw["image"] == "portkeyai/gateway:1.15.2"  # the engine's default image
    assert deployment["metadata"]["labels"]["app.kubernetes.io/version"] == "1.15.2"
    assert gw["readinessProbe"]["httpGet"]["path"] == "/"
    mount = next(m for m in gw["volumeMounts"] if m["name"] == "config")
    assert mount["mountPath"] == "/app/conf.json"
    assert one(objs, "Service", "llm-gateway")["spec"]["ports"][0]["port"] == 8787


def test_namespaces_rendered_with_pod_security_restricted(rendered: dict[str, list[Obj]]) -> None:
    namespaces = {n["metadata"]["name"]: n for n in find(rendered[FULL], "Namespace")}
    assert set(namespaces) == {"llm-gateway", "llm-inference"}
    for namespace in namespaces.values():
        labels = namespace["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert labels["cost-center"] == "CC-1000"
    assert not find(rendered[MINIMAL], "Namespace")


# --------------------------------------------------------------------------------------------
# values.schema.json enforcement and template guards


BAD_VALUES: dict[str, tuple[Obj, str]] = {
    "latest-tag": ({"gateway": {"image": {"repository": "ghcr.io/berriai/litellm", "tag": "latest"}}}, "tag"),
    "dash-latest-tag": (
        {"gateway": {"image": {"repository": "ghcr.io/berriai/litellm", "tag": "main-latest"}}},
        "tag",
    ),
    "no-tag-no-digest": ({"gateway": {"image": {"repository": "ghcr.io/berriai/litellm", "tag": None}}}, "image"),
    "unknown-top-level-key": ({"gatewey": {"replicas": 2}}, "gatewey"),
    "unknown-nested-key": ({"gateway": {"replicaz": 3}}, "replicaz"),
    "unknown-model-key": (
        {
            "inference": {
                "models": [
                    {
                        "name": "m",
                        "image": {"repository": "vllm/vllm-openai", "tag": "v0.10.1"},
                        "model": "x/y",
                        "gpus": 1,
                    }
                ]
            }
        },
        "gpus",
    ),
    "model-latest-image": (
        {
            "inference": {
                "models": [{"name": "m", "image": {"repository": "vllm/vllm-openai", "tag": "latest"}, "model": "x/y"}]
            }
        },
        "tag",
    ),
    "chart-controlled-arg": (
        {
            "inference": {
                "models": [
                    {
                        "name": "m",
                        "image": {"repository": "vllm/vllm-openai", "tag": "v0.10.1"},
                        "model": "x/y",
                        "extraArgs": ["--port=9000"],
                    }
                ]
            }
        },
        "extraArgs",
    ),
    "agent-without-role": (
        {"gateway": {"secretFromVault": {"mode": "agent", "paths": {"OPENAI_API_KEY": "secret/data/llm/openai#k"}}}},
        "role",
    ),
    "vault-ref-without-data": (
        {"gateway": {"secretFromVault": {"role": "r", "paths": {"OPENAI_API_KEY": "secret/llm/openai#k"}}}},
        "OPENAI_API_KEY",
    ),
    "vault-ref-template-injection": (
        {"gateway": {"secretFromVault": {"role": "r", "paths": {"OPENAI_API_KEY": 'secret/data/x"}}{{#k'}}}},
        "OPENAI_API_KEY",
    ),
    "privileged-port": ({"gateway": {"port": 80}}, "port"),
    "bad-engine": ({"gateway": {"engine": "nginx"}}, "engine"),
    "bad-label-value": ({"global": {"labels": {"cost-center": "CC 1042/EMEA"}}}, "cost-center"),
    "pull-policy-never": ({"global": {"imagePullPolicy": "Never"}}, "imagePullPolicy"),
}


@pytest.mark.parametrize("case", sorted(BAD_VALUES))
@pytest.mark.parametrize("command", ["lint", "template"])
def test_schema_rejects_bad_values(helm_home: Path, tmp_path: Path, case: str, command: str) -> None:
    values, mention = BAD_VALUES[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(values))
    if command == "lint":
        proc = run_helm(helm_home, "lint", "--strict", str(CHART), "-f", str(path))
    else:
        proc = run_helm(helm_home, "template", RELEASE, str(CHART), "-f", str(path))
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    # lint reports schema violations as "[ERROR] values.yaml: ..."; template names the schema
    assert "schema" in output or "[ERROR] values.yaml" in output, output
    assert mention in output, output


@pytest.mark.parametrize("fixture", [None, *FIXTURES])
def test_values_schema_works_from_python(fixture: str | None) -> None:
    """cdeops can check the values it emits with jsonschema before Helm sees them."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    values: Obj = yaml.safe_load((CHART / "values.yaml").read_text())
    if fixture:
        values = merge_values(values, fixture_values(fixture))
    assert not list(validator.iter_errors(values))
    if fixture is None:  # the bad values are written against the chart defaults
        for case, (bad, _) in BAD_VALUES.items():
            if case == "no-tag-no-digest":
                continue  # relies on Helm deleting keys set to null
            assert list(validator.iter_errors(merge_values(values, bad))), case


TEMPLATE_GUARDS: dict[str, tuple[Obj, str]] = {
    "duplicate-model-name": (
        {
            "inference": {
                "models": [
                    {"name": "m", "image": {"repository": "vllm/vllm-openai", "tag": "v0.10.1"}, "model": "x/y"},
                    {"name": "m", "image": {"repository": "vllm/vllm-openai", "tag": "v0.10.1"}, "model": "x/z"},
                ]
            }
        },
        'duplicate name "m"',
    ),
    "same-namespace": (
        {
            "gateway": {"namespace": "llm"},
            "inference": {
                "namespace": "llm",
                "models": [
                    {"name": "m", "image": {"repository": "vllm/vllm-openai", "tag": "v0.10.1"}, "model": "x/y"}
                ],
            },
        },
        "inference.namespace must differ",
    ),
    "shared-rwo-cache": (
        {
            "inference": {
                "models": [
                    {
                        "name": "m",
                        "image": {"repository": "vllm/vllm-openai", "tag": "v0.10.1"},
                        "model": "x/y",
                        "replicas": 2,
                        "cache": {"accessMode": "ReadWriteOnce"},
                    }
                ]
            }
        },
        "ReadWriteMany",
    ),
}


@pytest.mark.parametrize("case", sorted(TEMPLATE_GUARDS))
def test_template_guards(helm_home: Path, tmp_path: Path, case: str) -> None:
    values, mention = TEMPLATE_GUARDS[case]
    path = tmp_path / f"{case}.yaml"
    path.write_text(yaml.safe_dump(values))
    proc = run_helm(helm_home, "template", RELEASE, str(CHART), "-f", str(path))
    assert proc.returncode != 0
    assert mention in proc.stderr, proc.stderr


# --------------------------------------------------------------------------------------------
# checkov (optional extra `scan`)

FAKE_DIGEST = "sha256:" + "ab" * 32


def _pin_digests(values: Obj) -> Obj:
    gateway = values.setdefault("gateway", {})
    chart_defaults = yaml.safe_load((CHART / "values.yaml").read_text())["gateway"]["defaultImages"]
    if not gateway.get("image"):
        gateway["image"] = dict(chart_defaults[gateway.get("engine", "litellm")])
    gateway["image"]["digest"] = FAKE_DIGEST
    if gateway.get("redis", {}).get("enabled"):
        gateway["redis"].setdefault("image", {"repository": "redis", "tag": "7.4.2-alpine"})["digest"] = FAKE_DIGEST
    for model in values.get("inference", {}).get("models", []):
        model["image"]["digest"] = FAKE_DIGEST
    return values


def test_checkov_finds_nothing_when_images_are_pinned_by_digest(helm_home: Path, tmp_path: Path) -> None:
    checkov = str(checkov_bin_dir() / "checkov")
    scan_dir = tmp_path / "scan"
    scan_dir.mkdir()
    for name in FIXTURES:
        values = tmp_path / name
        values.write_text(yaml.safe_dump(_pin_digests(fixture_values(name))))
        proc = run_helm(helm_home, "template", RELEASE, str(CHART), "-f", str(values))
        assert proc.returncode == 0, proc.stderr
        (scan_dir / name).write_text(proc.stdout)
    proc = subprocess.run(
        [checkov, "-d", str(scan_dir), "--framework", "kubernetes", "-o", "json", "--skip-download", "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "BC_API_KEY"},  # nothing is uploaded
    )
    report = json.loads(proc.stdout)
    reports = report if isinstance(report, list) else [report]
    failed = [
        (c["check_id"], c["resource"], Path(c["file_path"]).name)
        for r in reports
        for c in r["results"]["failed_checks"]
    ]
    assert sum(r["summary"]["passed"] for r in reports) > 100
    assert not failed
    skipped = {c["check_id"] for r in reports for c in r["results"].get("skipped_checks", [])}
    assert skipped <= {"CKV_K8S_38"}  # the Vault agent needs the ServiceAccount token (agent mode)
