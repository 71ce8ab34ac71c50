"""Values of the ``cdeops-llm-stack`` chart (``helm/llm-stack-values.yaml``) for a policy, built as a dict.

The chart (helm/cdeops-llm-stack) runs the LLM gateway and the self-hosted vLLM servers; its
``values.schema.json`` is the contract these values meet. Decisions taken here:

- The gateway config is the file the gateway stage rendered, byte for byte (passed in, never
  re-derived), in the ConfigMap the chart mounts.
- Keys reach the gateway from Vault at runtime: ``secretFromVault.paths`` are the Vault references of
  the gateway's environment contract (``views.gateway_env``), delivered as the policy's
  ``vault.injection`` says. No secret value is ever part of the values.
- Redis runs exactly when the LiteLLM config reads ``REDIS_*`` (shared rate limits, budgets, cache):
  ``platform_policies.gateway_uses_redis``, which also decides the Redis NetworkPolicies.
- vLLM servers are ``vllm-<inference name>`` in the inference namespace, so their Services are the
  ``api_base`` the gateway config uses (``naming.inference_service_url``); they select and tolerate
  their GPU pool's nodes.
- Namespaces and NetworkPolicies come from ``kubernetes/gateway.yaml`` and ``kubernetes/inference.yaml``
  (``views.platform_policies``): the chart renders neither. NetworkPolicies add up, so two sets
  would make the broader one win; one source must be authoritative, and only the cdeops one knows
  provider host names (Cilium FQDN rules) and the policy's Vault and DNS endpoints.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
import yaml

from ..errors import RenderError
from ..policy.document import Policy
from ..policy.fields import normalise_name
from ..policy.llm import Inference
from ..resources import helm_chart_dir
from .gateway_env import gateway_env
from .gpu_pools import gpu_scheduling
from .naming import (
    GATEWAY_SA,
    GATEWAY_SERVICE,
    MANAGED_LABELS,
    gateway_vault_role,
    inference_namespace,
)
from .platform_policies import gateway_uses_redis
from .vault_sync import VAULT_OBJECT_NAME

__all__ = [
    "CHART_LABELS",
    "CHART_VLLM_FLAGS",
    "GatewayConfigFile",
    "config_map_key",
    "helm_values",
    "merge_values",
    "split_image",
    "values_schema_errors",
    "vllm_dtype",
    "vllm_model_name",
]

Obj = dict[str, Any]

# Labels the chart sets itself on every object (they win over values labels).
CHART_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/version",
    "helm.sh/chart",
)
# vLLM flags the chart sets (its schema rejects them in extraArgs).
CHART_VLLM_FLAGS = ("--model", "--served-model-name", "--host", "--port", "--tensor-parallel-size", "--download-dir")
# Where the chart mounts the Portkey config (see config_map_key).
PORTKEY_MOUNT = "/etc/portkey"
MAX_CHART_NAME = 40

# policy dtype -> (chart dtype, vLLM quantization). AWQ/GPTQ kernels compute in float16; fp8 keeps
# the checkpoint's dtype for activations and quantizes the weights.
_DTYPES: dict[str, tuple[str, str | None]] = {
    "bfloat16": ("bfloat16", None),
    "float16": ("float16", None),
    "fp8": ("auto", "fp8"),
    "awq": ("float16", "awq"),
    "gptq": ("float16", "gptq"),
}


@dataclass(frozen=True)
class GatewayConfigFile:
    """The gateway config as the gateway stage rendered it: its output path and exact text."""

    path: str
    text: str


def split_image(reference: str) -> dict[str, str]:
    """``repo[:tag][@digest]`` as the chart's ``{repository, tag, digest}`` (a registry port stays in
    the repository: ``registry:5000/vllm:v1`` -> ``registry:5000/vllm`` + ``v1``)."""
    name, _, digest = reference.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    image = {"repository": name}
    if tag:
        image["tag"] = tag
    if digest:
        image["digest"] = digest
    return image


def config_map_key(engine: str) -> str:
    """The ConfigMap key (= file name in the pod) of the gateway config.

    LiteLLM: ``config.yaml``, which the chart passes to ``litellm --config``. Portkey: ``config.json``
    under ``/etc/portkey``, not ``/app/conf.json``: that file is Portkey's own settings file (enabled
    plugins, plugin credentials) and replacing it with the routing config would switch off the
    ``default`` plugin the secret-blocking hook uses.
    """
    return "config.yaml" if engine == "litellm" else "config.json"


def vllm_model_name(inference: Inference) -> str:
    """The chart model name: ``vllm-<name>`` (Deployment and Service; see naming.inference_service_url)."""
    return f"vllm-{normalise_name(inference.name)}"


def vllm_dtype(inference: Inference) -> tuple[str, list[str]]:
    """The chart ``dtype`` and the extra vLLM flags for the policy's dtype."""
    dtype, quantization = _DTYPES[inference.dtype]
    given = {arg.split("=", 1)[0] for arg in inference.extra_args}
    if quantization is None or "--quantization" in given:
        return dtype, []
    return dtype, [f"--quantization={quantization}"]


