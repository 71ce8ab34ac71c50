"""How each AI tool in a workspace is pointed at the gateway, and nothing else (SPEC §4 promise 1).

Static configuration (per team and template) becomes files written at start; values that depend
on the workspace (project, workspace name) are Terraform expressions in the agent environment.
The team's gateway key never appears here: the container entrypoint exports it from the file
Vault delivers, under the names listed in ``secret_env``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from ..policy.document import Policy
from ..policy.org import Team, Template
from ..render.documents import dump_yaml
from ..render.hcl import HclExpr
from .model_choice import choose_models
from .naming import gateway_service_url

__all__ = ["SPEND_TAG_HEADER", "ToolWiring", "WorkspaceFile", "toml_string", "wire_tools"]

SPEND_TAG_HEADER = "x-litellm-tags"
SPEND_TAGS_ENV = "CDEOPS_SPEND_TAGS"
_HEAD = "# Managed by cdeops: rewritten at every workspace start.\n"


@dataclass(frozen=True)
class WorkspaceFile:
    path: str  # relative to the home folder
    content: bytes
    mode: str = "0644"


@dataclass
class ToolWiring:
    env: dict[str, str | HclExpr] = field(default_factory=dict)
    secret_env: list[str] = field(default_factory=list)
    files: list[WorkspaceFile] = field(default_factory=list)


def toml_string(value: str) -> str:
    """A TOML basic string with every character that needs it escaped."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _static_tags(policy: Policy, team: Team, template: Template) -> str:
    from ..policy.fields import label_value, normalise_name

    return ",".join(
        [
            f"team:{normalise_name(team.name)}",
            f"cost-center:{label_value(team.cost_center)}",
            f"template:{normalise_name(template.name)}",
            f"env:{policy.metadata.environment}",
        ]
    )


def _codex(base: str, models: dict[str, str]) -> bytes:
    lines = [
        _HEAD.strip(),
        f"model = {toml_string(models['agent'])}",
        'model_provider = "cdeops"',
        "",
        "[model_providers.cdeops]",
        'name = "cdeops LLM gateway"',
        f"base_url = {toml_string(base + '/v1')}",
        'env_key = "OPENAI_API_KEY"',
        'wire_api = "chat"',
        f"env_http_headers = {{ {toml_string(SPEND_TAG_HEADER)} = {toml_string(SPEND_TAGS_ENV)} }}",
        "",
    ]
    return "\n".join(lines).encode()


def _continue(policy: Policy, base: str, models: dict[str, str], allowed: list[str], tags: str) -> bytes:
    headers = {"requestOptions": {"headers": {SPEND_TAG_HEADER: tags}}}
    entries = []
    for name in allowed:
        roles = ["chat", "edit", "apply"] if name != models["completion"] else ["chat", "edit", "apply", "autocomplete"]
        entries.append(
            {
                "name": name,
                "provider": "openai",
                "model": name,
                "apiBase": base + "/v1",
                "apiKey": "${{ secrets.OPENAI_API_KEY }}",
                "roles": roles,
                **headers,
            }
        )
    doc = {
        "name": f"{policy.metadata.org} gateway",
        "version": "1.0.0",
        "schema": "v1",
        "models": entries,
        "allowAnonymousTelemetry": False,
    }
    return (_HEAD + dump_yaml(doc, header=False)).encode()


def _aider(base: str, models: dict[str, str], tags: str) -> list[WorkspaceFile]:
    conf = {
        "openai-api-base": base + "/v1",
        "model": f"openai/{models['chat']}",
        "weak-model": f"openai/{models['completion']}",
        "editor-model": f"openai/{models['agent']}",
        "model-settings-file": "~/.aider.model.settings.yml",
        "analytics-disable": True,
        "check-update": False,
        "show-model-warnings": False,
    }
    settings = [
        {"name": f"openai/{name}", "extra_params": {"extra_headers": {SPEND_TAG_HEADER: tags}}}
        for name in sorted(set(models.values()))
    ]
    return [
        WorkspaceFile(".aider.conf.yml", (_HEAD + dump_yaml(conf, header=False)).encode()),
        WorkspaceFile(".aider.model.settings.yml", (_HEAD + dump_yaml(settings, header=False)).encode()),
    ]


def _claude_settings(models: dict[str, str]) -> bytes:
    doc = {
        "model": models["agent"],
        "env": {"DISABLE_AUTOUPDATER": "1", "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"},
        "includeCoAuthoredBy": True,
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def wire_tools(policy: Policy, team: Team, template: Template) -> ToolWiring:
    base = gateway_service_url(policy)
    models = {task: choice.model for task, choice in choose_models(policy, team).items()}
    tags = _static_tags(policy, team, template)
    wiring = ToolWiring()
    wiring.env[SPEND_TAGS_ENV] = HclExpr("local.spend_tags")
    tools = template.ai_tools
    if "claude-code" in tools:
        wiring.env.update(
            {
                "ANTHROPIC_BASE_URL": base,
                "ANTHROPIC_MODEL": models["agent"],
                "ANTHROPIC_DEFAULT_OPUS_MODEL": models["agent"],
                "ANTHROPIC_DEFAULT_SONNET_MODEL": models["chat"],
                "ANTHROPIC_DEFAULT_HAIKU_MODEL": models["completion"],
                "ANTHROPIC_SMALL_FAST_MODEL": models["completion"],
                "ANTHROPIC_CUSTOM_HEADERS": HclExpr(f'format("{SPEND_TAG_HEADER}: %s", local.spend_tags)'),
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
                "DISABLE_AUTOUPDATER": "1",
            }
        )
        wiring.secret_env.append("ANTHROPIC_AUTH_TOKEN")
        wiring.files.append(WorkspaceFile(".claude/settings.json", _claude_settings(models)))
    if {"codex", "aider", "continue"} & set(tools):
        wiring.env["OPENAI_BASE_URL"] = base + "/v1"
        wiring.env["OPENAI_API_BASE"] = base + "/v1"
        wiring.secret_env.append("OPENAI_API_KEY")
    if "codex" in tools:
        wiring.files.append(WorkspaceFile(".codex/config.toml", _codex(base, models)))
    if "aider" in tools:
        wiring.files.extend(_aider(base, models, tags))
    if "continue" in tools:
        wiring.files.append(WorkspaceFile(".continue/config.yaml", _continue(policy, base, models, team.models, tags)))
    return wiring
