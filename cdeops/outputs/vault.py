"""``terraform/vault/``: a ``vault_policy`` and a ``vault_kubernetes_auth_backend_role`` per team and for
the gateway, from the same plan ``cdeops vault sync`` writes (see ``views/vault_policies.py``)."""

from __future__ import annotations

from dataclasses import dataclass

from ..render.jinja_env import render_template
from ..views.naming import VAULT_SYNC_SA
from ..views.vault_policies import AclPolicy, AuthRole, vault_plan
from .context import RenderContext

__all__ = ["VAULT_PROVIDER", "files"]

VAULT_PROVIDER = "5.11.0"  # hashicorp/vault, the version of the shipped provider schema


@dataclass(frozen=True)
class _Resource:
    id: str  # Terraform resource name (cdeops-made identifier, never user text)
    label: str
    policy: AclPolicy
    role: AuthRole

    @property
    def reads(self) -> str:
        return ", ".join(f"`{r.path}`" for r in self.policy.rules if "read" in r.capabilities)


@dataclass(frozen=True)
class _VaultView:
    org: str
    address: str
    namespace: str | None
    kv_mount: str
    auth_mount: str
    team_key_path: str
    injection: str
    sync_sa: str
    audience: str
    token_ttl: int
    token_max_ttl: int
    provider_version: str
    resources: list[_Resource]


def _view(ctx: RenderContext) -> _VaultView:
    policy = ctx.policy
    plan = vault_plan(policy)
    policies = {acl.name: acl for acl in plan.policies}
    roles = {role.name: role for role in plan.roles}
    resources = [_Resource(f"team_{t.team}", f"team {t.team}", policies[t.policy], roles[t.role]) for t in plan.teams]
    if plan.gateway is not None and plan.gateway_role is not None:
        resources.append(_Resource("gateway", "LLM gateway", plan.gateway, plan.gateway_role))
    vault = policy.vault
    return _VaultView(
        org=policy.metadata.org,
        address=vault.address,
        namespace=vault.namespace,
        kv_mount=vault.kv_mount,
        auth_mount=vault.auth_mount,
        team_key_path=vault.team_key_path,
        injection=vault.injection,
        sync_sa=VAULT_SYNC_SA,
        audience=vault.audience,
        token_ttl=vault.token_ttl_seconds,
        token_max_ttl=vault.token_max_ttl_seconds,
        provider_version=VAULT_PROVIDER,
        resources=resources,
    )


def files(ctx: RenderContext) -> dict[str, bytes]:
    view = _view(ctx)
    return {
        "terraform/vault/main.tf": render_template("vault/main.tf.j2", v=view).encode(),
        "terraform/vault/README.md": render_template("vault/README.md.j2", v=view).encode(),
    }
