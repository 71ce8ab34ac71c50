"""Shared fixtures."""

from __future__ import annotations

import pytest

from tests.support.examples import EXAMPLES


@pytest.fixture(params=EXAMPLES)
def example(request: pytest.FixtureRequest) -> str:
    """Each shipped example's name (examples/<name>/cdeops.yaml)."""
    return str(request.param)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="Rewrite tests/golden from the current render.")
