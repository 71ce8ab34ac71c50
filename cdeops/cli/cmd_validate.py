"""``cdeops validate POLICY``: every schema and cross-field error, with file:line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import OutputFormat, emit_json, err, out

__all__ = ["register"]


def validate(
    policy: Annotated[Path, typer.Argument(help="The policy file (cdeops.yaml).")],
    output: Annotated[OutputFormat, typer.Option("--output", "-O", help="text or json.")] = OutputFormat.text,
) -> None:
    """Check a policy file: schema, references, pinning, sizing, egress and prompt rules."""
    from ..api import validate as run
    from ..errors import PolicyError

    try:
        loaded = run(policy)
    except PolicyError as exc:
        if output is OutputFormat.json:
            emit_json({"valid": False, "issues": [vars(i) for i in exc.issues]})
            raise typer.Exit(exc.exit_code) from None
        raise
    p = loaded.policy
    if output is OutputFormat.json:
        emit_json({"valid": True, "issues": [], "warnings": [vars(w) for w in loaded.warnings]})
        return
    for warning in loaded.warnings:
        err(f"warning: {warning}")
    out(
        f"{policy}: valid ({len(p.teams)} teams, {len(p.templates)} templates, {len(p.models)} models, "
        f"{len(p.inference)} inference, {len(p.gpu_pools)} GPU pools)"
    )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
