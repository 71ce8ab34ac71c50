"""`cdeops plan` / `cdeops apply` end to end with real Terraform on an offline hashicorp/null stack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cdeops.cli.app import app
from cdeops.errors import ToolError
from cdeops.terraform_workflow import PLAN_FILE, apply_stack, plan_stack, summarize_plan
from tests.support.tools import terraform_binary, terraform_env

pytestmark = pytest.mark.slow

STACK = """terraform {
  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "2.1.2"
    }
  }
  backend "local" {}
}

resource "null_resource" "a" {
  triggers = {
    v = "%s"
  }
}

resource "null_resource" "b" {}
"""


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if terraform_binary() is None:
        pytest.skip("no terraform binary on PATH (python-terraform drives the binary)")
    for key, value in terraform_env().items():
        monkeypatch.setenv(key, value)
    root = tmp_path / "out"
    (root / "terraform" / "demo").mkdir(parents=True)
    (root / "terraform" / "modules").mkdir()
    (root / "terraform" / "demo" / "main.tf").write_text(STACK % "1")
    return root


def backend(tmp_path: Path) -> dict[str, str]:
    return {"path": str(tmp_path / "state" / "demo.tfstate")}


def test_plan_apply_replan(tree: Path, tmp_path: Path) -> None:
    first = plan_stack(tree, "demo", backend_config=backend(tmp_path))
    assert first.plan_file == tree / "terraform" / "demo" / PLAN_FILE and first.plan_file.is_file()
    assert [(c.address, c.action) for c in first.changes] == [
        ("null_resource.a", "create"),
        ("null_resource.b", "create"),
    ]
    assert first.counts == {"create": 2, "update": 0, "delete": 0, "replace": 0}

    apply_stack(tree, "demo", backend_config=backend(tmp_path))
    state = json.loads((tmp_path / "state" / "demo.tfstate").read_text())  # the backend config reached init
    assert sorted(r["name"] for r in state["resources"]) == ["a", "b"]
    assert not first.plan_file.exists()  # a plan is applied once

    second = plan_stack(tree, "demo", backend_config=backend(tmp_path))
    assert not second.has_changes
    assert {c.action for c in second.changes} == {"no-op"}

    (tree / "terraform" / "demo" / "main.tf").write_text(STACK % "2")
    third = plan_stack(tree, "demo", backend_config=backend(tmp_path))
    assert [(c.address, c.action) for c in third.changes if c.action != "no-op"] == [("null_resource.a", "replace")]
    assert third.counts["replace"] == 1


def test_apply_refuses_without_a_plan(tree: Path, tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="no saved plan"):
        apply_stack(tree, "demo", backend_config=backend(tmp_path))


def test_apply_refuses_a_plan_made_before_the_files_changed(tree: Path, tmp_path: Path) -> None:
    plan_stack(tree, "demo", backend_config=backend(tmp_path))
    (tree / "terraform" / "demo" / "main.tf").write_text(STACK % "changed")
    with pytest.raises(ToolError, match="stale"):
        apply_stack(tree, "demo", backend_config=backend(tmp_path))


def test_apply_refuses_a_plan_the_state_moved_past(tree: Path, tmp_path: Path) -> None:
    plan_stack(tree, "demo", backend_config=backend(tmp_path))
    other = tmp_path / "copy"
    (other / "terraform" / "demo").mkdir(parents=True)
    (other / "terraform" / "demo" / "main.tf").write_text(STACK % "1")
    plan_stack(other, "demo", backend_config=backend(tmp_path))
    apply_stack(other, "demo", backend_config=backend(tmp_path))  # the shared state moves on
    with pytest.raises(ToolError, match="stale"):
        apply_stack(tree, "demo", backend_config=backend(tmp_path))


def test_unknown_stack_lists_the_stacks(tree: Path) -> None:
    with pytest.raises(ToolError, match=r"stacks: demo\)"):
        plan_stack(tree, "nope")


def test_missing_terraform_is_a_clear_error(tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(ToolError, match="terraform is not installed"):
        plan_stack(tree, "demo")


def test_cli_plan_table_and_apply(tree: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    config = f"path={tmp_path / 'cli.tfstate'}"
    result = runner.invoke(app, ["plan", str(tree), "--stack", "demo", "--backend-config", config])
    assert result.exit_code == 0, result.output
    assert "null_resource.a  create" in result.output
    assert "2 to add, 0 to change, 0 to destroy, 0 to replace" in result.output
    result = runner.invoke(app, ["apply", str(tree), "--stack", "demo", "--backend-config", config])
    assert result.exit_code == 0, result.output
    assert "Apply complete! Resources: 2 added" in result.output
    result = runner.invoke(app, ["plan", str(tree), "--stack", "demo", "--backend-config", config, "--output", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["counts"] == {"create": 0, "update": 0, "delete": 0, "replace": 0}


def test_summary_of_every_action() -> None:
    plan = {
        "resource_changes": [
            {"address": "x.c", "change": {"actions": ["create"]}},
            {"address": "x.u", "change": {"actions": ["update"]}},
            {"address": "x.d", "change": {"actions": ["delete"]}},
            {"address": "x.r", "change": {"actions": ["delete", "create"]}},
            {"address": "x.r2", "change": {"actions": ["create", "delete"]}},
            {"address": "x.n", "change": {"actions": ["no-op"]}},
        ]
    }
    actions = {c.address: c.action for c in summarize_plan(plan)}
    assert actions == {
        "x.c": "create",
        "x.u": "update",
        "x.d": "delete",
        "x.r": "replace",
        "x.r2": "replace",
        "x.n": "no-op",
    }
