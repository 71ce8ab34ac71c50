"""SPEC §4 promises 1, 2, 4, 5, 6 and 7, read back from the rendered Coder templates and team objects."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest
import yaml

from cdeops.policy.fields import label_value, normalise_name
from cdeops.views.naming import coder_template_name, gateway_service_url, team_namespace
from cdeops.views.workspace import effective_prompts
from tests.support.examples import rendered
from tests.support.hcl import block, load_tf, resources

LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


def _templates(example: str) -> list[tuple[Any, Any, dict[str, Any]]]:
    loaded, files = rendered(example)
    p = loaded.policy
    out = []
    for team in p.teams:
        for name in team.templates:
            template = p.template(name)
            path = f"coder/{coder_template_name(team, template)}/main.tf"
            out.append((team, template, load_tf(files[path].decode())))
    return out


def _pod_spec(doc: dict[str, Any]) -> dict[str, Any]:
    return block(resources(doc, "kubernetes_deployment_v1")["main"], "spec", "template", "spec")


def test_gateway_wiring_per_tool(example: str) -> None:
    loaded, _ = rendered(example)
    base = gateway_service_url(loaded.policy)
    for team, template, doc in _templates(example):
        env = resources(doc, "coder_agent")["main"]["env"]
        tools = set(template.ai_tools)
        if "claude-code" in tools:
            assert env["ANTHROPIC_BASE_URL"] == base
            assert env["ANTHROPIC_MODEL"] in team.models
            assert env["ANTHROPIC_SMALL_FAST_MODEL"] in team.models
            assert "x-litellm-tags" in env["ANTHROPIC_CUSTOM_HEADERS"]
        else:
            assert "ANTHROPIC_BASE_URL" not in env
        if tools & {"codex", "aider", "continue"}:
            assert env["OPENAI_BASE_URL"] == base + "/v1"
        # no provider is ever addressed directly, and no key is in the environment
        text = repr(doc)
        for provider in loaded.policy.providers:
            for host in provider.hosts:
                assert host not in text
        assert "ANTHROPIC_API_KEY" not in env and "OPENAI_API_KEY" not in env


def _written_files(doc: dict[str, Any]) -> dict[str, bytes]:
    script = resources(doc, "coder_agent")["main"]["startup_script"]
    files = {}
    for match in re.finditer(
        r"printf '%s' '?([A-Za-z0-9+/=]+)'? \| base64 -d > \"\$HOME\"/'?([^' ]+?)'?\.cdeops-tmp", script
    ):
        files[match.group(2)] = base64.b64decode(match.group(1))
    return files


def test_prompt_files_byte_exact_with_team_override(example: str) -> None:
    loaded, _ = rendered(example)
    for team, _template, doc in _templates(example):
        written = _written_files(doc)
        for prompt in effective_prompts(loaded.policy, team):
            assert written[prompt.path] == loaded.prompt_files[prompt.source]
        overrides = {p.path for p in team.prompts}
        for prompt in loaded.policy.prompts:
            if prompt.path not in overrides:
                assert written[prompt.path] == loaded.prompt_files[prompt.source]


def test_tool_config_files_point_at_gateway(example: str) -> None:
    loaded, _ = rendered(example)
    base = gateway_service_url(loaded.policy)
    for team, template, doc in _templates(example):
        written = _written_files(doc)
        if "codex" in template.ai_tools:
            toml = written[".codex/config.toml"].decode()
            assert f'base_url = "{base}/v1"' in toml and 'env_key = "OPENAI_API_KEY"' in toml
        if "continue" in template.ai_tools:
            conf = yaml.safe_load(written[".continue/config.yaml"])
            assert {m["model"] for m in conf["models"]} == set(team.models)
            assert all(m["apiBase"] == base + "/v1" for m in conf["models"])
        if "aider" in template.ai_tools:
            conf = yaml.safe_load(written[".aider.conf.yml"])
            assert conf["openai-api-base"] == base + "/v1"
            assert conf["model"].removeprefix("openai/") in team.models


def test_gateway_key_from_vault_at_runtime_only(example: str) -> None:
    loaded, _files = rendered(example)
    vault = loaded.policy.vault
    for team, _template, doc in _templates(example):
        assert not resources(doc, "data:vault_kv_secret_v2") and not resources(doc, "data:vault_generic_secret")
        assert "variable" not in doc or set(doc["variable"][0]) == {"use_kubeconfig"}
        tmpl = block(resources(doc, "kubernetes_deployment_v1")["main"], "spec", "template")
        entrypoint = doc["locals"][0]["entrypoint"]
        assert 'cat "/vault/secrets/gateway-key"' in entrypoint
        if vault.injection == "agent":
            notes = block(tmpl, "metadata")["annotations"]
            assert notes["vault.hashicorp.com/agent-inject"] == "true"
            path = f"{vault.kv_mount}/data/{vault.team_path(normalise_name(team.name))}"
            assert notes["vault.hashicorp.com/agent-inject-secret-gateway-key"] == path
        else:
            volumes = _pod_spec(doc)["volume"]
            assert any("secret" in v for v in volumes)


def test_cost_labels_on_pod_and_pvc_and_namespace(example: str) -> None:
    loaded, files = rendered(example)
    for team, template, doc in _templates(example):
        labels = doc["locals"][0]["labels"]
        assert labels["team"] == normalise_name(team.name)
        assert labels["cost-center"] == label_value(team.cost_center)
        assert labels["template"] == normalise_name(template.name)
        assert labels["project"] == "${data.coder_parameter.project.value}"
        assert labels["owner"] == "${data.coder_workspace_owner.me.name}"
        for key in ("team", "cost-center", "template", "env"):
            assert LABEL_VALUE.match(labels[key]) and len(labels[key]) <= 63
        dep = resources(doc, "kubernetes_deployment_v1")["main"]
        assert block(dep, "spec", "template", "metadata")["labels"] == "${local.labels}"
        pvc = resources(doc, "kubernetes_persistent_volume_claim_v1")["home"]
        assert "local.labels" in block(pvc, "metadata")["labels"]
        projects = resources(doc, "data:coder_parameter")["project"]["option"]
        assert [o["value"] for o in projects] == team.project_names
        ns = next(yaml.safe_load_all(files[f"kubernetes/teams/{normalise_name(team.name)}.yaml"]))
        assert ns["kind"] == "Namespace" and ns["metadata"]["name"] == team_namespace(loaded.policy, team)
        assert ns["metadata"]["labels"]["team"] == labels["team"]
        assert ns["metadata"]["labels"]["cost-center"] == labels["cost-center"]
        assert ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_pod_hardening(example: str) -> None:
    for _team, template, doc in _templates(example):
        pod = _pod_spec(doc)
        assert pod["automount_service_account_token"] is False
        sc = block(pod, "security_context")
        assert sc["run_as_non_root"] is True and block(sc, "seccomp_profile")["type"] == "RuntimeDefault"
        container = pod["container"][0]
        csc = block(container, "security_context")
        assert csc["allow_privilege_escalation"] is False
        assert block(csc, "capabilities")["drop"] == ["ALL"]
        assert container["image"] == template.image
        res = block(container, "resources")
        assert {"cpu", "memory"} <= set(res["requests"]) and {"cpu", "memory"} <= set(res["limits"])
        token_env = next(e for e in container["env"] if e["name"] == "CODER_AGENT_TOKEN")
        assert "value" not in token_env and "value_from" in token_env


def test_gpu_scheduling(example: str) -> None:
    _loaded, _ = rendered(example)
    for _team, template, doc in _templates(example):
        pod = _pod_spec(doc)
        limits = block(pod["container"][0], "resources")["limits"]
        if template.gpu is not None:
            assert limits["nvidia.com/gpu"] == str(template.gpu.count)
            assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}.items() <= pod["toleration"][
                0
            ].items()
            assert pod["node_selector"] == {"cdeops.io/gpu-pool": normalise_name(template.gpu.pool)}
        else:
            assert "nvidia.com/gpu" not in limits and "toleration" not in pod
            term = block(pod, "affinity", "node_affinity", "required_during_scheduling_ignored_during_execution")
            expr = block(term, "node_selector_term", "match_expressions")
            assert expr == {"key": "cdeops.io/gpu-pool", "operator": "DoesNotExist", "__is_block__": True} or (
                expr["operator"] == "DoesNotExist"
            )


@pytest.mark.parametrize("name", ["eks-cilium"])
def test_bounded_parameters(name: str) -> None:
    for _team, template, doc in _templates(name):
        params = resources(doc, "data:coder_parameter")
        assert params["cpu"]["default"] == template.cpu.default
        assert block(params["cpu"], "validation")["max"] == template.cpu.max
        assert block(params["memory"], "validation")["max"] == template.memory_gb.max
