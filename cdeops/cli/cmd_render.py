"""``cdeops render POLICY -o DIR [--check]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import err, out

__all__ = ["register"]


def render(
    policy: Annotated[Path, typer.Argument(help="The policy file (cdeops.yaml).")],
    output_dir: Annotated[Path, typer.Option("--output-dir", "-o", help="Folder to write (replaced atomically).")],
    check: Annotated[
        bool, typer.Option("--check", help="Render in memory; exit 3 listing the files that differ.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Render into a non-empty folder that holds no cdeops output.")
    ] = False,
) -> None:
    """Render every artifact of a policy into one deterministic folder with a manifest."""
    from ..api import check_drift, render_to

    if check:
        check_drift(policy, output_dir)
        out(f"{output_dir}: up to date")
        return
    result = render_to(policy, output_dir, force=force)
    out(f"wrote {len(result.files)} files to {output_dir}")
    for change in result.changes:
        out(f"  {change}")
    if result.kept:
        err(f"kept {len(result.kept)} file(s) cdeops did not write: {', '.join(result.kept[:5])}")


def register(app: typer.Typer) -> None:
    app.command("render")(render)
