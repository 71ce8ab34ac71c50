"""The CI recipes in examples/ci are valid YAML and run the gates in order."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.examples import REPO

RECIPES = sorted((REPO / "examples" / "ci").glob("*.yml"))
ORDER = ["cdeops validate", "cdeops render", "--check", "cdeops check", "cdeops plan", "cdeops apply"]


def test_both_recipes_are_shipped() -> None:
    assert {p.name for p in RECIPES} == {"github-actions.yml", "gitlab-ci.yml"}


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_recipe_runs_the_gates_in_order(recipe: Path) -> None:
    path = recipe
    raw = path.read_text()
    assert isinstance(yaml.safe_load(raw), dict)
    assert "CODER_SESSION_TOKEN" in raw and "sk-" not in raw  # secrets come from the CI's secret store
    text = "\n".join(line for line in raw.splitlines() if not line.lstrip().startswith("#"))
    positions = [text.index(step) for step in ORDER]
    assert positions == sorted(positions)
    assert "--scan" in text and "--backend-config" in text
