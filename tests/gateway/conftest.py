"""Shared fixtures of the gateway tests: example policies, loaded once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdeops.policy import LoadedPolicy, Policy, load_policy, load_policy_text
from tests.support.tools import repo_root

EXAMPLES = sorted(p.parent.name for p in (repo_root() / "examples").glob("*/cdeops.yaml"))


def example(name: str) -> LoadedPolicy:
    return load_policy(Path(repo_root() / "examples" / name / "cdeops.yaml"))


@pytest.fixture(scope="session")
def eks() -> Policy:
    return example("eks-cilium").policy


@pytest.fixture(scope="session")
def minimal() -> Policy:
    return example("minimal").policy


def policy_from(name: str, edit: Callable[[dict[str, Any]], None]) -> LoadedPolicy:
    """An example policy with ``edit`` applied to its parsed YAML (raises PolicyError when invalid)."""
    folder = repo_root() / "examples" / name
    data = yaml.safe_load((folder / "cdeops.yaml").read_text())
    edit(data)
    return load_policy_text(yaml.safe_dump(data, sort_keys=False), "cdeops.yaml", folder)
