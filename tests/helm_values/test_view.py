"""``helm/llm-stack-values.yaml`` as data: the chart's values schema, and what each value promises."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
import pytest
import yaml

from cdeops.errors import RenderError
from cdeops.outputs import gateway as gateway_stage
from cdeops.outputs import helm_values as helm_values_stage
from cdeops.outputs.context import RenderContext
from cdeops.outputs.helm_values import VALUES_FILE
from cdeops.policy.loader import load_policy_text
from cdeops.views.gateway_env import gateway_env
from cdeops.views.gpu_pools import gpu_scheduling
from cdeops.views.helm_values import (
    GatewayConfigFile,
    config_map_key,
    helm_values,
    merge_values,
    split_image,
    values_schema_errors,
    vllm_dtype,
    vllm_model_name,
)
from cdeops.views.naming import GATEWAY_SA, GATEWAY_SERVICE, GPU_POOL_LABEL, gateway_vault_role, inference_service_url
from cdeops.views.vault_policies import vault_plan
from tests.helm_values.cases import CASES, load_case, variant_text
from tests.support.examples import example_path
from tests.support.tools import repo_root

CHART = repo_root() / "helm" / "cdeops-llm-stack"
Obj = dict[str, Any]


@cache
def _validator() -> jsonschema.Draft7Validator:
    schema = json.loads((CHART / "values.schema.json").read_text())
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def values_of(case: str) -> Obj:
    _, files = load_case(case)
    values: Obj = yaml.safe_load(files[VALUES_FILE])
    return values


def gateway_config_path(case: str) -> str:
    loaded, _ = load_case(case)
    engine = loaded.policy.gateway.engine
    return gateway_stage.LITELLM_CONFIG if engine == "litellm" else gateway_stage.PORTKEY_CONFIG


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ---------------------------------------------------------------------------------------------
# the values contract


def test_values_validate_against_the_chart_schema(case: str) -> None:
    chart_defaults: Obj = yaml.safe_load((CHART / "values.yaml").read_text())
    values = values_of(case)
    errors = sorted(_validator().iter_errors(merge_values(chart_defaults, values)), key=str)
    assert not errors, f"{list(errors[0].absolute_path)}: {errors[0].message}"
    assert values_schema_errors(values) == []  # the check the render runs before writing


def test_schema_check_names_what_is_wrong() -> None:
    values = values_of("eks-cilium")
    values["gateway"]["secretFromVault"]["paths"]["OPENAI_API_KEY"] = "secret/llm/openai#api_key"  # no data/
    values["inference"]["models"][0]["extraArgs"] = ["--port=9000"]
    problems = values_schema_errors(values)
    assert any(p.startswith("gateway.secretFromVault.paths.OPENAI_API_KEY: ") for p in problems), problems
    assert any(p.startswith("inference.models.0.extraArgs.0: ") for p in problems), problems


def test_values_file_is_commented_and_deterministic(case: str) -> None:
    loaded, files = load_case(case)
    text = files[VALUES_FILE].decode()
    assert text.startswith("# Rendered by cdeops.")
    assert "networkPolicies.enabled: false" in text  # the header says which policies are authoritative
    # a fresh render context (nothing memoised) gives the same bytes
    assert helm_values_stage.files(RenderContext(loaded)) == {VALUES_FILE: files[VALUES_FILE]}


def test_namespaces_and_network_policies_come_from_the_kubernetes_files(case: str) -> None:
    loaded, files = load_case(case)
    values = values_of(case)
    assert values["global"]["createNamespaces"] is False
    assert values["networkPolicies"] == {"enabled": False}
    # ... so those files must exist and define the namespaces the chart renders into
    namespaces = {
        doc["metadata"]["name"]
        for path in ("kubernetes/gateway.yaml", "kubernetes/inference.yaml")
        if path in files
        for doc in yaml.safe_load_all(files[path])
        if doc and doc["kind"] == "Namespace"
    }
    assert values["gateway"]["namespace"] in namespaces
    if loaded.policy.inference:
        assert values["inference"]["namespace"] in namespaces


def test_global_identity_has_no_team_label(case: str) -> None:
    loaded, _ = load_case(case)
    glob = values_of(case)["global"]
    assert glob["org"] == loaded.policy.metadata.org
    assert glob["environment"] == loaded.policy.metadata.environment
    assert "team" not in glob["labels"]


# ---------------------------------------------------------------------------------------------
# gateway


def test_gateway_config_is_the_rendered_file_byte_for_byte(case: str) -> None:
    loaded, files = load_case(case)
    gw = values_of(case)["gateway"]
    key = config_map_key(loaded.policy.gateway.engine)
    assert list(gw["configMapData"]) == [key]
    assert gw["configMapData"][key].encode() == files[gateway_config_path(case)]


def test_gateway_identity(case: str) -> None:
    loaded, _ = load_case(case)
    policy = loaded.policy
    gw = values_of(case)["gateway"]
    assert gw["name"] == GATEWAY_SERVICE
    assert gw["engine"] == policy.gateway.engine
    assert gw["namespace"] == policy.gateway.namespace
    assert gw["replicas"] == policy.gateway.replicas
    assert gw["port"] == policy.gateway.port
    assert gw["podDisruptionBudget"]["enabled"] is (policy.gateway.replicas > 1)
    assert gw["image"] == ({} if policy.gateway.image is None else split_image(policy.gateway.image))


def test_vault_paths_are_the_gateway_env_contract(case: str) -> None:
    loaded, _ = load_case(case)
    policy = loaded.policy
    sv = values_of(case)["gateway"]["secretFromVault"]
    assert sv["mode"] == policy.vault.injection
    assert sv["role"] == gateway_vault_role(policy)
    assert sv["agent"]["address"] == policy.vault.address
    assert sv["agent"]["authPath"] == f"auth/{policy.vault.auth_mount}"
    assert sv["agent"]["vaultNamespace"] == (policy.vault.namespace or "")
    expected = {e.name: e.vault_ref for e in gateway_env(policy) if e.source == "vault" and e.required}
    assert sv["paths"] == expected
    for provider in policy.providers:
        if provider.api_key is not None:
            ref = f"{policy.vault.kv_mount}/data/{provider.api_key.vault}#{provider.api_key.key}"
            assert ref in sv["paths"].values()


def _env_refs(node: object) -> list[str]:
    if isinstance(node, str):
        return [node.removeprefix("os.environ/")] if node.startswith("os.environ/") else []
    if isinstance(node, dict):
        return [ref for value in node.values() for ref in _env_refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _env_refs(value)]
    return []


def test_every_variable_the_config_reads_is_delivered(case: str) -> None:
    """Each ``os.environ/NAME`` of a LiteLLM config comes from Vault, the values' env or the chart."""
    loaded, files = load_case(case)
    if loaded.policy.gateway.engine != "litellm":
        pytest.skip("only LiteLLM reads its environment")
    gw = values_of(case)["gateway"]
    read = set(_env_refs(yaml.safe_load(files[gateway_config_path(case)])))
    chart_set = {"REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"} if gw["redis"]["enabled"] else set()
    optional = {e.name for e in gateway_env(loaded.policy) if not e.required}
    missing = read - set(gw["secretFromVault"]["paths"]) - set(gw["env"]) - chart_set - optional
    assert not missing


