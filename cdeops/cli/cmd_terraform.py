"""``cdeops plan DIR --stack NAME`` and ``cdeops apply DIR --stack NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import OutputFormat, emit_json, out

__all__ = ["register"]

_Dir = Annotated[Path, typer.Argument(metavar="DIR", help="A rendered output folder (from `cdeops render`).")]
_Stack = Annotated[
    str, typer.Option("--stack", help="The stack under DIR/terraform/: gpu-pools, vault or coder-templates.")
]
_Backend = Annotated[
    list[str] | None,
    typer.Option("--backend-config", help="KEY=VALUE passed to `terraform init -backend-config` (repeatable)."),
]


def _backend_config(pairs: list[str] | None) -> dict[str, str]:
    from ..errors import ToolError

    config: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ToolError(f"--backend-config {pair!r} is not KEY=VALUE")
        config[key] = value
    return config


def plan(
    directory: _Dir,
    stack: _Stack,
    backend_config: _Backend = None,
    output: Annotated[OutputFormat, typer.Option("--output", help="Summary format.")] = OutputFormat.text,
) -> None:
    """terraform init + plan of a rendered stack; saves the plan and prints what would change."""
    from ..terraform_workflow import plan_stack

    result = plan_stack(directory, stack, backend_config=_backend_config(backend_config))
    if output is OutputFormat.json:
        emit_json(result.to_dict())
        return
    rows = [c for c in result.changes if c.action != "no-op"]
    if rows:
        width = max(len(c.address) for c in rows)
        out(f"{'ADDRESS'.ljust(width)}  ACTION")
        for change in rows:
            out(f"{change.address.ljust(width)}  {change.action}")
    counts = result.counts
    out(
        f"stack {stack}: {counts['create']} to add, {counts['update']} to change, "
        f"{counts['delete']} to destroy, {counts['replace']} to replace"
        + ("" if result.has_changes else " (no changes)")
    )
    out(f"saved plan: {result.plan_file}; apply it with `cdeops apply {directory} --stack {stack}`")


def apply(directory: _Dir, stack: _Stack, backend_config: _Backend = None) -> None:
    """Apply the plan saved by `cdeops plan` (refuses a missing or stale plan)."""
    from ..terraform_workflow import apply_stack

    result = apply_stack(directory, stack, backend_config=_backend_config(backend_config))
    summary = [line for line in result.output.splitlines() if line.startswith("Apply complete")]
    out(summary[-1] if summary else f"stack {stack}: applied")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
    app.command("apply")(apply)
