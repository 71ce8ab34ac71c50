"""What a workspace of a team gets: env, models, budget, egress, secret paths, labels."""

from __future__ import annotations

from typing import Any

from .errors import Issue, PolicyError
from .policy.loader import LoadedPolicy
from .policy.org import Team
from .render.hcl import HclExpr
from .views.ai_tools import wire_tools
from .views.model_choice import choose_models
from .views.naming import (
    coder_template_name,
    gateway_service_url,
    team_labels,
    team_namespace,
    team_slug,
    vault_role_name,
)
from .views.workspace import effective_prompts

__all__ = ["explain_team", "format_explanation"]


def _egress(loaded: LoadedPolicy) -> dict[str, Any]:
    p = loaded.policy
    vault = (
        ", ".join(p.vault.cidrs)
        if p.vault.cidrs
        else (f"{p.vault.endpoint.namespace} pods" if p.vault.endpoint else "vault pods (namespace vault)")
    )
    return {
        "default": "deny (ingress and egress)",
        "dns": f"{p.cluster.dns.namespace} {p.cluster.dns.pod_labels} UDP/TCP 53 ({p.cluster.dns.mode})",
        "coderd": f"namespace {p.coder.namespace} {p.coder.pod_labels} TCP {p.coder.port}",
        "gateway": f"namespace {p.gateway.namespace} {p.gateway.pod_labels} TCP {p.gateway.port}",
        "vault": f"{vault} TCP {p.vault.port if p.vault.cidrs or not p.vault.endpoint else p.vault.endpoint.port}",
        "allow": [
            {"name": r.name, "hosts": r.hosts, "cidrs": r.cidrs, "ports": r.ports, "protocol": r.protocol}
            for r in p.egress.allow
        ],
        "never": ["model provider hosts", "in-cluster inference", "0.0.0.0/0", "169.254.169.254"],
    }


def _reachability(loaded: LoadedPolicy, team: Team) -> dict[str, Any]:
    """The egress proof for the team's namespace: what its workspaces reach under the rendered
    policies (``cdeops.netcheck``), as text and as data, plus any broken promise."""
    from .netcheck import describe
    from .netcheck.tree import workspace_reachability

    result, findings = workspace_reachability(loaded.policy, team)
    return {
        "namespace": result.source.namespace,
        "text": describe(result),
        "destinations": result.to_dict()["destinations"],
        "problems": [{"severity": f.severity, "message": f.message} for f in findings],
    }


def explain_team(loaded: LoadedPolicy, team_name: str, template_name: str | None = None) -> dict[str, Any]:
    p = loaded.policy
    teams = {t.name: t for t in p.teams}
    if team_name not in teams:
        raise PolicyError(Issue(loaded.file, 0, "teams", f"no team {team_name!r}; teams: {', '.join(teams)}"))
    team = teams[team_name]
    names = [template_name] if template_name else list(team.templates)
    for name in names:
        if name not in team.templates:
            raise PolicyError(
                Issue(
                    loaded.file,
                    0,
                    "teams",
                    f"team {team_name!r} has no template {name!r} ({', '.join(team.templates)})",
                )
            )
    choices = choose_models(p, team)
    templates = []
    for name in names:
        template = p.template(name)
        wiring = wire_tools(p, team, template)
        templates.append(
            {
                "name": name,
                "coder_template": coder_template_name(team, template),
                "image": template.image,
                "ai_tools": list(template.ai_tools),
                "gpu": template.gpu.model_dump() if template.gpu else None,
                "env": {k: (f"<{v}>" if isinstance(v, HclExpr) else v) for k, v in sorted(wiring.env.items())},
                "secret_env": wiring.secret_env,
                "files": sorted({f.path for f in wiring.files} | {x.path for x in effective_prompts(p, team)}),
            }
        )
    vault = p.vault
    return {
        "team": team.name,
        "namespace": team_namespace(p, team),
        "labels": {
            **team_labels(p, team),
            "project": "<chosen at workspace creation>",
            "owner": "<workspace owner>",
        },
        "projects": team.project_names,
        "gateway": gateway_service_url(p),
        "models": {
            "allowed": list(team.models),
            "by_task": {t: {"model": c.model, "routed": c.routed, "reason": c.reason} for t, c in choices.items()},
        },
        "budget": team.budget.model_dump(),
        "rate_limits": team.rate_limits.model_dump(),
        "secrets": {
            "injection": vault.injection,
            "gateway_key": f"{vault.kv_mount}/data/{vault.team_path(team_slug(team))} (field api_key)",
            "vault_role": vault_role_name(p, team),
        },
        "egress": _egress(loaded),
        "reachability": _reachability(loaded, team),
        "templates": templates,
    }


def format_explanation(doc: dict[str, Any]) -> str:
    lines = [f"Team {doc['team']} (namespace {doc['namespace']})"]
    lines.append("  labels: " + ", ".join(f"{k}={v}" for k, v in doc["labels"].items()))
    lines.append(f"  projects: {', '.join(doc['projects'])}")
    lines.append(f"  gateway: {doc['gateway']}")
    lines.append(f"  models allowed: {', '.join(doc['models']['allowed'])}")
    for task, c in doc["models"]["by_task"].items():
        note = "" if c["reason"] == "routing" else f"  ({c['reason']})"
        lines.append(f"    {task:<10} -> {c['model']}{note}")
    b = doc["budget"]
    alerts = ", ".join(f"{int(a * 100)}%" for a in b["alert_at"])
    then = f"downgrade to {b['downgrade_to']}" if b["on_exhausted"] == "downgrade" else "block"
    lines.append(f"  budget: ${b['monthly_usd']:,.2f}/month, alerts at {alerts}, then {then}")
    rl = doc["rate_limits"]
    lines.append(f"  rate limits: rpm={rl['rpm'] or 'none'} tpm={rl['tpm'] or 'none'}")
    s = doc["secrets"]
    lines.append(f"  secrets ({s['injection']}): gateway key {s['gateway_key']}, Vault role {s['vault_role']}")
    e = doc["egress"]
    lines.append(f"  egress: {e['default']}; allowed:")
    for key in ("dns", "coderd", "gateway", "vault"):
        lines.append(f"    {key}: {e[key]}")
    for rule in e["allow"]:
        dest = ", ".join(rule["hosts"] + rule["cidrs"])
        lines.append(f"    {rule['name']}: {dest} {rule['protocol']} {','.join(map(str, rule['ports']))}")
    lines.append(f"    never: {', '.join(e['never'])}")
    r = doc["reachability"]
    lines.append(f"  reachability (computed from the rendered policies of {r['namespace']}):")
    lines.extend(f"    {line}" if line else "" for line in r["text"].rstrip("\n").splitlines())
    for problem in r["problems"]:
        lines.append(f"    {problem['severity'].upper()}: {problem['message']}")
    for t in doc["templates"]:
        lines.append(f"  template {t['name']} -> Coder template {t['coder_template']} ({t['image']})")
        lines.append(f"    tools: {', '.join(t['ai_tools'])}; key from Vault as {', '.join(t['secret_env']) or '-'}")
        for k, v in t["env"].items():
            lines.append(f"    env {k}={v}")
        lines.append(f"    files: {', '.join(t['files'])}")
    return "\n".join(lines) + "\n"
