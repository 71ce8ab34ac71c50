"""Running the real LiteLLM proxy (from ``.tools/litellm-venv``) offline, on 127.0.0.1 only."""

from __future__ import annotations

import json
import secrets
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.tools import free_port, litellm_offline_env, litellm_python

__all__ = ["Proxy", "Reply", "contract_env", "start_proxy", "validate_config"]

# Log lines that mean LiteLLM loaded the config but dropped part of it.
IGNORED_MARKERS = ("Skipping guardrail", "is not a valid argument", "Ignoring this key", "starting WITHOUT")


def contract_env(extra: dict[str, str] | None = None, redis: bool = True) -> dict[str, str]:
    """Environment a deployment would give the proxy: the contract's variables, with test values.

    The master key is random per run; provider keys are dummies the fake upstream checks for;
    Redis points at a closed loopback port (validation only connects lazily); no DATABASE_URL.
    """
    env = litellm_offline_env()
    for name in ("DATABASE_URL", "LITELLM_SALT_KEY", "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env.pop(name, None)
    env.update(
        LITELLM_MASTER_KEY="sk-cdeops-test-" + secrets.token_hex(16),
        ANTHROPIC_API_KEY="dummy-anthropic-key",
        OPENAI_API_KEY="dummy-openai-key",
        REDIS_HOST="127.0.0.1",
        REDIS_PORT=str(free_port()),
        REDIS_PASSWORD="dummy-redis-password",
        NO_PROXY="127.0.0.1,localhost",
    )
    if not redis:  # LiteLLM reads REDIS_* itself: set them only when the contract lists them
        for name in ("REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"):
            env.pop(name)
    env.update(extra or {})
    return env


def _litellm_cli() -> list[str]:
    return [str(litellm_python().parent / "litellm")]


def validate_config(config: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Starts ``litellm --config X --validate_config``; the caller waits for it."""
    return subprocess.Popen(
        [*_litellm_cli(), "--config", str(config), "--validate_config"],
        cwd=config.parent,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Proxy:
    process: subprocess.Popen[bytes]
    port: int
    master_key: str
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(self, path: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
        data = json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method="POST")
        request.add_header("content-type", "application/json")
        request.add_header("authorization", f"Bearer {self.master_key}")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return Reply(response.status, {k.lower(): v for k, v in response.headers.items()}, json.load(response))
        except urllib.error.HTTPError as error:
            with error:
                payload = error.read()
                return Reply(error.code, {k.lower(): v for k, v in error.headers.items()}, json.loads(payload or b"{}"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_proxy(config: Path, env: dict[str, str], log: Path, timeout_s: float = 120) -> Proxy:
    """Starts the proxy on a free loopback port and waits until it answers its liveness probe."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_litellm_cli(), "--config", str(config), "--host", "127.0.0.1", "--port", str(port)],
            cwd=config.parent,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    proxy = Proxy(process, port, env["LITELLM_MASTER_KEY"], log)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the proxy exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(proxy.url + "/health/liveliness", timeout=2) as response:
                if response.status == 200:
                    return proxy
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    proxy.stop()
    raise RuntimeError(f"the proxy did not come up in {timeout_s} s:\n{log.read_text()[-4000:]}")
