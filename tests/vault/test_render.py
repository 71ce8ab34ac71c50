"""Rendered Vault output: ``terraform/vault/`` (provider schema, ``terraform fmt``, exact rules) and the
three injection modes as the workspace template and the team namespace objects see them."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cdeops import __version__
from cdeops.checks.terraform_fmt import format_check
from cdeops.checks.terraform_schema import check_terraform_dir
from cdeops.policy.document import Policy
from cdeops.policy.loader import LoadedPolicy, load_policy
from cdeops.render.pipeline import render_files
from cdeops.resources import data_dir
from cdeops.vault.compare import parse_policy_rules
from cdeops.views.naming import team_namespace, team_slug, vault_role_name
from cdeops.views.vault_policies import vault_plan
from tests.support.tools import repo_root

EXAMPLE = repo_root() / "examples" / "eks-cilium" / "cdeops.yaml"
MODES = ("agent", "operator", "external-secrets")


@cache
def _example() -> LoadedPolicy:
    return load_policy(EXAMPLE)


def _with_vault(**update: Any) -> LoadedPolicy:
    loaded = _example()
    vault = loaded.policy.vault.model_copy(update=update)
    return replace(loaded, policy=loaded.policy.model_copy(update={"vault": vault}))


def _render(loaded: LoadedPolicy) -> dict[str, str]:
    return {path: data.decode() for path, data in render_files(loaded, __version__).items()}


def _write(files: dict[str, str], root: Path, prefix: str) -> Path:
    for path, text in files.items():
        if path.startswith(prefix):
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    return root / prefix


# -- terraform/vault ---------------------------------------------------------------------------------


def test_terraform_vault_passes_provider_schema_and_fmt(tmp_path: Path) -> None:
    files = _render(_example())
    folder = _write(files, tmp_path, "terraform/vault/")
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "main.tf"]
    assert check_terraform_dir(folder) == []
    assert format_check({"main.tf": files["terraform/vault/main.tf"]}) == {}


def test_terraform_vault_resources(tmp_path: Path) -> None:
    policy = _example().policy
    text = _render(_example())["terraform/vault/main.tf"]
    assert re.search(r'source\s+= "hashicorp/vault"\n\s+version = "5\.11\.0"', text)
    for team in policy.teams:
        slug = team_slug(team)
        assert f'resource "vault_policy" "team_{slug}"' in text
        assert f'role_name                        = "{vault_role_name(policy, team)}"' in text
        assert f'bound_service_account_namespaces = ["{team_namespace(policy, team)}"]' in text
    assert 'bound_service_account_names      = ["llm-gateway"]' in text
    assert f'bound_service_account_namespaces = ["{policy.gateway.namespace}"]' in text
    assert text.count('audience                         = "vault"') == len(policy.teams) + 1
    assert text.count("token_ttl                        = 3600") == len(policy.teams) + 1
    assert text.count("token_max_ttl                    = 14400") == len(policy.teams) + 1


def test_team_policy_is_read_own_key_and_list_own_folder_only() -> None:
    policy = _example().policy
    plan = vault_plan(policy)
    for team in plan.teams:
        rules = parse_policy_rules(plan.policy(team.policy).text)
        assert rules == {
            f"secret/data/cdeops/teams/{team.team}/gateway": frozenset({"read"}),
            f"secret/metadata/cdeops/teams/{team.team}/": frozenset({"list"}),
        }
    assert plan.gateway is not None
    expected = {f"secret/data/{p.api_key.vault}" for p in policy.providers if p.api_key is not None}
    expected.add("secret/data/cdeops/gateway")  # the gateway's own master key, salt key and database URL
    assert parse_policy_rules(plan.gateway.text) == {path: frozenset({"read"}) for path in expected}


def test_team_placeholder_in_last_segment_grants_no_shared_folder() -> None:
    plan = vault_plan(_with_vault(team_key_path="keys/{team}-gateway", kv_mount="kv/llm").policy)
    team = plan.teams[0]
    assert team.read_paths == (f"kv/llm/data/keys/{team.team}-gateway",)
    assert team.list_paths == (f"kv/llm/metadata/keys/{team.team}-gateway",)


def test_vault_namespace_in_provider_block(tmp_path: Path) -> None:
    files = _render(_with_vault(namespace="admin/platform"))
    text = files["terraform/vault/main.tf"]
    assert 'namespace = "admin/platform"' in text
    assert format_check({"main.tf": text}) == {}
    assert check_terraform_dir(_write(files, tmp_path, "terraform/vault/")) == []


def test_no_secret_value_reaches_terraform() -> None:
    text = _render(_example())["terraform/vault/main.tf"]
    assert "vault_kv_secret" not in text and "data_json" not in text


# -- injection modes ---------------------------------------------------------------------------------


@cache
def _crd_schema(api_version: str, kind: str) -> dict[str, Any]:
    group, version = api_version.split("/")
    path = data_dir() / "crd_schemas" / group / f"{kind.lower()}_{version}.json"
    schema: dict[str, Any] = json.loads(path.read_text())
    return schema


def _team_objects(files: dict[str, str], policy: Policy, index: int = 0) -> list[dict[str, Any]]:
    text = files[f"kubernetes/teams/{team_slug(policy.teams[index])}.yaml"]
    return [o for o in yaml.safe_load_all(text) if o]


def _workspace_tf(files: dict[str, str], slug: str) -> str:
    """The main.tf of the first Coder template of a team."""
    return next(
        text for path, text in sorted(files.items()) if path.startswith(f"coder/{slug}-") and path.endswith("main.tf")
    )


@pytest.mark.parametrize("mode", MODES)
def test_crd_objects_valid_and_consumed_by_workspace(mode: str) -> None:
    loaded = _with_vault(injection=mode)
    policy = loaded.policy
    files = _render(loaded)
    objects = _team_objects(files, policy)
    custom = [o for o in objects if o["apiVersion"].split("/")[0] in ("secrets.hashicorp.com", "external-secrets.io")]
    for obj in custom:
        errors = list(jsonschema.Draft7Validator(_crd_schema(obj["apiVersion"], obj["kind"])).iter_errors(obj))
        assert errors == [], (obj["kind"], [e.message for e in errors])
    team = policy.teams[0]
    workspace = _workspace_tf(files, team_slug(team))
    role = next(r for r in vault_plan(policy).roles if r.name == vault_role_name(policy, team))
    namespace = team_namespace(policy, team)
    key_path = policy.vault.team_path(team_slug(team))
    if mode == "agent":
        assert custom == []
        assert role.service_accounts == ("coder-workspace",)
        assert re.search(r'"vault.hashicorp.com/agent-inject"\s+= "true"', workspace)
        assert re.search(rf'"vault.hashicorp.com/role"\s+= "{vault_role_name(policy, team)}"', workspace)
        assert re.search(
            rf'"vault.hashicorp.com/agent-inject-secret-gateway-key"\s+= "secret/data/{key_path}"', workspace
        )
        assert ".Data.data.api_key" in workspace
        assert re.search(r'audience\s+= "vault"', workspace)  # projected token matches the role's audience
        assert "cdeops-gateway-key" not in workspace
        return
    kinds = [o["kind"] for o in objects]
    assert "vault.hashicorp.com" not in workspace
    assert re.search(r'secret_name\s+= "cdeops-gateway-key"', workspace)
    assert re.search(r'key\s+= "api_key"\n\s+path = "gateway-key"', workspace)
    assert role.service_accounts == ("cdeops-vault-sync",) and role.namespaces == (namespace,)
    sa = next(o for o in objects if o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "cdeops-vault-sync")
    assert sa["metadata"]["namespace"] == namespace
    if mode == "operator":
        assert kinds[-4:] == ["ServiceAccount", "VaultConnection", "VaultAuth", "VaultStaticSecret"]
        auth = next(o for o in objects if o["kind"] == "VaultAuth")["spec"]
        assert auth["kubernetes"] == {
            "role": role.name,
            "serviceAccount": "cdeops-vault-sync",
            "audiences": [role.audience],
            "tokenExpirationSeconds": 600,
        }
        assert auth["mount"] == policy.vault.auth_mount
        static = next(o for o in objects if o["kind"] == "VaultStaticSecret")["spec"]
        assert (static["mount"], static["path"], static["type"]) == (policy.vault.kv_mount, key_path, "kv-v2")
        assert static["destination"]["name"] == "cdeops-gateway-key"
        assert static["destination"]["transformation"] == {"excludeRaw": True, "includes": ["^api_key$"]}
    else:
        assert kinds[-3:] == ["ServiceAccount", "SecretStore", "ExternalSecret"]
        store = next(o for o in objects if o["kind"] == "SecretStore")["spec"]["provider"]["vault"]
        assert (store["server"], store["path"], store["version"]) == (policy.vault.address, "secret", "v2")
        assert store["auth"]["kubernetes"] == {
            "mountPath": policy.vault.auth_mount,
            "role": role.name,
            "serviceAccountRef": {"name": "cdeops-vault-sync", "audiences": [role.audience]},
        }
        external = next(o for o in objects if o["kind"] == "ExternalSecret")["spec"]
        assert external["target"]["name"] == "cdeops-gateway-key"
        assert external["data"] == [{"secretKey": "api_key", "remoteRef": {"key": key_path, "property": "api_key"}}]


def test_crd_schemas_reject_unknown_fields() -> None:
    files = _render(_with_vault(injection="operator"))
    auth = next(o for o in _team_objects(files, _example().policy) if o["kind"] == "VaultAuth")
    auth["spec"]["kubernetes"]["serviceAccountName"] = "typo"
    assert list(jsonschema.Draft7Validator(_crd_schema(auth["apiVersion"], "VaultAuth")).iter_errors(auth))


def test_vault_namespace_reaches_operator_objects() -> None:
    for mode, kind in (("operator", "VaultAuth"), ("external-secrets", "SecretStore")):
        files = _render(_with_vault(injection=mode, namespace="admin/platform"))
        obj = next(o for o in _team_objects(files, _example().policy) if o["kind"] == kind)
        spec = obj["spec"] if kind == "VaultAuth" else obj["spec"]["provider"]["vault"]
        assert spec["namespace"] == "admin/platform"
