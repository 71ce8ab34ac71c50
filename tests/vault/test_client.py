"""Settings resolve like the vault CLI; VAULT_CACERT is honoured against a real HTTPS server."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdeops.errors import VaultError
from cdeops.policy.infra import Vault
from cdeops.vault.client import connect, resolve_settings

from .conftest import VaultServer

POLICY_VAULT = Vault(address="https://vault.acme.example:8200", namespace="admin")


def test_policy_address_unless_vault_addr(tmp_path: Path) -> None:
    settings = resolve_settings(POLICY_VAULT, {"VAULT_TOKEN": "t0ken-value"}, home=tmp_path)
    assert (settings.address, settings.namespace, settings.ca_cert) == (
        "https://vault.acme.example:8200",
        "admin",
        None,
    )
    assert settings.address_source == "vault.address"
    env = {"VAULT_TOKEN": "t0ken-value", "VAULT_ADDR": "http://127.0.0.1:8200/", "VAULT_NAMESPACE": "team"}
    settings = resolve_settings(POLICY_VAULT, env, home=tmp_path)
    assert (settings.address, settings.namespace, settings.address_source) == (
        "http://127.0.0.1:8200",
        "team",
        "VAULT_ADDR",
    )


def test_token_never_in_repr(tmp_path: Path) -> None:
    settings = resolve_settings(POLICY_VAULT, {"VAULT_TOKEN": "t0ken-value"}, home=tmp_path)
    assert settings.token == "t0ken-value"
    assert "t0ken-value" not in repr(settings)


def test_token_helper_file_and_missing_token(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="no Vault token"):
        resolve_settings(POLICY_VAULT, {}, home=tmp_path)
    (tmp_path / ".vault-token").write_text("from-file-token\n")
    assert resolve_settings(POLICY_VAULT, {}, home=tmp_path).token == "from-file-token"
    assert resolve_settings(POLICY_VAULT, {"VAULT_TOKEN": "env-wins"}, home=tmp_path).token == "env-wins"


def test_cacert_must_exist(tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="VAULT_CACERT"):
        resolve_settings(POLICY_VAULT, {"VAULT_TOKEN": "x", "VAULT_CACERT": str(tmp_path / "nope.pem")}, home=tmp_path)


def test_vault_cacert_against_https_server(bao_tls_server: tuple[VaultServer, Path], tmp_path: Path) -> None:
    server, ca = bao_tls_server
    env = {"VAULT_ADDR": server.address, "VAULT_TOKEN": server.token}
    no_ns = Vault(address="https://unused.example:8200")
    with pytest.raises(VaultError, match="cannot reach Vault") as caught:
        connect(resolve_settings(no_ns, env, home=tmp_path))  # the dev CA is not trusted by default
    assert server.token not in str(caught.value)
    client = connect(resolve_settings(no_ns, {**env, "VAULT_CACERT": str(ca)}, home=tmp_path))
    assert client.secrets_engine("secret") is not None
