"""Generate a large, valid organisation policy for the benchmark.

The policy is deterministic for given sizes (no randomness, no clock): the same arguments always write
the same bytes, so figures from different machines describe the same input.

    .venv/bin/python benchmarks/generate_policy.py benchmarks/out/policy-500 --teams 500

writes ``cdeops.yaml`` and ``prompts/`` into the folder. Defaults follow SPEC §7: 500 teams,
30 templates, 20 models, 10 GPU pools, 50 egress rules.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["Sizes", "generate", "main"]

# Pinned external model ids (provider kind, id); beyond these, dated synthetic ids are generated.
_EXTERNAL = [
    ("anthropic", "claude-opus-4-20250514", "frontier"),
    ("openai", "gpt-4o-2024-08-06", "standard"),
    ("anthropic", "claude-3-5-haiku-20241022", "fast"),
    ("anthropic", "claude-sonnet-4-20250514", "standard"),
    ("openai", "gpt-4o-mini-2024-07-18", "fast"),
    ("openai", "gpt-4.1-2025-04-14", "frontier"),
    ("mistral", "mistral-large-2411", "standard"),
    ("mistral", "codestral-2501", "fast"),
    ("anthropic", "claude-3-7-sonnet-20250219", "standard"),
    ("openai", "o3-2025-04-16", "frontier"),
    ("openai", "gpt-4.1-mini-2025-04-14", "fast"),
    ("mistral", "mistral-small-2503", "fast"),
    ("anthropic", "claude-3-5-sonnet-20241022", "standard"),
    ("openai", "o4-mini-2025-04-16", "standard"),
    ("mistral", "ministral-8b-2410", "fast"),
    ("anthropic", "claude-3-opus-20240229", "frontier"),
]
# Self-hosted models cdeops can size; all fit one 80 GB GPU at bfloat16 and 8k context.
_SELF_HOSTED = [
    "meta-llama/Llama-3.1-8B-Instruct",
    "mistralai/Mistral-7B-Instruct-v0.3",
    "meta-llama/Llama-3.2-3B-Instruct",
    "mistralai/Mistral-Nemo-Instruct-2407",
]
_POOL_KINDS = [  # instance type, accelerator, GPUs per node, GPU memory (GB)
    ("p4de.24xlarge", "nvidia-a100", 8, 80),
    ("g6.2xlarge", "nvidia-l4", 1, 24),
    ("g6e.4xlarge", "nvidia-l40s", 1, 48),
    ("p5.48xlarge", "nvidia-h100", 8, 80),
    ("g6.12xlarge", "nvidia-l4", 4, 24),
]
_TOOLS = ["claude-code", "codex", "aider", "continue"]
_PROVIDERS = {
    "anthropic": ["api.anthropic.com"],
    "openai": ["api.openai.com"],
    "mistral": ["api.mistral.ai"],
}


@dataclass(frozen=True)
class Sizes:
    teams: int = 500
    templates: int = 30
    models: int = 20
    gpu_pools: int = 10
    egress_rules: int = 50
    self_hosted: int = 4  # of ``models``, served in-cluster by vLLM


def _external_model(i: int) -> tuple[str, str, str, str]:
    """(gateway name, provider, pinned id, tier) of the i-th external model."""
    if i < len(_EXTERNAL):
        kind, model_id, tier = _EXTERNAL[i]
        return model_id.replace(".", "-").rsplit("-2", 1)[0] if kind != "mistral" else model_id, kind, model_id, tier
    kind = ("anthropic", "openai", "mistral")[i % 3]
    tier = ("frontier", "standard", "fast")[i % 3]
    model_id = {
        "anthropic": f"claude-bench-{i}-20250514",
        "openai": f"gpt-bench-{i}-2025-04-14",
        "mistral": f"mistral-bench-{i}-2411",
    }[kind]
    return f"bench-{kind}-{i}", kind, model_id, tier


def _models(sizes: Sizes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    hosted = max(0, min(sizes.self_hosted, sizes.models - 1, sizes.gpu_pools))
    external = sizes.models - hosted
    models: list[dict[str, Any]] = []
    names = [_external_model(i)[0] for i in range(external)]
    for i in range(external):
        name, kind, model_id, tier = _external_model(i)
        model: dict[str, Any] = {"name": name, "provider": kind, "model": model_id, "tier": tier}
        model["price"] = {"input_per_mtok": round(0.5 + (i % 7) * 1.5, 2), "output_per_mtok": round(2 + (i % 7) * 6, 2)}
        if i + 1 < external:  # a chain, never a cycle
            model["fallbacks"] = [names[i + 1]]
        models.append(model)
    inference: list[dict[str, Any]] = []
    for j in range(hosted):
        hf = _SELF_HOSTED[j % len(_SELF_HOSTED)]
        name = f"selfhosted-{j + 1}"
        models.append({"name": name, "tier": "self-hosted", "inference": name})
        inference.append(
            {
                "name": name,
                "image": "vllm/vllm-openai:v0.10.1",
                "model": hf,
                "pool": f"gpu-{j + 1:02d}",  # pools 1..hosted are 80 GB (see _pools)
                "gpus_per_replica": 1,
                "replicas": 1 + j % 2,
                "max_model_len": 8192,
            }
        )
    return models, inference


def _pools(sizes: Sizes) -> list[dict[str, Any]]:
    pools = []
    for i in range(sizes.gpu_pools):
        # the first pools host inference: give them 80 GB GPUs
        kind = _POOL_KINDS[0] if i < sizes.self_hosted else _POOL_KINDS[i % len(_POOL_KINDS)]
        instance, accel, gpus, mem = kind
        pools.append(
            {
                "name": f"gpu-{i + 1:02d}",
                "instance_type": instance,
                "accelerator": accel,
                "gpus_per_node": gpus,
                "gpu_memory_gb": mem,
                "min_nodes": 0,
                "max_nodes": 4 + i,
                "spot": i % 3 == 2,
                "provisioner": "karpenter" if i % 4 == 3 else "managed",
            }
        )
    return pools


def _templates(sizes: Sizes) -> list[dict[str, Any]]:
    templates = []
    for i in range(sizes.templates):
        cpu = 2 + i % 4 * 2
        mem = 4 * (1 + i % 4)
        template: dict[str, Any] = {
            "name": f"ws-{i + 1:02d}",
            "image": f"ghcr.io/bench/ws-{i + 1:02d}:2026.11.{i % 9 + 1}",
            "description": f"Workspace flavour {i + 1}",
            "cpu": {"default": cpu, "max": cpu * 4},
            "memory_gb": {"default": mem, "max": mem * 4},
            "home_disk_gb": 20 + 10 * (i % 5),
            "ai_tools": [_TOOLS[(i + k) % 4] for k in range(1 + i % 4)],
        }
        if sizes.gpu_pools and i % 6 == 5:  # one template in six asks for a GPU
            template["gpu"] = {"pool": f"gpu-{i % sizes.gpu_pools + 1:02d}", "count": 1}
        templates.append(template)
    return templates


def _egress(sizes: Sizes) -> list[dict[str, Any]]:
    rules = []
    for i in range(sizes.egress_rules):
        if i % 2 == 0:
            rules.append({"name": f"site-{i + 1:02d}", "hosts": [f"svc{i + 1}.bench.example", f"*.cdn{i + 1}.example"]})
        else:
            rules.append({"name": f"net-{i + 1:02d}", "cidrs": [f"10.{40 + i // 250}.{i % 250}.0/24"], "ports": [443]})
    return rules


def _teams(sizes: Sizes, models: list[dict[str, Any]]) -> list[dict[str, Any]]:
    teams = []
    names = [m["name"] for m in models]
    for i in range(sizes.teams):
        n_templates = min(2 + i % 3, sizes.templates)  # 2..4
        n_models = min(3 + i % 4, len(names))  # 3..6
        team_models = [names[(i * 7 + k * 3) % len(names)] for k in range(n_models)]
        team_models = list(dict.fromkeys(team_models))
        k = n_models
        while len(team_models) < n_models:  # collisions when 3 divides the model count
            candidate = names[(i + k) % len(names)]
            if candidate not in team_models:
                team_models.append(candidate)
            k += 1
        team: dict[str, Any] = {
            "name": f"team-{i + 1:04d}",
            "cost_center": f"CC-{1000 + i}",
            "projects": [f"proj-{i + 1:04d}-{p}" for p in range(1 + i % 3)],
            "models": team_models,
            "templates": [f"ws-{(i * 5 + k) % sizes.templates + 1:02d}" for k in range(n_templates)],
        }
        if i % 2:
            team["budget"] = {
                "monthly_usd": 1000 + 250 * (i % 40),
                "alert_at": [0.5, 0.8, 0.95],
                "on_exhausted": "downgrade",
                "downgrade_to": team_models[-1],
            }
        else:
            team["budget"] = {"monthly_usd": 1000 + 250 * (i % 40), "on_exhausted": "block"}
        team["rate_limits"] = {"rpm": 300 + i % 10 * 60, "tpm": 1_000_000}
        if i % 10 == 0:  # one team in ten overrides CLAUDE.md
            team["prompts"] = [{"path": "CLAUDE.md", "source": f"prompts/teams/team-{i + 1:04d}-claude.md"}]
        teams.append(team)
    return teams


def policy_document(sizes: Sizes) -> dict[str, Any]:
    models, inference = _models(sizes)
    external = [m["name"] for m in models if "provider" in m]
    by_tier = {m["tier"]: m["name"] for m in reversed(models) if "provider" in m}
    return {
        "apiVersion": "cdeops.io/v1alpha1",
        "kind": "Policy",
        "metadata": {"org": "bench", "environment": "prod"},
        "cluster": {
            "provider": "eks",
            "name": "bench-cde",
            "region": "us-east-1",
            "kubernetes_version": "1.33",
            "network_plugin": "cilium",
        },
        "coder": {"url": "https://coder.bench.example", "namespace": "coder"},
        "gateway": {
            "engine": "litellm",
            "namespace": "llm-gateway",
            "port": 4000,
            "url": "https://llm.bench.example",
            "replicas": 3,
            "cache": {"mode": "exact", "ttl_seconds": 3600},
            "logging": {"store_prompts": False, "redact": True, "retention_days": 30},
            "content_filter": {"secrets": "block", "pii": "mask"},
        },
        "providers": [
            {
                "name": kind,
                "kind": kind,
                "api_key": {"vault": f"llm/providers/{kind}", "key": "api_key"},
                "hosts": hosts,
            }
            for kind, hosts in _PROVIDERS.items()
        ],
        "models": models,
        "routing": {
            "default_model": by_tier.get("fast", external[0]),
            "tasks": {
                "completion": by_tier.get("fast", external[0]),
                "chat": by_tier.get("standard", external[0]),
                "agent": by_tier.get("frontier", external[0]),
                "review": by_tier.get("frontier", external[0]),
            },
        },
        "inference": inference,
        "gpu_pools": _pools(sizes),
        "vault": {
            "address": "https://vault.bench.example:8200",
            "kv_mount": "secret",
            "auth_mount": "kubernetes",
            "injection": "agent",
            "team_key_path": "cdeops/teams/{team}/gateway",
            "endpoint": {"namespace": "vault", "pod_labels": {"app.kubernetes.io/name": "vault"}, "port": 8200},
        },
        "egress": {"allow": _egress(sizes)},
        "prompts": [
            {"path": "CLAUDE.md", "source": "prompts/claude.md"},
            {"path": ".cursorrules", "source": "prompts/cursor.md"},
            {"path": ".github/copilot-instructions.md", "source": "prompts/copilot.md"},
        ],
        "teams": _teams(sizes, models),
        "templates": _templates(sizes),
    }


def _yaml(doc: dict[str, Any]) -> str:
    """Block style for the structure, flow style for leaf lists and maps, like a hand-written policy."""
    header = "# Generated by benchmarks/generate_policy.py: a large organisation for the cdeops benchmark.\n"
    return header + yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=120)


def _prompt(title: str, team: str | None = None) -> str:
    scope = f"team {team}" if team else "every team"
    return (
        f"# {title}\n\n"
        f"Rules for AI assistants, for {scope}.\n\n"
        "- Use the LLM gateway only; never paste secrets into prompts.\n"
        "- Prefer small, reviewed changes with tests.\n"
        "- Follow the repository's style guide and keep dependencies pinned.\n"
    )


def generate(folder: Path, sizes: Sizes = Sizes()) -> Path:
    """Write ``cdeops.yaml`` and its prompt files into ``folder``; returns the policy path."""
    doc = policy_document(sizes)
    (folder / "prompts" / "teams").mkdir(parents=True, exist_ok=True)
    for name, title in (("claude", "CLAUDE.md"), ("cursor", "Cursor rules"), ("copilot", "Copilot instructions")):
        (folder / "prompts" / f"{name}.md").write_text(_prompt(title))
    for team in doc["teams"]:
        for prompt in team.get("prompts", ()):
            (folder / prompt["source"]).write_text(_prompt("CLAUDE.md", team["name"]))
    policy = folder / "cdeops.yaml"
    policy.write_text(_yaml(doc))
    return policy


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("folder", type=Path, help="folder to write cdeops.yaml and prompts/ into")
    defaults = Sizes()
    for field in ("teams", "templates", "models", "gpu_pools", "egress_rules"):
        parser.add_argument(f"--{field.replace('_', '-')}", type=int, default=getattr(defaults, field))
    args = parser.parse_args(argv)
    sizes = Sizes(args.teams, args.templates, args.models, args.gpu_pools, args.egress_rules)
    print(generate(args.folder, sizes))


if __name__ == "__main__":
    main()
