"""The open-source Portkey gateway config (``gateway/portkey/config.json``) and what it cannot express.

Portkey reads one JSON config (``x-portkey-config`` per request, or the gateway's default config):
a ``conditional`` strategy picks the target named after the requested model, a model with
fallbacks becomes a nested ``fallback`` target, retries and the exact cache are config keys, and
secret blocking is a ``before_request_hooks`` guardrail of ``default.regexMatch`` checks.
Budgets, rate limits, masking, PII detection and semantic caching are Portkey platform features,
not part of the open-source gateway: ``portkey_problems`` and ``portkey_warnings`` say so.
"""

from __future__ import annotations

from typing import Any

from ..policy.document import Policy
from ..policy.llm import Model
from .gateway_litellm import REQUEST_TIMEOUT_S, SECRET_REGEXES
from .naming import inference_service_url

__all__ = ["PORTKEY_PROVIDER", "portkey_config", "portkey_problems", "portkey_warnings"]

Problem = tuple[tuple[str | int, ...], str]

# Provider kind -> Portkey provider slug.
PORTKEY_PROVIDER = {
    "anthropic": "anthropic",
    "openai": "openai",
    "azure-openai": "azure-openai",
    "bedrock": "bedrock",
    "vertex": "vertex-ai",
    "mistral": "mistral-ai",
    "gemini": "google",
}
RETRY_STATUS = [429, 500, 502, 503, 504]
# Credential patterns for the deny hook (Portkey has no prebuilt credential detector in the OSS build).
PORTKEY_SECRET_REGEXES = {
    "aws_access_key": r"\bAKIA[0-9A-Z]{16}\b",
    "github_token": r"\bgh[pousr]_[A-Za-z0-9]{36,}\b",
    "slack_token": r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    **SECRET_REGEXES,
}


def _target(policy: Policy, model: Model) -> dict[str, Any]:
    if model.inference is not None:
        inference = policy.inference_for(model.inference)
        return {
            "provider": "openai",
            "custom_host": inference_service_url(policy, inference),
            "override_params": {"model": inference.name},
        }
    assert model.provider is not None and model.model is not None
    provider = policy.provider(model.provider)
    target: dict[str, Any] = {"provider": PORTKEY_PROVIDER[provider.kind], "override_params": {"model": model.model}}
    if provider.api_base is not None:
        target["custom_host"] = provider.api_base
    if provider.kind in {"bedrock", "vertex"} and provider.region is not None:
        target["vertex_region" if provider.kind == "vertex" else "aws_region"] = provider.region
    if provider.kind == "vertex" and provider.project is not None:
        target["vertex_project_id"] = provider.project
    return target


def _named_target(policy: Policy, model: Model) -> dict[str, Any]:
    if not model.fallbacks:
        return {"name": model.name, **_target(policy, model)}
    chain = [_target(policy, model)] + [_target(policy, policy.model(name)) for name in model.fallbacks]
    return {
        "name": model.name,
        "strategy": {"mode": "fallback", "on_status_codes": list(RETRY_STATUS)},
        "targets": chain,
    }


def _secret_hook() -> dict[str, Any]:
    checks = [
        {"id": "default.regexMatch", "parameters": {"rule": pattern, "not": True}}
        for pattern in PORTKEY_SECRET_REGEXES.values()
    ]
    return {"id": "cdeops-secrets", "type": "guardrail", "deny": True, "checks": checks}


def portkey_config(policy: Policy) -> dict[str, Any]:
    """The whole ``config.json`` document (no credentials: see docs/gateway.md)."""
    default = policy.routing.default_model or policy.models[0].name
    conditions = [{"query": {"params.model": {"$eq": m.name}}, "then": m.name} for m in policy.models]
    doc: dict[str, Any] = {
        "strategy": {"mode": "conditional", "conditions": conditions, "default": default},
        "targets": [_named_target(policy, m) for m in policy.models],
        "retry": {"attempts": 2, "on_status_codes": list(RETRY_STATUS)},
        "request_timeout": REQUEST_TIMEOUT_S * 1000,
    }
    if policy.gateway.cache.mode == "exact":
        doc["cache"] = {"mode": "simple", "max_age": policy.gateway.cache.ttl_seconds}
    if policy.gateway.content_filter.secrets == "block":
        doc["before_request_hooks"] = [_secret_hook()]
    return doc


def portkey_problems(policy: Policy) -> list[Problem]:
    """Policy features the open-source Portkey gateway cannot express (validation errors)."""
    if policy.gateway.engine != "portkey":
        return []
    gw = policy.gateway
    problems: list[Problem] = []
    if gw.cache.mode == "semantic":
        problems.append(
            (
                ("gateway", "cache", "mode"),
                "the open-source Portkey gateway has no semantic cache (hosted Portkey only); "
                "use mode: exact, or engine: litellm",
            )
        )
    if gw.content_filter.secrets == "mask":
        problems.append(
            (
                ("gateway", "content_filter", "secrets"),
                "Portkey's open-source guardrail hooks can deny a request but not mask it; use secrets: block",
            )
        )
    if gw.content_filter.pii != "off":
        problems.append(
            (
                ("gateway", "content_filter", "pii"),
                f"pii: {gw.content_filter.pii} needs PII detection, which the open-source Portkey gateway lacks; "
                "set pii: off, or use engine: litellm (content-filter patterns or Presidio)",
            )
        )
    return problems


def portkey_warnings(policy: Policy) -> list[Problem]:
    """What the policy asks for that the open-source Portkey gateway will not enforce (warnings)."""
    if policy.gateway.engine != "portkey":
        return []
    warnings: list[Problem] = [
        (
            ("teams",),
            "team budgets, alert thresholds and rate limits are not enforced by the open-source Portkey "
            "gateway (they are Portkey platform features); use engine: litellm to enforce them",
        ),
        (
            ("gateway", "engine"),
            "workspaces send spend tags as x-litellm-tags; Portkey attributes spend from x-portkey-metadata, "
            "so per-team cost attribution is lost",
        ),
        (
            ("providers",),
            "config.json carries no provider keys (the open-source gateway cannot read them from the "
            "environment); supply them per target at deploy time, see docs/gateway.md",
        ),
    ]
    if policy.gateway.replicas > 1 and policy.gateway.cache.mode == "exact":
        warnings.append(
            (
                ("gateway", "cache", "mode"),
                "the open-source Portkey cache is in memory: each of the replicas caches on its own",
            )
        )
    return warnings
