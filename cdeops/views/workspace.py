"""The view of one Coder workspace template: a team's copy of a policy template.

Every decision about the rendered ``main.tf`` is made here; ``templates/coder/main.tf.j2`` only lays
the values out. One Coder template is rendered per (team, template) pair and restricted by ACL to the
team's Coder group, so the team label of a workspace is fixed by the template the user may launch.
"""

from __future__ import annotations

import base64
import hashlib
import shlex
from dataclasses import dataclass
from typing import Any

from ..policy.document import Policy
from ..policy.fields import label_value, normalise_name
from ..policy.org import Prompt, Team, Template
from ..render.hcl import HclExpr
from .ai_tools import WorkspaceFile, wire_tools
from .gpu_pools import gpu_scheduling
from .naming import (
    GATEWAY_KEY_FILE,
    SECRETS_DIR,
    WORKSPACE_SA,
    coder_template_name,
    gateway_key_secret,
    team_namespace,
    team_slug,
    vault_role_name,
)

__all__ = ["KUBERNETES_PROVIDER", "WorkspaceView", "effective_prompts", "workspace_view"]

KUBERNETES_PROVIDER = "3.2.1"
HOME = "/home/coder"
UID = 1000
VAULT_TOKEN_VOLUME = "vault-token"


@dataclass(frozen=True)
class WorkspaceView:
    team: str
    template: str
    coder_name: str
    coder_version: str
    kubernetes_version: str
    namespace: str
    image: str
    service_account: str
    labels: dict[str, str | HclExpr]
    spend_tags: list[str | HclExpr]
    projects: list[str]
    cpu_default: int
    cpu_max: int
    memory_default: int
    memory_max: int
    home_disk_gb: int
    storage_class: str | None
    agent_env: dict[str, str | HclExpr]
    startup_script: str
    entrypoint: str
    pod_annotations: dict[str, str]
    secret_volume: dict[str, Any] | None
    vault_token_volume: bool
    gpu_count: int
    node_selector: dict[str, str]
    tolerations: list[dict[str, str]]
    avoid_gpu_nodes: bool


def effective_prompts(policy: Policy, team: Team) -> list[Prompt]:
    """Org-wide prompt files, with a team's file of the same path replacing the org-wide one."""
    merged = {p.path: p for p in policy.prompts}
    merged.update({p.path: p for p in team.prompts})
    return [merged[path] for path in sorted(merged)]


def _home(path: str) -> str:
    """``"$HOME"/<path>`` with the (validated, relative) path shell-quoted."""
    return '"$HOME"/' + shlex.quote(path)


def _write_file_lines(item: WorkspaceFile) -> list[str]:
    digest = hashlib.sha256(item.content).hexdigest()
    encoded = base64.b64encode(item.content).decode()
    tmp = _home(item.path + ".cdeops-tmp")
    folder = item.path.rpartition("/")[0]
    lines = [f"# {item.path} ({len(item.content)} bytes, sha256 {digest})"]
    lines += [f"mkdir -p {_home(folder)}"] if folder else []
    lines.append(f"printf '%s' {shlex.quote(encoded)} | base64 -d > {tmp}")
    lines.append(f"chmod {item.mode} {tmp} && mv -f {tmp} {_home(item.path)}")
    return lines


def _startup_script(files: list[WorkspaceFile]) -> str:
    lines = [
        "#!/bin/sh",
        "# Written by cdeops: rules files and AI tool configuration, rewritten at every start.",
        "set -eu",
        "umask 022",
    ]
    for item in files:
        lines.extend(_write_file_lines(item))
    lines += [
        "# code-server comes with the workspace image (egress to the internet is closed).",
        "if command -v code-server >/dev/null 2>&1; then",
        "  code-server --auth none --port 13337 --disable-telemetry >/tmp/code-server.log 2>&1 &",
        "else",
        "  echo 'code-server is not in the image; the code-server app stays unhealthy' >&2",
        "fi",
    ]
    return "\n".join(lines) + "\n"


def _entrypoint(secret_env: list[str]) -> str:
    key = f"{SECRETS_DIR}/{GATEWAY_KEY_FILE}"
    lines = [
        "set -eu",
        f'if [ ! -s "{key}" ]; then',
        f'  echo "cdeops: {key} is missing or empty" >&2',
        "  exit 1",
        "fi",
    ]
    lines += [f'{name}="$(cat "{key}")"' for name in secret_env]
    if secret_env:
        lines.append("export " + " ".join(secret_env))
    lines.append('exec sh -c "$CDEOPS_AGENT_INIT"')
    return "\n".join(lines) + "\n"


