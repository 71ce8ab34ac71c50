"""``vault check`` against a real Vault-API server: a complete set-up passes; every breakage is found."""

from __future__ import annotations

from dataclasses import replace

import hvac
import hvac.exceptions
import pytest

from cdeops.checks.findings import Finding
from cdeops.vault.preflight import check_vault

from .conftest import VaultSetup


def _findings(setup: VaultSetup) -> list[Finding]:
    return check_vault(setup.plan, setup.client()).findings


def _messages(setup: VaultSetup) -> list[str]:
    return [f"{f.check} {f.file}: {f.message}" for f in _findings(setup)]


def test_complete_setup_passes(vault_setup: VaultSetup) -> None:
    report = check_vault(vault_setup.plan, vault_setup.client())
    assert report.findings == []
    teams = len(vault_setup.policy.teams)
    assert report.checked == {
        "secrets": teams + len(vault_setup.plan.provider_keys) + len(vault_setup.plan.gateway_secrets),
        "policies": teams + 1,
        "roles": teams + 1,
        "isolation": teams + 1,
    }


def test_missing_team_key_path(vault_setup: VaultSetup) -> None:
    team = vault_setup.plan.teams[0]
    vault_setup.root.secrets.kv.v2.delete_metadata_and_all_versions(
        team.key.path, mount_point=vault_setup.plan.kv_mount
    )
    found = _findings(vault_setup)
    assert [(f.check, f.file) for f in found] == [("vault-secret", f"{vault_setup.plan.kv_mount}/{team.key.path}")]
    assert "does not exist" in found[0].message


def test_deleted_latest_version_counts_as_missing(vault_setup: VaultSetup) -> None:
    ref = vault_setup.plan.provider_keys[0]
    vault_setup.root.secrets.kv.v2.delete_latest_version_of_secret(ref.path, mount_point=vault_setup.plan.kv_mount)
    assert [f.message for f in _findings(vault_setup)] == [
        f"{ref.owner}: secret does not exist (or its latest version is deleted)"
    ]


def test_missing_and_empty_key(vault_setup: VaultSetup) -> None:
    kv = vault_setup.plan.kv_mount
    first, second = vault_setup.plan.teams[0], vault_setup.plan.teams[1]
    vault_setup.root.secrets.kv.v2.create_or_update_secret(first.key.path, secret={"token": "x"}, mount_point=kv)
    vault_setup.root.secrets.kv.v2.create_or_update_secret(second.key.path, secret={"api_key": ""}, mount_point=kv)
    messages = sorted(f.message for f in _findings(vault_setup))
    assert messages == sorted(
        [f"team {first.team}: secret has no field api_key", f"team {second.team}: field api_key is empty"]
    )


def test_missing_provider_key_field(vault_setup: VaultSetup) -> None:
    ref = vault_setup.plan.provider_keys[0]
    vault_setup.root.secrets.kv.v2.create_or_update_secret(
        ref.path, secret={"wrong": "x"}, mount_point=vault_setup.plan.kv_mount
    )
    assert _messages(vault_setup) == [
        f"vault-secret {vault_setup.plan.kv_mount}/{ref.path}: {ref.owner}: secret has no field {ref.key}"
    ]


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("bound_service_account_namespaces", ["ws-someone-else"], "['ws-someone-else']"),
        ("bound_service_account_names", ["default"], "['default']"),
        ("audience", "https://kubernetes.default.svc", "'https://kubernetes.default.svc'"),
        ("token_policies", ["default"], "['default']"),
        ("token_ttl", 7200, "7200"),
        ("token_max_ttl", 86400, "86400"),
        ("bound_service_account_namespace_selector", '{"matchLabels":{"a":"b"}}', '\'{"matchLabels":{"a":"b"}}\''),
    ],
)
def test_wrong_role_binding(vault_setup: VaultSetup, field: str, value: object, shown: str) -> None:
    role = vault_setup.plan.roles[0]
    path = f"auth/{vault_setup.plan.auth_mount}/role/{role.name}"
    vault_setup.root.adapter.post(f"/v1/{path}", json={field: value})
    found = [f for f in _findings(vault_setup) if f.check == "vault-role"]
    assert len(found) == 1 and found[0].file == path
    assert found[0].message.startswith(f"{field} is {shown}, rendered ")


def test_missing_role_and_policy(vault_setup: VaultSetup) -> None:
    team = vault_setup.plan.teams[0]
    vault_setup.root.auth.kubernetes.delete_role(team.role, mount_point=vault_setup.plan.auth_mount)
    vault_setup.root.sys.delete_policy(team.policy)
    assert sorted(_messages(vault_setup)) == sorted(
        [
            f"vault-role auth/{vault_setup.plan.auth_mount}/role/{team.role}: role does not exist",
            f"vault-policy sys/policy/{team.policy}: policy does not exist",
        ]
    )


