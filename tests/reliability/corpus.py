"""The bad-input corpus: copies of ``examples/eks-cilium`` with exactly one known defect each.

A case edits the example (first occurrence of ``old`` → ``new``, or whole-file bytes, or a change to
the prompt files) and names the issue ``cdeops validate`` must report: the dotted path and a string on
the line it must point at. Paths may name list items by their ``name`` (or ``path``) instead of their
index — ``models[gpt-4o].provider`` — and are resolved against the unmodified example, so the corpus
follows the example when entries are added or reordered.
"""

# ruff: noqa: E501  (the case table reads best one case per line)
from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["BASE", "CASES", "Case", "encode", "expected_line", "resolve_path"]

BASE = "eks-cilium"
_TOKEN = re.compile(r"\.?([A-Za-z_][A-Za-z0-9_]*)|\[([^\]]+)\]")


@dataclass(frozen=True)
class Case:
    id: str
    path: str  # expected dotted path; "<root>" for the document itself
    message: str  # a fragment the message must contain
    old: str = ""
    new: str = ""
    anchor: str | None = None  # text on the expected line ("^text": the whole line); default: ``new``
    line: int | None = None  # or the expected line number itself
    data: bytes | None = None  # the whole file instead of an edit
    append: str = ""  # text added at the end of the file
    setup: Callable[[Path], None] | None = None  # changes to the copied folder (prompt files)

    def policy_bytes(self, base: str) -> bytes:
        if self.data is not None:
            return self.data
        if self.old:
            assert self.old in base, f"case {self.id}: the example no longer contains {self.old!r}"
            base = base.replace(self.old, self.new, 1)
        return encode(base + self.append)


def resolve_path(path: str, doc: Any) -> str:
    """``teams[payments].budget`` → ``teams[0].budget`` using the example's own order."""
    if path == "<root>":
        return path
    out, node = "", doc
    for match in _TOKEN.finditer(path):
        key, index = match.groups()
        if key is not None:
            out += f".{key}" if out else key
            node = node.get(key) if isinstance(node, dict) else None
            continue
        if index.isdigit():
            i = int(index)
        else:
            assert isinstance(node, list), f"{path}: {out} is not a list in the example"
            i = next(
                (
                    n
                    for n, item in enumerate(node)
                    if isinstance(item, dict) and index in (item.get("name"), item.get("path"))
                ),
                -1,
            )
            assert i >= 0, f"{path}: no item named {index!r} under {out} in the example"
        out += f"[{i}]"
        node = node[i] if isinstance(node, list) and i < len(node) else None
    return out


def expected_line(case: Case, text: str) -> int:
    if case.line is not None:
        return case.line
    anchor = case.anchor if case.anchor is not None else case.new.strip("\n").splitlines()[0]
    for number, line in enumerate(text.splitlines(), start=1):
        if (anchor.startswith("^") and line == anchor[1:]) or (not anchor.startswith("^") and anchor in line):
            return number
    raise AssertionError(f"case {case.id}: anchor {anchor!r} is not in the edited policy")


# --- prompt-file defects (applied to the copied folder) -------------------------------------------


def _fifo(root: Path) -> None:
    target = root / "prompts" / "cursor.md"
    target.unlink()
    os.mkfifo(target)


def _too_big(root: Path) -> None:
    (root / "prompts" / "cursor.md").write_bytes(b"x" * (1024 * 1024 + 1))


def _symlink_outside(root: Path) -> None:
    outside = root.parent / f"{root.name}-outside.md"
    outside.write_text("not part of the policy\n")
    target = root / "prompts" / "cursor.md"
    target.unlink()
    target.symlink_to(outside)


def _dangling(root: Path) -> None:
    target = root / "prompts" / "cursor.md"
    target.unlink()
    target.symlink_to("gone.md")


_BOMB = "x-bomb:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"  {n}: &{n} [" + ", ".join([f"*{p}"] * 10) + "]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
_GITHUB = '{name: github, hosts: [github.com, "*.githubusercontent.com"]'
_MIRROR = "cidrs: [10.40.0.0/16]"
_CURSOR = "{path: .cursorrules, source: prompts/cursor.md}"
_CLAUDE = "{path: CLAUDE.md, source: prompts/claude.md}"
_TEAM_PROMPT = "      - {path: CLAUDE.md, source: prompts/payments-claude.md}"


def _c(id: str, path: str, message: str, old: str = "", new: str = "", **kw: Any) -> Case:
    return Case(id=id, path=path, message=message, old=old, new=new, **kw)