def test_redis_runs_exactly_when_the_config_reads_it(case: str) -> None:
    _, files = load_case(case)
    gw = values_of(case)["gateway"]
    reads_redis = "os.environ/REDIS_HOST" in files[gateway_config_path(case)].decode()
    assert gw["redis"]["enabled"] is reads_redis


def test_values_hold_no_secret_values(case: str) -> None:
    from cdeops.checks.secrets_scan import scan_text

    _, files = load_case(case)
    assert not scan_text(files[VALUES_FILE].decode(), VALUES_FILE)
    for name, value in values_of(case)["gateway"]["env"].items():
        assert name in {"LITELLM_LOCAL_MODEL_COST_MAP"}, f"unexpected plain env {name}"
        assert value == "True"


# ---------------------------------------------------------------------------------------------
# inference


def test_one_model_per_inference_entry(case: str) -> None:
    loaded, files = load_case(case)
    policy = loaded.policy
    inf = values_of(case)["inference"]
    assert len(inf["models"]) == len(policy.inference)
    config = files[gateway_config_path(case)].decode()
    for entry, model in zip(policy.inference, inf["models"], strict=True):
        pool = policy.pool(entry.pool)
        assert model["name"] == vllm_model_name(entry)
        assert model["servedModelName"] == entry.name
        assert model["model"] == entry.model
        assert model["replicas"] == entry.replicas
        assert model["gpusPerReplica"] == entry.gpus_per_replica
        assert model["maxModelLen"] == entry.max_model_len
        assert model["gpuMemoryUtilization"] == entry.gpu_memory_utilization
        assert model["airGapped"] is entry.air_gapped
        assert model["cache"] == {"sizeGi": entry.cache_size_gb}
        assert model["nodeSelector"] == {GPU_POOL_LABEL: pool.name}
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in model["tolerations"]
        assert ("podDisruptionBudget" in model) is (entry.replicas > 1)
        # the Service the chart creates is the api_base the gateway config routes to
        url = f"http://{model['name']}.{inf['namespace']}.svc.cluster.local:8000/v1"
        assert url == inference_service_url(policy, entry)
        assert url in config


