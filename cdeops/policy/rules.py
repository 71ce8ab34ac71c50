"""Cross-field rules of SPEC §3. Each rule yields (path, message); all are reported at once."""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from .document import Policy
from .fields import normalise_name
from .llm import ProviderKind
from .sizing import architecture_of, estimate_fit

__all__ = ["TOOL_FILES", "check_policy", "prompt_path_problem", "redact_credentials"]

Problem = tuple[tuple[str | int, ...], str]

_METADATA = ipaddress.ip_network("169.254.169.254/32")
_DATED = {
    "anthropic": re.compile(r"-\d{8}$"),
    "openai": re.compile(r"-\d{4}-\d{2}-\d{2}$"),
    "mistral": re.compile(r"-\d{4}$"),
    "bedrock": re.compile(r"(-\d{8})?-v\d+(:\d+)?$"),
    "gemini": re.compile(r"(-\d{3}|^gemini-\d+(\.\d+)?-[a-z]+(-[a-z]+)*)$"),
    "vertex": re.compile(r"(-\d{3}|-\d{8}|@\d{8}|^gemini-\d+(\.\d+)?-[a-z]+(-[a-z]+)*)$"),
}
# Model names that are versions in themselves: the provider publishes no dated snapshots of them.
_FIXED = {"openai": re.compile(r"^text-embedding-(3-small|3-large|ada-002)$")}
_FLOATING = re.compile(r"(^|[-:@/])(latest|preview|exp|experimental)($|[-:@])")


def check_policy(policy: Policy) -> list[Problem]:
    """Every cross-field problem of a schema-valid policy."""
    problems: list[Problem] = []
    rules = (
        _unique_names,
        _references,
        _fallback_cycles,
        _pinned_models,
        _gpu_fit,
        _egress,
        _prompts,
        _clouds,
        _gateway,
        _credentials,
    )
    for rule in rules:
        problems.extend(rule(policy))
    return problems


def policy_warnings(policy: Policy) -> list[Problem]:
    """What the policy asks for that the chosen components will not enforce: reported, not refused."""
    from ..views.gateway_portkey import portkey_warnings  # imported here: the views import the policy package

    return portkey_warnings(policy)


def _gateway(p: Policy) -> list[Problem]:
    from ..views.gateway_rules import gateway_problems  # imported here: the views import the policy package

    return gateway_problems(p)


def _dupes(items: Sequence[Any], section: str, key: str = "name", norm: bool = True) -> Iterator[Problem]:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        raw = getattr(item, key)
        value = normalise_name(raw) if norm else raw
        if value in seen:
            yield (
                (*section.split("."), i, key),  # "egress.allow" is two keys deep: keep the line lookup exact
                f"{raw!r} is a duplicate of {section}[{seen[value]}] (names must be unique)",
            )
        else:
            seen[value] = i


def _unique_names(p: Policy) -> Iterator[Problem]:
    yield from _dupes(p.providers, "providers")
    yield from _dupes(p.models, "models", norm=False)
    yield from _dupes(p.inference, "inference")
    yield from _dupes(p.gpu_pools, "gpu_pools")
    yield from _dupes(p.teams, "teams")
    yield from _dupes(p.templates, "templates")
    yield from _dupes(p.egress.allow, "egress.allow")
    groups: dict[str, int] = {}
    for i, team in enumerate(p.teams):
        if team.group in groups:
            yield ("teams", i, "coder_group"), f"Coder group {team.group!r} is already bound to another team"
        groups.setdefault(team.group, i)
        for j, dup in _repeats(normalise_name(x) for x in team.projects):
            yield ("teams", i, "projects", j), f"project {dup!r} is listed twice"


def _repeats(values: Iterable[str]) -> Iterator[tuple[int, str]]:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            yield i, v
        seen.add(v)