# fmt: off
CASES: list[Case] = [
    # typos at every level
    _c("typo-top-level", "routng", "did you mean 'routing'", "routing:\n", "routng:\n"),
    _c("typo-metadata", "metadata.enviroment", "did you mean 'environment'", "  environment: prod", "  enviroment: prod"),
    _c("typo-cluster", "cluster.network_plugn", "did you mean 'network_plugin'", "  network_plugin: cilium", "  network_plugn: cilium"),
    _c("typo-gateway-cache", "gateway.cache.ttl_secs", "unknown key 'ttl_secs'", "ttl_seconds: 3600", "ttl_secs: 3600"),
    _c("typo-provider", "providers[openai].host", "did you mean 'hosts'", "    hosts: [api.openai.com]", "    host: [api.openai.com]"),
    _c("typo-model-price", "models[gpt-4o].price.input_per_mtk", "unknown key", "price: {input_per_mtok: 2.5", "price: {input_per_mtk: 2.5"),
    _c("typo-inference", "inference[llama-3-1-8b].airgapped", "did you mean 'air_gapped'", "    air_gapped: true", "    airgapped: true"),
    _c("typo-gpu-pool", "gpu_pools[gpu-l4-burst].provisoner", "did you mean 'provisioner'", "    provisioner: karpenter", "    provisoner: karpenter"),
    _c("typo-vault-endpoint", "vault.endpoint.pod_label", "did you mean 'pod_labels'", "{namespace: vault, pod_labels:", "{namespace: vault, pod_label:"),
    _c("typo-egress-rule", "egress.allow[artifact-mirror].cidr", "did you mean 'cidrs'", "{name: artifact-mirror, cidrs:", "{name: artifact-mirror, cidr:"),
    _c("typo-prompt", "prompts[.cursorrules].src", "unknown key 'src'", _CURSOR, "{path: .cursorrules, src: prompts/cursor.md}"),
    _c("typo-team-budget", "teams[ml-platform].budget.on_exhaust", "did you mean 'on_exhausted'", "monthly_usd: 12000, on_exhausted:", "monthly_usd: 12000, on_exhaust:"),
    _c("typo-team-prompt", "teams[payments].prompts[CLAUDE.md].mode", "unknown key 'mode'", _TEAM_PROMPT, _TEAM_PROMPT[:-1] + ", mode: 644}"),
    _c("typo-template-gpu", "templates[gpu-ml].gpu.cuont", "did you mean 'count'", "gpu: {pool: gpu-l4, count: 1}", "gpu: {pool: gpu-l4, cuont: 1}"),
    # wrong types
    _c("type-port-string", "gateway.port", "valid integer", "  port: 4000", '  port: "4000"'),
    _c("type-replicas-word", "gateway.replicas", "valid integer", "\n  replicas: 2\n", "\n  replicas: two\n", anchor="replicas: two"),
    _c("type-projects-scalar", "teams[payments].projects", "valid list", "projects: [checkout, ledger]", "projects: checkout"),
    _c("type-spot-string", "gpu_pools[gpu-l4-burst].spot", "valid boolean", "    spot: true", '    spot: "yes"'),
    _c("type-fallbacks-scalar", "models[claude-opus].fallbacks", "valid list", "fallbacks: [gpt-4o]", "fallbacks: gpt-4o"),
    _c("type-k8s-version-float", "cluster.kubernetes_version", "valid string", 'kubernetes_version: "1.33"', "kubernetes_version: 1.33"),
    _c("type-section-scalar", "gateway.content_filter", "ContentFilter", "  content_filter: {secrets: block, pii: mask}", "  content_filter: block"),
    _c("type-budget-text", "teams[payments].budget.monthly_usd", "valid number", "monthly_usd: 5000", 'monthly_usd: "5000$"'),
    # out-of-range numbers
    _c("range-port", "gateway.port", "less than or equal to 65535", "  port: 4000", "  port: 70000"),
    _c("range-budget-negative", "teams[ml-platform].budget.monthly_usd", "greater than 0", "monthly_usd: 12000", "monthly_usd: -5"),
    _c("range-alert-above-one", "teams[payments].budget.alert_at[1]", "less than or equal to 1", "alert_at: [0.75, 0.9]", "alert_at: [0.75, 1.5]"),
    _c("range-alert-descending", "teams[payments].budget", "ascending", "alert_at: [0.75, 0.9]", "alert_at: [0.9, 0.75]"),
    _c("range-similarity", "gateway.cache.similarity_threshold", "less than or equal to 1", "similarity_threshold: 0.92", "similarity_threshold: 1.5"),
    _c("range-cpu-default-over-max", "templates[gpu-ml].cpu", "greater than max", "cpu: {default: 8, max: 16}", "cpu: {default: 32, max: 16}"),
    _c("range-nodes", "gpu_pools[gpu-l4]", "greater than max_nodes", "    min_nodes: 0\n    max_nodes: 4", "    min_nodes: 9\n    max_nodes: 4", anchor="- name: gpu-l4"),
    _c("range-replicas-zero", "inference[llama-3-1-8b].replicas", "greater than or equal to 1", "    replicas: 2\n    max_model_len", "    replicas: 0\n    max_model_len", anchor="replicas: 0"),
    # every dangling reference
    _c("ref-team-model", "teams[payments].models[0]", "unknown model 'claude-opuss'", "models: [claude-opus, claude-haiku", "models: [claude-opuss, claude-haiku"),
    _c("ref-team-template", "teams[ml-platform].templates[0]", "unknown template 'gpu-mll'", "templates: [gpu-ml, python]", "templates: [gpu-mll, python]"),
    _c("ref-model-provider", "models[gpt-4o].provider", "unknown provider 'opnai'", "    provider: openai\n    model: gpt-4o-2024-08-06", "    provider: opnai\n    model: gpt-4o-2024-08-06"),
    _c("ref-model-inference", "models[llama-3-1-8b].inference", "unknown inference 'llama-3-1-70b'", "    tier: self-hosted\n    inference: llama-3-1-8b", "    tier: self-hosted\n    inference: llama-3-1-70b", anchor="inference: llama-3-1-70b"),
    _c("ref-inference-pool", "inference[llama-3-1-8b].pool", "unknown gpu pool 'gpu-a100'", "    pool: gpu-l4\n", "    pool: gpu-a100\n"),
    _c("ref-template-gpu-pool", "templates[gpu-ml].gpu.pool", "unknown gpu pool 'gpu-h100'", "gpu: {pool: gpu-l4,", "gpu: {pool: gpu-h100,"),
    _c("ref-fallback", "models[claude-opus].fallbacks[0]", "unknown model 'gpt-5'", "fallbacks: [gpt-4o]", "fallbacks: [gpt-5]"),
    _c("ref-downgrade-to", "teams[payments].budget.downgrade_to", "not one of the team's models", "downgrade_to: claude-haiku", "downgrade_to: gpt-4o"),
    _c("ref-default-model", "routing.default_model", "unknown model 'claude-sonnet'", "default_model: claude-haiku", "default_model: claude-sonnet"),
    _c("ref-routing-task", "routing.tasks.chat", "unknown model 'gpt-4'", "chat: gpt-4o,", "chat: gpt-4,"),
    # unpinned models and images
    _c("pin-model-latest", "models[claude-haiku].model", "floating alias", "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest"),
    _c("pin-model-undated", "models[gpt-4o].model", "not pinned", "model: gpt-4o-2024-08-06", "model: gpt-4o"),
    _c("pin-image-latest", "templates[python].image", "floating tag", "ghcr.io/acme/ws-python:2026.11.1", "ghcr.io/acme/ws-python:latest"),
    _c("pin-image-untagged", "inference[llama-3-1-8b].image", "not pinned", "image: vllm/vllm-openai:v0.10.1", "image: vllm/vllm-openai"),
    # CIDRs, hosts and ports
    _c("cidr-prefix", "egress.allow[artifact-mirror].cidrs[0]", "not a valid CIDR", _MIRROR, "cidrs: [10.40.0.0/33]"),
    _c("cidr-host-bits", "egress.allow[artifact-mirror].cidrs[0]", "host bits set", _MIRROR, "cidrs: [10.40.0.1/16]"),
    _c("cidr-everything", "egress.allow[artifact-mirror].cidrs[0]", "allows every address", _MIRROR, "cidrs: [0.0.0.0/0]"),
    _c("cidr-metadata", "egress.allow[artifact-mirror].cidrs[0]", "metadata", _MIRROR, "cidrs: [169.254.0.0/16]"),
    _c("cidr-not-string", "egress.allow[artifact-mirror].cidrs[0]", "must be a string", _MIRROR, "cidrs: [10]"),
    _c("port-zero", "egress.allow[artifact-mirror].ports[0]", "greater than or equal to 1", _MIRROR + ", ports: [443]", _MIRROR + ", ports: [0]"),
    _c("port-endpoint", "vault.endpoint.port", "less than or equal to 65535", "port: 8200}", "port: 99999}"),
    _c("host-everything", "egress.allow[github].hosts[0]", "every host", _GITHUB, '{name: github, hosts: ["*"]'),
    _c("host-url", "egress.allow[github].hosts[1]", "not a host name", _GITHUB, '{name: github, hosts: [github.com, "https://x.example/"]'),
    # FQDN egress without Cilium
    _c("fqdn-without-cilium", "egress.allow[github].hosts", "cilium", "  network_plugin: cilium", "  network_plugin: calico", anchor="{name: github,"),
    # models that do not fit, GPUs that do not exist
    _c("fit-70b-on-l4", "inference[llama-3-1-8b].gpus_per_replica", "does not fit", "model: meta-llama/Llama-3.1-8B-Instruct", "model: meta-llama/Llama-3.1-70B-Instruct", anchor="gpus_per_replica: 1"),
    _c("fit-tp-over-node", "inference[llama-3-1-8b].gpus_per_replica", "within one node", "    gpus_per_replica: 1", "    gpus_per_replica: 2"),
    _c("fit-unknown-architecture", "inference[llama-3-1-8b].model", "does not know the shape", "model: meta-llama/Llama-3.1-8B-Instruct", "model: meta-llama/Mystery-9B"),
    _c("fit-template-gpu-count", "templates[gpu-ml].gpu.count", "asks for 4 GPUs", "gpu: {pool: gpu-l4, count: 1}", "gpu: {pool: gpu-l4, count: 4}"),
    # duplicate names (after normalisation)
    _c("dup-team", "teams[ml-platform].name", "duplicate of teams[0]", "  - name: ml-platform", "  - name: Payments"),
    _c("dup-template-normalised", "templates[gpu-ml].name", "duplicate of templates[0]", "  - name: gpu-ml\n", "  - name: Python\n"),
    _c("dup-gpu-pool-normalised", "gpu_pools[gpu-l4-burst].name", "duplicate of gpu_pools[0]", "  - name: gpu-l4-burst", "  - name: GPU_L4"),
    _c("dup-egress-rule", "egress.allow[artifact-mirror].name", "duplicate", "{name: artifact-mirror,", "{name: github,", anchor="{name: github, cidrs"),
    _c("dup-prompt-destination", "prompts[.cursorrules].path", "written twice", _CURSOR, "{path: CLAUDE.md, source: prompts/cursor.md}"),
    # duplicate YAML keys
    _c("dupkey-nested", "cluster.region", "duplicate key 'region'", "  region: us-east-1", "  region: us-east-1\n  region: us-west-2", anchor="us-west-2"),
    _c("dupkey-flow", "gateway.content_filter.secrets", "duplicate key 'secrets'", "{secrets: block, pii: mask}", "{secrets: block, pii: mask, secrets: off}"),
    _c("dupkey-top-level", "kind", "duplicate key 'kind'", append="\nkind: Policy  # again\n", anchor="# again"),
    # hostile YAML
    _c("alias-bomb", "<root>", "alias bomb", append=_BOMB, line=1),
    _c("merge-key", "metadata", "merge keys", "metadata:\n  org: acme", "base: &b {org: acme}\nmetadata:\n  <<: *b", anchor="<<: *b"),
    _c("non-string-key", "<root>", "plain strings", "metadata:\n", "? [a, b]\n: 1\nmetadata:\n"),
    # syntax errors
    _c("syntax-mapping-values", "<root>", "YAML syntax error", "  environment: prod", "  environment: prod: eu"),
    _c("syntax-tab", "<root>", "YAML syntax error", "  namespace: coder\n", "  namespace: coder\n\tport: 8080\n", anchor="\tport"),
    _c("syntax-undefined-alias", "<root>", "undefined alias", "  org: acme", "  org: *acme"),
    _c("syntax-stray-item", "<root>", "YAML syntax error", "  region: us-east-1", "  region: us-east-1\n  - us-west-2", anchor="- us-west-2"),
    _c("syntax-second-document", "<root>", "YAML syntax error", append="---\nkind: Policy\n", anchor="^---"),
    # the top level is not a policy
    _c("top-level-list", "<root>", "must be a mapping", data=b"- apiVersion: cdeops.io/v1alpha1\n- kind: Policy\n", line=1),
    _c("top-level-scalar", "<root>", "must be a mapping", data=b"cdeops\n", line=1),
    _c("empty-file", "<root>", "empty", data=b"", line=1),
    _c("comments-only", "<root>", "empty", data=b"# nothing yet\n\n", line=1),
    _c("wrong-kind", "kind", "got 'Polcy'", "kind: Policy", "kind: Polcy"),
    _c("wrong-api-version", "apiVersion", "cdeops.io/v1alpha1", "apiVersion: cdeops.io/v1alpha1", "apiVersion: cdeops.io/v2"),
    _c("missing-required", "gateway.url", "required field is missing", "  url: https://llm.acme.example\n", "", anchor="^gateway:"),
    _c("missing-team-budget", "teams[ml-platform].budget", "required field is missing", "    budget: {monthly_usd: 12000, on_exhausted: block}\n", "", anchor="- name: ml-platform"),
    _c("org-uppercase", "metadata.org", "should match pattern", "  org: acme", "  org: ACME"),
    _c("name-without-letters", "teams[ml-platform].name", "no letters or digits", "  - name: ml-platform", '  - name: "---"'),
    _c("url-without-scheme", "coder.url", "not an http(s) URL", "url: https://coder.acme.example", "url: coder.acme.example"),
    _c("vault-path-without-team", "vault", "{team}", 'team_key_path: "cdeops/teams/{team}/gateway"', 'team_key_path: "cdeops/teams/gateway"', anchor="^vault:"),
    _c("karpenter-off-eks", "gpu_pools[gpu-l4-burst].provisioner", "eks only", "  provider: eks", "  provider: gke", anchor="provisioner: karpenter"),
    # prompt files that cannot be read, or live outside the policy's folder
    _c("prompt-missing", "prompts[.cursorrules].source", "cannot read", _CURSOR, "{path: .cursorrules, source: prompts/cursr.md}"),
    _c("prompt-is-folder", "prompts[.cursorrules].source", "is a folder", _CURSOR, "{path: .cursorrules, source: prompts}"),
    _c("prompt-fifo", "prompts[.cursorrules].source", "not a regular file", setup=_fifo, anchor=_CURSOR),
    _c("prompt-too-big", "prompts[.cursorrules].source", "larger than 1 MiB", setup=_too_big, anchor=_CURSOR),
    _c("prompt-dangling-symlink", "prompts[.cursorrules].source", "cannot read", setup=_dangling, anchor=_CURSOR),
    _c("prompt-symlink-outside", "prompts[.cursorrules].source", "outside the policy's folder", setup=_symlink_outside, anchor=_CURSOR),
    _c("prompt-source-dotdot", "prompts[.cursorrules].source", "outside the policy's folder", _CURSOR, "{path: .cursorrules, source: ../../etc/passwd}"),
    _c("prompt-source-absolute", "prompts[.cursorrules].source", "must be relative", _CURSOR, "{path: .cursorrules, source: /etc/passwd}"),
    # prompt destinations outside the workspace
    _c("dest-dotdot", "prompts[CLAUDE.md].path", "normalised relative path", _CLAUDE, "{path: ../CLAUDE.md, source: prompts/claude.md}"),
    _c("dest-absolute", "prompts[CLAUDE.md].path", "relative to the workspace home", _CLAUDE, "{path: /etc/profile.d/ai.sh, source: prompts/claude.md}"),
    _c("dest-team-tilde", "teams[payments].prompts[CLAUDE.md].path", "relative to the workspace home", _TEAM_PROMPT, "      - {path: ~/.bashrc, source: prompts/payments-claude.md}"),
    _c("dest-control-character", "prompts[CLAUDE.md].path", "control character", _CLAUDE, '{path: "CLAUDE.md\\r", source: prompts/claude.md}'),
    _c("dest-inside-another", "prompts[.cursorrules].path", "one would be a folder of the other", _CURSOR, "{path: CLAUDE.md/cursor.md, source: prompts/cursor.md}"),
    _c("dest-tool-config", "teams[payments].prompts[CLAUDE.md].path", "configure the AI tools", _TEAM_PROMPT, "      - {path: .claude/settings.json, source: prompts/payments-claude.md}"),
    # not UTF-8
    _c("non-utf8-comment", "<root>", "not UTF-8", "# and a GPU template", "# and a GPU templ\udce9te", anchor="# and a GPU templ"),
    _c("non-utf8-value", "<root>", "not UTF-8", "cost_center: CC 2001/EMEA", "cost_center: CC 2001/\udcc9MEA", anchor="cost_center: CC 2001/"),
    _c("utf16-file", "<root>", "not UTF-8", data="apiVersion: x\n".encode("utf-16"), line=1),
]
# fmt: on


def encode(text: str) -> bytes:
    """Text with lone surrogates standing for raw bytes (``\\udce9`` → ``0xe9``)."""
    return text.encode("utf-8", errors="surrogateescape")
