"""What Vault must hold for a policy: ACL policies, Kubernetes-auth roles and the secrets they guard.

One plan, used by the Terraform output (``terraform/vault/``), ``cdeops vault sync`` (writes it through
the API) and ``cdeops vault check`` (compares the server with it), so all three agree by construction.

Each team gets ``read`` on exactly its gateway key (KV v2 ``data/`` path) and ``list`` on its own folder
(``metadata/``), nothing else; a glob is never used, so ``payments`` cannot match ``payments-eu``. The
gateway gets ``read`` on every provider key. Roles bind a ServiceAccount in one namespace, with the
token audience and TTLs of the policy's ``vault`` section.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..policy.document import Policy
from ..policy.org import Team
from ..render.hcl import hcl_string, hcl_value
from .naming import (
    GATEWAY_SA,
    VAULT_SYNC_SA,
    WORKSPACE_SA,
    gateway_vault_policy,
    gateway_vault_role,
    team_namespace,
    team_slug,
    vault_policy_name,
    vault_role_name,
)

__all__ = [
    "GATEWAY_KEY_FIELD",
    "AclPolicy",
    "AuthRole",
    "PathRule",
    "SecretRef",
    "TeamAccess",
    "VaultPlan",
    "team_service_account",
    "vault_plan",
]

GATEWAY_KEY_FIELD = "api_key"


@dataclass(frozen=True)
class PathRule:
    path: str
    capabilities: tuple[str, ...]


@dataclass(frozen=True)
class AclPolicy:
    """A Vault ACL policy; ``text`` is the HCL document written to ``sys/policy/<name>``."""

    name: str
    comment: str
    rules: tuple[PathRule, ...]

    @property
    def text(self) -> str:
        lines = [f"# {self.comment}"]
        for rule in self.rules:
            lines += [
                "",
                f"path {hcl_string(rule.path)} {{",
                f"  capabilities = {hcl_value(list(rule.capabilities))}",
                "}",
            ]
        return "\n".join(lines) + "\n"

    def rule_map(self) -> dict[str, tuple[str, ...]]:
        return {r.path: r.capabilities for r in self.rules}


@dataclass(frozen=True)
class AuthRole:
    """A role of the Kubernetes auth method, with the parameters Vault stores (``token_*`` names)."""

    name: str
    service_accounts: tuple[str, ...]
    namespaces: tuple[str, ...]
    audience: str
    policies: tuple[str, ...]
    token_ttl: int
    token_max_ttl: int

    def parameters(self) -> dict[str, object]:
        """The request body of ``auth/<mount>/role/<name>`` (also what ``check`` compares)."""
        return {
            "bound_service_account_names": list(self.service_accounts),
            "bound_service_account_namespaces": list(self.namespaces),
            "audience": self.audience,
            "token_policies": list(self.policies),
            "token_ttl": self.token_ttl,
            "token_max_ttl": self.token_max_ttl,
        }


@dataclass(frozen=True)
class SecretRef:
    """A KV v2 secret that must exist (path under the mount, without ``data/``) with a non-empty field."""

    path: str
    key: str
    owner: str  # "team <slug>" or "provider <name>"


@dataclass(frozen=True)
class TeamAccess:
    """What one team's policy must grant (own paths) and must not grant (everybody else's)."""

    team: str
    policy: str
    role: str
    key: SecretRef
    read_paths: tuple[str, ...]  # full API paths (mount/data/...)
    list_paths: tuple[str, ...]  # full API paths (mount/metadata/.../)


@dataclass(frozen=True)
class VaultPlan:
    kv_mount: str
    auth_mount: str
    namespace: str | None
    policies: tuple[AclPolicy, ...]
    roles: tuple[AuthRole, ...]
    teams: tuple[TeamAccess, ...]
    provider_keys: tuple[SecretRef, ...]
    gateway_secrets: tuple[SecretRef, ...]
    gateway: AclPolicy | None = None
    gateway_role: AuthRole | None = None
    secrets: tuple[SecretRef, ...] = field(default=())

    def policy(self, name: str) -> AclPolicy:
        return next(p for p in self.policies if p.name == name)


def team_service_account(policy: Policy) -> str:
    """Who logs in to Vault for a team: the workspace pod (agent mode) or the secret-sync operator."""
    return WORKSPACE_SA if policy.vault.injection == "agent" else VAULT_SYNC_SA


def _team_folder(policy: Policy, slug: str) -> str | None:
    """The team's own folder (``cdeops/teams/payments/``), when ``{team}`` is a whole folder level.

    With ``{team}`` inside the last segment (``keys/{team}-gateway``) the parent folder is shared by
    every team, so no folder is granted.
    """
    segments = policy.vault.team_key_path.split("/")
    for index, segment in enumerate(segments[:-1]):
        if "{team}" in segment:
            return "/".join(segments[: index + 1]).replace("{team}", slug) + "/"
    return None


def _team_access(policy: Policy, team: Team) -> tuple[TeamAccess, AclPolicy, AuthRole]:
    vault = policy.vault
    slug = team_slug(team)
    key = SecretRef(vault.team_path(slug), GATEWAY_KEY_FIELD, f"team {slug}")
    read_path = f"{vault.kv_mount}/data/{key.path}"
    folder = _team_folder(policy, slug)
    list_path = f"{vault.kv_mount}/metadata/{folder if folder else key.path}"
    name = vault_policy_name(policy, team)
    acl = AclPolicy(
        name=name,
        comment=f"cdeops: workspaces of team {slug} read the team's gateway key, nothing else.",
        rules=(PathRule(read_path, ("read",)), PathRule(list_path, ("list",))),
    )
    role = AuthRole(
        name=vault_role_name(policy, team),
        service_accounts=(team_service_account(policy),),
        namespaces=(team_namespace(policy, team),),
        audience=vault.audience,
        policies=(name,),
        token_ttl=vault.token_ttl_seconds,
        token_max_ttl=vault.token_max_ttl_seconds,
    )
    access = TeamAccess(slug, name, role.name, key, (read_path,), (list_path,))
    return access, acl, role


def _provider_keys(policy: Policy) -> tuple[SecretRef, ...]:
    keys = {
        (p.api_key.vault, p.api_key.key): SecretRef(p.api_key.vault, p.api_key.key, f"provider {p.name}")
        for p in policy.providers
        if p.api_key is not None
    }
    return tuple(keys[k] for k in sorted(keys))


def _gateway_secrets(policy: Policy) -> tuple[SecretRef, ...]:
    """The gateway's own required secrets (master key, salt key, database URL): what its config reads."""
    from .gateway_env import PROVIDER_KEY_ENV, gateway_env

    refs = set()
    for env in gateway_env(policy):
        if env.source == "vault" and env.required and env.vault_ref and not PROVIDER_KEY_ENV.match(env.name):
            path, _, key = env.vault_ref.partition("#")
            refs.add(SecretRef(path.split("/data/", 1)[1], key, "gateway"))
    return tuple(sorted(refs, key=lambda r: (r.path, r.key)))


