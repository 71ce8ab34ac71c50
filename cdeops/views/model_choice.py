"""Which gateway model a team's tools use for each kind of work (SPEC §3 routing semantics)."""

from __future__ import annotations

from dataclasses import dataclass

from ..policy.document import Policy
from ..policy.llm import Task
from ..policy.org import Team

__all__ = ["TASKS", "TIER_RANK", "Choice", "choose_models"]

TASKS: tuple[Task, ...] = ("agent", "chat", "completion", "review")
TIER_RANK = {"frontier": 0, "standard": 1, "fast": 2, "self-hosted": 3}


@dataclass(frozen=True)
class Choice:
    task: str
    routed: str  # what routing asks for
    model: str  # what this team gets
    reason: str


def _default(policy: Policy) -> str:
    return policy.routing.default_model or policy.models[0].name


def choose_models(policy: Policy, team: Team) -> dict[str, Choice]:
    """For each task: the routed model if the team may use it, else its allowed model of the nearest tier."""
    allowed = [policy.model(name) for name in team.models]
    order = {m.name: i for i, m in enumerate(policy.models)}
    choices: dict[str, Choice] = {}
    for task in TASKS:
        routed = policy.routing.tasks.get(task, _default(policy))
        if routed in team.models:
            choices[task] = Choice(task, routed, routed, "routing")
            continue
        want = TIER_RANK[policy.model(routed).tier]
        best = min(allowed, key=lambda m: (abs(TIER_RANK[m.tier] - want), TIER_RANK[m.tier], order[m.name]))
        reason = f"team may not use {routed}; nearest allowed tier is {best.tier}"
        choices[task] = Choice(task, routed, best.name, reason)
    return choices
