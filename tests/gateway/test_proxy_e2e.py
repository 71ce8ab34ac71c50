"""End to end in the real LiteLLM proxy: the rendered config routes, falls back, caches, filters and tags.

One proxy is started for the module, with the config rendered from the eks-cilium example. Only
what cannot exist here is changed, for the test alone: every deployment's ``api_base`` points at a
local fake upstream, the cache is exact (the semantic cache needs Redis Stack and ``redisvl``),
there is one replica (no Redis), and a spy callback stands in for the spend-log database.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cdeops.checks.litellm_config import check_litellm_config
from cdeops.policy import Policy
from cdeops.render.documents import dump_yaml
from cdeops.views.ai_tools import SPEND_TAG_HEADER
from cdeops.views.gateway_litellm import litellm_config
from cdeops.views.workspace import workspace_view

from .fake_upstream import FakeUpstream
from .proxy import IGNORED_MARKERS, Proxy, contract_env, start_proxy

pytestmark = pytest.mark.slow

HERE = Path(__file__).parent


def e2e_policy(policy: Policy) -> Policy:
    cache = policy.gateway.cache.model_copy(update={"mode": "exact", "embedding_model": None})
    gateway = policy.gateway.model_copy(update={"replicas": 1, "cache": cache})
    return policy.model_copy(update={"gateway": gateway})


def repoint(doc: dict[str, Any], upstream: str) -> dict[str, Any]:
    for entry in doc["model_list"]:
        params = entry["litellm_params"]
        params["api_base"] = upstream if params["model"].startswith("anthropic/") else upstream + "/v1"
    doc["litellm_settings"]["callbacks"] = ["spy_callback.spy"]
    return doc


@pytest.fixture(scope="module")
def upstream() -> Iterator[FakeUpstream]:
    fake = FakeUpstream().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def spy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spy") / "calls.jsonl"


@pytest.fixture(scope="module")
def proxy(
    eks: Policy, upstream: FakeUpstream, spy_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Proxy]:
    folder = tmp_path_factory.mktemp("litellm")
    doc = litellm_config(e2e_policy(eks))
    assert check_litellm_config(doc, "config.yaml") == []
    (folder / "config.yaml").write_text(dump_yaml(repoint(doc, upstream.url)))
    shutil.copy(HERE / "spy_callback.py", folder / "spy_callback.py")
    extra = {"CDEOPS_SPY_FILE": str(spy_file), "SLACK_WEBHOOK_URL": upstream.url + "/slack"}
    env = contract_env(extra, redis=False)
    running = start_proxy(folder / "config.yaml", env, folder / "proxy.log")
    yield running
    running.stop()


def chat(proxy: Proxy, model: str, text: str, headers: dict[str, str] | None = None) -> Any:
    body = {"model": model, "messages": [{"role": "user", "content": text}]}
    return proxy.post("/v1/chat/completions", body, headers)


def unique(text: str) -> str:
    return f"{text} [{secrets.token_hex(6)}]"


def spied(spy_file: Path) -> list[dict[str, Any]]:
    if not spy_file.exists():
        return []
    return [json.loads(line) for line in spy_file.read_text().splitlines() if line.strip()]


def test_plain_call_reaches_the_pinned_model_with_the_env_key(proxy: Proxy, upstream: FakeUpstream) -> None:
    reply = chat(proxy, "claude-haiku", unique("hello"))
    assert reply.status == 200, reply.body
    assert reply.body["choices"][0]["message"]["content"].startswith("fake answer")
    assert reply.headers["x-litellm-model-group"] == "claude-haiku"
    call = upstream.calls("claude-3-5-haiku-20241022")[-1]
    assert call.path == "/v1/messages"
    assert call.headers["x-api-key"] == "dummy-anthropic-key"  # os.environ/ANTHROPIC_API_KEY, resolved
    assert float(reply.headers["x-litellm-response-cost"]) == pytest.approx(10 * 0.8e-6 + 5 * 4e-6)


def test_self_hosted_model_goes_to_the_openai_compatible_route(proxy: Proxy, upstream: FakeUpstream) -> None:
    reply = chat(proxy, "llama-3-1-8b", unique("hello llama"))
    assert reply.status == 200, reply.body
    call = upstream.calls("llama-3-1-8b")[-1]
    assert call.path == "/v1/chat/completions"  # the served model name is the inference name


def test_fallback_after_upstream_500(proxy: Proxy, upstream: FakeUpstream) -> None:
    upstream.failing.add("claude-opus-4-20250514")
    try:
        reply = chat(proxy, "claude-opus", unique("needs the frontier model"))
    finally:
        upstream.failing.discard("claude-opus-4-20250514")
    assert reply.status == 200, reply.body
    assert reply.headers["x-litellm-model-group"] == "gpt-4o"
    assert reply.headers["x-litellm-attempted-fallbacks"] == "1"
    assert upstream.calls("claude-opus-4-20250514"), "the primary was tried first"
    assert upstream.calls("gpt-4o-2024-08-06")[-1].headers["authorization"] == "Bearer dummy-openai-key"


def test_repeated_prompt_is_served_from_the_cache(proxy: Proxy, upstream: FakeUpstream) -> None:
    prompt = unique("cache me")
    first = chat(proxy, "gpt-4o", prompt)
    before = len(upstream.calls())
    second = chat(proxy, "gpt-4o", prompt)
    assert first.status == second.status == 200
    assert "x-litellm-cache-key" in second.headers
    assert second.body["choices"][0]["message"]["content"] == first.body["choices"][0]["message"]["content"]
    assert len(upstream.calls()) == before, "a cache hit must not reach the upstream"


@pytest.mark.parametrize(
    "secret",
    [
        "AKIAIOSFODNN7EXAMPLE",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
        "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    ],
)
def test_prompt_with_a_credential_is_refused(proxy: Proxy, upstream: FakeUpstream, secret: str) -> None:
    before = len(upstream.calls())
    reply = chat(proxy, "gpt-4o", unique(f"why does this fail? {secret}"))
    assert reply.status == 400
    assert "blocked" in reply.body["error"]["message"].lower()
    assert len(upstream.calls()) == before, "a blocked prompt must not reach the upstream"


def test_git_hashes_are_not_mistaken_for_secrets(proxy: Proxy) -> None:
    reply = chat(proxy, "gpt-4o", unique("revert 9fceb02d0ae598e95dc970b74767f19372d61af8 please"))
    assert reply.status == 200, reply.body


def test_pii_is_masked_before_it_leaves(proxy: Proxy, upstream: FakeUpstream) -> None:
    reply = chat(proxy, "gpt-4o", unique("mail alice.smith@example.com about the invoice"))
    assert reply.status == 200, reply.body
    sent = upstream.calls("gpt-4o-2024-08-06")[-1].text()
    assert "alice.smith@example.com" not in sent
    assert "REDACTED" in sent


def workspace_tags() -> str:
    """The header value a payments workspace sends, in the order the workspace template builds it."""
    from tests.gateway.conftest import example

    loaded = example("eks-cilium")
    policy = loaded.policy
    view = workspace_view(policy, policy.team("payments"), policy.template("python"), loaded.prompt_files)
    keys = [re.search(r"([a-z-]+):", str(tag)).group(1) for tag in view.spend_tags]  # type: ignore[union-attr]
    values = {"project": "checkout", "workspace": "ws-alice-1", "owner": "alice"}
    static = {str(t).split(":", 1)[0]: str(t).split(":", 1)[1] for t in view.spend_tags if isinstance(t, str)}
    return ",".join(f"{key}:{static.get(key) or values[key]}" for key in keys)


def test_workspace_spend_tags_land_in_spend_metadata(proxy: Proxy, spy_file: Path) -> None:
    tags = workspace_tags()
    assert tags.split(",")[0] == "team:payments"
    assert {t.split(":")[0] for t in tags.split(",")} == {
        "team",
        "project",
        "workspace",
        "owner",
        "template",
        "cost-center",
    }
    reply = chat(proxy, "claude-haiku", unique("tagged"), {SPEND_TAG_HEADER: tags})
    assert reply.status == 200, reply.body
    records = _wait_for(spy_file, lambda r: set(tags.split(",")) <= set(r.get("request_tags") or []))
    assert records["model_group"] == "claude-haiku"


def test_claude_code_route_carries_the_tags_too(proxy: Proxy, spy_file: Path) -> None:
    """Claude Code calls /v1/messages with ANTHROPIC_CUSTOM_HEADERS; the tags must survive that route."""
    tags = workspace_tags().replace("ws-alice-1", "ws-alice-2")
    body = {"model": "claude-haiku", "max_tokens": 64, "messages": [{"role": "user", "content": unique("hi")}]}
    reply = proxy.post("/v1/messages", body, {SPEND_TAG_HEADER: tags})
    assert reply.status == 200, reply.body
    assert reply.body["content"][0]["text"].startswith("fake answer")
    _wait_for(spy_file, lambda r: "workspace:ws-alice-2" in (r.get("request_tags") or []))


def _wait_for(spy_file: Path, match: Any, timeout_s: float = 15) -> dict[str, Any]:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for record in spied(spy_file):
            if match(record):
                return record
        time.sleep(0.2)
    raise AssertionError(f"no logged call matched; logged: {spied(spy_file)}")


def test_proxy_loaded_every_part_of_the_config(proxy: Proxy) -> None:
    log = proxy.log.read_text(errors="replace")
    assert not [marker for marker in IGNORED_MARKERS if marker in log]
    assert "Connection refused" not in log, "nothing in the single-replica config needs Redis"
