"""Per-team objects that turn the team's gateway key into the Secret ``cdeops-gateway-key`` (key ``api_key``).

``operator`` mode: Vault Secrets Operator (``VaultConnection`` + ``VaultAuth`` + ``VaultStaticSecret``);
``external-secrets`` mode: External Secrets (``SecretStore`` + ``ExternalSecret``); ``agent`` mode needs
nothing here (the injector annotations on the workspace pod do the work).

In both operator modes the operator logs in to Vault as the dedicated ServiceAccount
``cdeops-vault-sync`` of the team namespace (audience ``vault.audience``), which the team's Vault role
binds; workspace pods then never talk to Vault and their own ServiceAccount has no Vault role.
"""

from __future__ import annotations

from typing import Any

from ..policy.document import Policy
from ..policy.org import Team
from .naming import (
    MANAGED_LABELS,
    VAULT_SYNC_SA,
    gateway_key_secret,
    team_labels,
    team_namespace,
    team_slug,
    vault_role_name,
)
from .vault_policies import GATEWAY_KEY_FIELD

__all__ = ["ESO_API", "VAULT_OBJECT_NAME", "VSO_API", "vault_login_objects", "vault_sync_objects"]

Obj = dict[str, Any]
VSO_API = "secrets.hashicorp.com/v1beta1"
ESO_API = "external-secrets.io/v1"
VAULT_OBJECT_NAME = "cdeops-vault"  # the VaultConnection / VaultAuth / SecretStore of a team namespace
TOKEN_EXPIRATION_SECONDS = 600  # VSO's minimum
REFRESH = "5m"  # how often a rotated key reaches the Secret (workspaces read it at start)


def _meta(name: str, namespace: str, labels: dict[str, str]) -> Obj:
    return {"name": name, "namespace": namespace, "labels": dict(sorted({**MANAGED_LABELS, **labels}.items()))}


def _service_account(namespace: str, labels: dict[str, str]) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": _meta(VAULT_SYNC_SA, namespace, labels),
        "automountServiceAccountToken": False,
    }


def vault_login_objects(
    policy: Policy, namespace: str, role: str, service_account: str, labels: dict[str, str]
) -> list[Obj]:
    """How an operator in ``namespace`` logs in to Vault as ``service_account`` with ``role``, all named
    ``cdeops-vault``: VaultConnection + VaultAuth (``operator``), SecretStore (``external-secrets``),
    nothing in ``agent`` mode."""
    vault = policy.vault
    if vault.injection == "operator":
        auth: Obj = {
            "vaultConnectionRef": VAULT_OBJECT_NAME,
            "method": "kubernetes",
            "mount": vault.auth_mount,
            "kubernetes": {
                "role": role,
                "serviceAccount": service_account,
                "audiences": [vault.audience],
                "tokenExpirationSeconds": TOKEN_EXPIRATION_SECONDS,
            },
        }
        if vault.namespace:
            auth["namespace"] = vault.namespace
        connection = {"address": vault.address, "skipTLSVerify": False}
        return [
            {
                "apiVersion": VSO_API,
                "kind": "VaultConnection",
                "metadata": _meta(VAULT_OBJECT_NAME, namespace, labels),
                "spec": connection,
            },
            {
                "apiVersion": VSO_API,
                "kind": "VaultAuth",
                "metadata": _meta(VAULT_OBJECT_NAME, namespace, labels),
                "spec": auth,
            },
        ]
    if vault.injection == "external-secrets":
        provider: Obj = {
            "server": vault.address,
            "path": vault.kv_mount,
            "version": "v2",
            "auth": {
                "kubernetes": {
                    "mountPath": vault.auth_mount,
                    "role": role,
                    "serviceAccountRef": {"name": service_account, "audiences": [vault.audience]},
                }
            },
        }
        if vault.namespace:
            provider["namespace"] = vault.namespace
        store = {
            "apiVersion": ESO_API,
            "kind": "SecretStore",
            "metadata": _meta(VAULT_OBJECT_NAME, namespace, labels),
            "spec": {"provider": {"vault": provider}},
        }
        return [store]
    return []


def _vso_secret(policy: Policy, team: Team, namespace: str, labels: dict[str, str]) -> Obj:
    vault = policy.vault
    return {
        "apiVersion": VSO_API,
        "kind": "VaultStaticSecret",
        "metadata": _meta(gateway_key_secret(), namespace, labels),
        "spec": {
            "vaultAuthRef": VAULT_OBJECT_NAME,
            "type": "kv-v2",
            "mount": vault.kv_mount,
            "path": vault.team_path(team_slug(team)),
            "refreshAfter": REFRESH,
            "hmacSecretData": True,
            "destination": {
                "name": gateway_key_secret(),
                "create": True,
                "overwrite": False,
                "type": "Opaque",
                "labels": dict(sorted({**MANAGED_LABELS, **labels}.items())),
                "transformation": {"excludeRaw": True, "includes": [f"^{GATEWAY_KEY_FIELD}$"]},
            },
        },
    }


def _eso_secret(policy: Policy, team: Team, namespace: str, labels: dict[str, str]) -> Obj:
    vault = policy.vault
    return {
        "apiVersion": ESO_API,
        "kind": "ExternalSecret",
        "metadata": _meta(gateway_key_secret(), namespace, labels),
        "spec": {
            "refreshInterval": REFRESH,
            "secretStoreRef": {"kind": "SecretStore", "name": VAULT_OBJECT_NAME},
            "target": {
                "name": gateway_key_secret(),
                "creationPolicy": "Owner",
                "template": {
                    "type": "Opaque",
                    "metadata": {"labels": dict(sorted({**MANAGED_LABELS, **labels}.items()))},
                },
            },
            "data": [
                {
                    "secretKey": GATEWAY_KEY_FIELD,
                    "remoteRef": {"key": vault.team_path(team_slug(team)), "property": GATEWAY_KEY_FIELD},
                }
            ],
        },
    }


def vault_sync_objects(policy: Policy, team: Team) -> list[Obj]:
    """The team namespace's secret-sync objects for ``vault.injection`` (none in ``agent`` mode)."""
    mode = policy.vault.injection
    if mode == "agent":
        return []
    namespace = team_namespace(policy, team)
    labels = team_labels(policy, team)
    login = vault_login_objects(policy, namespace, vault_role_name(policy, team), VAULT_SYNC_SA, labels)
    secret = _vso_secret if mode == "operator" else _eso_secret
    return [_service_account(namespace, labels), *login, secret(policy, team, namespace, labels)]
