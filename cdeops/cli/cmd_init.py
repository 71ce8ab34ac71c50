"""``cdeops init``: write a commented starter policy that validates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .output import out

__all__ = ["register"]


def init(
    path: Annotated[Path, typer.Argument(help="Where to write the policy.")] = Path("cdeops.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter cdeops.yaml."""
    from ..errors import OutputError
    from ..resources import templates_dir

    if path.exists() and not force:
        raise OutputError(f"{path} already exists", hint="use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((templates_dir() / "init" / "cdeops.yaml").read_bytes())
    out(f"wrote {path}; next: cdeops validate {path}")


def register(app: typer.Typer) -> None:
    app.command("init")(init)
