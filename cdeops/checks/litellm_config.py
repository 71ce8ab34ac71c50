"""Offline check of a LiteLLM proxy ``config.yaml``: what ``litellm --validate_config`` misses.

LiteLLM 1.108.7 silently ignores unknown keys in most sections, never checks that fallback targets
exist, resolves an unset ``os.environ/NAME`` to None, and starts without a guardrail whose type or
pattern it does not know. This check closes those gaps: closed key sets and allowed values per
section (``litellm_schema``), cross-references between sections, and the environment contract
(every ``os.environ/NAME`` must be listed in ``cdeops.views.gateway_env``; credentials are never
literal). Findings name the dotted path inside the file; the line is unknown (0).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from ..views.gateway_env import in_env_contract
from . import litellm_schema as schema
from .findings import Finding

__all__ = ["CHECK", "check_litellm_config"]

CHECK = "litellm-config"
_ENV_PREFIX = "os.environ/"
_DURATION = re.compile(r"^\d+(s|m|h|d|w|mo)$")
_SECRET_KEYS = re.compile(r"(^|_)(api_key|master_key|password|database_url|secret|token|credentials)($|_)")
# A per-token price above this is almost surely a per-million price typed in the wrong field.
_MAX_PER_TOKEN_USD = 1e-3

Found = tuple[str, str]  # (dotted path, message)


def check_litellm_config(doc: dict[str, Any], file: str) -> list[Finding]:
    """Every problem of a parsed LiteLLM config; an empty list when it is sound."""
    if not isinstance(doc, dict):
        return [Finding(CHECK, file, 0, "the config is not a mapping")]
    found: list[Found] = []
    found += _keys(doc, schema.TOP_LEVEL, "")
    models = list(_models(doc, found))
    groups = {name for name, _ in models}
    found += _router(doc.get("router_settings"), groups)
    found += _litellm_settings(doc.get("litellm_settings"), models)
    found += _guardrails(doc.get("guardrails"))
    found += _general(doc.get("general_settings"))
    found += _environment(doc, "")
    return [Finding(CHECK, file, 0, f"{path or '<root>'}: {message}") for path, message in found]


def _hint(key: str, allowed: frozenset[str]) -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _keys(section: Any, allowed: frozenset[str], path: str) -> list[Found]:
    if not isinstance(section, dict):
        return [(path, "must be a mapping")]
    return [
        (_join(path, str(key)), f"unknown key{_hint(str(key), allowed)}; LiteLLM would ignore it silently")
        for key in section
        if key not in allowed
    ]


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _oneof(value: Any, allowed: frozenset[str], path: str) -> list[Found]:
    if value in allowed:
        return []
    return [(path, f"{value!r} is not one of {', '.join(sorted(allowed))}")]


def _models(doc: dict[str, Any], found: list[Found]) -> Iterator[tuple[str, str]]:
    """Yields (model_name, mode) of each entry and records problems in ``found``."""
    entries = doc.get("model_list")
    if not isinstance(entries, list) or not entries:
        found.append(("model_list", "must be a non-empty list"))
        return
    ids: set[str] = set()
    for i, entry in enumerate(entries):
        path = _join("model_list", i)
        found.extend(_keys(entry, frozenset({"model_name", "litellm_params", "model_info"}), path))
        if not isinstance(entry, dict):
            continue
        name = entry.get("model_name")
        if not isinstance(name, str) or not name:
            found.append((_join(path, "model_name"), "missing"))
            continue
        params = entry.get("litellm_params")
        found.extend(_keys(params, schema.LITELLM_PARAMS, _join(path, "litellm_params")))
        model = params.get("model") if isinstance(params, dict) else None
        prefix = model.split("/", 1)[0] if isinstance(model, str) and "/" in model else None
        if prefix not in schema.PROVIDER_PREFIXES:
            allowed = ", ".join(sorted(schema.PROVIDER_PREFIXES))
            found.append((_join(path, "litellm_params.model"), f"{model!r} needs a provider prefix ({allowed})"))
        info = entry.get("model_info", {})
        found.extend(_keys(info, schema.MODEL_INFO, _join(path, "model_info")))
        info = info if isinstance(info, dict) else {}
        mode = info.get("mode", "chat")
        found.extend(_oneof(mode, schema.MODEL_MODES, _join(path, "model_info.mode")))
        found.extend(_prices(info, _join(path, "model_info")))
        dep_id = info.get("id")
        if dep_id is not None and dep_id in ids:
            found.append((_join(path, "model_info.id"), f"deployment id {dep_id!r} is used twice"))
        ids.add(str(dep_id))
        yield name, str(mode)


def _prices(info: dict[str, Any], path: str) -> list[Found]:
    problems: list[Found] = []
    for key in ("input_cost_per_token", "output_cost_per_token"):
        value = info.get(key)
        if value is None:
            continue
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            problems.append((_join(path, key), f"must be a non-negative number of USD per token, not {value!r}"))
        elif value > _MAX_PER_TOKEN_USD:
            problems.append(
                (_join(path, key), f"{value} USD per token looks like a per-million-token price (divide by 1e6)")
            )
    return problems


def _fallbacks(value: Any, groups: set[str], path: str) -> list[Found]:
    if not isinstance(value, list):
        return [(path, "must be a list of {model: [fallback, ...]} mappings")]
    problems: list[Found] = []
    edges: dict[str, list[str]] = {}
    for i, item in enumerate(value):
        where = _join(path, i)
        if not isinstance(item, dict) or len(item) != 1:
            problems.append((where, "each entry maps one model group to its fallbacks"))
            continue
        (source, targets), *_ = item.items()
        if source not in groups:
            problems.append((where, f"{source!r} is not a model_name in model_list"))
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            problems.append((where, "the fallbacks must be a list of model names"))
            continue
        for target in targets:
            if target not in groups:
                problems.append((where, f"fallback target {target!r} is not a model_name in model_list"))
            if target == source:
                problems.append((where, f"{source!r} falls back to itself"))
        edges.setdefault(str(source), []).extend(targets)
    problems.extend((path, msg) for msg in _cycles(edges))
    return problems


def _cycles(edges: dict[str, list[str]]) -> Iterator[str]:
    for start in sorted(edges):
        seen: set[str] = set()
        stack = list(edges[start])
        while stack:
            node = stack.pop()
            if node == start:
                yield f"fallbacks of {start!r} lead back to it"
                break
            if node not in seen:
                seen.add(node)
                stack.extend(edges.get(node, []))


def _router(section: Any, groups: set[str]) -> list[Found]:
    if section is None:
        return []
    problems = _keys(section, schema.ROUTER_SETTINGS, "router_settings")
    if not isinstance(section, dict):
        return problems
    if "routing_strategy" in section:
        problems += _oneof(section["routing_strategy"], schema.ROUTING_STRATEGIES, "router_settings.routing_strategy")
    for key in ("fallbacks", "context_window_fallbacks", "content_policy_fallbacks"):
        if key in section:
            problems += _fallbacks(section[key], groups, f"router_settings.{key}")
    if "retry_policy" in section:
        problems += _keys(section["retry_policy"], schema.RETRY_POLICY, "router_settings.retry_policy")
    for key in ("num_retries", "allowed_fails", "cooldown_time", "timeout", "stream_timeout"):
        value = section.get(key)
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool) or value < 0):
            problems.append((f"router_settings.{key}", f"must be a non-negative number, not {value!r}"))
    redis = [k for k in ("redis_host", "redis_port") if k in section]
    if len(redis) == 1:
        problems.append(("router_settings", "set redis_host and redis_port together"))
    return problems


def _litellm_settings(section: Any, models: list[tuple[str, str]]) -> list[Found]:
    if section is None:
        return []
    problems = _keys(section, schema.LITELLM_SETTINGS, "litellm_settings")
    if not isinstance(section, dict) or "cache_params" not in section:
        return problems
    path = "litellm_settings.cache_params"
    params = section["cache_params"]
    problems += _keys(params, schema.CACHE_PARAMS, path)
    if not isinstance(params, dict):
        return problems
    kind = params.get("type", "local")
    problems += _oneof(kind, schema.CACHE_TYPES, _join(path, "type"))
    if "mode" in params:
        problems += _oneof(params["mode"], schema.CACHE_MODES, _join(path, "mode"))
    if section.get("cache") is not True:
        problems.append(("litellm_settings.cache", "cache_params has no effect unless cache: true"))
    if kind in {"redis", "redis-semantic"} and not ("host" in params and "port" in params):
        problems.append((path, f"a {kind} cache needs host and port"))
    if str(kind).endswith("-semantic"):
        threshold = params.get("similarity_threshold")
        if not isinstance(threshold, int | float) or not 0 < threshold <= 1:
            problems.append((_join(path, "similarity_threshold"), "a semantic cache needs a threshold in (0, 1]"))
        key = f"{str(kind).split('-')[0]}_semantic_cache_embedding_model"
        embedder = params.get(key)
        modes = dict(models)
        if embedder not in modes:
            problems.append((_join(path, key), f"{embedder!r} is not a model_name in model_list"))
        elif modes[embedder] != "embedding":
            problems.append((_join(path, key), f"model {embedder!r} is not an embedding model (model_info.mode)"))
    return problems


def _guardrails(section: Any) -> list[Found]:
    if section is None:
        return []
    if not isinstance(section, list):
        return [("guardrails", "must be a list")]
    problems: list[Found] = []
    names: set[str] = set()
    for i, rail in enumerate(section):
        path = _join("guardrails", i)
        problems += _keys(rail, frozenset({"guardrail_name", "litellm_params", "guardrail_info"}), path)
        if not isinstance(rail, dict):
            continue
        name = rail.get("guardrail_name")
        if not isinstance(name, str) or not name or name in names:
            problems.append((_join(path, "guardrail_name"), f"missing or duplicate name {name!r}"))
        names.add(str(name))
        params = rail.get("litellm_params")
        ppath = _join(path, "litellm_params")
        problems += _keys(params, schema.GUARDRAIL_PARAMS, ppath)
        if isinstance(params, dict):
            problems += _guardrail_params(params, ppath)
    return problems


def _guardrail_params(params: dict[str, Any], path: str) -> list[Found]:
    problems = _oneof(params.get("guardrail"), schema.GUARDRAIL_TYPES, _join(path, "guardrail"))
    modes = params.get("mode")
    for mode in modes if isinstance(modes, list) else [modes]:
        problems += _oneof(mode, schema.GUARDRAIL_MODES, _join(path, "mode"))
    if params.get("default_on") is not True:
        problems.append((_join(path, "default_on"), "must be true: without it the guardrail runs only on request"))
    for j, pattern in enumerate(params.get("patterns") or []):
        ppath = _join(_join(path, "patterns"), j)
        allowed = frozenset({"pattern_type", "pattern_name", "pattern", "name", "action"})
        problems += _keys(pattern, allowed, ppath)
        if not isinstance(pattern, dict):
            continue
        problems += _oneof(pattern.get("action"), frozenset({"BLOCK", "MASK"}), _join(ppath, "action"))
        if pattern.get("pattern_type") == "prebuilt":
            problems += _oneof(
                pattern.get("pattern_name"), schema.CONTENT_FILTER_PATTERNS, _join(ppath, "pattern_name")
            )
        elif pattern.get("pattern_type") == "regex":
            try:
                re.compile(str(pattern.get("pattern")))
            except re.error as exc:
                problems.append((_join(ppath, "pattern"), f"not a valid regular expression ({exc})"))
        else:
            problems.append((_join(ppath, "pattern_type"), "must be prebuilt or regex"))
    for entity, action in (params.get("pii_entities_config") or {}).items():
        problems += _oneof(action, frozenset({"BLOCK", "MASK"}), _join(path, f"pii_entities_config.{entity}"))
    return problems


def _general(section: Any) -> list[Found]:
    if section is None:
        return [("general_settings", "missing: master_key must come from the environment")]
    problems = _keys(section, schema.GENERAL_SETTINGS, "general_settings")
    if not isinstance(section, dict):
        return problems
    for key in ("master_key", "database_url"):
        value = section.get(key)
        if not (isinstance(value, str) and value.startswith(_ENV_PREFIX)):
            problems.append((f"general_settings.{key}", "must be an os.environ/NAME reference"))
    for item in section.get("alerting") or []:
        problems += _oneof(item, schema.ALERTING, "general_settings.alerting")
    for item in section.get("alert_types") or []:
        problems += _oneof(item, schema.ALERT_TYPES, "general_settings.alert_types")
    period = section.get("maximum_spend_logs_retention_period")
    if period is not None and not (isinstance(period, str) and _DURATION.match(period)):
        problems.append(("general_settings.maximum_spend_logs_retention_period", f"{period!r} is not a duration"))
    return problems


def _environment(node: Any, path: str) -> Iterator[Found]:
    """Credentials are env references, and every env reference is in the contract."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = _join(path, str(key))
            if isinstance(value, str) and _SECRET_KEYS.search(str(key)) and not value.startswith(_ENV_PREFIX):
                yield where, "a credential must be an os.environ/NAME reference, never a literal value"
            yield from _environment(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _environment(value, _join(path, i))
    elif isinstance(node, str) and node.startswith(_ENV_PREFIX):
        name = node[len(_ENV_PREFIX) :]
        if not in_env_contract(name):
            yield path, f"{name} is not in the gateway's environment contract (see docs/gateway.md)"
