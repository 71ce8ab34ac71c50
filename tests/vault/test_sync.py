"""``vault sync`` against a real Vault-API server: idempotent, shows changes, repairs drift."""

from __future__ import annotations

from cdeops.vault.preflight import check_vault
from cdeops.vault.sync import Change, plan_changes, sync_vault
from cdeops.views.vault_policies import vault_plan

from .conftest import VaultSetup, with_policy


def _actions(changes: list[Change]) -> dict[str, str]:
    return {f"{c.kind}:{c.name}": c.action for c in changes}


def test_second_sync_changes_nothing(vault_setup: VaultSetup) -> None:
    # the fixture ran the first sync; the second reports every object unchanged
    changes = sync_vault(vault_setup.plan, vault_setup.client())
    assert len(changes) == len(vault_setup.plan.policies) + len(vault_setup.plan.roles)
    assert {c.action for c in changes} == {"unchanged"}
    assert all(not c.fields and not c.diff for c in changes)


def test_first_sync_creates_and_check_then_passes(vault_setup: VaultSetup) -> None:
    for acl in vault_setup.plan.policies:
        vault_setup.root.sys.delete_policy(acl.name)
    for role in vault_setup.plan.roles:
        vault_setup.root.auth.kubernetes.delete_role(role.name, mount_point=vault_setup.plan.auth_mount)
    dry = sync_vault(vault_setup.plan, vault_setup.client(), dry_run=True)
    assert set(_actions(dry).values()) == {"create"}
    assert vault_setup.client().read_policy(vault_setup.plan.policies[0].name) is None  # dry run wrote nothing
    done = sync_vault(vault_setup.plan, vault_setup.client())
    assert _actions(done) == _actions(dry)
    assert check_vault(vault_setup.plan, vault_setup.client()).ok
    # what sync wrote is exactly the rendered text and role parameters
    for acl in vault_setup.plan.policies:
        assert vault_setup.client().read_policy(acl.name) == acl.text


def test_update_shows_field_diff_and_policy_diff(vault_setup: VaultSetup) -> None:
    team = vault_setup.plan.teams[0]
    mount = vault_setup.plan.auth_mount
    vault_setup.root.adapter.post(
        f"/v1/auth/{mount}/role/{team.role}", json={"token_ttl": 60, "bound_service_account_namespaces": ["x"]}
    )
    vault_setup.root.sys.create_or_update_policy(team.policy, 'path "secret/data/*" {\n  capabilities = ["read"]\n}\n')
    changes = {f"{c.kind}:{c.name}": c for c in plan_changes(vault_setup.plan, vault_setup.client())}
    role_change = changes[f"role:{team.role}"]
    assert role_change.action == "update"
    assert [str(f) for f in role_change.fields] == [
        f'bound_service_account_namespaces: ["x"] -> ["{vault_setup.plan.roles[0].namespaces[0]}"]',
        f"token_ttl: 60 -> {vault_setup.policy.vault.token_ttl_seconds}",
    ]
    policy_change = changes[f"policy:{team.policy}"]
    assert policy_change.action == "update"
    assert '-path "secret/data/*" {' in policy_change.diff
    others = [c for key, c in changes.items() if key not in (f"role:{team.role}", f"policy:{team.policy}")]
    assert {c.action for c in others} == {"unchanged"}

    sync_vault(vault_setup.plan, vault_setup.client())
    assert {c.action for c in plan_changes(vault_setup.plan, vault_setup.client())} == {"unchanged"}
    assert check_vault(vault_setup.plan, vault_setup.client()).ok


def test_injection_mode_change_rebinds_roles(vault_setup: VaultSetup) -> None:
    vault = vault_setup.policy.vault.model_copy(update={"injection": "operator"})
    moved = with_policy(vault_setup, vault_setup.policy.model_copy(update={"vault": vault}))
    changes = sync_vault(moved.plan, moved.client())
    team_roles = {t.role for t in moved.plan.teams}
    updated = {c.name: c for c in changes if c.action == "update"}
    assert set(updated) == team_roles
    for change in updated.values():
        assert [str(f) for f in change.fields] == [
            'bound_service_account_names: ["coder-workspace"] -> ["cdeops-vault-sync"]'
        ]
    assert check_vault(vault_plan(moved.policy), moved.client()).ok
