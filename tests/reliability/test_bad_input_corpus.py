"""Every malformed or inconsistent policy: exit 2, ``file:line: dotted.path: message``, no traceback.

Each case of ``corpus.CASES`` is a copy of ``examples/eks-cilium`` with one known defect. All cases
go through the CLI's own error funnel (``cdeops.cli.app.main``) in-process; a representative subset
also runs as a real ``python -m cdeops validate`` subprocess, which is what a user sees.
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

from cdeops.cli.app import main
from tests.reliability.corpus import BASE, CASES, Case, encode, expected_line, resolve_path
from tests.reliability.policies import copy_example, run_cdeops, tree_hashes
from tests.support.examples import example_path

_BY_ID = {case.id: case for case in CASES}
# one or more of every kind of defect, run through a real subprocess
_SUBPROCESS = [
    "typo-top-level",
    "type-port-string",
    "ref-downgrade-to",
    "fqdn-without-cilium",
    "fit-70b-on-l4",
    "dupkey-nested",
    "alias-bomb",
    "empty-file",
    "prompt-fifo",
    "non-utf8-value",
]


def test_corpus_is_large_and_distinct() -> None:
    assert len(CASES) >= 40
    assert len(_BY_ID) == len(CASES), "case ids must be unique"
    assert set(_SUBPROCESS) <= set(_BY_ID)


def _build(case: Case, root: Path) -> tuple[Path, str, int]:
    """Write the case's policy folder; returns the policy file, the expected path and line."""
    policy = copy_example(BASE, root)
    base_text = policy.read_text()
    data = case.policy_bytes(base_text)
    policy.write_bytes(data)
    if case.setup is not None:
        case.setup(root)
    path = resolve_path(case.path, yaml.safe_load(base_text))
    line = expected_line(case, data.decode("utf-8", errors="surrogateescape"))
    return policy, path, line


def _assert_reported(case: Case, stderr: str, policy: Path, path: str, line: int) -> None:
    assert "Traceback" not in stderr, stderr
    assert stderr.startswith("error: "), stderr
    prefix = f"{policy}:{line}: {path}: "
    lines = [ln for ln in stderr.splitlines() if ln.startswith(prefix)]
    assert lines, f"{case.id}: expected a line starting {prefix!r} in:\n{stderr}"
    assert any(case.message in ln for ln in lines), f"{case.id}: {case.message!r} not in {lines}"


@pytest.fixture(scope="module")
def subprocess_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The chosen cases run concurrently as ``python -m cdeops validate FILE``."""
    built = {cid: _build(_BY_ID[cid], tmp_path_factory.mktemp(cid)) for cid in _SUBPROCESS}
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = dict(zip(built, pool.map(lambda b: run_cdeops("validate", b[0]), built.values()), strict=True))
    return {cid: (built[cid], runs[cid]) for cid in built}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_case_in_process(case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy, path, line = _build(case, tmp_path / "policy")
    with pytest.raises(SystemExit) as info:
        main(["validate", str(policy)])
    captured = capsys.readouterr()
    assert info.value.code == 2, captured
    assert captured.out == ""
    _assert_reported(case, captured.err, policy, path, line)


@pytest.mark.parametrize("case_id", _SUBPROCESS)
def test_case_as_subprocess(case_id: str, subprocess_results: dict[str, Any]) -> None:
    (policy, path, line), run = subprocess_results[case_id]
    assert run.returncode == 2, run.stderr
    _assert_reported(_BY_ID[case_id], run.stderr, policy, path, line)


def test_unmodified_copy_is_valid(tmp_path: Path) -> None:
    run = run_cdeops("validate", copy_example(BASE, tmp_path))
    assert run.returncode == 0, run.stderr
    assert "valid" in run.stdout


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    policy, _, _ = _build(_BY_ID["ref-fallback"], tmp_path)
    run = run_cdeops("--debug", "validate", policy)
    assert run.returncode != 0
    assert "Traceback" in run.stderr and "PolicyError" in run.stderr


def test_json_output_names_file_line_and_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy, path, line = _build(_BY_ID["ref-inference-pool"], tmp_path)
    with pytest.raises(SystemExit) as info:
        main(["validate", str(policy), "--output", "json"])
    assert info.value.code == 2
    doc = json.loads(capsys.readouterr().out)
    assert doc["valid"] is False
    assert {"file": str(policy), "line": line, "path": path} in [
        {k: i[k] for k in ("file", "line", "path")} for i in doc["issues"]
    ]


def test_every_defect_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Cross-field defects of different kinds are all reported by one run, each at its own line."""
    chosen = ["ref-fallback", "pin-model-latest", "cidr-metadata", "dup-egress-rule", "prompt-missing"]
    policy = copy_example(BASE, tmp_path)
    base_text = policy.read_text()
    text = base_text
    for cid in chosen:
        case = _BY_ID[cid]
        assert case.old in text
        text = text.replace(case.old, case.new, 1)
    policy.write_bytes(encode(text))
    with pytest.raises(SystemExit):
        main(["validate", str(policy)])
    err = capsys.readouterr().err
    assert f"{len(chosen)} problems in the policy" in err
    doc = yaml.safe_load(base_text)
    for cid in chosen:
        case = _BY_ID[cid]
        _assert_reported(case, err, policy, resolve_path(case.path, doc), expected_line(case, text))


@pytest.mark.parametrize("case_id", ["ref-team-template", "syntax-undefined-alias", "prompt-source-dotdot"])
def test_bad_policy_leaves_output_untouched(case_id: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cdeops("render", example_path(BASE), "-o", out).returncode == 0
    (out / "NOTES.md").write_text("mine\n")
    before = tree_hashes(out)
    policy, path, line = _build(_BY_ID[case_id], tmp_path / "bad")
    run = run_cdeops("render", policy, "-o", out)
    assert run.returncode == 2
    _assert_reported(_BY_ID[case_id], run.stderr, policy, path, line)
    assert tree_hashes(out) == before
    assert not list(tmp_path.glob(".cdeops-*")), "a failed render left a temp folder behind"


def test_policy_path_problems_exit_2(tmp_path: Path) -> None:
    for target, needle in [(tmp_path / "missing.yaml", "no such file"), (tmp_path, "is a folder")]:
        run = run_cdeops("validate", target)
        assert run.returncode == 2 and needle in run.stderr and "Traceback" not in run.stderr
    assert re.search(r"^error: ", run.stderr)