def test_aks_spot_pool_is_tolerated_and_awq_is_quantized() -> None:
    model = values_of("aks-spot-awq")["inference"]["models"][0]
    assert {
        "key": "kubernetes.azure.com/scalesetpriority",
        "operator": "Equal",
        "value": "spot",
        "effect": "NoSchedule",
    } in model["tolerations"]
    assert model["dtype"] == "float16"
    assert model["extraArgs"] == ["--quantization=awq", "--enable-prefix-caching"]
    assert model["airGapped"] is False


# ---------------------------------------------------------------------------------------------
# helpers


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("vllm/vllm-openai:v0.10.1", {"repository": "vllm/vllm-openai", "tag": "v0.10.1"}),
        ("registry.local:5000/ml/vllm:v1", {"repository": "registry.local:5000/ml/vllm", "tag": "v1"}),
        ("redis@sha256:" + "a" * 64, {"repository": "redis", "digest": "sha256:" + "a" * 64}),
        (
            "ghcr.io/berriai/litellm:v1.2@sha256:" + "b" * 64,
            {"repository": "ghcr.io/berriai/litellm", "tag": "v1.2", "digest": "sha256:" + "b" * 64},
        ),
        (
            "registry.local:5000/vllm@sha256:" + "c" * 64,
            {"repository": "registry.local:5000/vllm", "digest": "sha256:" + "c" * 64},
        ),
    ],
)
def test_split_image(reference: str, expected: dict[str, str]) -> None:
    assert split_image(reference) == expected


def _with(example: str, change: str, old: str) -> str:
    text = example_path(example).read_text()
    assert old in text
    return text.replace(old, change, 1)


@pytest.mark.parametrize(
    ("dtype", "chart_dtype", "args"),
    [
        ("bfloat16", "bfloat16", []),
        ("float16", "float16", []),
        ("fp8", "auto", ["--quantization=fp8"]),
        ("awq", "float16", ["--quantization=awq"]),
        ("gptq", "float16", ["--quantization=gptq"]),
    ],
)
def test_vllm_dtype(dtype: str, chart_dtype: str, args: list[str]) -> None:
    loaded, _ = load_case("eks-cilium")
    entry = loaded.policy.inference[0].model_copy(update={"dtype": dtype})
    assert vllm_dtype(entry) == (chart_dtype, args)
    explicit = entry.model_copy(update={"extra_args": ["--quantization=awq_marlin"]})
    assert vllm_dtype(explicit) == (chart_dtype, [])