def _global(policy: Policy) -> Obj:
    return {
        "org": policy.metadata.org,
        "environment": policy.metadata.environment,
        # shared platform objects: no team label; the chart sets part-of/managed-by itself
        "labels": {k: v for k, v in sorted(MANAGED_LABELS.items()) if k not in CHART_LABELS},
        "imagePullPolicy": "IfNotPresent",
        "createNamespaces": False,
    }


def _gateway_labels(policy: Policy) -> dict[str, str]:
    """The policy's gateway pod labels (what the cdeops NetworkPolicies select), as chart labels."""
    labels: dict[str, str] = {}
    for key, value in sorted(policy.gateway.pod_labels.items()):
        if key == "app.kubernetes.io/name" and value == GATEWAY_SERVICE:
            continue  # the chart sets it (gateway.name)
        if key == "app.kubernetes.io/part-of" and value == "cdeops":
            continue
        if key in CHART_LABELS:
            raise RenderError(
                f"gateway.pod_labels: {key}={value} cannot be set on the Helm chart's gateway pods",
                hint=f"the chart owns {key}; select the gateway with other labels (or app.kubernetes.io/name: "
                f"{GATEWAY_SERVICE})",
            )
        labels[key] = value
    return labels


def _secret_from_vault(policy: Policy) -> Obj:
    vault = policy.vault
    # optional keys (e.g. the alert webhook) are left out: a reference to a missing field fails the
    # whole External Secrets sync and makes the Vault agent write "<no value>"
    paths = {
        env.name: env.vault_ref
        for env in gateway_env(policy)
        if env.source == "vault" and env.vault_ref and env.required
    }
    return {
        "mode": vault.injection,
        "role": gateway_vault_role(policy),
        "paths": dict(sorted(paths.items())),
        "agent": {
            "authPath": f"auth/{vault.auth_mount}",
            "address": vault.address,
            "vaultNamespace": vault.namespace or "",
            "prePopulateOnly": True,
        },
        # the gateway namespace's VaultAuth / SecretStore, named like the team namespaces' ones
        "operator": {"vaultAuthRef": VAULT_OBJECT_NAME, "refreshAfter": "1h"},
        "externalSecrets": {
            "secretStoreRef": {"name": VAULT_OBJECT_NAME, "kind": "SecretStore"},
            "refreshInterval": "1h",
        },
    }


def _plain_env(policy: Policy) -> dict[str, str]:
    return {env.name: env.value for env in gateway_env(policy) if env.source == "deployment" and env.value is not None}


