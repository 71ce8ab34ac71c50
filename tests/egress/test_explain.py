"""``cdeops explain`` shows the reachability computed from the policies cdeops renders."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cdeops.cli.app import app
from cdeops.explain import explain_team, format_explanation
from tests.support.examples import example_path, rendered


def test_reachability_section_of_a_cilium_team() -> None:
    loaded, _ = rendered("eks-cilium")
    doc = explain_team(loaded, "payments")
    reach = doc["reachability"]
    assert reach["namespace"] == "ws-payments"
    state = {d["name"]: d["allowed"] for d in reach["destinations"]}
    for name in ("kube-dns", "coderd", "gateway", "vault", "github github.com", "artifact-mirror 10.40.0.0/16"):
        assert state[name] is True, name
    for name in ("api.anthropic.com", "api.openai.com", "inference llama-3-1-8b", "internet-address", "cloud-metadata"):
        assert state[name] is False, name
    assert reach["problems"] == []
    text = format_explanation(doc)
    assert "reachability (computed from the rendered policies of ws-payments)" in text
    assert "[provider] api.anthropic.com (api.anthropic.com): blocked" in text
    assert "[gateway] gateway (pods [app.kubernetes.io/name=llm-gateway] in namespace llm-gateway): reachable" in text


def test_reachability_shows_the_weaker_gateway_guarantee_as_a_warning() -> None:
    loaded, _ = rendered("minimal")
    problems = explain_team(loaded, "platform")["reachability"]["problems"]
    assert problems and {p["severity"] for p in problems} == {"warning"}
    assert all("[accepted: " in p["message"] for p in problems)


def test_cli_json_carries_the_reachability() -> None:
    result = CliRunner().invoke(
        app, ["explain", str(example_path("gke-networkpolicy")), "--team", "web", "--output", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    destinations = {d["name"]: d for d in doc["reachability"]["destinations"]}
    dns = destinations["dns 169.254.169.254/32"]
    assert dns["allowed"] and {p["port"] for p in dns["ports"]} == {53}
    assert destinations["cloud-metadata"]["allowed"] is False
    assert "From workspace pods" in doc["reachability"]["text"]
