"""``cdeops vault check | sync`` through typer's CliRunner: exit codes, JSON, and no token or secret
value in any output, errors included."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from typer.testing import CliRunner

from cdeops.cli.app import app

from .conftest import VaultServer, VaultSetup


def _run(args: list[str], env: dict[str, str | None]) -> tuple[int, str]:
    result = CliRunner().invoke(app, args, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def _assert_clean(text: str, setup: VaultSetup) -> None:
    assert setup.server.token not in text
    assert setup.planted not in text
    assert "Traceback" not in text


def test_sync_then_check_ok(vault_setup: VaultSetup) -> None:
    code, text = _run(["vault", "sync", str(vault_setup.policy_file)], vault_setup.env())
    assert code == 0, text
    assert text.count("unchanged") == len(vault_setup.plan.policies) + len(vault_setup.plan.roles) + 1
    code, text = _run(["vault", "check", str(vault_setup.policy_file)], vault_setup.env())
    assert code == 0, text
    assert "all good" in text
    _assert_clean(text, vault_setup)


def test_check_json_and_findings_exit_1(vault_setup: VaultSetup) -> None:
    team = vault_setup.plan.teams[0]
    vault_setup.root.secrets.kv.v2.create_or_update_secret(
        team.key.path, secret={"other": vault_setup.planted}, mount_point=vault_setup.plan.kv_mount
    )
    code, text = _run(["vault", "check", str(vault_setup.policy_file), "--output", "json"], vault_setup.env())
    assert code == 1
    _assert_clean(text, vault_setup)
    doc = json.loads(text[: text.rindex("}") + 1])
    assert doc["ok"] is False
    assert [(f["check"], f["object"]) for f in doc["findings"]] == [
        ("vault-secret", f"{vault_setup.plan.kv_mount}/{team.key.path}")
    ]
    code, text = _run(["vault", "check", str(vault_setup.policy_file)], vault_setup.env())
    assert code == 1
    assert "CHECK" in text and "FINDING" in text and "secret has no field api_key" in text
    _assert_clean(text, vault_setup)


def test_sync_dry_run_json(vault_setup: VaultSetup) -> None:
    role = vault_setup.plan.roles[0]
    vault_setup.root.adapter.post(f"/v1/auth/{vault_setup.plan.auth_mount}/role/{role.name}", json={"token_ttl": 61})
    code, text = _run(["vault", "sync", str(vault_setup.policy_file), "--dry-run", "-O", "json"], vault_setup.env())
    assert code == 0, text
    doc = json.loads(text)
    updates = [c for c in doc["changes"] if c["action"] == "update"]
    assert [(c["name"], c["fields"]) for c in updates] == [
        (role.name, [{"field": "token_ttl", "before": 61, "after": role.token_ttl}])
    ]
    assert doc["dry_run"] is True
    # nothing was written
    code, text = _run(["vault", "sync", str(vault_setup.policy_file)], vault_setup.env())
    assert "update           role" in text and "token_ttl: 61 -> " in text
    _assert_clean(text, vault_setup)


def test_bad_token_and_unreachable_vault(vault_setup: VaultSetup) -> None:
    wrong = "hvs." + secrets.token_hex(12)
    env = {**vault_setup.env(), "VAULT_TOKEN": wrong}
    code, text = _run(["vault", "check", str(vault_setup.policy_file)], env)
    assert code == 1
    assert "rejected the token" in text and wrong not in text
    _assert_clean(text, vault_setup)

    env = {**vault_setup.env(), "VAULT_ADDR": "http://127.0.0.1:9"}
    code, text = _run(["vault", "sync", str(vault_setup.policy_file)], env)
    assert code == 1
    assert "cannot reach Vault at http://127.0.0.1:9 (VAULT_ADDR)" in text
    _assert_clean(text, vault_setup)


def test_limited_token_errors_name_no_secret(vault_setup: VaultSetup) -> None:
    """A token that may read nothing: every object becomes a finding, no value or token is shown."""
    created = vault_setup.root.auth.token.create(policies=["default"], ttl="120s")
    limited = created["auth"]["client_token"]
    env = {**vault_setup.env(), "VAULT_TOKEN": limited}
    code, text = _run(["vault", "check", str(vault_setup.policy_file)], env)
    assert code == 1
    assert "permission denied" in text
    assert limited not in text
    _assert_clean(text, vault_setup)


def test_policy_error_exit_2(tmp_path: Path, bao_server: VaultServer) -> None:
    broken = tmp_path / "cdeops.yaml"
    broken.write_text("apiVersion: cdeops.io/v1alpha1\nkind: Policy\nmetadata: {org: acme}\n")
    env: dict[str, str | None] = {"VAULT_ADDR": bao_server.address, "VAULT_TOKEN": bao_server.token}
    code, text = _run(["vault", "check", str(broken)], env)
    assert code == 2
    assert "problem" in text and bao_server.token not in text


def test_no_token(vault_setup: VaultSetup, tmp_path: Path) -> None:
    env = {**vault_setup.env(), "VAULT_TOKEN": None, "HOME": str(tmp_path)}
    code, text = _run(["vault", "check", str(vault_setup.policy_file)], env)
    assert code == 1 and "no Vault token" in text
