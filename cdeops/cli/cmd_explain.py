"""``cdeops explain POLICY --team T [--template X]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import OutputFormat, emit_json, out

__all__ = ["register"]


def explain(
    policy: Annotated[Path, typer.Argument(help="The policy file (cdeops.yaml).")],
    team: Annotated[str, typer.Option("--team", "-t", help="Team name.")],
    template: Annotated[str | None, typer.Option("--template", help="Only this template.")] = None,
    output: Annotated[OutputFormat, typer.Option("--output", "-O", help="text or json.")] = OutputFormat.text,
) -> None:
    """What a workspace of a team gets: env, models, budget, egress, secret paths, labels."""
    from ..api import validate
    from ..explain import explain_team, format_explanation

    doc = explain_team(validate(policy), team, template)
    if output is OutputFormat.json:
        emit_json(doc)
    else:
        out(format_explanation(doc))


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)
