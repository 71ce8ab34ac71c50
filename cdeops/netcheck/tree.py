"""The egress promise checked on a rendered tree, from its files alone.

Rendered Kubernetes objects say who may talk to whom, not where coderd, Vault or the providers are.
``cdeops render`` therefore writes ``checks/egress-topology.json`` (``topology_document``): the
places to probe, built from the policy, and the workspace namespaces. ``egress_findings_for_tree``
loads every YAML under ``kubernetes/`` plus that file and runs ``assert_workspace_guarantees``.

Workspace namespaces that no policy can tell apart (same policies, same labels where selectors
look, named by no selector) are evaluated once; if that one has any finding, all are evaluated.
A 500-team tree is thus one evaluation, not 500.

A documented weaker guarantee is carried in the file as ``accepted``: on clusters that cannot name
provider hosts and have no ``gateway.provider_cidrs``, the gateway may reach any public address on
TCP 443, so "gateway reaches the internet" is reported as a warning, not an error.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, cast, get_args

import yaml

from cdeops.checks.findings import Finding
from cdeops.netcheck.addresses import PUBLIC_IPV4, IpSet
from cdeops.netcheck.errors import NetcheckError
from cdeops.netcheck.evaluate import PolicySet, reachability
from cdeops.netcheck.fqdn import FqdnSelector
from cdeops.netcheck.guarantees import CHECK, assert_workspace_guarantees
from cdeops.netcheck.model import Endpoint, External, Port, Reachability, Role, Topology
from cdeops.netcheck.topology import METADATA_IP, WORLD_SAMPLE_IP
from cdeops.policy.document import Policy
from cdeops.policy.org import Team
from cdeops.views.egress import dns_cidrs, vault_endpoint
from cdeops.views.naming import WORKSPACES_LABEL, inference_namespace, team_namespace
from cdeops.views.platform_policies import (
    INFERENCE_PORT,
    REDIS_POD_LABELS,
    REDIS_PORT,
    gateway_namespace_objects,
    gateway_uses_redis,
    inference_model_labels,
    inference_namespace_objects,
    provider_egress_mode,
    provider_hosts,
    provider_ports,
)
from cdeops.views.team_namespace import team_objects

__all__ = [
    "TOPOLOGY_FILE",
    "TOPOLOGY_FORMAT",
    "egress_findings_for_tree",
    "parse_topology_document",
    "policy_objects",
    "topology_document",
    "topology_for_policy",
    "workspace_reachability",
]

TOPOLOGY_FILE = "checks/egress-topology.json"
TOPOLOGY_FORMAT = "cdeops.io/egress-topology/v1"
WORKSPACE_POD_LABELS = {"app.kubernetes.io/name": "coder-workspace", "com.coder.resource": "true"}
_WEB = (Port(443, "TCP"), Port(80, "TCP"))
_DNS = (Port(53, "UDP"), Port(53, "TCP"))
_WORLD_IPS = (WORLD_SAMPLE_IP, "198.51.100.7", "192.0.2.7")
_WORLD_NAMES = ("example.com", "example.net", "example.org", "unapproved.example")
_ROLES = frozenset(get_args(Role))
# libyaml's safe loader when PyYAML has it (a 500-team tree loads ~10x faster); same safety rules
_SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _sample(cidr: str) -> str:
    """An address inside ``cidr``: its first usable host, never the metadata address (which
    rendered rules always except from wider ranges)."""
    net = ipaddress.ip_network(cidr)
    first = net.network_address if net.num_addresses <= 2 else net.network_address + 1
    candidates = [first, *(a for a in (net.network_address, net.broadcast_address) if a != first)]
    return str(next((a for a in candidates if str(a) != METADATA_IP), first))


def _selector(host: str) -> FqdnSelector:
    return FqdnSelector("matchPattern" if "*" in host else "matchName", host)


def _name_of(host: str) -> str:
    """A concrete name a host entry (``*.x.com`` included) stands for."""
    return _selector(host).example()


def _world(policy: Policy) -> tuple[str, str]:
    """A public address and a name that nothing in the policy allows: "the internet at large"."""
    cidrs = [c for r in policy.egress.allow for c in r.cidrs]
    cidrs += [*policy.vault.cidrs, *dns_cidrs(policy), *policy.gateway.provider_cidrs]
    allowed = IpSet.of(ipaddress.ip_network(c) for c in cidrs)
    ip = next((a for a in _WORLD_IPS if not allowed.contains(ipaddress.ip_address(a))), None)
    if ip is None:
        rest = PUBLIC_IPV4.minus(allowed).intervals
        ip = str(ipaddress.ip_address(rest[0][1])) if rest else WORLD_SAMPLE_IP
    hosts = [h for r in policy.egress.allow for h in r.hosts] + [h for p in policy.providers for h in provider_hosts(p)]
    selectors = [_selector(h) for h in hosts]
    name = next((n for n in _WORLD_NAMES if not any(s.matches(n) for s in selectors)), _WORLD_NAMES[0])
    return ip, name


def _provider_externals(policy: Policy) -> list[External]:
    ports = tuple(Port(p, "TCP") for p in provider_ports(policy))
    if provider_egress_mode(policy) == "cidrs":
        return [
            External(f"provider-range {c}", ports, ip=_sample(c), role="provider")
            for c in policy.gateway.provider_cidrs
        ]
    hosts = sorted({h for p in policy.providers for h in provider_hosts(p)})
    return [External(h, ports, fqdn=_name_of(h), role="provider") for h in hosts]


def _allowed_externals(policy: Policy) -> list[External]:
    found: list[External] = []
    for rule in policy.egress.allow:
        ports = tuple(Port(p, rule.protocol) for p in rule.ports)
        found += [External(f"{rule.name} {c}", ports, ip=_sample(c), role="allowed") for c in rule.cidrs]
        if policy.cluster.network_plugin == "cilium":
            found += [External(f"{rule.name} {h}", ports, fqdn=_name_of(h), role="allowed") for h in rule.hosts]
    return found


def topology_for_policy(policy: Policy) -> Topology:
    """What to probe for a policy: resolvers, coderd, the gateway, Vault, inference pods, provider
    hosts, ``egress.allow`` places, an internet address and name nothing allows, and the metadata
    address."""
    dns, coder, gw = policy.cluster.dns, policy.coder, policy.gateway
    endpoints = [
        Endpoint("kube-dns", dns.namespace, dict(dns.pod_labels), _DNS, "dns"),
        Endpoint("coderd", coder.namespace, dict(coder.pod_labels), (Port(coder.port, "TCP"),), "coderd"),
        Endpoint("gateway", gw.namespace, dict(gw.pod_labels), (Port(gw.port, "TCP"),), "gateway"),
    ]
    externals = [External(f"dns {c}", _DNS, ip=_sample(c), role="dns") for c in dns_cidrs(policy)]
    vault = vault_endpoint(policy)
    if vault is None:
        port = (Port(policy.vault.port, "TCP"),)
        externals += [External(f"vault {c}", port, ip=_sample(c), role="vault") for c in policy.vault.cidrs]
    else:
        endpoints.append(
            Endpoint("vault", vault.namespace, dict(vault.pod_labels), (Port(vault.port, "TCP"),), "vault")
        )
    if gateway_uses_redis(policy):
        endpoints.append(Endpoint("gateway-redis", gw.namespace, dict(REDIS_POD_LABELS), (Port(REDIS_PORT, "TCP"),)))
    for inference in sorted(policy.inference, key=lambda i: i.name):
        labels = inference_model_labels(inference)
        ns = inference_namespace(policy)
        endpoints.append(
            Endpoint(f"inference {inference.name}", ns, labels, (Port(INFERENCE_PORT, "TCP"),), "inference")
        )
    externals += _provider_externals(policy)
    externals += _allowed_externals(policy)
    world_ip, world_name = _world(policy)
    externals += [
        External("internet-address", _WEB, ip=world_ip, role="world"),
        External("internet-name", _WEB, fqdn=world_name, role="world"),
        External("cloud-metadata", (Port(80, "TCP"), Port(443, "TCP")), ip=METADATA_IP, role="metadata"),
    ]
    return Topology(endpoints=tuple(endpoints), externals=tuple(externals), workspace_labels=dict(WORKSPACE_POD_LABELS))


def _accepted(policy: Policy) -> list[dict[str, str]]:
    if provider_egress_mode(policy) != "public":
        return []
    reason = (
        f"network_plugin {policy.cluster.network_plugin} cannot name provider hosts and "
        "gateway.provider_cidrs is empty: the gateway may reach TCP 443 on any public address "
        "(set gateway.provider_cidrs, or use Cilium, for the stronger guarantee)"
    )
    return [{"source": "gateway", "role": "world", "reason": reason}]


def _port_dict(port: Port) -> dict[str, Any]:
    out: dict[str, Any] = {"port": port.port, "protocol": port.protocol}
    if port.name:
        out["name"] = port.name
    return out


def topology_document(policy: Policy) -> dict[str, Any]:
    """The JSON document of ``checks/egress-topology.json``."""
    topology = topology_for_policy(policy)
    return {
        "format": TOPOLOGY_FORMAT,
        "workspace_namespaces": sorted(team_namespace(policy, t) for t in policy.teams),
        "workspace_labels": dict(sorted(topology.workspace_labels.items())),
        "endpoints": [
            {
                "name": e.name,
                "role": e.role,
                "namespace": e.namespace,
                "labels": dict(sorted(e.labels.items())),
                "ports": [_port_dict(p) for p in e.ports],
            }
            for e in topology.endpoints
        ],
        "externals": [
            {
                "name": x.name,
                "role": x.role,
                **({"ip": x.ip} if x.ip else {}),
                **({"fqdn": x.fqdn} if x.fqdn else {}),
                "ports": [_port_dict(p) for p in x.ports],
            }
            for x in topology.externals
        ],
        "accepted": _accepted(policy),
        # roles the policy deploys nothing of: their "not checked" warnings are expected
        "absent": [] if policy.inference else ["inference"],
    }


def _str_map(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: must be a mapping")
    return {str(k): str(v) for k, v in raw.items()}


def _ports(raw: Any, where: str) -> tuple[Port, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"{where}.ports: must be a list")
    ports = []
    for i, p in enumerate(raw):
        if not isinstance(p, Mapping) or not isinstance(p.get("port"), int):
            raise ValueError(f"{where}.ports[{i}]: needs an integer port")
        name = p.get("name")
        ports.append(Port(int(p["port"]), str(p.get("protocol", "TCP")), None if name is None else str(name)))
    return tuple(ports)


def _role(raw: Any, where: str) -> Role:
    if raw not in _ROLES:
        raise ValueError(f"{where}.role: {raw!r} is not one of {', '.join(sorted(_ROLES))}")
    return cast(Role, raw)


def parse_topology_document(doc: Any) -> tuple[Topology, list[str], list[dict[str, str]]]:
    """The topology, workspace namespaces and accepted risks (``{"absent": role}`` for roles the
    policy deploys nothing of) of a topology document.

    Raises ``ValueError`` naming the bad entry when the document is malformed.
    """
    if not isinstance(doc, Mapping) or doc.get("format") != TOPOLOGY_FORMAT:
        raise ValueError(f"not a {TOPOLOGY_FORMAT} document")
    endpoints = []
    for i, e in enumerate(doc.get("endpoints") or []):
        where = f"endpoints[{i}]"
        if not isinstance(e, Mapping):
            raise ValueError(f"{where}: must be a mapping")
        labels = _str_map(e.get("labels", {}), f"{where}.labels")
        ports = _ports(e.get("ports"), where)
        endpoints.append(Endpoint(str(e["name"]), str(e["namespace"]), labels, ports, _role(e.get("role"), where)))
    externals = []
    for i, x in enumerate(doc.get("externals") or []):
        where = f"externals[{i}]"
        if not isinstance(x, Mapping) or not (x.get("ip") or x.get("fqdn")):
            raise ValueError(f"{where}: needs an ip or an fqdn")
        ip, fqdn = x.get("ip"), x.get("fqdn")
        externals.append(
            External(
                str(x["name"]),
                _ports(x.get("ports"), where),
                None if ip is None else str(ip),
                None if fqdn is None else str(fqdn),
                _role(x.get("role"), where),
            )
        )
    workspace_labels = _str_map(doc.get("workspace_labels", {}), "workspace_labels")
    namespaces = [str(n) for n in doc.get("workspace_namespaces") or []]
    accepted = [_str_map(a, f"accepted[{i}]") for i, a in enumerate(doc.get("accepted") or [])]
    accepted += [{"absent": str(_role(r, "absent"))} for r in doc.get("absent") or []]
    topology = Topology(tuple(endpoints), tuple(externals), {}, workspace_labels)
    return topology, namespaces, accepted


def _load_kubernetes(root: Path) -> tuple[list[dict[str, Any]], list[Finding]]:
    objects: list[dict[str, Any]] = []
    findings: list[Finding] = []
    folder = root / "kubernetes"
    paths = sorted([*folder.rglob("*.yaml"), *folder.rglob("*.yml")]) if folder.is_dir() else []
    for path in paths:
        name = path.relative_to(root).as_posix()
        try:
            docs = list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else 0
            findings.append(Finding(CHECK, name, line, f"cannot be read, its policies are not evaluated: {exc}"))
            continue
        objects.extend(d for d in docs if isinstance(d, dict))
    return objects, findings


def _labelled_workspaces(objects: Iterable[Mapping[str, Any]]) -> set[str]:
    found = set()
    for obj in objects:
        metadata = obj.get("metadata") or {}
        labels = metadata.get("labels") or {} if isinstance(metadata, Mapping) else {}
        if obj.get("kind") == "Namespace" and isinstance(labels, Mapping) and labels.get(WORKSPACES_LABEL) == "true":
            found.add(str(metadata.get("name")))
    return found


def _apply_accepted(findings: list[Finding], topology: Topology, accepted: list[dict[str, str]]) -> list[Finding]:
    """Turn the errors a documented weaker guarantee explains into warnings that say so."""
    out = []
    absent = {f"topology has no {r['absent']} destination: " for r in accepted if "absent" in r}
    for finding in findings:
        if finding.severity == "warning" and any(finding.message.startswith(a) for a in absent):
            continue  # the policy deploys none: nothing to check
        reason = None
        for risk in (a for a in accepted if "source" in a):
            sources = [e for e in topology.endpoints if e.role == risk.get("source")]
            prefixes = [f"gateway {e.name} ({e.namespace}) can reach {risk.get('role')} " for e in sources]
            if finding.severity == "error" and any(finding.message.startswith(p) for p in prefixes):
                reason = risk.get("reason", "accepted")
        if reason is None:
            out.append(finding)
        else:
            out.append(
                Finding(finding.check, finding.file, finding.line, f"{finding.message} [accepted: {reason}]", "warning")
            )
    return out


_POLICY_KINDS = ("NetworkPolicy", "CiliumNetworkPolicy")
_SOURCE_PREFIXES = ("k8s:", "any:")
_NAMESPACE_KEYS = ("kubernetes.io/metadata.name", "io.kubernetes.pod.namespace")
_CILIUM_NS_LABELS = "io.cilium.k8s.namespace.labels."


def _selector_terms(node: Any, keys: set[str], names: set[str]) -> None:
    """Every label key a selector in ``node`` uses, and every namespace it names."""
    if isinstance(node, list):
        for item in node:
            _selector_terms(item, keys, names)
        return
    if not isinstance(node, Mapping):
        return
    labels, expressions = node.get("matchLabels"), node.get("matchExpressions")
    pairs = [(k, [v]) for k, v in labels.items()] if isinstance(labels, Mapping) else []
    for e in expressions if isinstance(expressions, list) else []:
        if isinstance(e, Mapping):
            values = e.get("values")
            pairs.append((e.get("key"), values if isinstance(values, list) else []))
    for raw_key, values in pairs:
        key = str(raw_key)
        for prefix in _SOURCE_PREFIXES:
            key = key.removeprefix(prefix)
        key = key.removeprefix(_CILIUM_NS_LABELS)
        if key in _NAMESPACE_KEYS:
            names.update(str(v) for v in values)
        else:
            keys.add(key)
    for value in node.values():
        _selector_terms(value, keys, names)


def _equivalent(objects: list[dict[str, Any]], workspaces: list[str]) -> list[list[str]]:
    """Workspace namespaces that no policy can tell apart, grouped.

    Two namespaces are equivalent when their policy objects are equal but for the namespace, their
    labels agree on every key any selector uses, and no selector names either of them: then every
    decision (and finding) for one holds for the other, with the name swapped.
    """
    keys: set[str] = set()
    names: set[str] = set()
    _selector_terms(objects, keys, names)
    own: dict[str, list[Any]] = {ns: [] for ns in workspaces}
    labels: dict[str, dict[str, str]] = {}
    for obj in objects:
        meta: Mapping[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), Mapping) else {}
        if obj.get("kind") == "Namespace" and str(meta.get("name")) in own:
            found: Mapping[str, Any] = meta["labels"] if isinstance(meta.get("labels"), Mapping) else {}
            labels[str(meta.get("name"))] = {str(k): str(v) for k, v in found.items() if k in keys}
            continue
        namespace = str(meta.get("namespace") or "default")
        if obj.get("kind") in _POLICY_KINDS and namespace in own:
            own[namespace].append({**obj, "metadata": {k: v for k, v in meta.items() if k != "namespace"}})
    groups: dict[str, list[str]] = {}
    for ns in workspaces:
        policies = sorted(json.dumps(o, sort_keys=True, default=str) for o in own[ns])
        shape = ns if ns in names else [labels.get(ns, {}), policies]
        groups.setdefault(json.dumps(shape, sort_keys=True, default=str), []).append(ns)
    return list(groups.values())


def _assert_grouped(
    policies: PolicySet, objects: list[dict[str, Any]], topology: Topology, workspaces: list[str]
) -> list[Finding]:
    """``assert_workspace_guarantees`` on one namespace per equivalence group; when any finding
    concerns one of them, on every namespace (a broken tree is checked in full)."""
    representatives = [group[0] for group in _equivalent(objects, workspaces)]
    findings = assert_workspace_guarantees(policies, topology, representatives, file="kubernetes")
    if len(representatives) == len(workspaces):
        return findings
    mentions = re.compile(rf"namespace ({'|'.join(map(re.escape, representatives))})(?![-a-z0-9])")
    if any(mentions.search(f.message) for f in findings):
        return assert_workspace_guarantees(policies, topology, workspaces, file="kubernetes")
    return findings


def egress_findings_for_tree(root: Path, objects: list[dict[str, Any]] | None = None) -> list[Finding]:
    """Every broken egress promise of the rendered tree at ``root`` (errors and warnings, sorted).

    ``objects`` are the tree's ``kubernetes/`` objects when the caller has already read them.
    """
    topo_path = root / TOPOLOGY_FILE
    if not topo_path.is_file():
        return [
            Finding(CHECK, TOPOLOGY_FILE, 0, "missing: the egress promise cannot be checked; render the tree again")
        ]
    try:
        topology, namespaces, accepted = parse_topology_document(json.loads(topo_path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        return [Finding(CHECK, TOPOLOGY_FILE, 0, f"cannot be read: {exc}")]
    findings: list[Finding] = []
    if objects is None:
        objects, findings = _load_kubernetes(root)
    workspaces = set(namespaces) | _labelled_workspaces(objects)
    if not workspaces:
        findings.append(Finding(CHECK, TOPOLOGY_FILE, 0, "no workspace namespace to check"))
    try:
        results = _assert_grouped(PolicySet.from_objects(objects), objects, topology, sorted(workspaces))
    except NetcheckError as exc:
        return sorted([*findings, Finding(CHECK, "kubernetes", 0, f"policies cannot be evaluated: {exc}")])
    return sorted([*findings, *_apply_accepted(results, topology, accepted)])


def policy_objects(policy: Policy, teams: Iterable[Team] | None = None) -> list[dict[str, Any]]:
    """The network-relevant objects ``render`` writes under ``kubernetes/`` (for ``teams``, default all)."""
    objects = [o for t in (policy.teams if teams is None else teams) for o in team_objects(policy, t)]
    return [*objects, *gateway_namespace_objects(policy), *inference_namespace_objects(policy)]


def workspace_reachability(policy: Policy, team: Team) -> tuple[Reachability, list[Finding]]:
    """What a workspace of ``team`` can reach under the policies cdeops renders, and the broken
    promises (with the documented weaker guarantees as warnings)."""
    document = topology_document(policy)
    topology, _, accepted = parse_topology_document(document)
    policies = PolicySet.from_objects(policy_objects(policy, [team]))
    namespace = team_namespace(policy, team)
    result = reachability(policies, topology, topology.workspace(namespace))
    findings = assert_workspace_guarantees(policies, topology, [namespace])
    return result, _apply_accepted(findings, topology, accepted)