def _gateway(policy: Policy, keys: tuple[SecretRef, ...]) -> tuple[AclPolicy, AuthRole] | None:
    if not keys:
        return None
    vault = policy.vault
    paths = sorted({f"{vault.kv_mount}/data/{k.path}" for k in keys})
    name = gateway_vault_policy(policy)
    acl = AclPolicy(
        name=name,
        comment="cdeops: the LLM gateway reads the approved providers' API keys and its own secrets, nothing else.",
        rules=tuple(PathRule(p, ("read",)) for p in paths),
    )
    role = AuthRole(
        name=gateway_vault_role(policy),
        service_accounts=(GATEWAY_SA,),
        namespaces=(policy.gateway.namespace,),
        audience=vault.audience,
        policies=(name,),
        token_ttl=vault.token_ttl_seconds,
        token_max_ttl=vault.token_max_ttl_seconds,
    )
    return acl, role


def vault_plan(policy: Policy) -> VaultPlan:
    """Every policy, role and secret a policy needs in Vault, in a stable order."""
    teams = sorted((_team_access(policy, t) for t in policy.teams), key=lambda item: item[0].team)
    provider_keys = _provider_keys(policy)
    gateway_secrets = _gateway_secrets(policy)
    gateway = _gateway(policy, provider_keys + gateway_secrets)
    policies = [acl for _, acl, _ in teams]
    roles = [role for _, _, role in teams]
    if gateway is not None:
        policies.append(gateway[0])
        roles.append(gateway[1])
    return VaultPlan(
        kv_mount=policy.vault.kv_mount,
        auth_mount=policy.vault.auth_mount,
        namespace=policy.vault.namespace,
        policies=tuple(policies),
        roles=tuple(roles),
        teams=tuple(access for access, _, _ in teams),
        provider_keys=provider_keys,
        gateway_secrets=gateway_secrets,
        gateway=gateway[0] if gateway else None,
        gateway_role=gateway[1] if gateway else None,
        secrets=provider_keys + gateway_secrets + tuple(access.key for access, _, _ in teams),
    )
