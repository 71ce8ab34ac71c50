"""The one adapter between cdeops and Vault (hvac). Never prints; raises ``VaultError``.

Settings resolve like the ``vault`` CLI: ``VAULT_ADDR`` overrides ``vault.address``, ``VAULT_TOKEN``
(else the token helper file ``~/.vault-token``), ``VAULT_NAMESPACE`` overrides ``vault.namespace`` and
``VAULT_CACERT`` names the CA bundle. The adapter only ever returns *whether* a secret field is set,
never its value, and no message it raises carries the token.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import VaultError
from ..policy.infra import Vault

__all__ = ["SecretState", "VaultClient", "VaultSettings", "connect", "resolve_settings"]

_TIMEOUT_SECONDS = 30
_PROBE_TOKEN_TTL = "120s"


@dataclass(frozen=True)
class VaultSettings:
    address: str
    token: str = field(repr=False)
    namespace: str | None = None
    ca_cert: str | None = None
    address_source: str = "vault.address"


@dataclass(frozen=True)
class SecretState:
    """A KV v2 secret as seen by cdeops: present or not, and which fields hold a non-empty value."""

    exists: bool
    filled_fields: frozenset[str] = frozenset()
    empty_fields: frozenset[str] = frozenset()


def resolve_settings(vault: Vault, env: Mapping[str, str] | None = None, home: Path | None = None) -> VaultSettings:
    """Address, token, namespace and CA from the environment (like the vault CLI) and the policy."""
    env = os.environ if env is None else env
    address = env.get("VAULT_ADDR") or vault.address
    token = env.get("VAULT_TOKEN", "")
    if not token:
        token_file = (home or Path.home()) / ".vault-token"
        if token_file.is_file():
            token = token_file.read_text(encoding="utf-8").strip()
    if not token:
        raise VaultError(
            "no Vault token: VAULT_TOKEN is not set and ~/.vault-token does not exist",
            hint="export VAULT_TOKEN (or run `vault login`) with a token that may read the policy's paths",
        )
    ca_cert = env.get("VAULT_CACERT") or None
    if ca_cert is not None and not Path(ca_cert).is_file():
        raise VaultError(f"VAULT_CACERT names {ca_cert}, which is not a file")
    return VaultSettings(
        address=address.rstrip("/"),
        token=token,
        namespace=env.get("VAULT_NAMESPACE") or vault.namespace,
        ca_cert=ca_cert,
        address_source="VAULT_ADDR" if env.get("VAULT_ADDR") else "vault.address",
    )


class VaultClient:
    """Typed calls cdeops makes; each hvac or transport error becomes a ``VaultError``."""

    def __init__(self, settings: VaultSettings) -> None:
        import hvac

        self.settings = settings
        verify: str | bool = settings.ca_cert if settings.ca_cert else True
        self._hvac = hvac.Client(
            url=settings.address,
            token=settings.token,
            namespace=settings.namespace,
            verify=verify,
            timeout=_TIMEOUT_SECONDS,
        )

    # -- plumbing ---------------------------------------------------------------------------------

    @contextmanager
    def _calling(self, what: str) -> Iterator[None]:
        import hvac.exceptions
        import requests

        try:
            yield
        except hvac.exceptions.Forbidden as exc:
            hint = "the Vault token lacks a capability this needs (see docs/vault.md for the token policy)"
            raise VaultError(f"{what}: permission denied", hint=hint) from _scrubbed(exc, self.settings)
        except hvac.exceptions.Unauthorized as exc:
            raise VaultError(f"{what}: the Vault token is invalid or expired") from _scrubbed(exc, self.settings)
        except hvac.exceptions.VaultError as exc:
            errors = [str(e) for e in (getattr(exc, "errors", None) or [])]
            detail = _scrub("; ".join(errors) or type(exc).__name__, self.settings)
            raise VaultError(f"{what}: {detail}") from _scrubbed(exc, self.settings)
        except requests.exceptions.RequestException as exc:
            detail = _scrub(f"{type(exc).__name__}: {exc}", self.settings)
            raise VaultError(
                f"cannot reach Vault at {self.settings.address} ({self.settings.address_source}): {detail}",
                hint="check VAULT_ADDR / vault.address and, for TLS, VAULT_CACERT",
            ) from None

    def _get(self, path: str, *, missing_is_400: bool = False) -> dict[str, Any] | None:
        """GET ``/v1/<path>``; None when Vault answers 404 (or 400, for ``sys/mounts/<path>``)."""
        import hvac.exceptions

        missing: tuple[type[Exception], ...] = (hvac.exceptions.InvalidPath,)
        if missing_is_400:
            missing += (hvac.exceptions.InvalidRequest,)
        with self._calling(f"reading {path}"):
            try:
                response = self._hvac.adapter.get(f"/v1/{path}")
            except missing:
                return None
        return response if isinstance(response, dict) else None

    # -- calls --------------------------------------------------------------------------------------

    def check_token(self) -> None:
        try:
            with self._calling("looking up the Vault token"):
                self._hvac.auth.token.lookup_self()
        except VaultError as exc:
            if exc.message.startswith("cannot reach"):
                raise
            raise VaultError(
                f"Vault at {self.settings.address} rejected the token (invalid, expired, revoked, or it may not "
                "look itself up)",
                hint="set VAULT_TOKEN (or `vault login`) to a valid token",
            ) from None

    def secrets_engine(self, mount: str) -> dict[str, Any] | None:
        """``sys/mounts`` entry of a secrets engine (type, options), None when not mounted."""
        data = self._get(f"sys/mounts/{mount}", missing_is_400=True)
        if data is None:
            return None
        return dict(data.get("data") or data)

    def auth_method_type(self, mount: str) -> str | None:
        with self._calling("listing auth methods"):
            methods = self._hvac.sys.list_auth_methods()
        entry = (methods.get("data") or methods).get(f"{mount}/")
        return str(entry["type"]) if isinstance(entry, dict) else None

    def auth_config(self, mount: str) -> dict[str, Any] | None:
        """``auth/<mount>/config`` of a Kubernetes auth method (no secrets: the reviewer JWT is write-only)."""
        data = self._get(f"auth/{mount}/config")
        return None if data is None else dict(data.get("data") or {})

    def secret_state(self, mount: str, path: str) -> SecretState:
        """Whether a KV v2 secret exists and which of its fields are (non-)empty. Values are dropped here."""
        import hvac.exceptions

        with self._calling(f"reading {mount}/data/{path}"):
            try:
                response = self._hvac.secrets.kv.v2.read_secret_version(
                    path=path, mount_point=mount, raise_on_deleted_version=True
                )
            except hvac.exceptions.InvalidPath:
                return SecretState(exists=False)
        data = (response.get("data") or {}).get("data") or {}
        filled = frozenset(k for k, v in data.items() if v not in (None, ""))
        empty = frozenset(k for k, v in data.items() if v in (None, ""))
        del data, response
        return SecretState(exists=True, filled_fields=filled, empty_fields=empty)

    def read_policy(self, name: str) -> str | None:
        data = self._get(f"sys/policy/{name}")
        if data is None:
            return None
        body = data.get("data") or data
        rules = body.get("rules")
        return rules if isinstance(rules, str) else None

    def write_policy(self, name: str, text: str) -> None:
        with self._calling(f"writing sys/policy/{name}"):
            self._hvac.sys.create_or_update_policy(name=name, policy=text)

    def read_role(self, mount: str, name: str) -> dict[str, Any] | None:
        data = self._get(f"auth/{mount}/role/{name}")
        if data is None:
            return None
        return dict(data.get("data") or {})

    def write_role(self, mount: str, name: str, parameters: Mapping[str, object]) -> None:
        with self._calling(f"writing auth/{mount}/role/{name}"):
            self._hvac.adapter.post(f"/v1/auth/{mount}/role/{name}", json=dict(parameters))

    def capabilities(self, policies: Sequence[str], paths: Sequence[str]) -> dict[str, frozenset[str]]:
        """What a token holding exactly ``policies`` may do on each path (``sys/capabilities-accessor``).

        A short-lived child token is made for the question and revoked afterwards; only its accessor
        is used, so the probe token never leaves this function.
        """
        with self._calling("creating a probe token for sys/capabilities-accessor"):
            created = self._hvac.auth.token.create(
                policies=list(policies),
                no_default_policy=True,
                ttl=_PROBE_TOKEN_TTL,
                renewable=False,
                display_name="cdeops-vault-check",
            )
        accessor = str(created["auth"]["accessor"])
        del created
        try:
            with self._calling("asking sys/capabilities-accessor"):
                answer = self._hvac.sys.get_capabilities(paths=list(paths), accessor=accessor)
        finally:
            with self._calling("revoking the probe token"):
                self._hvac.auth.token.revoke_accessor(accessor)
        data = answer.get("data") or answer
        return {p: frozenset(data.get(p) or ()) for p in paths}


def _scrub(text: str, settings: VaultSettings) -> str:
    return text.replace(settings.token, "<token>") if settings.token else text


def _scrubbed(exc: Exception, settings: VaultSettings) -> Exception | None:
    """The cause to chain: hvac errors carry URLs and server messages only, but scrub to be sure."""
    text = str(exc)
    return None if settings.token and settings.token in text else exc


def connect(settings: VaultSettings) -> VaultClient:
    """A client whose token Vault accepts (``VaultError`` otherwise)."""
    client = VaultClient(settings)
    client.check_token()
    return client
