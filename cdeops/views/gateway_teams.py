"""Gateway teams (``gateway/litellm/teams.yaml``): one LiteLLM ``/team/new`` request body per team.

LiteLLM keeps teams in its database, not in ``config.yaml``; this file is what a bootstrap (the
later ``cdeops gateway bootstrap``) sends. What LiteLLM enforces natively and what it does not is
documented in docs/gateway.md: its budget alerts fire at ``soft_budget`` (set to the first
``alert_at`` threshold) and at fixed 85 % / 95 % / 100 %, and an exhausted team budget blocks.
"""

from __future__ import annotations

from typing import Any

from ..policy.document import Policy
from ..policy.fields import label_value
from ..policy.org import Team
from .naming import team_slug

__all__ = ["BUDGET_DURATION", "gateway_teams", "team_models", "team_request"]

# LiteLLM resets team spend on the 1st of each month (00:00 in litellm_settings.timezone, UTC).
BUDGET_DURATION = "1mo"


def team_models(policy: Policy, team: Team) -> list[str]:
    """The team's models plus every fallback target reachable from them.

    LiteLLM only falls back to a model the caller may use (``enforce_fallback_model_access``), so
    a team allowed ``claude-opus`` that falls back to ``gpt-4o`` must be allowed ``gpt-4o`` too.
    """
    ordered: list[str] = []
    pending = list(team.models)
    while pending:
        name = pending.pop(0)
        if name in ordered:
            continue
        ordered.append(name)
        pending.extend(policy.model(name).fallbacks)
    return ordered


def _cents(value: float) -> float:
    return round(value, 2)


def team_request(policy: Policy, team: Team) -> dict[str, Any]:
    """The ``/team/new`` body of one team (keys as LiteLLM's NewTeamRequest names them)."""
    budget = team.budget
    metadata: dict[str, Any] = {
        "managed_by": "cdeops",
        "team": team_slug(team),
        "cost_center": team.cost_center,
        "cost_center_label": label_value(team.cost_center),
        "projects": team.project_names,
        "monthly_usd": budget.monthly_usd,
        "alert_at": list(budget.alert_at),
        "alert_at_usd": [_cents(budget.monthly_usd * t) for t in budget.alert_at],
        "on_exhausted": budget.on_exhausted,
    }
    if budget.downgrade_to is not None:
        metadata["downgrade_to"] = budget.downgrade_to
    body: dict[str, Any] = {
        "team_id": team_slug(team),
        "team_alias": team.display_name or team.name,
        "models": team_models(policy, team),
        # until cdeops' budget guard lands, LiteLLM blocks at 100 % for downgrade teams too
        "max_budget": budget.monthly_usd,
        "budget_duration": BUDGET_DURATION,
    }
    if budget.alert_at:
        body["soft_budget"] = _cents(budget.monthly_usd * budget.alert_at[0])
    if team.rate_limits.tpm is not None:
        body["tpm_limit"] = team.rate_limits.tpm
    if team.rate_limits.rpm is not None:
        body["rpm_limit"] = team.rate_limits.rpm
    body["metadata"] = metadata
    return body


def gateway_teams(policy: Policy) -> dict[str, Any]:
    """The whole ``teams.yaml`` document."""
    return {"teams": [team_request(policy, team) for team in policy.teams]}
