"""Property: for any valid policy, what ``render`` writes keeps the egress promise.

Policies are generated from the eks-cilium example by changing what matters to egress: the network
plugin, the DNS mode and resolver CIDRs, Vault in-cluster or by CIDRs (and its injection mode),
random ``egress.allow`` CIDRs / hosts / ports / protocols, ``gateway.provider_cidrs``, the gateway's
namespace, port and replicas, coderd's port, inference present or not (air-gapped or not), providers
with or without ``hosts``, and the teams. Each one is loaded through the real loader (schema +
cross-field rules), rendered with the real pipeline, written to disk and checked with
``egress_findings_for_tree``; every egress object is validated against its schema, and no ipBlock
opens the metadata address beyond DNS. ``CDEOPS_EGRESS_EXAMPLES`` raises the number of examples.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from cdeops import __version__
from cdeops.netcheck.tree import egress_findings_for_tree
from cdeops.render.pipeline import render_files
from tests.egress.support import (
    dns_only,
    example_data,
    ip_blocks,
    kubernetes_objects,
    load_data,
    opens_metadata,
    schema_errors,
    write_tree,
)

Obj = dict[str, Any]
EXAMPLES = int(os.environ.get("CDEOPS_EGRESS_EXAMPLES", "60"))  # raise it for a longer search
METADATA = ipaddress.ip_network("169.254.169.254/32")
BASE = example_data("eks-cilium")


@st.composite
def networks(draw: st.DrawFn) -> str:
    address = draw(st.integers(min_value=1 << 24, max_value=(224 << 24) - 1))
    prefix = draw(st.integers(min_value=8, max_value=32))
    net = ipaddress.ip_network((address, prefix), strict=False)
    return str(net)


safe_networks = networks().filter(lambda c: not ipaddress.ip_network(c).overlaps(METADATA))
labels = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
tlds = st.sampled_from(["com", "io", "dev", "org", "net", "internal"])
hosts = st.builds(
    lambda wild, parts, tld: ("*." if wild else "") + ".".join([*parts, tld]),
    st.booleans(),
    st.lists(labels, min_size=1, max_size=2),
    tlds,
)
namespaces = st.from_regex(r"[a-z][a-z0-9]{1,10}", fullmatch=True)
ports = st.integers(min_value=1, max_value=65535)


@st.composite
def allow_rules(draw: st.DrawFn, cilium: bool) -> list[Obj]:
    rules = []
    for i in range(draw(st.integers(min_value=0, max_value=4))):
        cidrs = draw(st.lists(safe_networks, max_size=3, unique=True))
        names = draw(st.lists(hosts, max_size=3, unique=True)) if cilium else []
        if not cidrs and not names:
            cidrs = [draw(safe_networks)]
        rule: Obj = {"name": f"rule-{i}", "ports": draw(st.lists(ports, min_size=1, max_size=3, unique=True))}
        rule["protocol"] = draw(st.sampled_from(["TCP", "UDP"]))
        if cidrs:
            rule["cidrs"] = cidrs
        if names:
            rule["hosts"] = names
        rules.append(rule)
    return rules


@st.composite
def policies(draw: st.DrawFn) -> Obj:
    data: Obj = example_data("eks-cilium")
    plugin = draw(st.sampled_from(["cilium", "calico", "vanilla"]))
    cilium = plugin == "cilium"
    data["cluster"]["network_plugin"] = plugin
    mode = draw(st.sampled_from(["kube-dns", "node-local", "cloud-dns"]))
    dns_cidrs = draw(st.lists(st.sampled_from(["10.96.0.10/32", "169.254.0.0/16", "169.254.20.0/24"]), unique=True))
    data["cluster"]["dns"] = {"mode": mode, "cidrs": dns_cidrs}
    data["coder"]["port"] = draw(st.sampled_from([8080, 8443, 3000]))
    free_namespaces = namespaces.filter(lambda n: n not in ("coder", "kube-system"))
    vault_ns, gateway_ns = draw(st.lists(free_namespaces, min_size=2, max_size=2, unique=True))
    if draw(st.booleans()):
        data["vault"].pop("endpoint")
        data["vault"]["cidrs"] = draw(st.lists(safe_networks, min_size=1, max_size=2, unique=True))
    else:
        data["vault"]["endpoint"] = {
            "namespace": vault_ns,
            "pod_labels": {"app.kubernetes.io/name": draw(namespaces)},
            "port": draw(st.sampled_from([8200, 443])),
        }
    data["vault"]["injection"] = draw(st.sampled_from(["agent", "operator", "external-secrets"]))
    rules = draw(allow_rules(cilium))
    data["egress"] = {"allow": rules}
    gateway = data["gateway"]
    gateway["namespace"] = gateway_ns
    gateway["port"] = draw(st.integers(min_value=1024, max_value=65535))
    gateway["replicas"] = draw(st.integers(min_value=1, max_value=3))
    if not cilium and draw(st.booleans()):
        taken = [ipaddress.ip_network(c) for r in rules for c in r.get("cidrs", [])]
        free = safe_networks.filter(lambda c: not any(ipaddress.ip_network(c).overlaps(t) for t in taken))
        gateway["provider_cidrs"] = draw(st.lists(free, min_size=1, max_size=2, unique=True))
    if draw(st.booleans()):
        data["inference"][0]["air_gapped"] = draw(st.booleans())
    else:
        data.pop("inference")
        data["models"] = [m for m in data["models"] if "inference" not in m]
        for team in data["teams"]:
            team["models"] = [m for m in team["models"] if m != "llama-3-1-8b"]
    if draw(st.booleans()):  # providers without hosts: the kind's default endpoints are used
        for provider in data["providers"]:
            provider.pop("hosts", None)
    names = draw(
        st.lists(st.sampled_from(["payments", "ml-platform", "web", "data", "search"]), min_size=1, unique=True)
    )
    template = data["teams"][0]
    data["teams"] = [{**template, "name": n, "cost_center": f"CC-{i}", "prompts": []} for i, n in enumerate(names)]
    return data


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink],
)
@given(policies())
def test_every_generated_policy_keeps_the_egress_promise(data: Obj) -> None:
    loaded = load_data(data, "eks-cilium")
    files = render_files(loaded, __version__)
    with tempfile.TemporaryDirectory(prefix="cdeops-egress-") as folder:
        findings = egress_findings_for_tree(write_tree(files, Path(folder)))
    errors = [str(f) for f in findings if f.severity == "error"]
    assert errors == []
    assert all("[accepted: " in f.message for f in findings), [str(f) for f in findings]
    version = loaded.policy.cluster.kubernetes_version
    for path, obj in kubernetes_objects(files):
        platform = path in ("kubernetes/gateway.yaml", "kubernetes/inference.yaml")  # every object there
        if not platform and obj["kind"] not in ("Namespace", "NetworkPolicy", "CiliumNetworkPolicy"):
            continue
        assert schema_errors(obj, version) == [], (path, obj["metadata"]["name"])
        for block in ip_blocks(obj):
            if opens_metadata(block):
                assert block["cidr"] == "169.254.169.254/32" and dns_only(obj, block), (path, block)
    kinds = {o["kind"] for _, o in kubernetes_objects(files)}
    # the gateway's provider FQDN policy exists on every Cilium render; nothing Cilium elsewhere
    assert ("CiliumNetworkPolicy" in kinds) == (data["cluster"]["network_plugin"] == "cilium")
