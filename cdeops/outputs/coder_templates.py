"""``coder/<team>-<template>/``: one Coder template per team and template, pushable as-is."""

from __future__ import annotations

from ..render.jinja_env import render_template
from ..views.naming import GPU_POOL_LABEL, SECRETS_DIR
from ..views.workspace import VAULT_TOKEN_VOLUME, WorkspaceView, workspace_view
from .context import RenderContext

__all__ = ["files", "workspace_views"]


def workspace_views(ctx: RenderContext) -> list[WorkspaceView]:
    policy = ctx.policy
    return [
        workspace_view(policy, team, policy.template(name), ctx.prompt_files)
        for team in policy.teams
        for name in team.templates
    ]


def files(ctx: RenderContext) -> dict[str, bytes]:
    """The Coder template folders; computed once per render (``coderd`` hashes them too)."""
    cached = ctx.memo.get(__name__)
    if cached is None:
        cached = ctx.memo[__name__] = _render(ctx)
    return dict(cached)


def _render(ctx: RenderContext) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for view in workspace_views(ctx):
        common = {
            "v": view,
            "gpu_pool_label": GPU_POOL_LABEL,
            "secrets_dir": SECRETS_DIR,
            "vault_token_volume": VAULT_TOKEN_VOLUME,
            "vault_audience": ctx.policy.vault.audience,
        }
        out[f"coder/{view.coder_name}/main.tf"] = render_template("coder/main.tf.j2", **common).encode()
        out[f"coder/{view.coder_name}/README.md"] = render_template("coder/README.md.j2", **common).encode()
    return out
