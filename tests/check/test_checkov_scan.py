"""checkov (the real one, from .tools/checkov-venv) on the rendered eks example fails nothing unjustified."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cdeops.checks.checkov_scan import checkov_command, load_skips, run_checkov
from tests.support.tools import checkov_bin_dir


def test_every_shipped_skip_has_a_reason() -> None:
    skips = load_skips()
    assert skips and all(len(s.reason) > 40 for s in skips)
    assert len({s.id for s in skips}) == len(skips)


@pytest.mark.slow
def test_rendered_eks_example_passes_checkov(eks_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{checkov_bin_dir()}{os.pathsep}{os.environ['PATH']}")
    assert checkov_command()
    result = run_checkov(eks_tree)
    unexpected = {f.message.split()[0] for f in result.failed}
    assert unexpected == set(), [str(f) for f in result.failed]
    assert result.passed > 0 and not result.parsing_errors