def _vault_annotations(policy: Policy, team: Team) -> dict[str, str]:
    vault = policy.vault
    path = f"{vault.kv_mount}/data/{vault.team_path(team_slug(team))}"
    template = f'{{{{- with secret "{path}" -}}}}{{{{ .Data.data.api_key }}}}{{{{- end -}}}}'
    notes = {
        "vault.hashicorp.com/agent-inject": "true",
        "vault.hashicorp.com/agent-pre-populate-only": "true",
        "vault.hashicorp.com/role": vault_role_name(policy, team),
        "vault.hashicorp.com/auth-path": f"auth/{vault.auth_mount}",
        "vault.hashicorp.com/service": vault.address,
        f"vault.hashicorp.com/agent-inject-secret-{GATEWAY_KEY_FILE}": path,
        f"vault.hashicorp.com/agent-inject-template-{GATEWAY_KEY_FILE}": template,
        f"vault.hashicorp.com/agent-inject-perms-{GATEWAY_KEY_FILE}": "0440",
        "vault.hashicorp.com/agent-service-account-token-volume-name": VAULT_TOKEN_VOLUME,
        "vault.hashicorp.com/agent-requests-cpu": "50m",
        "vault.hashicorp.com/agent-limits-cpu": "200m",
        "vault.hashicorp.com/agent-requests-mem": "64Mi",
        "vault.hashicorp.com/agent-limits-mem": "128Mi",
    }
    if vault.namespace:
        notes["vault.hashicorp.com/namespace"] = vault.namespace
    return notes


def _labels(policy: Policy, team: Team, template: Template) -> dict[str, str | HclExpr]:
    return {
        "app.kubernetes.io/name": "coder-workspace",
        "app.kubernetes.io/instance": HclExpr('format("coder-workspace-%s", data.coder_workspace.me.id)'),
        "app.kubernetes.io/part-of": "coder",
        "app.kubernetes.io/managed-by": "cdeops",
        "com.coder.resource": "true",
        "com.coder.workspace.id": HclExpr("data.coder_workspace.me.id"),
        "com.coder.workspace.name": HclExpr("data.coder_workspace.me.name"),
        "com.coder.user.id": HclExpr("data.coder_workspace_owner.me.id"),
        "com.coder.user.username": HclExpr("data.coder_workspace_owner.me.name"),
        "team": team_slug(team),
        "project": HclExpr("data.coder_parameter.project.value"),
        "cost-center": label_value(team.cost_center),
        "template": normalise_name(template.name),
        "owner": HclExpr("data.coder_workspace_owner.me.name"),
        "env": policy.metadata.environment,
    }


def workspace_view(policy: Policy, team: Team, template: Template, prompt_files: dict[str, bytes]) -> WorkspaceView:
    wiring = wire_tools(policy, team, template)
    prompts = [WorkspaceFile(p.path, prompt_files[p.source]) for p in effective_prompts(policy, team)]
    files = prompts + wiring.files
    mode = policy.vault.injection
    tolerations: list[dict[str, str]] = []
    node_selector: dict[str, str] = {}
    gpu_count = 0
    if template.gpu is not None:
        gpu_count = template.gpu.count
        node_selector, tolerations = gpu_scheduling(policy, policy.pool(template.gpu.pool))
    spend_tags: list[str | HclExpr] = [
        f"team:{team_slug(team)}",
        HclExpr('format("project:%s", data.coder_parameter.project.value)'),
        HclExpr('format("workspace:%s", data.coder_workspace.me.name)'),
        HclExpr('format("owner:%s", data.coder_workspace_owner.me.name)'),
        f"template:{normalise_name(template.name)}",
        f"cost-center:{label_value(team.cost_center)}",
    ]
    return WorkspaceView(
        team=team_slug(team),
        template=normalise_name(template.name),
        coder_name=coder_template_name(team, template),
        coder_version=policy.coder.provider_version,
        kubernetes_version=KUBERNETES_PROVIDER,
        namespace=team_namespace(policy, team),
        image=template.image,
        service_account=WORKSPACE_SA,
        labels=_labels(policy, team, template),
        spend_tags=spend_tags,
        projects=[normalise_name(p) for p in team.project_names],  # the chosen one becomes the project label
        cpu_default=template.cpu.default,
        cpu_max=template.cpu.max,
        memory_default=template.memory_gb.default,
        memory_max=template.memory_gb.max,
        home_disk_gb=template.home_disk_gb,
        storage_class=template.storage_class,
        agent_env=dict(sorted(wiring.env.items())),
        startup_script=_startup_script(files),
        entrypoint=_entrypoint(wiring.secret_env),
        pod_annotations=_vault_annotations(policy, team) if mode == "agent" else {},
        secret_volume=None
        if mode == "agent"
        else {"secret_name": gateway_key_secret(), "key": "api_key", "path": GATEWAY_KEY_FILE},
        vault_token_volume=mode == "agent",
        gpu_count=gpu_count,
        node_selector=node_selector,
        tolerations=tolerations,
        avoid_gpu_nodes=template.gpu is None,
    )