def _references(p: Policy) -> Iterator[Problem]:
    models = {m.name for m in p.models}
    providers = {x.name for x in p.providers}
    inference = {x.name for x in p.inference}
    pools = {x.name for x in p.gpu_pools}
    templates = {t.name for t in p.templates}

    def missing(kind: str, name: str, known: set[str]) -> str:
        hint = f"; known: {', '.join(sorted(known))}" if known else f"; no {kind} is defined"
        return f"unknown {kind} {name!r}{hint}"

    for i, m in enumerate(p.models):
        if m.provider is not None and m.provider not in providers:
            yield ("models", i, "provider"), missing("provider", m.provider, providers)
        if m.inference is not None and m.inference not in inference:
            yield ("models", i, "inference"), missing("inference", m.inference, inference)
        for j, fb in enumerate(m.fallbacks):
            if fb not in models:
                yield ("models", i, "fallbacks", j), missing("model", fb, models)
    for i, inf in enumerate(p.inference):
        if inf.pool not in pools:
            yield ("inference", i, "pool"), missing("gpu pool", inf.pool, pools)
        if not any(m.inference == inf.name for m in p.models):
            yield ("inference", i, "name"), f"inference {inf.name!r} is not served by any model (add a model)"
    for i, t in enumerate(p.templates):
        if t.gpu is not None and t.gpu.pool not in pools:
            yield ("templates", i, "gpu", "pool"), missing("gpu pool", t.gpu.pool, pools)
        elif t.gpu is not None and t.gpu.count > p.pool(t.gpu.pool).gpus_per_node:
            yield (
                ("templates", i, "gpu", "count"),
                (f"asks for {t.gpu.count} GPUs but pool {t.gpu.pool!r} nodes have {p.pool(t.gpu.pool).gpus_per_node}"),
            )
    if p.routing.default_model is not None and p.routing.default_model not in models:
        yield ("routing", "default_model"), missing("model", p.routing.default_model, models)
    for task, name in p.routing.tasks.items():
        if name not in models:
            yield ("routing", "tasks", task), missing("model", name, models)
    for i, team in enumerate(p.teams):
        for j, name in enumerate(team.models):
            if name not in models:
                yield ("teams", i, "models", j), missing("model", name, models)
        for j, dup in _repeats(team.models):
            yield ("teams", i, "models", j), f"model {dup!r} is listed twice"
        for j, name in enumerate(team.templates):
            if name not in templates:
                yield ("teams", i, "templates", j), missing("template", name, templates)
        for j, dup in _repeats(team.templates):
            yield ("teams", i, "templates", j), f"template {dup!r} is listed twice"
        target = team.budget.downgrade_to
        if target is not None and target not in team.models:
            yield (
                ("teams", i, "budget", "downgrade_to"),
                (f"{target!r} is not one of the team's models ({', '.join(team.models)})"),
            )


def _fallback_cycles(p: Policy) -> Iterator[Problem]:
    """A model's fallbacks may not lead back to it (the gateway would retry in a loop)."""
    graph = {m.name: [f for f in m.fallbacks if f != m.name] for m in p.models}
    for i, model in enumerate(p.models):
        seen: set[str] = set()
        stack = list(graph[model.name])
        while stack:
            name = stack.pop()
            if name == model.name:
                yield ("models", i, "fallbacks"), f"fallbacks of {model.name!r} lead back to it (a cycle)"
                break
            if name in seen or name not in graph:
                continue
            seen.add(name)
            stack.extend(graph[name])


def _model_pin_problem(kind: ProviderKind, model_id: str) -> str | None:
    if _FLOATING.search(model_id.lower()):
        return f"model {model_id!r} is a floating alias; pin a dated version"
    pattern = _DATED.get(kind)
    fixed = _FIXED.get(kind)
    if fixed is not None and fixed.match(model_id):
        return None
    if pattern is not None and not pattern.search(model_id):
        examples = {
            "anthropic": "claude-3-5-haiku-20241022",
            "openai": "gpt-4o-2024-08-06",
            "mistral": "mistral-large-2411",
            "bedrock": "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "gemini": "gemini-1.5-pro-002",
            "vertex": "gemini-1.5-pro-002",
        }
        return f"model {model_id!r} is not pinned to a version (e.g. {examples[kind]})"
    return None


