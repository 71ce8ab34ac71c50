"""A rendered example tree written to tmp_path, ready to be checked and tampered with."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.examples import rendered


def write_tree(files: dict[str, bytes], out: Path) -> Path:
    for path, data in files.items():
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return out


@pytest.fixture
def render_example(tmp_path: Path) -> Callable[[str], Path]:
    def _render(name: str) -> Path:
        _, files = rendered(name)
        return write_tree(files, tmp_path / f"out-{name}")

    return _render


@pytest.fixture
def eks_tree(render_example: Callable[[str], Path]) -> Path:
    return render_example("eks-cilium")
