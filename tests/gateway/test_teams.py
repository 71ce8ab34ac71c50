"""Gateway teams: the /team/new bodies in teams.yaml."""

from __future__ import annotations

import json
import subprocess

import pytest

from cdeops.policy import Policy
from cdeops.views.gateway_teams import BUDGET_DURATION, gateway_teams, team_models, team_request
from tests.support.tools import litellm_offline_env, litellm_python

from .conftest import EXAMPLES, example


def test_team_models_include_reachable_fallback_targets(eks: Policy) -> None:
    payments = eks.team("payments")
    assert "gpt-4o" not in payments.models
    # claude-opus falls back to gpt-4o, and LiteLLM enforces fallback model access
    assert team_models(eks, payments) == ["claude-opus", "claude-haiku", "llama-3-1-8b", "gpt-4o"]


def test_budget_limits_and_metadata(eks: Policy) -> None:
    body = team_request(eks, eks.team("payments"))
    assert body["team_id"] == "payments"
    assert body["max_budget"] == 5000
    assert body["budget_duration"] == BUDGET_DURATION == "1mo"
    assert body["soft_budget"] == 3750  # the first alert threshold, 75 %
    assert (body["rpm_limit"], body["tpm_limit"]) == (600, 2_000_000)
    meta = body["metadata"]
    assert meta["cost_center"] == "CC-1042"
    assert meta["alert_at"] == [0.75, 0.9] and meta["alert_at_usd"] == [3750, 4500]
    assert (meta["on_exhausted"], meta["downgrade_to"]) == ("downgrade", "claude-haiku")


def test_missing_limits_are_left_out(eks: Policy) -> None:
    body = team_request(eks, eks.team("ml-platform"))
    assert "tpm_limit" not in body and body["rpm_limit"] == 1200
    assert "downgrade_to" not in body["metadata"]
    assert body["metadata"]["cost_center_label"] == "CC-2001-EMEA"


_CHECK_TEAMS = """
import json, sys
from litellm.proxy._types import NewTeamRequest
for body in json.load(sys.stdin):
    parsed = NewTeamRequest(**body)
    dumped = parsed.model_dump(exclude_unset=True)
    assert set(dumped) == set(body), (set(body) - set(dumped))
print("ok")
"""


@pytest.mark.slow
def test_bodies_are_accepted_by_litellm_new_team_request() -> None:
    """Every body parses as LiteLLM 1.108.7's NewTeamRequest, keeping every key."""
    bodies = [t for name in EXAMPLES for t in gateway_teams(example(name).policy)["teams"]]
    result = subprocess.run(
        [str(litellm_python()), "-c", _CHECK_TEAMS],
        input=json.dumps(bodies),
        env=litellm_offline_env(),
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0 and result.stdout.strip().endswith("ok"), result.stderr[-3000:]