def _pinned_models(p: Policy) -> Iterator[Problem]:
    providers = {x.name: x for x in p.providers}
    for i, m in enumerate(p.models):
        if m.provider in providers and m.model is not None:
            problem = _model_pin_problem(providers[m.provider].kind, m.model)
            if problem:
                yield ("models", i, "model"), problem


def _gpu_fit(p: Policy) -> Iterator[Problem]:
    pools = {x.name: x for x in p.gpu_pools}
    for i, inf in enumerate(p.inference):
        pool = pools.get(inf.pool)
        if pool is None:
            continue
        if inf.gpus_per_replica > pool.gpus_per_node:
            yield (
                ("inference", i, "gpus_per_replica"),
                (
                    f"{inf.gpus_per_replica} GPUs per replica but pool {pool.name!r} nodes have "
                    f"{pool.gpus_per_node}; tensor parallelism must stay within one node"
                ),
            )
            continue
        arch = architecture_of(inf)
        if arch is None:
            yield (
                ("inference", i, "model"),
                (
                    f"cdeops does not know the shape of {inf.model!r}; add inference[{i}].architecture "
                    "{params_b, layers, attention_heads, kv_heads, head_dim} so it can be sized"
                ),
            )
            continue
        if arch.attention_heads % inf.gpus_per_replica:
            yield (
                ("inference", i, "gpus_per_replica"),
                (
                    f"tensor-parallel size {inf.gpus_per_replica} does not divide the model's "
                    f"{arch.attention_heads} attention heads"
                ),
            )
        fit = estimate_fit(inf, pool, arch)
        if not fit.fits:
            yield (
                ("inference", i, "gpus_per_replica"),
                (
                    f"{inf.model} at {inf.dtype} with max_model_len {inf.max_model_len} does not fit "
                    f"{inf.gpus_per_replica}x {pool.gpu_memory_gb} GB ({pool.accelerator}): {fit.explain()}"
                ),
            )


def _egress(p: Policy) -> Iterator[Problem]:
    cilium = p.cluster.network_plugin == "cilium"
    for i, rule in enumerate(p.egress.allow):
        if rule.hosts and not cilium:
            yield (
                ("egress", "allow", i, "hosts"),
                (
                    f"host names need network_plugin: cilium (this cluster uses {p.cluster.network_plugin}); "
                    "plain NetworkPolicy can only allow cidrs"
                ),
            )
        for j, cidr in enumerate(rule.cidrs):
            if ipaddress.ip_network(cidr).overlaps(_METADATA):
                yield (
                    ("egress", "allow", i, "cidrs", j),
                    (f"{cidr} includes the cloud metadata address 169.254.169.254; narrow it"),
                )
    for j, cidr in enumerate(p.vault.cidrs):
        if ipaddress.ip_network(cidr).overlaps(_METADATA):
            yield ("vault", "cidrs", j), f"{cidr} includes the cloud metadata address; narrow it"
    yield from _provider_egress(p)
    yield from _dedicated_namespaces(p)


def _dedicated_namespaces(p: Policy) -> Iterator[Problem]:
    """The namespaces cdeops puts default-deny policies into must not hold anything else it relies on."""
    from ..views.naming import inference_namespace, team_namespace

    others = {p.coder.namespace: "coder.namespace", p.cluster.dns.namespace: "cluster.dns.namespace"}
    if p.vault.endpoint is not None and not p.vault.cidrs:
        others.setdefault(p.vault.endpoint.namespace, "vault.endpoint.namespace")
    elif not p.vault.cidrs:
        others.setdefault("vault", "the default Vault namespace")
    owned: list[tuple[tuple[str | int, ...], str, str]] = [(("gateway", "namespace"), p.gateway.namespace, "gateway")]
    if p.inference:
        owned.append((("gateway", "namespace"), inference_namespace(p), "inference"))
    owned += [(("teams", i, "name"), team_namespace(p, t), f"team {t.name!r}") for i, t in enumerate(p.teams)]
    seen: dict[str, str] = {}
    for path, namespace, what in owned:
        clash = others.get(namespace) or seen.get(namespace)
        if clash is not None:
            yield (
                path,
                (
                    f"the {what} namespace {namespace!r} is also {clash}; cdeops makes it default-deny, so it must "
                    "be dedicated"
                ),
            )
        seen.setdefault(namespace, f"the {what} namespace")


