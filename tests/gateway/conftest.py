"""Shared fixtures of the gateway tests: example policies, loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest

from cdeops.policy import LoadedPolicy, Policy, load_policy
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
