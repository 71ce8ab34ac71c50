"""Portkey: the open-source gateway config, and what it cannot express."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cdeops.errors import PolicyError
from cdeops.outputs.gateway import PORTKEY_CONFIG
from cdeops.render.pipeline import render_files
from cdeops.views.gateway_env import gateway_env, needs_redis
from cdeops.views.gateway_portkey import portkey_config, portkey_problems, portkey_warnings

from .conftest import policy_from


def _portkey(**gateway: Any) -> Any:
    def edit(data: dict[str, Any]) -> None:
        data["gateway"].update({"engine": "portkey", "content_filter": {"secrets": "block", "pii": "off"}})
        data["gateway"].update(gateway)

    return edit


def test_config_routes_each_model_to_its_target_with_fallbacks() -> None:
    loaded = policy_from("eks-cilium", _portkey(cache={"mode": "exact"}))
    doc = portkey_config(loaded.policy)
    assert doc["strategy"]["mode"] == "conditional"
    assert doc["strategy"]["default"] == "claude-haiku"
    conditions = {c["then"]: c["query"] for c in doc["strategy"]["conditions"]}
    assert conditions["gpt-4o"] == {"params.model": {"$eq": "gpt-4o"}}
    targets = {t["name"]: t for t in doc["targets"]}
    assert set(targets) == set(conditions)
    opus = targets["claude-opus"]
    assert opus["strategy"]["mode"] == "fallback"
    assert [t["override_params"]["model"] for t in opus["targets"]] == ["claude-opus-4-20250514", "gpt-4o-2024-08-06"]
    assert [t["provider"] for t in opus["targets"]] == ["anthropic", "openai"]
    llama = targets["llama-3-1-8b"]
    assert llama["custom_host"].startswith("http://vllm-llama-3-1-8b.")
    assert doc["retry"]["attempts"] >= 1 and 500 in doc["retry"]["on_status_codes"]
    assert doc["cache"] == {"mode": "simple", "max_age": 3600}
    hook = doc["before_request_hooks"][0]
    assert hook["deny"] is True and all(c["parameters"]["not"] is True for c in hook["checks"])


def test_rendered_file_has_no_credentials() -> None:
    loaded = policy_from("eks-cilium", _portkey(cache={"mode": "exact"}))
    files = render_files(loaded, "test")
    assert "gateway/litellm/config.yaml" not in files
    text = files[PORTKEY_CONFIG].decode()
    assert "api_key" not in text and "os.environ" not in text
    json.loads(text)


@pytest.mark.parametrize(
    ("gateway", "path"),
    [
        ({"cache": {"mode": "semantic", "embedding_model": "text-embedding"}}, "gateway.cache.mode"),
        ({"content_filter": {"secrets": "mask", "pii": "off"}}, "gateway.content_filter.secrets"),
        ({"content_filter": {"secrets": "block", "pii": "mask"}}, "gateway.content_filter.pii"),
    ],
)
def test_what_portkey_cannot_express_is_a_validation_error(gateway: dict[str, Any], path: str) -> None:
    with pytest.raises(PolicyError) as caught:
        policy_from("eks-cilium", _portkey(**gateway))
    assert f": {path}: " in str(caught.value)


def test_warnings_name_what_is_not_enforced() -> None:
    policy = policy_from("eks-cilium", _portkey(cache={"mode": "exact"})).policy
    assert portkey_problems(policy) == []
    paths = [path for path, _ in portkey_warnings(policy)]
    assert ("teams",) in paths and ("gateway", "cache", "mode") in paths  # 2 replicas, in-memory cache


def test_litellm_policies_have_no_portkey_findings() -> None:
    policy = policy_from("eks-cilium", lambda data: None).policy
    assert portkey_problems(policy) == [] and portkey_warnings(policy) == []


def test_portkey_reads_no_redis_and_no_litellm_secrets() -> None:
    policy = policy_from("eks-cilium", _portkey(cache={"mode": "exact"})).policy
    assert policy.gateway.replicas == 2 and needs_redis(policy) is False
    names = {env.name for env in gateway_env(policy)}
    assert names == {"ANTHROPIC_API_KEY", "OPENAI_API_KEY"}