def _provider_egress(p: Policy) -> Iterator[Problem]:
    """Only the gateway reaches providers: workspaces' ``egress.allow`` must not name them."""
    from ..views.platform_policies import provider_hosts as hosts_of  # hosts, or the kind's default endpoints

    provider_hosts = {h: x.name for x in p.providers for h in hosts_of(x)}
    provider_nets = [ipaddress.ip_network(c) for c in p.gateway.provider_cidrs]
    for j, cidr in enumerate(p.gateway.provider_cidrs):
        if ipaddress.ip_network(cidr).overlaps(_METADATA):
            yield ("gateway", "provider_cidrs", j), f"{cidr} includes the cloud metadata address; narrow it"
    for i, rule in enumerate(p.egress.allow):
        for j, host in enumerate(rule.hosts):
            hit = next((h for h in provider_hosts if _host_overlap(host, h)), None)
            if hit is not None:
                yield (
                    ("egress", "allow", i, "hosts", j),
                    (
                        f"{host} reaches provider {provider_hosts[hit]!r} ({hit}); workspaces may reach "
                        "model providers only through the gateway"
                    ),
                )
        for j, cidr in enumerate(rule.cidrs):
            if any(ipaddress.ip_network(cidr).overlaps(n) for n in provider_nets):
                yield (
                    ("egress", "allow", i, "cidrs", j),
                    f"{cidr} overlaps gateway.provider_cidrs; workspaces may reach providers only through the gateway",
                )
    for j, cidr in enumerate(p.cluster.dns.cidrs):  # wider ranges get the metadata address excepted
        if ipaddress.ip_network(cidr) == _METADATA and p.cluster.dns.mode != "cloud-dns":
            yield (
                ("cluster", "dns", "cidrs", j),
                f"{cidr} is the cloud metadata address; only dns mode cloud-dns resolves through it",
            )


def _host_overlap(a: str, b: str) -> bool:
    """Whether two host names or ``*.`` patterns (one label wide, as Cilium matches) share a name."""
    if a == b:
        return True
    a_wild, b_wild = a.startswith("*."), b.startswith("*.")
    if a_wild and b_wild:
        return a == b
    if a_wild:
        return b.split(".", 1)[1] == a[2:] if "." in b else False
    if b_wild:
        return a.split(".", 1)[1] == b[2:] if "." in a else False
    return False


def prompt_path_problem(path: str) -> str | None:
    """Why a prompt destination would leave the workspace home folder, or None when it is safe."""
    if "\\" in path or "\x00" in path or any(ord(c) < 32 for c in path):
        return f"{path!r} contains a backslash or a control character"
    if path.startswith(("/", "~")):
        return f"{path!r} must be relative to the workspace home folder"
    parts = path.split("/")
    if any(part in {"", ".", ".."} for part in parts):
        return f"{path!r} must be a normalised relative path inside the workspace (no '..', '.', '//')"
    if posixpath.normpath(path) != path:
        return f"{path!r} is not normalised"
    return None


def _prompts(p: Policy) -> Iterator[Problem]:
    lists: list[tuple[tuple[str | int, ...], Sequence[Any]]] = [(("prompts",), p.prompts)]
    lists += [(("teams", i, "prompts"), t.prompts) for i, t in enumerate(p.teams)]
    for base, prompts in lists:
        for j, prompt in enumerate(prompts):
            problem = prompt_path_problem(prompt.path)
            if problem:
                yield (*base, j, "path"), problem
        for j, dup in _repeats(x.path for x in prompts):
            yield (*base, j, "path"), f"{dup!r} is written twice"
    yield from _prompt_collisions(p)


