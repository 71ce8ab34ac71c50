"""Every example's rendered LiteLLM config passes ``litellm --config X --validate_config`` cleanly.

``--validate_config`` exits 0 even when it skips a guardrail or ignores a router key, so the output
is checked for those warnings too. The validations run in parallel (about 20 s each).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from cdeops.outputs.gateway import LITELLM_CONFIG
from cdeops.render.pipeline import render_files
from tests.support.tools import free_port

from .conftest import EXAMPLES, example, policy_from
from .proxy import IGNORED_MARKERS, contract_env, validate_config
from .redis_stub import RedisStub

pytestmark = pytest.mark.slow

BROKEN = "<broken guardrail>"
PRESIDIO = "<minimal with pii_engine: presidio>"
PRESIDIO_ENV = ("PRESIDIO_ANALYZER_API_BASE", "PRESIDIO_ANONYMIZER_API_BASE")
LITELLM_EXAMPLES = [name for name in EXAMPLES if example(name).policy.gateway.engine == "litellm"]


def _presidio(data: dict[str, Any]) -> None:
    data["gateway"]["content_filter"] = {"secrets": "block", "pii": "mask", "pii_engine": "presidio"}


@pytest.fixture(scope="module")
def validations(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, tuple[int, str]]]:
    redis = RedisStub()
    stub = {"REDIS_PORT": str(redis.port)}
    running: dict[str, subprocess.Popen[str]] = {}
    for name in LITELLM_EXAMPLES:
        folder = tmp_path_factory.mktemp(name)
        config = folder / "config.yaml"
        config.write_bytes(render_files(example(name), "test")[LITELLM_CONFIG])
        running[name] = validate_config(config, contract_env(stub))
    # a control: an unknown prebuilt pattern makes LiteLLM skip the guardrail (the markers are not vacuous)
    text = render_files(example("minimal"), "test")[LITELLM_CONFIG].decode()
    assert "pattern_name: aws_access_key" in text
    broken = tmp_path_factory.mktemp("broken") / "config.yaml"
    broken.write_text(text.replace("pattern_name: aws_access_key", "pattern_name: aws_acces_key"))
    running[BROKEN] = validate_config(broken, contract_env(stub))
    # the Presidio choice for PII: its services are only named (PRESIDIO_*_API_BASE), not called
    presidio = policy_from("minimal", _presidio)
    config = tmp_path_factory.mktemp("presidio") / "config.yaml"
    config.write_bytes(render_files(presidio, "test")[LITELLM_CONFIG])
    services = {name: f"http://127.0.0.1:{free_port()}" for name in PRESIDIO_ENV}
    running[PRESIDIO] = validate_config(config, contract_env({**stub, **services}))
    results: dict[str, tuple[int, str]] = {}
    try:
        for name, process in running.items():
            output, _ = process.communicate(timeout=240)
            results[name] = (process.returncode, output)
        yield results
    finally:
        redis.stop()
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def test_every_example_has_a_litellm_config() -> None:
    assert {"eks-cilium", "minimal"} <= set(LITELLM_EXAMPLES)


@pytest.mark.parametrize("name", [*LITELLM_EXAMPLES, PRESIDIO])
def test_rendered_config_validates_in_litellm(name: str, validations: dict[str, tuple[int, str]]) -> None:
    returncode, output = validations[name]
    assert returncode == 0, output[-4000:]
    assert "config OK" in output
    found = [marker for marker in IGNORED_MARKERS if marker in output]
    assert not found, f"LiteLLM dropped part of the config ({found}):\n{output[-4000:]}"


def test_validation_catches_a_broken_guardrail(validations: dict[str, tuple[int, str]]) -> None:
    _, output = validations[BROKEN]
    assert any(marker in output for marker in IGNORED_MARKERS), output[-4000:]
