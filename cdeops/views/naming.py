"""Names and labels every view agrees on: namespaces, roles, Services, label sets."""

from __future__ import annotations

import hashlib

from ..policy.document import Policy
from ..policy.fields import label_value, normalise_name
from ..policy.llm import Inference
from ..policy.org import Team, Template

__all__ = [
    "COST_LABELS",
    "GATEWAY_KEY_FILE",
    "GATEWAY_SA",
    "GATEWAY_SERVICE",
    "GPU_POOL_LABEL",
    "MANAGED_LABELS",
    "SECRETS_DIR",
    "VAULT_SYNC_SA",
    "WORKSPACES_LABEL",
    "WORKSPACE_SA",
    "coder_template_name",
    "gateway_key_secret",
    "gateway_service_url",
    "gateway_vault_policy",
    "gateway_vault_role",
    "inference_namespace",
    "inference_service_url",
    "pod_security_labels",
    "team_labels",
    "team_namespace",
    "team_slug",
    "vault_policy_name",
    "vault_role_name",
]

MANAGED_LABELS = {"app.kubernetes.io/managed-by": "cdeops", "app.kubernetes.io/part-of": "cdeops"}
WORKSPACES_LABEL = "cdeops.io/workspaces"
GPU_POOL_LABEL = "cdeops.io/gpu-pool"
COST_LABELS = ("team", "project", "cost-center", "template", "owner", "env")
WORKSPACE_SA = "coder-workspace"
GATEWAY_SERVICE = "llm-gateway"
GATEWAY_SA = "llm-gateway"  # the gateway's ServiceAccount (in gateway.namespace); its Vault role binds it
VAULT_SYNC_SA = "cdeops-vault-sync"  # operator / external-secrets modes: what VSO / ESO log in to Vault as
SECRETS_DIR = "/vault/secrets"
GATEWAY_KEY_FILE = "gateway-key"


def team_slug(team: Team) -> str:
    return normalise_name(team.name)


def team_namespace(policy: Policy, team: Team) -> str:
    return f"{policy.coder.workspace_namespace_prefix}{team_slug(team)}"[:63].rstrip("-")


def inference_namespace(policy: Policy) -> str:
    return f"{policy.gateway.namespace}-inference"[:63]


def inference_service_url(policy: Policy, inference: Inference) -> str:
    """OpenAI-compatible base URL of an inference entry's vLLM Service (only the gateway may call it).

    The Service is ``vllm-<name>`` in the inference namespace and serves the model under the
    inference name (``--served-model-name``); the Helm values and the gateway config both use this.
    """
    return f"http://vllm-{normalise_name(inference.name)}.{inference_namespace(policy)}.svc.cluster.local:8000/v1"


def team_labels(policy: Policy, team: Team) -> dict[str, str]:
    """Labels OpenCost/Kubecost inherit from the namespace: team, cost-center, env."""
    return {
        "team": team_slug(team),
        "cost-center": label_value(team.cost_center),
        "env": policy.metadata.environment,
    }


def pod_security_labels(policy: Policy) -> dict[str, str]:
    """Namespace labels enforcing (and warning and auditing) Pod Security "restricted" at the cluster's version."""
    version = f"v{policy.cluster.kubernetes_version}"
    labels: dict[str, str] = {}
    for mode in ("enforce", "warn", "audit"):
        labels[f"pod-security.kubernetes.io/{mode}"] = "restricted"
        labels[f"pod-security.kubernetes.io/{mode}-version"] = version
    return labels


def coder_template_name(team: Team, template: Template) -> str:
    """The Coder template name for a team's copy of a template (Coder allows 32 characters)."""
    name = f"{team_slug(team)}-{normalise_name(template.name)}"
    if len(name) <= 32:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:6]
    return f"{name[:25].rstrip('-')}-{digest}"


def vault_role_name(policy: Policy, team: Team) -> str:
    return f"{policy.metadata.org}-ws-{team_slug(team)}"


def vault_policy_name(policy: Policy, team: Team) -> str:
    return f"{policy.metadata.org}-ws-{team_slug(team)}"


def gateway_vault_role(policy: Policy) -> str:
    """The Vault Kubernetes-auth role of the gateway (reads the provider keys)."""
    return f"{policy.metadata.org}-llm-gateway"


def gateway_vault_policy(policy: Policy) -> str:
    return f"{policy.metadata.org}-llm-gateway"


def gateway_key_secret() -> str:
    """The Kubernetes Secret (operator / external-secrets modes) holding the team's gateway key."""
    return "cdeops-gateway-key"


def gateway_service_url(policy: Policy) -> str:
    """In-cluster address of the gateway Service: what workspaces use (the egress policy allows it)."""
    gw = policy.gateway
    return f"http://{GATEWAY_SERVICE}.{gw.namespace}.svc.cluster.local:{gw.port}"