def test_gpu_scheduling_outside_aks_has_no_spot_toleration() -> None:
    loaded, _ = load_case("eks-cilium")
    spot = next(p for p in loaded.policy.gpu_pools if p.spot)
    selector, tolerations = gpu_scheduling(loaded.policy, spot)
    assert selector == {GPU_POOL_LABEL: spot.name}
    assert tolerations == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def _load_variant(text: str) -> Any:
    return load_policy_text(text, "variant.yaml", example_path("eks-cilium").parent).policy


def test_chart_controlled_vllm_flag_is_an_error() -> None:
    text = variant_text("aks-spot-awq").replace("--enable-prefix-caching", "--port=9000")
    with pytest.raises(RenderError, match=r"inference\[0\]\.extra_args: --port"):
        helm_values(_load_variant(text), GatewayConfigFile("c", "c"))


def test_gateway_pod_labels_reach_the_chart_pods() -> None:
    text = _with("eks-cilium", "  replicas: 2\n  pod_labels: {app: llm-gateway}\n", "  replicas: 2\n")
    values = helm_values(_load_variant(text), GatewayConfigFile("c", "c"))
    assert values["gateway"]["labels"] == {"app": "llm-gateway"}
    conflicting = _with("eks-cilium", "  replicas: 2\n  pod_labels: {app.kubernetes.io/name: gw}\n", "  replicas: 2\n")
    with pytest.raises(RenderError, match=r"app\.kubernetes\.io/name"):
        helm_values(_load_variant(conflicting), GatewayConfigFile("c", "c"))


# ---------------------------------------------------------------------------------------------
# what the rest of the render must provide for these values to work


def test_gateway_vault_role_may_read_every_referenced_path() -> None:
    loaded, _ = load_case("eks-cilium")
    plan = vault_plan(loaded.policy)
    assert plan.gateway is not None
    readable = {rule.path for rule in plan.gateway.rules if "read" in rule.capabilities}
    referenced = {ref.split("#")[0] for ref in values_of("eks-cilium")["gateway"]["secretFromVault"]["paths"].values()}
    assert referenced <= readable, sorted(referenced - readable)


@pytest.mark.parametrize("case", ["eks-cilium-operator", "gke-networkpolicy"])
def test_gateway_namespace_has_the_secret_store_the_values_name(case: str) -> None:
    loaded, files = load_case(case)
    sv = values_of(case)["gateway"]["secretFromVault"]
    if sv["mode"] == "operator":
        wanted = ("VaultAuth", sv["operator"]["vaultAuthRef"])
    else:
        wanted = (sv["externalSecrets"]["secretStoreRef"]["kind"], sv["externalSecrets"]["secretStoreRef"]["name"])
    found = {
        (doc["kind"], doc["metadata"]["name"])
        for path, data in files.items()
        if path.startswith("kubernetes/") and path.endswith(".yaml")
        for doc in yaml.safe_load_all(data)
        if doc and doc["metadata"].get("namespace") == loaded.policy.gateway.namespace
    }
    assert wanted in found
    # ... and it logs in as the chart's ServiceAccount with the gateway's Vault role
    store = next(
        doc
        for data in (files["kubernetes/gateway.yaml"],)
        for doc in yaml.safe_load_all(data)
        if doc and (doc["kind"], doc["metadata"]["name"]) == wanted
    )
    if sv["mode"] == "operator":
        login = store["spec"]["kubernetes"]
        assert (login["role"], login["serviceAccount"]) == (gateway_vault_role(loaded.policy), GATEWAY_SA)
    else:
        login = store["spec"]["provider"]["vault"]["auth"]["kubernetes"]
        assert (login["role"], login["serviceAccountRef"]["name"]) == (gateway_vault_role(loaded.policy), GATEWAY_SA)
