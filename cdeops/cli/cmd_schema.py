"""``cdeops schema``: the JSON Schema of the policy file, for editor completion."""

from __future__ import annotations

import typer

from .output import emit_json

__all__ = ["register"]


def schema() -> None:
    """Print the JSON Schema of cdeops.yaml (use with the YAML language server)."""
    from ..policy.json_schema import policy_json_schema

    emit_json(policy_json_schema())


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