def _gateway(policy: Policy, config: GatewayConfigFile) -> Obj:
    gw = policy.gateway
    if GATEWAY_SA != GATEWAY_SERVICE:  # the chart names the ServiceAccount after the gateway
        raise RenderError(f"gateway ServiceAccount {GATEWAY_SA!r} must equal the Service name {GATEWAY_SERVICE!r}")
    redis = gateway_uses_redis(policy)  # one decision for the chart and kubernetes/gateway.yaml
    values: Obj = {
        "enabled": True,
        "engine": gw.engine,
        "name": GATEWAY_SERVICE,
        "namespace": gw.namespace,
        "image": split_image(gw.image) if gw.image else {},
        "replicas": gw.replicas,
        "port": gw.port,
        "configMapData": {config_map_key(gw.engine): config.text},
    }
    if gw.engine == "portkey":
        values["configMountPath"] = PORTKEY_MOUNT
    values["env"] = _plain_env(policy)
    values["secretFromVault"] = _secret_from_vault(policy)
    values["podDisruptionBudget"] = {"enabled": gw.replicas > 1, "minAvailable": 1}
    values["serviceMonitor"] = {"enabled": False}
    values["labels"] = _gateway_labels(policy)
    values["redis"] = {"enabled": redis}
    return values


def _model(policy: Policy, index: int, inference: Inference) -> Obj:
    name = vllm_model_name(inference)
    if len(name) > MAX_CHART_NAME:
        raise RenderError(
            f"inference[{index}].name: {name!r} is longer than the chart's {MAX_CHART_NAME} characters",
            hint=f"use an inference name of at most {MAX_CHART_NAME - len('vllm-')} characters",
        )
    for arg in inference.extra_args:
        flag = arg.split("=", 1)[0]
        if flag in CHART_VLLM_FLAGS:
            raise RenderError(
                f"inference[{index}].extra_args: {flag} is set by cdeops from the policy",
                hint="remove it; model, served name, port and tensor parallelism come from the inference entry",
            )
    dtype, dtype_args = vllm_dtype(inference)
    node_selector, tolerations = gpu_scheduling(policy, policy.pool(inference.pool))
    model: Obj = {
        "name": name,
        "image": split_image(inference.image),
        "model": inference.model,
        "servedModelName": inference.name,
        "replicas": inference.replicas,
        "gpusPerReplica": inference.gpus_per_replica,
        "maxModelLen": inference.max_model_len,
        "dtype": dtype,
        "gpuMemoryUtilization": inference.gpu_memory_utilization,
        "extraArgs": [*dtype_args, *inference.extra_args],
        "airGapped": inference.air_gapped,
        "cache": {"sizeGi": inference.cache_size_gb},
        "nodeSelector": node_selector,
        "tolerations": tolerations,
    }
    if inference.replicas > 1:
        model["podDisruptionBudget"] = {"minAvailable": 1}
    return model


def _inference(policy: Policy) -> Obj:
    return {
        "namespace": inference_namespace(policy),
        "serviceMonitor": {"enabled": False},
        "models": [_model(policy, i, inference) for i, inference in enumerate(policy.inference)],
    }


def helm_values(policy: Policy, config: GatewayConfigFile) -> Obj:
    """The chart values for ``policy``; ``config`` is the rendered gateway config file."""
    return {
        "global": _global(policy),
        "gateway": _gateway(policy, config),
        "inference": _inference(policy),
        # kubernetes/gateway.yaml and kubernetes/inference.yaml hold the authoritative policies
        "networkPolicies": {"enabled": False},
    }


def merge_values(base: Obj, override: Obj) -> Obj:
    """Helm's values merge: maps merge recursively, everything else is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge_values(merged[key], value)
        else:
            merged[key] = value
    return merged


@cache
def _chart_contract() -> tuple[Obj, jsonschema.Draft7Validator]:
    chart = helm_chart_dir()
    defaults: Obj = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))
    schema = json.loads((chart / "values.schema.json").read_text(encoding="utf-8"))
    return defaults, jsonschema.Draft7Validator(schema)


def values_schema_errors(values: Obj) -> list[str]:
    """Where ``values`` (over the chart defaults, as Helm merges them) break the chart's
    ``values.schema.json``: one ``dotted.path: message`` per problem, empty when they meet it."""
    defaults, validator = _chart_contract()
    errors = sorted(
        validator.iter_errors(merge_values(defaults, values)), key=lambda e: [str(p) for p in e.absolute_path]
    )
    problems = []
    for error in errors:
        where = ".".join(str(p) for p in error.absolute_path) or "<root>"
        message = error.message if len(error.message) <= 200 else error.message[:197] + "..."
        problems.append(f"{where}: {message}")
    return problems
