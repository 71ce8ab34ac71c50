"""Our own LiteLLM config check: the mistakes ``litellm --validate_config`` lets through."""

from __future__ import annotations

import copy
import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from cdeops.checks import litellm_schema as schema
from cdeops.checks.litellm_config import check_litellm_config
from cdeops.policy import Policy
from cdeops.views.gateway_litellm import litellm_config
from tests.support.tools import litellm_offline_env, litellm_python

Edit = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return edit


def _messages(doc: dict[str, Any]) -> list[str]:
    return [f.message for f in check_litellm_config(doc, "config.yaml")]


CASES: list[tuple[str, Edit, str]] = [
    ("typo in general_settings", _set("general_settings.master_kye", "x"), "did you mean 'master_key'"),
    ("typo in litellm_settings", _set("litellm_settings.turn_off_mesage_logging", True), "unknown key"),
    ("typo in a top-level section", _set("router_setings", {}), "router_setings: unknown key"),
    ("typo in litellm_params", _set("model_list.0.litellm_params.max_retrys", 1), "did you mean 'max_retries'"),
    (
        "fallback to a missing model",
        _set("router_settings.fallbacks", [{"claude-opus": ["gpt-5"]}]),
        "fallback target 'gpt-5' is not a model_name",
    ),
    (
        "fallback cycle",
        _set("router_settings.fallbacks", [{"claude-opus": ["gpt-4o"]}, {"gpt-4o": ["claude-opus"]}]),
        "lead back to it",
    ),
    ("bad routing strategy", _set("router_settings.routing_strategy", "cheapest-first"), "'cheapest-first' is not"),
    ("literal provider key", _set("model_list.0.litellm_params.api_key", "sk-ant-123"), "never a literal"),
    ("literal master key", _set("general_settings.master_key", "sk-1234"), "os.environ/NAME reference"),
    (
        "env var outside the contract",
        _set("model_list.0.litellm_params.api_base", "os.environ/SOME_URL"),
        "SOME_URL is not in the gateway's environment contract",
    ),
    ("per-million price typed per token", _set("model_list.1.model_info.input_cost_per_token", 2.5), "per-million"),
    ("missing provider prefix", _set("model_list.0.litellm_params.model", "claude-opus-4-20250514"), "provider prefix"),
    (
        "unknown prebuilt pattern",
        _set("guardrails.0.litellm_params.patterns.0.pattern_name", "aws_acces_key"),
        "'aws_acces_key' is not one of",
    ),
    ("guardrail not on by default", _set("guardrails.0.litellm_params.default_on", False), "must be true"),
    ("bad guardrail mode", _set("guardrails.0.litellm_params.mode", "logging-only"), "'logging-only' is not"),
    ("bad regex", _set("guardrails.0.litellm_params.patterns.4.pattern", "([a-z"), "not a valid regular expression"),
    ("bad cache type", _set("litellm_settings.cache_params.type", "redis-semantik"), "'redis-semantik' is not"),
    (
        "semantic cache with a chat embedder",
        _set("litellm_settings.cache_params.redis_semantic_cache_embedding_model", "gpt-4o"),
        "not an embedding model",
    ),
    ("cache params without cache", _set("litellm_settings.cache", False), "no effect unless cache: true"),
    ("bad alert type", _set("general_settings.alert_types", ["budget_alert"]), "'budget_alert' is not"),
    ("bad alerting channel", _set("general_settings.alerting", ["slak"]), "'slak' is not"),
    ("duplicate deployment id", _set("model_list.1.model_info.id", "claude-opus"), "used twice"),
]


