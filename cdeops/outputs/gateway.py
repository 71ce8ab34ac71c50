"""``gateway/``: the LLM gateway config of the policy's engine.

LiteLLM: ``gateway/litellm/config.yaml`` (proxy config) and ``gateway/litellm/teams.yaml`` (one
``/team/new`` body per team). Portkey: ``gateway/portkey/config.json``.
"""

from __future__ import annotations

from ..render.documents import dump_json, dump_yaml
from ..views.gateway_litellm import LITELLM_VERSION, litellm_config
from ..views.gateway_portkey import portkey_config
from ..views.gateway_teams import gateway_teams
from .context import RenderContext

__all__ = ["LITELLM_CONFIG", "LITELLM_TEAMS", "PORTKEY_CONFIG", "files"]

LITELLM_CONFIG = "gateway/litellm/config.yaml"
LITELLM_TEAMS = "gateway/litellm/teams.yaml"
PORTKEY_CONFIG = "gateway/portkey/config.json"

_CONFIG_NOTE = (
    f"# LiteLLM proxy {LITELLM_VERSION} config. Secrets are os.environ/NAME references only;\n"
    "# docs/gateway.md lists every variable and where it comes from (Vault or the Helm chart).\n"
)
_TEAMS_NOTE = (
    "# One LiteLLM POST /team/new body per team (LiteLLM keeps teams in its database).\n"
    "# max_budget blocks at 100 %; soft_budget is the first alert threshold; see docs/gateway.md.\n"
)


def files(ctx: RenderContext) -> dict[str, bytes]:
    """The gateway config; computed once per render (the Helm values embed it byte for byte)."""
    cached = ctx.memo.get(__name__)
    if cached is None:
        cached = ctx.memo[__name__] = _render(ctx)
    return dict(cached)


def _render(ctx: RenderContext) -> dict[str, bytes]:
    policy = ctx.policy
    if policy.gateway.engine == "portkey":
        return {PORTKEY_CONFIG: dump_json(portkey_config(policy)).encode()}
    config = dump_yaml(litellm_config(policy))
    teams = dump_yaml(gateway_teams(policy))
    return {
        LITELLM_CONFIG: _with_note(config, _CONFIG_NOTE).encode(),
        LITELLM_TEAMS: _with_note(teams, _TEAMS_NOTE).encode(),
    }


def _with_note(text: str, note: str) -> str:
    head, _, body = text.partition("\n")
    return f"{head}\n{note}{body}"
