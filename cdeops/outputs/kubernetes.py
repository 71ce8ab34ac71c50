"""``kubernetes/``: per-team namespaces with their policies, quotas and RBAC."""

from __future__ import annotations

from ..render.documents import dump_yaml_stream
from ..views.naming import team_slug
from ..views.team_namespace import team_objects
from .context import RenderContext

__all__ = ["files"]


def files(ctx: RenderContext) -> dict[str, bytes]:
    policy = ctx.policy
    return {
        f"kubernetes/teams/{team_slug(team)}.yaml": dump_yaml_stream(team_objects(policy, team)).encode()
        for team in policy.teams
    }