# The files views/ai_tools.py writes into the home folder (a test keeps this list in step).
TOOL_FILES = (
    ".aider.conf.yml",
    ".aider.model.settings.yml",
    ".claude/settings.json",
    ".codex/config.toml",
    ".continue/config.yaml",
)


def _inside(a: str, b: str) -> bool:
    return a == b or a.startswith(b + "/") or b.startswith(a + "/")


def _prompt_collisions(p: Policy) -> Iterator[Problem]:
    """A rules file may not replace a tool's config, nor be a folder of (or inside) another rules file."""
    org: list[tuple[tuple[str | int, ...], str]] = [(("prompts", j, "path"), x.path) for j, x in enumerate(p.prompts)]
    groups = [org]
    for i, team in enumerate(p.teams):
        own: list[tuple[tuple[str | int, ...], str]] = [
            (("teams", i, "prompts", j, "path"), x.path) for j, x in enumerate(team.prompts)
        ]
        overridden = {x.path for x in team.prompts}
        groups.append([e for e in org if e[1] not in overridden] + own)
    reported: set[tuple[str | int, ...]] = set()
    for group in groups:
        for n, (loc, path) in enumerate(group):
            clash = next((f for f in TOOL_FILES if _inside(path, f)), None)
            if clash is not None and loc not in reported:
                reported.add(loc)
                yield loc, f"{path!r} collides with {clash}, which cdeops writes to configure the AI tools"
            other = next((o for _, o in group[:n] if o != path and _inside(path, o)), None)
            if other is not None and loc not in reported:
                reported.add(loc)
                yield loc, f"{path!r} and {other!r} cannot both be written: one would be a folder of the other"


def _clouds(p: Policy) -> Iterator[Problem]:
    for i, pool in enumerate(p.gpu_pools):
        if pool.provisioner == "karpenter" and p.cluster.provider != "eks":
            yield ("gpu_pools", i, "provisioner"), "karpenter pools are supported on eks only"


# Provider keys and tokens by their published prefixes, and credentials written into URLs.
_CREDENTIAL = re.compile(
    r"(?:sk-(?:ant-|proj-|svcacct-)?|hv[sbr]\.|gh[pousr]_|github_pat_|glpat-|xox[abprs]-|AKIA|ASIA|AIza|eyJ)"
    r"[A-Za-z0-9_\-.]{12,}"
)
_URL_USERINFO = re.compile(r"(?<=://)[^/@\s'\"]+@")


def _credential_spans(text: str) -> list[tuple[int, int]]:
    found = (m for m in _CREDENTIAL.finditer(text) if re.search(r"\d", m.group()) and re.search(r"[A-Za-z]", m.group()))
    spans = [m.span() for m in found]
    return spans + [m.span() for m in _URL_USERINFO.finditer(text)]


def redact_credentials(text: str) -> str:
    """``text`` with anything that looks like a key, a token or URL credentials cut to a short prefix."""
    merged: list[list[int]] = []
    for start, end in sorted(_credential_spans(text)):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in reversed(merged):
        text = text[:start] + text[start : start + min(4, (end - start) // 3)] + "…[redacted]" + text[end:]
    return text


def _credentials(p: Policy) -> Iterator[Problem]:
    """Secret values belong in Vault: a policy value that looks like one is refused (never rendered)."""

    def walk(node: Any, path: tuple[str | int, ...]) -> Iterator[Problem]:
        if isinstance(node, dict):
            for key, value in node.items():
                yield from walk(value, (*path, key))
        elif isinstance(node, list):
            for i, value in enumerate(node):
                yield from walk(value, (*path, i))
        elif isinstance(node, str) and _credential_spans(node):
            yield path, "looks like a credential (a key, a token or a password in a URL); keep secrets in Vault"

    yield from walk(p.model_dump(), ())