def test_over_broad_policy_is_found(vault_setup: VaultSetup) -> None:
    kv = vault_setup.plan.kv_mount
    team, other = vault_setup.plan.teams[0], vault_setup.plan.teams[1]
    folder = team.key.path.rsplit("/", 2)[0]  # cdeops/teams
    wide = f'path "{kv}/data/{folder}/*" {{\n  capabilities = ["read"]\n}}\n'
    wide += f'path "{team.list_paths[0]}" {{\n  capabilities = ["list"]\n}}\n'
    vault_setup.root.sys.create_or_update_policy(team.policy, wide)
    messages = _messages(vault_setup)
    assert (
        f"vault-access sys/policy/{team.policy}: over-broad: team {team.team} may read {other.read_paths[0]}"
        in messages
    )
    assert f"vault-policy sys/policy/{team.policy}: extra rule path \"{kv}/data/{folder}/*\" ['read']" in messages
    # the other team's (correct) policy gives no finding
    assert not [m for m in messages if other.policy in m]


def test_write_on_own_key_is_over_broad(vault_setup: VaultSetup) -> None:
    team = vault_setup.plan.teams[0]
    text = vault_setup.plan.policy(team.policy).text.replace('["read"]', '["read", "update"]')
    vault_setup.root.sys.create_or_update_policy(team.policy, text)
    messages = _messages(vault_setup)
    assert (
        f"vault-access sys/policy/{team.policy}: team {team.team} may update {team.read_paths[0]} (read only)"
        in messages
    )


def test_gateway_policy_without_a_provider_key(vault_setup: VaultSetup) -> None:
    gateway = vault_setup.plan.gateway
    assert gateway is not None
    dropped = gateway.rules[0].path
    text = "\n".join(f'path "{r.path}" {{\n  capabilities = ["read"]\n}}' for r in gateway.rules if r.path != dropped)
    vault_setup.root.sys.create_or_update_policy(gateway.name, text + "\n")
    messages = _messages(vault_setup)
    assert f"vault-access sys/policy/{gateway.name}: the gateway cannot read provider key {dropped}" in messages


def test_team_a_cannot_read_team_b(vault_setup: VaultSetup) -> None:
    """Isolation through the capabilities endpoint and through a real read with a token of the policy."""
    kv = vault_setup.plan.kv_mount
    a, b = vault_setup.plan.teams[0], vault_setup.plan.teams[1]
    caps = vault_setup.client().capabilities([a.policy], [a.read_paths[0], b.read_paths[0], b.list_paths[0]])
    assert caps[a.read_paths[0]] == {"read"}
    assert caps[b.read_paths[0]] == {"deny"}
    assert caps[b.list_paths[0]] == {"deny"}

    created = vault_setup.root.auth.token.create(policies=[a.policy], no_default_policy=True, ttl="60s")
    as_a = vault_setup.server.hvac(token=created["auth"]["client_token"])
    own = as_a.secrets.kv.v2.read_secret_version(a.key.path, mount_point=kv, raise_on_deleted_version=True)
    assert own["data"]["data"]["api_key"] == vault_setup.planted
    with pytest.raises(hvac.exceptions.Forbidden):
        as_a.secrets.kv.v2.read_secret_version(b.key.path, mount_point=kv, raise_on_deleted_version=True)
    with pytest.raises(hvac.exceptions.Forbidden):
        as_a.secrets.kv.v2.read_secret_version(
            vault_setup.plan.provider_keys[0].path, mount_point=kv, raise_on_deleted_version=True
        )
    vault_setup.root.auth.token.revoke_accessor(created["auth"]["accessor"])


def test_wrong_mounts(vault_setup: VaultSetup) -> None:
    kv1 = vault_setup.plan.kv_mount + "-v1"
    bare = vault_setup.plan.auth_mount + "-bare"
    vault_setup.root.sys.enable_secrets_engine("kv", path=kv1, options={"version": "1"})
    vault_setup.root.sys.enable_auth_method("kubernetes", path=bare)
    try:
        for kv, auth, expected in (
            (
                kv1,
                "no-such-auth",
                [f"{kv1}/: is kv, not a KV version 2 mount", "auth/no-such-auth/: no auth method is mounted here"],
            ),
            (
                "no-such-kv",
                "token",
                [
                    "no-such-kv/: no secrets engine is mounted here",
                    "auth/token/: is a token auth method, not kubernetes",
                ],
            ),
            (
                vault_setup.plan.kv_mount,
                bare,
                [f"auth/{bare}/config: the Kubernetes auth method is not configured (no kubernetes_host)"],
            ),
        ):
            found = check_vault(replace(vault_setup.plan, kv_mount=kv, auth_mount=auth), vault_setup.client()).findings
            assert [f"{f.file}: {f.message}" for f in found if f.check == "vault-mount"] == expected
    finally:
        vault_setup.root.sys.disable_secrets_engine(kv1)
        vault_setup.root.sys.disable_auth_method(bare)
