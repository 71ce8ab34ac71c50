"""Golden trees: each example's full render is committed under tests/golden/<example>/.

Refresh after an intended change with: `.venv/bin/pytest tests/core/test_golden.py --update-golden`
and review the diff in git.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from tests.support.examples import REPO, rendered

GOLDEN = REPO / "tests" / "golden"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_matches_golden(example: str, request: pytest.FixtureRequest) -> None:
    _, files = rendered(example)
    target = GOLDEN / example
    if request.config.getoption("--update-golden"):
        shutil.rmtree(target, ignore_errors=True)
        for path, data in files.items():
            (target / path).parent.mkdir(parents=True, exist_ok=True)
            (target / path).write_bytes(data)
    expected = _tree(target)
    problems = []
    for path in sorted(files.keys() | expected.keys()):
        got, want = files.get(path), expected.get(path)
        if got == want:
            continue
        diff = difflib.unified_diff(
            (want or b"").decode(errors="replace").splitlines(keepends=True),
            (got or b"").decode(errors="replace").splitlines(keepends=True),
            fromfile=f"golden/{example}/{path}",
            tofile=f"rendered/{path}",
            n=2,
        )
        problems.append("".join(list(diff)[:60]))
    assert not problems, "render differs from the golden tree (refresh with --update-golden):\n" + "\n".join(problems)
