"""Per-team Kubernetes objects: the workspace namespace and what lives in it besides workspaces."""

from __future__ import annotations

from typing import Any

from ..policy.document import Policy
from ..policy.org import Team
from .egress import workspace_egress_objects
from .naming import (
    MANAGED_LABELS,
    WORKSPACE_SA,
    WORKSPACES_LABEL,
    pod_security_labels,
    team_labels,
    team_namespace,
)
from .vault_sync import vault_sync_objects

__all__ = ["WORKSPACE_QUOTA", "team_objects"]

Obj = dict[str, Any]
WORKSPACE_QUOTA = 20  # concurrent workspaces a team's quota is sized for
AGENT_CPU_M = 200  # Vault agent sidecar / init container limits (see views/workspace.py)
AGENT_MEM_MI = 128


def _meta(name: str, namespace: str | None, labels: dict[str, str]) -> Obj:
    meta: Obj = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    meta["labels"] = dict(sorted({**MANAGED_LABELS, **labels}.items()))
    return meta


def _namespace(policy: Policy, team: Team, name: str) -> Obj:
    labels = {**team_labels(policy, team), WORKSPACES_LABEL: "true", **pod_security_labels(policy)}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": _meta(name, None, labels)}


def _quota(policy: Policy, team: Team, name: str) -> list[Obj]:
    templates = [policy.template(t) for t in team.templates]
    cpu = max(t.cpu.max for t in templates)
    mem = max(t.memory_gb.max for t in templates)
    disk = max(t.home_disk_gb for t in templates)
    gpus = max((t.gpu.count if t.gpu else 0) for t in templates)
    n = WORKSPACE_QUOTA
    labels = team_labels(policy, team)
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": _meta("workspaces", name, labels),
        "spec": {
            "hard": {
                "pods": str(n),
                "persistentvolumeclaims": str(n),
                "requests.storage": f"{n * disk}Gi",
                "limits.cpu": f"{n * cpu * 1000 + n * AGENT_CPU_M}m",
                "limits.memory": f"{n * mem * 1024 + n * AGENT_MEM_MI}Mi",
                "requests.nvidia.com/gpu": str(n * gpus),
                "limits.ephemeral-storage": f"{n * 10 + n}Gi",
            }
        },
    }
    limits = {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _meta("workspaces", name, labels),
        "spec": {
            "limits": [
                {
                    "type": "Container",
                    "max": {"cpu": str(cpu), "memory": f"{mem}Gi"},
                    "default": {"cpu": "500m", "memory": "512Mi", "ephemeral-storage": "1Gi"},
                    "defaultRequest": {"cpu": "100m", "memory": "128Mi", "ephemeral-storage": "256Mi"},
                },
                {"type": "PersistentVolumeClaim", "max": {"storage": f"{disk}Gi"}},
            ]
        },
    }
    return [quota, limits]


def _service_account(policy: Policy, team: Team, name: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(WORKSPACE_SA, name, team_labels(policy, team)),
        "automountServiceAccountToken": False,
    }


def _provisioner_rbac(policy: Policy, team: Team, name: str) -> list[Obj]:
    """Lets coderd's provisioner manage workspaces in this namespace, and nothing more."""
    labels = team_labels(policy, team)
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _meta("coder-provisioner", name, labels),
        "rules": [
            {
                "apiGroups": ["apps"],
                "resources": ["deployments"],
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            },
            {
                "apiGroups": [""],
                "resources": ["persistentvolumeclaims", "secrets"],
                "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
            },
            {"apiGroups": [""], "resources": ["pods", "events"], "verbs": ["get", "list", "watch"]},
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _meta("coder-provisioner", name, labels),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "coder-provisioner"},
        "subjects": [{"kind": "ServiceAccount", "name": "coder", "namespace": policy.coder.namespace}],
    }
    return [role, binding]


def team_objects(policy: Policy, team: Team) -> list[Obj]:
    """Namespace, ServiceAccount, RBAC, quota and network policies of one team, in apply order."""
    name = team_namespace(policy, team)
    return [
        _namespace(policy, team, name),
        _service_account(policy, team, name),
        *_provisioner_rbac(policy, team, name),
        *_quota(policy, team, name),
        *workspace_egress_objects(policy, name),
        *vault_sync_objects(policy, team),
    ]
