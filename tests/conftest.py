"""Shared fixtures. Tests never write inside the repository: Hypothesis keeps its data in a temp folder."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="cdeops-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, True)
os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = _HYPOTHESIS_HOME  # read when hypothesis is first imported

import pytest  # noqa: E402
from hypothesis import configuration  # noqa: E402

from tests.support.examples import EXAMPLES  # noqa: E402

configuration.set_hypothesis_home_dir(_HYPOTHESIS_HOME)


@pytest.fixture(params=EXAMPLES)
def example(request: pytest.FixtureRequest) -> str:
    """Each shipped example's name (examples/<name>/cdeops.yaml)."""
    return str(request.param)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden from the current render.")
