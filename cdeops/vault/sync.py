"""``cdeops vault sync``: write the planned ACL policies and Kubernetes-auth roles, idempotently.

Each object is read first and written only when it differs, so a second run reports everything
``unchanged``. Objects Vault holds but the plan does not name are left alone (cdeops cannot tell them
from objects it does not own). Secrets are never written: their values are not cdeops's to know.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any, Literal

from ..views.vault_policies import AclPolicy, AuthRole, VaultPlan
from .client import VaultClient
from .compare import FieldChange, role_differences

__all__ = ["Action", "Change", "plan_changes", "sync_vault"]

Action = Literal["create", "update", "unchanged"]


@dataclass(frozen=True)
class Change:
    kind: Literal["policy", "role"]
    name: str
    path: str
    action: Action
    fields: tuple[FieldChange, ...] = ()
    diff: tuple[str, ...] = ()  # unified diff of a policy's text (policies hold no secrets)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "path": self.path,
            "action": self.action,
            "fields": [f.to_dict() for f in self.fields],
            "diff": list(self.diff),
        }


def _policy_change(acl: AclPolicy, client: VaultClient) -> Change:
    path = f"sys/policy/{acl.name}"
    current = client.read_policy(acl.name)
    if current is None:
        return Change("policy", acl.name, path, "create")
    if current == acl.text:
        return Change("policy", acl.name, path, "unchanged")
    diff = difflib.unified_diff(
        current.splitlines(), acl.text.splitlines(), fromfile=f"vault:{path}", tofile=f"rendered:{path}", lineterm=""
    )
    return Change("policy", acl.name, path, "update", diff=tuple(diff))


def _role_change(role: AuthRole, mount: str, client: VaultClient) -> Change:
    path = f"auth/{mount}/role/{role.name}"
    current = client.read_role(mount, role.name)
    if current is None:
        return Change("role", role.name, path, "create")
    fields = role_differences(role, current)
    return Change("role", role.name, path, "update" if fields else "unchanged", fields=tuple(fields))


def plan_changes(plan: VaultPlan, client: VaultClient) -> list[Change]:
    """What ``sync`` would do: policies first (roles name them), then roles."""
    changes = [_policy_change(acl, client) for acl in plan.policies]
    changes += [_role_change(role, plan.auth_mount, client) for role in plan.roles]
    return changes


def sync_vault(plan: VaultPlan, client: VaultClient, *, dry_run: bool = False) -> list[Change]:
    """Create or update every planned policy and role that differs; returns what was (or would be) done."""
    changes = plan_changes(plan, client)
    if dry_run:
        return changes
    policies = {acl.name: acl for acl in plan.policies}
    roles = {role.name: role for role in plan.roles}
    for change in changes:
        if change.action == "unchanged":
            continue
        if change.kind == "policy":
            client.write_policy(change.name, policies[change.name].text)
        else:
            parameters = roles[change.name].parameters()
            parameters["bound_service_account_namespace_selector"] = ""  # a selector would widen the binding
            client.write_role(plan.auth_mount, change.name, parameters)
    return changes