@pytest.mark.parametrize(("case", "edit", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_found(eks: Policy, case: str, edit: Edit, expected: str) -> None:
    doc = copy.deepcopy(litellm_config(eks))
    assert _messages(doc) == []
    edit(doc)
    messages = _messages(doc)
    assert any(expected in m for m in messages), messages


def test_findings_name_the_file_and_path(eks: Policy) -> None:
    doc = copy.deepcopy(litellm_config(eks))
    doc["general_settings"]["master_kye"] = "x"
    (finding,) = check_litellm_config(doc, "gateway/litellm/config.yaml")
    assert str(finding).startswith("gateway/litellm/config.yaml: [litellm-config] general_settings.master_kye:")


def test_not_a_mapping() -> None:
    assert check_litellm_config([], "x.yaml")[0].message == "the config is not a mapping"  # type: ignore[arg-type]


_INTROSPECT = """
import inspect, json
import litellm
from litellm.proxy._types import ConfigGeneralSettings
from litellm.types.guardrails import LitellmParams, SupportedGuardrailIntegrations, GuardrailEventHooks
from litellm.types.router import LiteLLM_Params, ModelInfo
from litellm.types.utils import ModelInfoBase
from litellm.proxy._types import AlertType
from litellm.types.caching import LiteLLMCacheType
import litellm.proxy.guardrails.guardrail_hooks.litellm_content_filter as cf
import pathlib
patterns = json.loads((pathlib.Path(cf.__file__).parent / "patterns.json").read_text())["patterns"]
special = {"cache", "cache_params", "callbacks", "success_callback", "failure_callback", "service_callbacks",
           "max_budget", "budget_duration", "default_team_settings", "default_team_params",
           "default_internal_user_params", "upperbound_key_generate_params", "key_generation_settings",
           "model_group_settings", "max_end_user_budget"}
print(json.dumps({
    "router": sorted(litellm.Router.get_valid_args()),
    "general": sorted(ConfigGeneralSettings.model_fields),
    "litellm_settings": sorted(k for k in %(litellm_settings)s if k in special or hasattr(litellm, k)),
    "litellm_params": sorted(LiteLLM_Params.model_fields),
    "model_info": sorted(set(ModelInfo.model_fields) | set(ModelInfoBase.__annotations__) | {"mode", "id"}),
    "cache_params": sorted(inspect.signature(litellm.Cache.__init__).parameters),
    "cache_types": sorted(x.value for x in LiteLLMCacheType),
    "guardrail_params": sorted(LitellmParams.model_fields),
    "guardrail_types": sorted(x.value for x in SupportedGuardrailIntegrations),
    "guardrail_modes": sorted(x.value for x in GuardrailEventHooks),
    "patterns": sorted(p["name"] for p in patterns),
    "alert_types": sorted(x.value for x in AlertType),
}))
"""


@pytest.mark.slow
def test_closed_key_sets_hold_only_keys_litellm_reads() -> None:
    """Every key and value our check allows is real in the pinned LiteLLM (an upgrade shows here)."""
    script = _INTROSPECT % {"litellm_settings": sorted(schema.LITELLM_SETTINGS)}
    result = subprocess.run(
        [str(litellm_python()), "-c", script],
        env=litellm_offline_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    real = json.loads(result.stdout.strip().splitlines()[-1])
    pairs = [
        (schema.ROUTER_SETTINGS, "router"),
        (schema.GENERAL_SETTINGS, "general"),
        (schema.LITELLM_SETTINGS, "litellm_settings"),
        (schema.LITELLM_PARAMS, "litellm_params"),
        (schema.MODEL_INFO, "model_info"),
        (schema.CACHE_PARAMS, "cache_params"),
        (schema.CACHE_TYPES, "cache_types"),
        (schema.GUARDRAIL_PARAMS, "guardrail_params"),
        (schema.GUARDRAIL_TYPES, "guardrail_types"),
        (schema.GUARDRAIL_MODES, "guardrail_modes"),
        (schema.CONTENT_FILTER_PATTERNS, "patterns"),
        (schema.ALERT_TYPES, "alert_types"),
    ]
    unknown = {name: sorted(ours - set(real[name])) for ours, name in pairs if ours - set(real[name])}
    assert unknown == {}
