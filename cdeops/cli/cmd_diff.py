"""``cdeops diff POLICY -o DIR``: unified diff of what a render would change."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import out

__all__ = ["register"]


def diff(
    policy: Annotated[Path, typer.Argument(help="The policy file (cdeops.yaml).")],
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="The rendered folder to compare with.")],
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 3 when there are differences.")] = False,
) -> None:
    """Show what `cdeops render` would change in DIR, as a unified diff."""
    from ..api import diff_output

    text = diff_output(policy, output_dir)
    if text:
        out(text)
        if exit_code:
            raise typer.Exit(3)
    else:
        out("no changes")


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
