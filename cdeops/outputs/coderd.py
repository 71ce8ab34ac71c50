"""``terraform/coder-templates/main.tf``: pushes every rendered Coder template with ``coder/coderd``.

One ``coderd_template`` per ``coder/<name>/`` folder, restricted by ACL to its team's Coder group
(looked up with ``data "coderd_group"``), with one active version whose name is derived from the
hash of the folder's rendered files: the same files give the same version name, any change a new
one. ``require_active_version`` is on, so every workspace runs the reviewed, pushed version (a fix to
egress or hardening reaches all workspaces at their next start).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from ..render.jinja_env import render_template
from ..views.naming import coder_template_name, team_slug
from . import coder_templates
from .context import RenderContext

__all__ = ["CODERD_PROVIDER", "STACK_DIR", "files", "version_name"]

CODERD_PROVIDER = "0.0.23"
STACK_DIR = "terraform/coder-templates"


def version_name(folder_files: Mapping[str, bytes]) -> str:
    """A deterministic version name from the files of one template folder (sorted by path)."""
    digest = hashlib.sha256()
    for path, data in sorted(folder_files.items()):
        digest.update(path.rsplit("/", 1)[-1].encode() + b"\0" + hashlib.sha256(data).digest())
    return f"cdeops-{digest.hexdigest()[:12]}"


def files(ctx: RenderContext) -> dict[str, bytes]:
    policy = ctx.policy
    folders: dict[str, dict[str, bytes]] = {}
    for path, data in coder_templates.files(ctx).items():
        folders.setdefault("/".join(path.split("/", 2)[:2]) + "/", {})[path] = data  # coder/<name>/
    templates = []
    groups: dict[str, str] = {}
    for team in policy.teams:
        slug = team_slug(team)
        groups[slug] = team.group
        for template_name in team.templates:
            template = policy.template(template_name)
            name = coder_template_name(team, template)
            prefix = f"coder/{name}/"
            folder = folders.get(prefix, {})
            templates.append(
                {
                    "resource": name,
                    "name": name,
                    "team": slug,
                    "display_name": f"{team.display_name or team.name} / {template.name}",
                    "description": template.description or f"{template.name} workspace for team {team.name}",
                    "version": version_name(folder),
                    "message": f"Rendered by cdeops from the policy (template {template.name}, team {team.name})",
                }
            )
    text = render_template(
        "coderd/main.tf.j2",
        coderd_version=CODERD_PROVIDER,
        organization_id=policy.coder.organization_id,
        team_groups=dict(sorted(groups.items())),
        templates=sorted(templates, key=lambda t: t["name"]),
    )
    return {f"{STACK_DIR}/main.tf": text.encode()}
