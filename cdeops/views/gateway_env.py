"""The gateway's environment contract: every variable its config reads, and where each comes from.

The rendered gateway config holds no secret: it names environment variables (``os.environ/NAME`` in
LiteLLM). This module is the one list of those names. The Helm values take the Vault references
from it (``secretFromVault.paths``: ``NAME -> <kv_mount>/data/<path>#<field>``), ``cdeops check``
accepts an ``os.environ/`` reference only if it is listed here, and docs/gateway.md documents it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ..policy.document import Policy
from ..policy.fields import normalise_name
from ..policy.llm import Provider

__all__ = [
    "ENV_CONTRACT",
    "GATEWAY_SECRETS_PATH",
    "PROVIDER_KEY_ENV",
    "GatewayEnv",
    "gateway_env",
    "in_env_contract",
    "needs_redis",
    "provider_key_env",
]

# KV v2 path (under vault.kv_mount) of the gateway's own secrets: master key, database URL, ...
GATEWAY_SECRETS_PATH = "cdeops/gateway"

EnvSource = Literal["vault", "chart", "deployment"]

# Every fixed name the gateway config may reference, with what it is for.
ENV_CONTRACT: dict[str, str] = {
    "LITELLM_MASTER_KEY": "admin key of the proxy (starts with sk-); only the bootstrap job and operators use it",
    "LITELLM_SALT_KEY": "encrypts provider credentials LiteLLM stores in its database; never change it once set",
    "DATABASE_URL": "Postgres URL: teams, virtual keys, budgets and spend logs live there",
    "SLACK_WEBHOOK_URL": "incoming webhook (Slack-compatible) that receives LiteLLM's budget and outage alerts",
    "REDIS_HOST": "Redis shared by the gateway replicas (rate limits, budgets, cache); set by the Helm chart",
    "REDIS_PORT": "port of that Redis; set by the Helm chart",
    "REDIS_PASSWORD": "password of that Redis (may be empty when NetworkPolicy isolates it)",
    "PRESIDIO_ANALYZER_API_BASE": "URL of the Presidio analyzer service (pii_engine: presidio)",
    "PRESIDIO_ANONYMIZER_API_BASE": "URL of the Presidio anonymizer service (pii_engine: presidio)",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True: use the bundled model cost map instead of fetching it from GitHub",
}
# Provider keys: <PROVIDER NAME>_API_KEY, e.g. ANTHROPIC_API_KEY for the provider named anthropic.
PROVIDER_KEY_ENV = re.compile(r"^[A-Z][A-Z0-9_]*_API_KEY$")


@dataclass(frozen=True)
class GatewayEnv:
    """One environment variable of the gateway pod.

    ``vault_ref`` (source ``vault``) is ``<kv_mount>/data/<path>#<field>``; ``value`` (source
    ``deployment``) is a fixed, non-secret value; source ``chart`` means the Helm chart sets it.
    """

    name: str
    purpose: str
    source: EnvSource
    vault_ref: str | None = None
    value: str | None = None
    required: bool = True


def provider_key_env(provider: Provider) -> str:
    """The variable holding a provider's API key: ``ANTHROPIC_API_KEY`` for ``anthropic``."""
    return normalise_name(provider.name).upper().replace("-", "_") + "_API_KEY"


def in_env_contract(name: str) -> bool:
    """Whether a config may reference ``os.environ/<name>``."""
    return name in ENV_CONTRACT or bool(PROVIDER_KEY_ENV.match(name))


def needs_redis(policy: Policy) -> bool:
    """Whether the LiteLLM config reads Redis: replicas share rate limits and budgets through it, and
    the semantic cache lives in it. Portkey's config never reads Redis."""
    gw = policy.gateway
    return gw.engine == "litellm" and (gw.replicas > 1 or gw.cache.mode == "semantic")


def _vault(policy: Policy, path: str, field: str) -> str:
    return f"{policy.vault.kv_mount}/data/{path}#{field}"


def _gateway_secret(policy: Policy, name: str, field: str, required: bool = True) -> GatewayEnv:
    ref = _vault(policy, GATEWAY_SECRETS_PATH, field)
    return GatewayEnv(name, ENV_CONTRACT[name], "vault", vault_ref=ref, required=required)


def gateway_env(policy: Policy) -> list[GatewayEnv]:
    """Every variable the rendered gateway config of this policy reads, sorted by name."""
    found: dict[str, GatewayEnv] = {}
    for provider in policy.providers:
        if provider.api_key is not None:
            name = provider_key_env(provider)
            ref = _vault(policy, provider.api_key.vault, provider.api_key.key)
            found[name] = GatewayEnv(name, f"API key of provider {provider.name!r} ({provider.kind})", "vault", ref)
    if policy.gateway.engine == "litellm":
        for name, field, required in (
            ("LITELLM_MASTER_KEY", "master_key", True),
            ("LITELLM_SALT_KEY", "salt_key", True),
            ("DATABASE_URL", "database_url", True),
            ("SLACK_WEBHOOK_URL", "slack_webhook_url", False),
        ):
            found[name] = _gateway_secret(policy, name, field, required)
        found["LITELLM_LOCAL_MODEL_COST_MAP"] = GatewayEnv(
            "LITELLM_LOCAL_MODEL_COST_MAP", ENV_CONTRACT["LITELLM_LOCAL_MODEL_COST_MAP"], "deployment", value="True"
        )
        filt = policy.gateway.content_filter
        if filt.pii != "off" and filt.pii_engine == "presidio":
            for name in ("PRESIDIO_ANALYZER_API_BASE", "PRESIDIO_ANONYMIZER_API_BASE"):
                found[name] = GatewayEnv(name, ENV_CONTRACT[name], "deployment")
    if needs_redis(policy):
        found["REDIS_HOST"] = GatewayEnv("REDIS_HOST", ENV_CONTRACT["REDIS_HOST"], "chart")
        found["REDIS_PORT"] = GatewayEnv("REDIS_PORT", ENV_CONTRACT["REDIS_PORT"], "chart")
        found["REDIS_PASSWORD"] = GatewayEnv("REDIS_PASSWORD", ENV_CONTRACT["REDIS_PASSWORD"], "chart", required=False)
    return [found[name] for name in sorted(found)]
