"""The safe loader and the policy model: positions, typos, duplicates, bombs, encodings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from cdeops.errors import PolicyError
from cdeops.policy import load_policy
from tests.support.examples import REPO, example_path


def _load(tmp_path: Path, text: str | bytes) -> PolicyError:
    f = tmp_path / "cdeops.yaml"
    f.write_bytes(text.encode() if isinstance(text, str) else text)
    with pytest.raises(PolicyError) as info:
        load_policy(f)
    return info.value


def _example_text() -> str:
    """The starter policy (`cdeops init`): valid, and its prompts section is commented out."""
    return (REPO / "templates" / "init" / "cdeops.yaml").read_text()


def test_examples_validate(example: str) -> None:
    loaded = load_policy(example_path(example))
    assert loaded.policy.teams


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    err = _load(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert len(err.issues) == 1
    issue = err.issues[0]
    assert issue.line == 3 and issue.path == "a" and "first defined on line 1" in issue.message


def test_alias_bomb_refused_fast(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    start = time.perf_counter()
    err = _load(tmp_path, "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 2.0
    assert "alias bomb" in err.issues[0].message


def test_syntax_error_has_line(tmp_path: Path) -> None:
    err = _load(tmp_path, "apiVersion: cdeops.io/v1alpha1\nkind: Policy\nmetadata: {org: [\n")
    assert err.issues[0].line >= 3 and "YAML syntax error" in err.issues[0].message


@pytest.mark.parametrize(
    ("text", "needle"),
    [("", "empty"), ("- a\n- b\n", "mapping"), ("just text\n", "mapping")],
)
def test_top_level_must_be_mapping(tmp_path: Path, text: str, needle: str) -> None:
    assert needle in str(_load(tmp_path, text))


def test_non_utf8_names_line(tmp_path: Path) -> None:
    err = _load(tmp_path, b"apiVersion: cdeops.io/v1alpha1\nkind: \xff\n")
    assert err.issues[0].line == 2 and "UTF-8" in err.issues[0].message


def test_typo_suggests_the_key(tmp_path: Path) -> None:
    text = _example_text().replace("    budget: {monthly_usd: 1000", "    budjet: {monthly_usd: 1000")
    err = _load(tmp_path, text)
    typo = next(i for i in err.issues if i.path == "teams[0].budjet")
    assert "did you mean 'budget'" in typo.message
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "budjet" in ln)) + 1
    assert typo.line == line


def test_all_errors_reported_at_once(tmp_path: Path) -> None:
    text = (
        _example_text()
        .replace("model: claude-3-5-haiku-20241022", "model: claude-3-5-haiku-latest")
        .replace("templates: [python]", "templates: [pyhton]")
        .replace("ghcr.io/acme/ws-python:2026.11.1", "ghcr.io/acme/ws-python:latest")
    )
    err = _load(tmp_path, text)
    paths = {i.path for i in err.issues}
    assert "templates[0].image" in paths  # schema error reported...
    # ...and cross-field errors are reported together once the schema is valid
    text2 = text.replace("ghcr.io/acme/ws-python:latest", "ghcr.io/acme/ws-python:2026.11.1")
    err2 = _load(tmp_path, text2)
    assert {"models[1].model", "teams[0].templates[0]"} <= {i.path for i in err2.issues}
    assert all(str(i).startswith(str(tmp_path / "cdeops.yaml") + ":") for i in err2.issues)


def test_yaml_off_means_off(tmp_path: Path) -> None:
    f = tmp_path / "cdeops.yaml"
    f.write_text(
        _example_text().replace("url: https://llm.acme.example", "url: https://llm.acme.example\n  cache: {mode: off}")
    )
    assert load_policy(f).policy.gateway.cache.mode == "off"


def test_prompt_source_unreadable_and_outside(tmp_path: Path) -> None:
    text = _example_text().replace(
        "# prompts:", "prompts:\n  - {path: A.md, source: missing.md}\n  - {path: B.md, source: ../../etc/passwd}\n#"
    )
    err = _load(tmp_path, text)
    messages = {i.path: i.message for i in err.issues}
    assert "cannot read" in messages["prompts[0].source"]
    assert "outside" in messages["prompts[1].source"]


@pytest.mark.parametrize("dest", ["/etc/profile", "../x", "a/../../b", "~/.bashrc", "a//b", "./x"])
def test_prompt_destination_must_stay_inside(tmp_path: Path, dest: str) -> None:
    (tmp_path / "p.md").write_text("x")
    text = _example_text().replace("# prompts:", f"prompts:\n  - {{path: '{dest}', source: p.md}}\n#")
    err = _load(tmp_path, text)
    assert any(i.path == "prompts[0].path" for i in err.issues)


def test_fallback_cycle_refused(tmp_path: Path) -> None:
    text = (
        _example_text()
        .replace(
            "    model: claude-sonnet-4-20250514\n    tier: standard",
            "    model: claude-sonnet-4-20250514\n    tier: standard\n    fallbacks: [claude-haiku]",
        )
        .replace(
            "    model: claude-3-5-haiku-20241022\n    tier: fast",
            "    model: claude-3-5-haiku-20241022\n    tier: fast\n    fallbacks: [claude-sonnet]",
        )
    )
    err = _load(tmp_path, text)
    assert {i.path for i in err.issues} == {"models[0].fallbacks", "models[1].fallbacks"}
    assert all("cycle" in i.message for i in err.issues)
