"""The chart with the values ``cdeops render`` writes, linted and rendered by the real Helm (v4).

For every example and variant: ``helm lint --strict`` passes, every object ``helm template`` renders is
valid for the policy's Kubernetes version (kubernetes-validate, strict; custom resources against the
CRD schemas in ``cdeops/data/crd_schemas``), and the rendered objects keep the product's promises:
GPU scheduling, air-gapped vLLM, the gateway config byte for byte, keys from Vault only, and pods
that the NetworkPolicies in ``kubernetes/`` actually select.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from cdeops.checks.secrets_scan import scan_text
from cdeops.outputs.helm_values import VALUES_FILE
from cdeops.views.helm_values import config_map_key, split_image, vllm_model_name
from cdeops.views.naming import GATEWAY_SA, GATEWAY_SERVICE, GPU_POOL_LABEL, gateway_vault_role
from cdeops.views.vault_policies import vault_plan
from tests.helm.test_chart import CHART, container, crd_schema, env_of, find, is_builtin, one, run_helm
from tests.helm_values.cases import CASES, load_case
from tests.helm_values.test_view import gateway_config_path

pytestmark = pytest.mark.slow

Obj = dict[str, Any]
RELEASE = "llm-stack"
GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}


@pytest.fixture(scope="module")
def helm_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("helm-home")


@pytest.fixture(scope="module")
def values_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("values")
    for case in CASES:
        _, files = load_case(case)
        (folder / f"{case}.yaml").write_bytes(files[VALUES_FILE])
    return folder


@pytest.fixture(scope="module")
def templated(helm_home: Path, values_dir: Path) -> dict[str, list[Obj]]:
    out: dict[str, list[Obj]] = {}
    for case in CASES:
        proc = run_helm(helm_home, "template", RELEASE, str(CHART), "-f", str(values_dir / f"{case}.yaml"))
        assert proc.returncode == 0, proc.stderr
        out[case] = [doc for doc in yaml.safe_load_all(proc.stdout) if doc]
    return out


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _matches(labels: dict[str, str], selector: Obj) -> bool:
    assert set(selector) <= {"matchLabels"}, selector
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def _pods(objs: list[Obj]) -> list[tuple[str, str, dict[str, str]]]:
    """(deployment name, namespace, pod labels) of every Deployment."""
    return [
        (d["metadata"]["name"], d["metadata"]["namespace"], d["spec"]["template"]["metadata"]["labels"])
        for d in find(objs, "Deployment")
    ]


# ---------------------------------------------------------------------------------------------
# helm accepts the values; the output is valid Kubernetes


def test_helm_lint_strict(helm_home: Path, values_dir: Path, case: str) -> None:
    proc = run_helm(helm_home, "lint", "--strict", str(CHART), "-f", str(values_dir / f"{case}.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[WARNING]" not in proc.stdout
    assert "[ERROR]" not in proc.stdout


def test_rendered_objects_validate_for_the_policy_kubernetes_version(
    templated: dict[str, list[Obj]], case: str
) -> None:
    loaded, _ = load_case(case)
    version = loaded.policy.cluster.kubernetes_version
    objs = templated[case]
    assert objs
    for obj in objs:
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        if is_builtin(obj):
            kubernetes_validate.validate(obj, version, strict=True)
            continue
        schema = crd_schema(obj["apiVersion"], obj["kind"])
        assert schema is not None, f"{where}: no CRD schema vendored for {obj['apiVersion']}"
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(obj), key=str)
        assert not errors, f"{where}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_chart_renders_no_namespaces_or_network_policies(templated: dict[str, list[Obj]], case: str) -> None:
    kinds = {o["kind"] for o in templated[case]}
    assert not kinds & {"Namespace", "NetworkPolicy"}


# ---------------------------------------------------------------------------------------------
# promises


def test_vllm_deployment_per_inference_entry(templated: dict[str, list[Obj]], case: str) -> None:
    loaded, _ = load_case(case)
    policy = loaded.policy
    objs = templated[case]
    vllm = [d for d in find(objs, "Deployment") if d["metadata"]["labels"]["app.kubernetes.io/name"] == "vllm"]
    assert len(vllm) == len(policy.inference)
    for entry in policy.inference:
        name = vllm_model_name(entry)
        deployment = one(objs, "Deployment", name)
        pod = deployment["spec"]["template"]["spec"]
        vllm_container = container(deployment, "vllm")
        gpus = str(entry.gpus_per_replica)
        assert vllm_container["resources"]["limits"]["nvidia.com/gpu"] == gpus
        assert vllm_container["resources"]["requests"]["nvidia.com/gpu"] == gpus
        assert pod["nodeSelector"] == {GPU_POOL_LABEL: entry.pool}
        assert GPU_TOLERATION in pod["tolerations"]
        spot_taint = any(t["key"] == "kubernetes.azure.com/scalesetpriority" for t in pod["tolerations"])
        pool = policy.pool(entry.pool)
        assert spot_taint is (pool.spot and policy.cluster.provider == "aks")
        env = env_of(vllm_container)
        assert (env.get("HF_HUB_OFFLINE") == "1") is entry.air_gapped
        assert (env.get("TRANSFORMERS_OFFLINE") == "1") is entry.air_gapped
        args = vllm_container["args"]
        assert args[0] == entry.model
        assert args[args.index("--served-model-name") + 1] == entry.name
        assert args[args.index("--tensor-parallel-size") + 1] == gpus
        assert args[args.index("--max-model-len") + 1] == str(entry.max_model_len)
        image = split_image(entry.image)
        assert vllm_container["image"] == f"{image['repository']}:{image['tag']}"
        assert deployment["spec"]["replicas"] == entry.replicas
        assert bool(find(objs, "PodDisruptionBudget", name)) is (entry.replicas > 1)
        service = one(objs, "Service", name)
        assert service["metadata"]["namespace"] == deployment["metadata"]["namespace"]
        assert service["spec"]["ports"][0]["port"] == 8000


def test_only_inference_pods_go_to_gpu_nodes(templated: dict[str, list[Obj]], case: str) -> None:
    for deployment in find(templated[case], "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        if deployment["metadata"]["labels"]["app.kubernetes.io/component"] == "inference":
            continue
        assert GPU_TOLERATION not in pod.get("tolerations", []), deployment["metadata"]["name"]
        assert GPU_POOL_LABEL not in pod.get("nodeSelector", {})


def test_gateway_config_map_is_the_rendered_config_byte_for_byte(templated: dict[str, list[Obj]], case: str) -> None:
    loaded, files = load_case(case)
    objs = templated[case]
    config_map = one(objs, "ConfigMap", f"{GATEWAY_SERVICE}-config")
    key = config_map_key(loaded.policy.gateway.engine)
    assert config_map["data"][key].encode() == files[gateway_config_path(case)]
    gateway = container(one(objs, "Deployment", GATEWAY_SERVICE), "gateway")
    mounts = [m for m in gateway["volumeMounts"] if m["name"] == "config"]
    assert [m["subPath"] for m in mounts] == [key]
    if loaded.policy.gateway.engine == "litellm":
        command = gateway.get("args", []) + gateway.get("command", [])
        assert f"{mounts[0]['mountPath']}" in command
        assert "--config" in command


def test_gateway_deployment_follows_the_policy(templated: dict[str, list[Obj]], case: str) -> None:
    loaded, _ = load_case(case)
    gw = loaded.policy.gateway
    objs = templated[case]
    deployment = one(objs, "Deployment", GATEWAY_SERVICE)
    assert deployment["metadata"]["namespace"] == gw.namespace
    assert deployment["spec"]["replicas"] == gw.replicas
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(pod_labels.get(k) == v for k, v in gw.pod_labels.items())
    assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == GATEWAY_SA
    assert one(objs, "Service", GATEWAY_SERVICE)["spec"]["ports"][0]["port"] == gw.port
    assert bool(find(objs, "PodDisruptionBudget", GATEWAY_SERVICE)) is (gw.replicas > 1)
    redis = find(objs, "Deployment", f"{GATEWAY_SERVICE}-redis")
    env = env_of(container(deployment, "gateway"))
    assert bool(redis) is ("REDIS_HOST" in env)
    if redis:
        assert env["REDIS_HOST"] == f"{GATEWAY_SERVICE}-redis.{gw.namespace}.svc.cluster.local"


def test_keys_come_from_vault_only(templated: dict[str, list[Obj]], values_dir: Path, case: str) -> None:
    loaded, _ = load_case(case)
    policy = loaded.policy
    objs = templated[case]
    values = yaml.safe_load((values_dir / f"{case}.yaml").read_text())
    paths: dict[str, str] = values["gateway"]["secretFromVault"]["paths"]
    assert paths
    # no Secret objects with data, no secret in any text, env never carries a Vault-delivered key
    assert not [o for o in objs if o["kind"] == "Secret"]
    assert not scan_text(yaml.safe_dump_all(objs), "helm template")
    deployment = one(objs, "Deployment", GATEWAY_SERVICE)
    gateway = container(deployment, "gateway")
    assert not set(env_of(gateway)) & set(paths)
    assert not [e for e in gateway.get("env", []) if "valueFrom" in e]
    mode = policy.vault.injection
    annotations = deployment["spec"]["template"]["metadata"].get("annotations", {})
    if mode == "agent":
        assert annotations["vault.hashicorp.com/role"] == gateway_vault_role(policy)
        assert annotations["vault.hashicorp.com/service"] == policy.vault.address
        assert annotations["vault.hashicorp.com/auth-path"] == f"auth/{policy.vault.auth_mount}"
        injected = {v for k, v in annotations.items() if k.startswith("vault.hashicorp.com/agent-inject-secret-")}
        assert injected == {ref.split("#")[0] for ref in paths.values()}
    elif mode == "operator":
        secrets = find(objs, "VaultStaticSecret")
        assert {f"{s['spec']['mount']}/data/{s['spec']['path']}" for s in secrets} == {
            ref.split("#")[0] for ref in paths.values()
        }
    else:
        (external,) = find(objs, "ExternalSecret")
        assert {d["secretKey"] for d in external["spec"]["data"]} == set(paths)
    # the gateway's Vault role binds the chart's ServiceAccount in the gateway namespace
    role = vault_plan(policy).gateway_role
    assert role is not None
    assert role.name == gateway_vault_role(policy)
    assert GATEWAY_SA in role.service_accounts
    assert policy.gateway.namespace in role.namespaces


def _policy_objects(files: dict[str, bytes]) -> list[Obj]:
    return [
        doc
        for path in ("kubernetes/gateway.yaml", "kubernetes/inference.yaml")
        if path in files
        for doc in yaml.safe_load_all(files[path])
        if doc and doc["kind"] in {"NetworkPolicy", "CiliumNetworkPolicy"}
    ]


def _selector(policy_obj: Obj) -> Obj:
    spec = policy_obj["spec"]
    return spec["podSelector"] if policy_obj["kind"] == "NetworkPolicy" else spec.get("endpointSelector", {})


def test_kubernetes_policies_select_the_chart_pods(templated: dict[str, list[Obj]], case: str) -> None:
    """The authoritative NetworkPolicies (kubernetes/) use the labels the chart puts on its pods."""
    _, files = load_case(case)
    pods = _pods(templated[case])
    policies = _policy_objects(files)
    assert policies
    for policy_obj in policies:
        selector = _selector(policy_obj)
        if not selector:
            continue  # default deny: every pod of the namespace
        namespace = policy_obj["metadata"]["namespace"]
        selected = [name for name, ns, labels in pods if ns == namespace and _matches(labels, selector)]
        assert selected, f"{policy_obj['kind']}/{policy_obj['metadata']['name']} selects none of the chart's pods"
    # and every chart pod is let through by at least one allow rule (not just the default deny)
    for name, namespace, labels in pods:
        allowed = [
            p
            for p in policies
            if p["metadata"]["namespace"] == namespace and _selector(p) and _matches(labels, _selector(p))
        ]
        assert allowed, f"no allow policy selects the pods of Deployment/{name}"


def test_only_the_gateway_may_reach_the_model_servers(templated: dict[str, list[Obj]], case: str) -> None:
    loaded, files = load_case(case)
    if not loaded.policy.inference:
        pytest.skip("no inference entries")
    pods = {name: (ns, labels) for name, ns, labels in _pods(templated[case])}
    gateway_ns, gateway_labels = pods[GATEWAY_SERVICE]
    for entry in loaded.policy.inference:
        ns, labels = pods[vllm_model_name(entry)]
        ingress = [
            rule
            for p in _policy_objects(files)
            if p["kind"] == "NetworkPolicy"
            and p["metadata"]["namespace"] == ns
            and "Ingress" in p["spec"]["policyTypes"]
            and _matches(labels, p["spec"]["podSelector"])
            for rule in p["spec"].get("ingress", [])
        ]
        assert ingress
        for rule in ingress:
            for peer in rule["from"]:
                assert _matches({"kubernetes.io/metadata.name": gateway_ns}, peer["namespaceSelector"])
                assert _matches(gateway_labels, peer["podSelector"])
