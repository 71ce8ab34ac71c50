"""The LiteLLM config builder: model groups, credentials, prices, routing, Redis, cache, guardrails."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from cdeops.checks.litellm_config import check_litellm_config
from cdeops.errors import PolicyError
from cdeops.outputs.gateway import LITELLM_CONFIG, LITELLM_TEAMS, PORTKEY_CONFIG
from cdeops.policy import Policy
from cdeops.render.pipeline import render_files
from cdeops.views.gateway_env import gateway_env, in_env_contract, needs_redis
from cdeops.views.gateway_litellm import litellm_config
from cdeops.views.naming import inference_service_url

from .conftest import EXAMPLES, example, policy_from

ENV_REF = re.compile(r"os\.environ/([A-Z0-9_]+)")


def _gateway(**changes: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["gateway"].update(changes)

    return edit


def config_of(name: str, **gateway: Any) -> dict[str, Any]:
    return litellm_config(policy_from(name, _gateway(**gateway)).policy)


def by_name(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["model_name"]: entry for entry in doc["model_list"]}


@pytest.mark.parametrize("name", EXAMPLES)
def test_rendered_config_passes_our_own_check(name: str) -> None:
    files = render_files(example(name), "test")
    if example(name).policy.gateway.engine == "portkey":
        assert PORTKEY_CONFIG in files
        return
    doc = yaml.safe_load(files[LITELLM_CONFIG])
    assert check_litellm_config(doc, LITELLM_CONFIG) == []
    assert LITELLM_TEAMS in files


def test_one_model_group_per_policy_model_with_pinned_prefixed_ids(eks: Policy) -> None:
    models = by_name(litellm_config(eks))
    assert list(models) == [m.name for m in eks.models]
    assert models["claude-opus"]["litellm_params"]["model"] == "anthropic/claude-opus-4-20250514"
    assert models["gpt-4o"]["litellm_params"]["model"] == "openai/gpt-4o-2024-08-06"
    assert all(entry["model_info"]["id"] == name for name, entry in models.items())


def test_prices_are_per_token(eks: Policy) -> None:
    info = by_name(litellm_config(eks))["claude-haiku"]["model_info"]
    assert info["input_cost_per_token"] == 8e-07  # 0.8 USD per million, without float noise
    assert info["output_cost_per_token"] == 4e-06


def test_self_hosted_model_goes_to_the_in_cluster_vllm_service(eks: Policy) -> None:
    entry = by_name(litellm_config(eks))["llama-3-1-8b"]
    url = inference_service_url(eks, eks.inference_for("llama-3-1-8b"))
    assert url == "http://vllm-llama-3-1-8b.llm-gateway-inference.svc.cluster.local:8000/v1"
    assert entry["litellm_params"] == {"model": "hosted_vllm/llama-3-1-8b", "api_base": url}


def test_credentials_come_only_from_the_environment_contract() -> None:
    for name in EXAMPLES:
        loaded = example(name)
        if loaded.policy.gateway.engine != "litellm":
            continue
        doc = litellm_config(loaded.policy)
        text = yaml.safe_dump(doc)
        referenced = set(ENV_REF.findall(text))
        contract = {e.name for e in gateway_env(loaded.policy)}
        assert referenced <= contract, referenced - contract
        assert all(in_env_contract(n) for n in referenced)
        assert not re.search(r"\b(sk-[A-Za-z0-9]{8,}|AKIA[0-9A-Z]{16})", text)
        for entry in doc["model_list"]:
            key = entry["litellm_params"].get("api_key")
            assert key is None or key.startswith("os.environ/")
        assert doc["general_settings"]["master_key"] == "os.environ/LITELLM_MASTER_KEY"
        assert doc["general_settings"]["database_url"] == "os.environ/DATABASE_URL"


def test_env_contract_names_vault_paths_for_secrets(eks: Policy) -> None:
    env = {e.name: e for e in gateway_env(eks)}
    assert env["ANTHROPIC_API_KEY"].vault_ref == "secret/data/llm/providers/anthropic#api_key"
    assert env["LITELLM_MASTER_KEY"].vault_ref == "secret/data/cdeops/gateway#master_key"
    assert env["REDIS_HOST"].source == "chart"
    assert all(e.source != "vault" or e.vault_ref for e in env.values())


def test_fallbacks_come_from_the_policy(eks: Policy) -> None:
    assert litellm_config(eks)["router_settings"]["fallbacks"] == [{"claude-opus": ["gpt-4o"]}]


def test_router_settings_retry_and_time_out(minimal: Policy) -> None:
    router = litellm_config(minimal)["router_settings"]
    assert router["routing_strategy"] == "simple-shuffle"
    assert router["num_retries"] >= 1 and router["timeout"] > 0
    assert "fallbacks" not in router  # the minimal policy has none


def test_redis_whenever_replicas_share_state() -> None:
    two = config_of("minimal", replicas=2)
    assert two["router_settings"]["redis_host"] == "os.environ/REDIS_HOST"
    assert two["litellm_settings"]["cache_params"]["type"] == "redis"
    one = config_of("minimal", replicas=1)
    assert not any(key.startswith("redis_") for key in one["router_settings"])
    assert one["litellm_settings"]["cache_params"] == {"type": "local", "ttl": 3600}
    assert needs_redis(policy_from("minimal", _gateway(replicas=1)).policy) is False


def test_semantic_cache_uses_the_named_embedding_model(eks: Policy) -> None:
    doc = litellm_config(eks)
    params = doc["litellm_settings"]["cache_params"]
    assert params["type"] == "redis-semantic"
    assert params["similarity_threshold"] == 0.92
    assert params["redis_semantic_cache_embedding_model"] == "text-embedding"
    assert by_name(doc)["text-embedding"]["model_info"]["mode"] == "embedding"


def test_cache_off_means_no_cache() -> None:
    settings = config_of("minimal", cache={"mode": "off"})["litellm_settings"]
    assert "cache" not in settings and "cache_params" not in settings


def test_semantic_cache_without_an_embedding_model_is_a_policy_error() -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from("minimal", _gateway(cache={"mode": "semantic"}))
    assert "gateway.cache.mode" in str(caught.value)
    assert "embedding_model" in str(caught.value)


def test_unknown_embedding_model_is_a_policy_error() -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from("minimal", _gateway(cache={"mode": "semantic", "embedding_model": "nope"}))
    assert "gateway.cache.embedding_model: unknown model 'nope'" in str(caught.value)


def test_logging_off_and_redaction_on_by_default(minimal: Policy) -> None:
    doc = litellm_config(minimal)
    assert doc["litellm_settings"]["turn_off_message_logging"] is True
    assert doc["litellm_settings"]["redact_messages_in_exceptions"] is True
    assert doc["general_settings"]["store_prompts_in_spend_logs"] is False
    assert doc["general_settings"]["maximum_spend_logs_retention_period"] == "30d"
    stored = config_of("minimal", logging={"store_prompts": True, "redact": False, "retention_days": 7})
    assert stored["litellm_settings"]["turn_off_message_logging"] is False
    assert stored["general_settings"]["maximum_spend_logs_retention_period"] == "7d"


def _rails(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rail["guardrail_name"]: rail["litellm_params"] for rail in doc.get("guardrails", [])}


@pytest.mark.parametrize("secrets", ["off", "mask", "block"])
@pytest.mark.parametrize("pii", ["off", "mask", "block"])
def test_guardrails_follow_the_content_filter(secrets: str, pii: str) -> None:
    doc = config_of("minimal", content_filter={"secrets": secrets, "pii": pii})
    rails = _rails(doc)
    assert ("cdeops-secrets" in rails) == (secrets != "off")
    assert ("cdeops-pii" in rails) == (pii != "off")
    for name, mode in (("cdeops-secrets", secrets), ("cdeops-pii", pii)):
        if mode == "off":
            continue
        params = rails[name]
        assert params["guardrail"] == "litellm_content_filter"
        assert params["default_on"] is True and params["mode"] == "pre_call"
        assert {p["action"] for p in params["patterns"]} == {mode.upper()}
    if secrets != "off":
        names = {p.get("pattern_name") or p.get("name") for p in rails["cdeops-secrets"]["patterns"]}
        assert {"aws_access_key", "github_token", "private_key"} <= names
        assert "aws_secret_key" not in names  # it matches every git commit hash
    assert check_litellm_config(doc, "config.yaml") == []


def test_presidio_pii_engine_needs_its_services() -> None:
    loaded = policy_from("minimal", _gateway(content_filter={"pii": "block", "pii_engine": "presidio"}))
    doc = litellm_config(loaded.policy)
    params = _rails(doc)["cdeops-pii"]
    assert params["guardrail"] == "presidio"
    assert params["presidio_analyzer_api_base"] == "os.environ/PRESIDIO_ANALYZER_API_BASE"
    assert set(params["pii_entities_config"].values()) == {"BLOCK"}
    env = {e.name for e in gateway_env(loaded.policy)}
    assert {"PRESIDIO_ANALYZER_API_BASE", "PRESIDIO_ANONYMIZER_API_BASE"} <= env
    assert check_litellm_config(doc, "config.yaml") == []


def test_render_is_deterministic() -> None:
    assert render_files(example("eks-cilium"), "test") == render_files(example("eks-cilium"), "test")
