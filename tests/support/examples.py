"""The shipped examples and their rendered trees (rendered once per test session)."""

from __future__ import annotations

from pathlib import Path

from cdeops import __version__
from cdeops.policy import LoadedPolicy, load_policy
from cdeops.render.pipeline import render_files

REPO = Path(__file__).resolve().parent.parent.parent
EXAMPLES = sorted(p.parent.name for p in (REPO / "examples").glob("*/cdeops.yaml"))

_CACHE: dict[str, tuple[LoadedPolicy, dict[str, bytes]]] = {}


def example_path(name: str) -> Path:
    return REPO / "examples" / name / "cdeops.yaml"


def rendered(name: str) -> tuple[LoadedPolicy, dict[str, bytes]]:
    """The loaded policy and every rendered file of an example (cached)."""
    if name not in _CACHE:
        loaded = load_policy(example_path(name))
        _CACHE[name] = (loaded, render_files(loaded, __version__))
    return _CACHE[name]
