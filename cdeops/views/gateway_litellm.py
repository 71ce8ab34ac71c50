"""The LiteLLM proxy config (``gateway/litellm/config.yaml``) of a policy, built as a dict.

Targets LiteLLM 1.108.7 (the version the tests run). One model group per policy model, named as in
the policy; pinned provider model ids; credentials only as ``os.environ/NAME`` references from the
environment contract in ``gateway_env``; self-hosted models routed to their in-cluster vLLM Service.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..policy.document import Policy
from ..policy.llm import Model, Provider
from .gateway_env import needs_redis, provider_key_env
from .naming import inference_service_url

__all__ = [
    "ALERT_TYPES",
    "LITELLM_PREFIX",
    "LITELLM_VERSION",
    "PII_ENTITIES",
    "PII_PATTERNS",
    "SECRET_PATTERNS",
    "SECRET_REGEXES",
    "embedding_model",
    "litellm_config",
    "litellm_model_id",
    "per_token",
]

LITELLM_VERSION = "1.108.7"

# Provider kind -> LiteLLM provider prefix of ``litellm_params.model``.
LITELLM_PREFIX = {
    "anthropic": "anthropic",
    "openai": "openai",
    "azure-openai": "azure",
    "bedrock": "bedrock",
    "vertex": "vertex_ai",
    "mistral": "mistral",
    "gemini": "gemini",
}
SELF_HOSTED_PREFIX = "hosted_vllm"

# LiteLLM's prebuilt credential patterns (litellm_content_filter). ``aws_secret_key`` is left out on
# purpose: it matches any 40-character token, so every git commit hash in a prompt would trip it.
SECRET_PATTERNS = ("aws_access_key", "github_token", "slack_token", "generic_api_key")
# Extra credential regexes cdeops adds (name -> pattern).
SECRET_REGEXES = {
    "private_key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "aws_secret_access_key": r"(?i)aws_secret_access_key\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}",
}
# LiteLLM's prebuilt PII patterns used with pii_engine: content-filter.
PII_PATTERNS = ("email", "us_ssn", "credit_card", "iban")
# Presidio entity types used with pii_engine: presidio.
PII_ENTITIES = ("CREDIT_CARD", "EMAIL_ADDRESS", "IBAN_CODE", "PHONE_NUMBER", "US_SSN")

ALERT_TYPES = (
    "budget_alerts",
    "cooldown_deployment",
    "db_exceptions",
    "failed_tracking_spend",
    "llm_exceptions",
    "llm_requests_hanging",
    "llm_too_slow",
    "outage_alerts",
)
REQUEST_TIMEOUT_S = 600
NUM_RETRIES = 2
RETRY_POLICY = {
    "AuthenticationErrorRetries": 0,
    "BadRequestErrorRetries": 0,
    "ContentPolicyViolationErrorRetries": 0,
    "InternalServerErrorRetries": NUM_RETRIES,
    "RateLimitErrorRetries": 3,
    "TimeoutErrorRetries": NUM_RETRIES,
}


def per_token(usd_per_mtok: float) -> float:
    """USD per token from USD per million tokens, without binary noise (0.8 -> 8e-07)."""
    return float(Decimal(repr(usd_per_mtok)) / Decimal(1_000_000))


def _env(name: str) -> str:
    return f"os.environ/{name}"


def embedding_model(policy: Policy) -> str | None:
    """The policy model that embeds prompts for the semantic cache (``gateway.cache.embedding_model``,
    else ``routing.tasks.embedding``), or None."""
    return policy.gateway.cache.embedding_model or policy.routing.tasks.get("embedding")


def litellm_model_id(policy: Policy, model: Model) -> str:
    """``litellm_params.model`` of a policy model: provider prefix + pinned id (or served name)."""
    if model.inference is not None:
        return f"{SELF_HOSTED_PREFIX}/{policy.inference_for(model.inference).name}"
    assert model.provider is not None and model.model is not None  # guaranteed by the Model validator
    return f"{LITELLM_PREFIX[policy.provider(model.provider).kind]}/{model.model}"


def _provider_params(provider: Provider) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if provider.api_key is not None:
        params["api_key"] = _env(provider_key_env(provider))
    if provider.api_base is not None:
        params["api_base"] = provider.api_base
    if provider.api_version is not None:
        params["api_version"] = provider.api_version
    if provider.kind == "bedrock":
        params["aws_region_name"] = provider.region  # credentials: the pod's IAM role (IRSA)
    if provider.kind == "vertex":
        params["vertex_project"] = provider.project  # credentials: workload identity
        params["vertex_location"] = provider.region
    return params


def _model_entry(policy: Policy, model: Model, mode: str) -> dict[str, Any]:
    params: dict[str, Any] = {"model": litellm_model_id(policy, model)}
    if model.inference is not None:
        # vLLM runs without --api-key: NetworkPolicy lets only the gateway reach it
        params["api_base"] = inference_service_url(policy, policy.inference_for(model.inference))
    else:
        assert model.provider is not None
        params.update(_provider_params(policy.provider(model.provider)))
    info: dict[str, Any] = {"id": model.name, "mode": mode}
    if model.price is not None:
        # the policy gives USD per million tokens; LiteLLM wants USD per token
        info["input_cost_per_token"] = per_token(model.price.input_per_mtok)
        info["output_cost_per_token"] = per_token(model.price.output_per_mtok)
    elif model.inference is not None:
        info["input_cost_per_token"] = 0.0
        info["output_cost_per_token"] = 0.0
    if model.max_tokens is not None:
        info["max_tokens"] = model.max_tokens
    return {"model_name": model.name, "litellm_params": params, "model_info": info}


def _router_settings(policy: Policy) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "routing_strategy": "simple-shuffle",
        "num_retries": NUM_RETRIES,
        "retry_policy": dict(RETRY_POLICY),
        "timeout": REQUEST_TIMEOUT_S,
        "allowed_fails": 3,
        "cooldown_time": 30,
    }
    fallbacks = [{m.name: list(m.fallbacks)} for m in policy.models if m.fallbacks]
    if fallbacks:
        settings["fallbacks"] = fallbacks
    if policy.gateway.replicas > 1:
        # rate limits, budgets and cooldowns are per replica unless the replicas share Redis
        settings["redis_host"] = _env("REDIS_HOST")
        settings["redis_port"] = _env("REDIS_PORT")
        settings["redis_password"] = _env("REDIS_PASSWORD")
    return settings


def _cache_params(policy: Policy) -> dict[str, Any] | None:
    cache = policy.gateway.cache
    if cache.mode == "off":
        return None
    redis = {"host": _env("REDIS_HOST"), "port": _env("REDIS_PORT"), "password": _env("REDIS_PASSWORD")}
    if cache.mode == "semantic":
        return {
            "type": "redis-semantic",
            **redis,
            "similarity_threshold": cache.similarity_threshold,
            "redis_semantic_cache_embedding_model": embedding_model(policy),
            "ttl": cache.ttl_seconds,
        }
    if needs_redis(policy):
        return {"type": "redis", **redis, "namespace": "cdeops", "ttl": cache.ttl_seconds}
    return {"type": "local", "ttl": cache.ttl_seconds}


def _litellm_settings(policy: Policy) -> dict[str, Any]:
    logging = policy.gateway.logging
    settings: dict[str, Any] = {
        "drop_params": True,
        # prompts and responses never reach logging callbacks unless the policy stores them
        "turn_off_message_logging": not logging.store_prompts,
        "redact_messages_in_exceptions": logging.redact,
        "disable_hf_tokenizer_download": True,
        "json_logs": True,
    }
    cache_params = _cache_params(policy)
    if cache_params is not None:
        settings["cache"] = True
        settings["cache_params"] = cache_params
    return settings


def _patterns(names: tuple[str, ...], action: str) -> list[dict[str, Any]]:
    return [{"pattern_type": "prebuilt", "pattern_name": name, "action": action} for name in names]


def _guardrails(policy: Policy) -> list[dict[str, Any]]:
    filt = policy.gateway.content_filter
    rails: list[dict[str, Any]] = []
    if filt.secrets != "off":
        action = filt.secrets.upper()
        regexes = [
            {"pattern_type": "regex", "name": name, "pattern": pattern, "action": action}
            for name, pattern in SECRET_REGEXES.items()
        ]
        params = {
            "guardrail": "litellm_content_filter",
            "mode": "pre_call",
            "default_on": True,
            "patterns": _patterns(SECRET_PATTERNS, action) + regexes,
        }
        rails.append({"guardrail_name": "cdeops-secrets", "litellm_params": params})
    if filt.pii != "off" and filt.pii_engine == "content-filter":
        params = {
            "guardrail": "litellm_content_filter",
            "mode": "pre_call",
            "default_on": True,
            "patterns": _patterns(PII_PATTERNS, filt.pii.upper()),
        }
        rails.append({"guardrail_name": "cdeops-pii", "litellm_params": params})
    elif filt.pii != "off":
        params = {
            "guardrail": "presidio",
            "mode": "pre_call",
            "default_on": True,
            "presidio_analyzer_api_base": _env("PRESIDIO_ANALYZER_API_BASE"),
            "presidio_anonymizer_api_base": _env("PRESIDIO_ANONYMIZER_API_BASE"),
            "presidio_language": "en",
            "pii_entities_config": {entity: filt.pii.upper() for entity in PII_ENTITIES},
        }
        rails.append({"guardrail_name": "cdeops-pii", "litellm_params": params})
    return rails


def _general_settings(policy: Policy) -> dict[str, Any]:
    logging = policy.gateway.logging
    return {
        "master_key": _env("LITELLM_MASTER_KEY"),
        "database_url": _env("DATABASE_URL"),
        # fallbacks are only tried when the caller's team may use the target (teams.yaml lists them)
        "enforce_fallback_model_access": True,
        "store_prompts_in_spend_logs": logging.store_prompts,
        "maximum_spend_logs_retention_period": f"{logging.retention_days}d",
        "disable_requester_ip_address_logging": logging.redact,
        "alerting": ["slack"],
        "alert_types": list(ALERT_TYPES),
        "alerting_threshold": 300,
    }


def litellm_config(policy: Policy) -> dict[str, Any]:
    """The whole ``config.yaml`` document."""
    embeds = {name for name in (policy.gateway.cache.embedding_model, policy.routing.tasks.get("embedding")) if name}
    models = [_model_entry(policy, m, "embedding" if m.name in embeds else "chat") for m in policy.models]
    doc: dict[str, Any] = {
        "model_list": models,
        "router_settings": _router_settings(policy),
        "litellm_settings": _litellm_settings(policy),
    }
    rails = _guardrails(policy)
    if rails:
        doc["guardrails"] = rails
    doc["general_settings"] = _general_settings(policy)
    return doc
