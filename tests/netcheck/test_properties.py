"""Algebraic properties of selectors, address sets, name patterns and the evaluator (hypothesis)."""

from __future__ import annotations

import ipaddress
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from cdeops.netcheck import Endpoint, External, PolicySet, Port, Topology, connection
from cdeops.netcheck.addresses import IpSet
from cdeops.netcheck.fqdn import FqdnSelector
from cdeops.netcheck.selectors import Requirement, parse_selector

KEYS = ["app", "tier", "team"]
VALUES = ["x", "y", "z"]
NAMESPACES = ["a", "b", "c"]

labels_st = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=3)
values_st = st.lists(st.sampled_from(VALUES), min_size=1, max_size=3, unique=True)


@st.composite
def expressions(draw: st.DrawFn) -> dict[str, Any]:
    operator = draw(st.sampled_from(["In", "NotIn", "Exists", "DoesNotExist"]))
    expr: dict[str, Any] = {"key": draw(st.sampled_from(KEYS)), "operator": operator}
    if operator in ("In", "NotIn"):
        expr["values"] = draw(values_st)
    return expr


@st.composite
def selectors(draw: st.DrawFn) -> dict[str, Any]:
    selector: dict[str, Any] = {}
    if draw(st.booleans()):
        selector["matchLabels"] = draw(st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES), max_size=2))
    if draw(st.booleans()):
        selector["matchExpressions"] = draw(st.lists(expressions(), max_size=2))
    return selector


# --- selectors -----------------------------------------------------------------------------------


@given(labels_st)
def test_empty_selector_selects_everything(labels: dict[str, str]) -> None:
    assert parse_selector({}, "s").matches(labels)
    assert parse_selector({"matchLabels": {}, "matchExpressions": []}, "s").matches(labels)


@given(labels_st, st.sampled_from(KEYS), values_st)
def test_in_and_not_in_are_complements(labels: dict[str, str], key: str, values: list[str]) -> None:
    inside = Requirement(key, "In", frozenset(values)).matches(labels)
    outside = Requirement(key, "NotIn", frozenset(values)).matches(labels)
    assert inside != outside


@given(labels_st, st.sampled_from(KEYS))
def test_exists_and_does_not_exist_are_complements(labels: dict[str, str], key: str) -> None:
    assert Requirement(key, "Exists").matches(labels) != Requirement(key, "DoesNotExist").matches(labels)


@given(labels_st, labels_st)
def test_match_labels_selects_every_superset(required: dict[str, str], extra: dict[str, str]) -> None:
    assert parse_selector({"matchLabels": required}, "s").matches({**extra, **required})


@given(selectors(), selectors(), labels_st)
def test_selector_is_the_and_of_its_parts(a: dict[str, Any], b: dict[str, Any], labels: dict[str, str]) -> None:
    combined = {
        "matchLabels": {**a.get("matchLabels", {}), **b.get("matchLabels", {})},
        "matchExpressions": a.get("matchExpressions", []) + b.get("matchExpressions", []),
    }
    if set(a.get("matchLabels", {})) & set(b.get("matchLabels", {})):
        return  # a shared key would be overwritten in the merged dict
    expected = parse_selector(a, "a").matches(labels) and parse_selector(b, "b").matches(labels)
    assert parse_selector(combined, "ab").matches(labels) == expected


# --- address sets --------------------------------------------------------------------------------

networks_st = st.builds(
    lambda addr, prefix: ipaddress.IPv4Network((addr, prefix), strict=False),
    st.integers(0, 2**32 - 1),
    st.integers(0, 32),
)
addresses_st = st.builds(ipaddress.IPv4Address, st.integers(0, 2**32 - 1))


@given(networks_st, st.lists(networks_st, max_size=3), addresses_st)
def test_block_is_cidr_minus_excepts(
    cidr: ipaddress.IPv4Network, excepts: list[ipaddress.IPv4Network], address: ipaddress.IPv4Address
) -> None:
    block = IpSet.block(str(cidr), [str(e) for e in excepts], "t")
    assert block.contains(address) == (address in cidr and not any(address in e for e in excepts))


@given(st.lists(networks_st, max_size=3), st.lists(networks_st, max_size=3), addresses_st)
def test_union_minus_covers(
    a_nets: list[ipaddress.IPv4Network], b_nets: list[ipaddress.IPv4Network], address: ipaddress.IPv4Address
) -> None:
    a, b = IpSet.of(a_nets), IpSet.of(b_nets)
    assert a.union(b).contains(address) == (a.contains(address) or b.contains(address))
    assert a.minus(b).contains(address) == (a.contains(address) and not b.contains(address))
    assert a.union(b).covers(a) and a.union(b).covers(b)
    if a.covers(b) and b.contains(address):
        assert a.contains(address)
    assert a.overlaps(b) == (not a.minus(b).covers(a) if not a.is_empty else False)


# --- DNS names -----------------------------------------------------------------------------------

label_st = st.from_regex(r"[a-z0-9][a-z0-9-]{0,8}", fullmatch=True)
name_st = st.lists(label_st, min_size=2, max_size=4).map(".".join)


@given(name_st)
def test_match_name_ignores_case_and_trailing_dot(name: str) -> None:
    selector = FqdnSelector("matchName", name.upper() + ".")
    assert selector.matches(name)
    assert not selector.matches("x" + name)


@given(label_st, label_st, name_st)
def test_star_matches_exactly_one_label(first: str, second: str, base: str) -> None:
    selector = FqdnSelector("matchPattern", "*." + base)
    assert selector.matches(f"{first}.{base}")
    assert not selector.matches(base)
    assert not selector.matches(f"{first}.{second}.{base}")
    assert FqdnSelector("matchPattern", "*").matches(f"{first}.{second}.{base}")
    assert FqdnSelector("matchPattern", "**." + base).matches(f"{first}.{second}.{base}")


# --- the evaluator -------------------------------------------------------------------------------

ENDPOINTS = (
    Endpoint("a-x", "a", {"app": "x"}, (Port(80), Port(53, "UDP"))),
    Endpoint("a-y", "a", {"app": "y", "tier": "z"}, (Port(443),)),
    Endpoint("b-x", "b", {"app": "x", "team": "y"}, (Port(80), Port(443))),
    Endpoint("c-z", "c", {"tier": "z"}, (Port(53, "UDP"), Port(53, "TCP"))),
)
EXTERNALS = (
    External("public", (Port(443), Port(80)), ip="198.18.4.4"),
    External("private", (Port(443),), ip="10.1.2.3"),
    External("named", (Port(443),), fqdn="api.example.com"),
)
TOPOLOGY = Topology(
    endpoints=ENDPOINTS,
    externals=EXTERNALS,
    namespaces={"a": {"team": "x"}, "b": {"team": "y"}, "c": {"team": "z", "app": "x"}},
)
CIDRS = ["0.0.0.0/0", "10.0.0.0/8", "198.18.0.0/16", "198.18.4.4/32", "0.0.0.0/1", "128.0.0.0/1"]


@st.composite
def np_peers(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["pod", "namespace", "both", "ip"]))
    if kind == "ip":
        block: dict[str, Any] = {"cidr": draw(st.sampled_from(CIDRS))}
        if draw(st.booleans()):
            block["except"] = ["10.0.0.0/8"] if block["cidr"] == "0.0.0.0/0" else []
        return {"ipBlock": block}
    peer: dict[str, Any] = {}
    if kind in ("pod", "both"):
        peer["podSelector"] = draw(selectors())
    if kind in ("namespace", "both"):
        peer["namespaceSelector"] = draw(selectors())
    return peer


np_ports = st.lists(
    st.fixed_dictionaries({"port": st.sampled_from([53, 80, 443]), "protocol": st.sampled_from(["TCP", "UDP"])}),
    max_size=2,
)


@st.composite
def network_policies(draw: st.DrawFn) -> dict[str, Any]:
    rules = []
    for _ in range(draw(st.integers(0, 2))):
        rule: dict[str, Any] = {}
        if draw(st.booleans()):
            rule["to" if draw(st.booleans()) else "from"] = draw(st.lists(np_peers(), max_size=2))
        if draw(st.booleans()):
            rule["ports"] = draw(np_ports)
        rules.append(rule)
    spec: dict[str, Any] = {
        "podSelector": draw(selectors()),
        "egress": [r for r in rules if "from" not in r],
        "ingress": [
            {"from": r["from"], **({"ports": r["ports"]} if "ports" in r else {})} for r in rules if "from" in r
        ],
    }
    if draw(st.booleans()):
        spec["policyTypes"] = draw(st.sampled_from([["Egress"], ["Ingress"], ["Ingress", "Egress"]]))
    namespace = draw(st.sampled_from(NAMESPACES))
    name = f"gen-{draw(st.integers(0, 10**6))}"
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


@st.composite
def cilium_policies(draw: st.DrawFn) -> dict[str, Any]:
    rule: dict[str, Any] = {}
    member = draw(st.sampled_from(["toEndpoints", "toEntities", "toCIDR", "none"]))
    if member == "toEndpoints":
        rule[member] = draw(st.lists(selectors(), min_size=1, max_size=2))
    elif member == "toEntities":
        rule[member] = draw(st.lists(st.sampled_from(["world", "cluster", "all", "host"]), min_size=1, max_size=2))
    elif member == "toCIDR":
        rule[member] = [draw(st.sampled_from(CIDRS))]
    if draw(st.booleans()):
        rule["toPorts"] = [{"ports": [{"port": str(p["port"]), "protocol": p["protocol"]} for p in draw(np_ports)]}]
    return {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumNetworkPolicy",
        "metadata": {"name": f"gen-{draw(st.integers(0, 10**6))}", "namespace": draw(st.sampled_from(NAMESPACES))},
        "spec": {"endpointSelector": draw(selectors()), "egress": [rule]},
    }


def deny_all() -> list[dict[str, Any]]:
    return [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "deny-all", "namespace": ns},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        }
        for ns in NAMESPACES
    ]


def reach(objects: list[dict[str, Any]], side: str = "both") -> set[tuple[str, str, str]]:
    """(source, destination, port) triples that pass: both directions, or only ``egress`` /
    ``ingress`` decisions."""
    policies = PolicySet.from_objects(objects)
    found = set()
    for source in ENDPOINTS:
        for dest in (*ENDPOINTS, *EXTERNALS):
            if dest is source:
                continue
            for verdict in connection(policies, TOPOLOGY, source, dest).ports:
                if side == "egress":
                    passes = verdict.egress.allowed
                elif side == "ingress":
                    passes = verdict.ingress is not None and verdict.ingress.allowed
                else:
                    passes = verdict.allowed
                if passes:
                    found.add((source.name, dest.name, str(verdict.port)))
    return found


@settings(max_examples=60, deadline=None)
@given(st.lists(network_policies(), max_size=3), network_policies())
def test_adding_a_policy_never_removes_reachability_once_isolated(
    base: list[dict[str, Any]], extra: dict[str, Any]
) -> None:
    before = reach(deny_all() + base)
    after = reach([*deny_all(), *base, extra])
    assert before <= after


@settings(max_examples=40, deadline=None)
@given(st.lists(network_policies(), max_size=2), st.lists(cilium_policies(), max_size=2))
def test_isolated_decisions_are_the_union_of_the_policies(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    for side in ("egress", "ingress"):
        both = reach(deny_all() + a + b, side)
        assert both == reach(deny_all() + a, side) | reach(deny_all() + b, side)
    # whole connections need both sides, so they are only monotone, not a union
    assert reach(deny_all() + a + b) >= reach(deny_all() + a) | reach(deny_all() + b)


@settings(max_examples=40, deadline=None)
@given(st.lists(network_policies(), max_size=3))
def test_everything_is_reachable_without_isolation_and_nothing_with_deny_all(
    policies: list[dict[str, Any]],
) -> None:
    everything = reach([])
    assert reach(policies) <= everything
    assert reach(deny_all()) == set()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(network_policies(), cilium_policies()), max_size=4), st.randoms())
def test_object_order_does_not_matter(objects: list[dict[str, Any]], random: Any) -> None:
    shuffled = list(objects)
    random.shuffle(shuffled)
    assert reach(objects) == reach(shuffled)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(network_policies(), cilium_policies()), max_size=3), selectors())
def test_a_deny_policy_never_adds_reachability(objects: list[dict[str, Any]], subject: dict[str, Any]) -> None:
    deny = {
        "apiVersion": "cilium.io/v2",
        "kind": "CiliumClusterwideNetworkPolicy",
        "metadata": {"name": "deny-world"},
        "spec": {"endpointSelector": subject, "egressDeny": [{"toEntities": ["world"]}]},
    }
    assert reach([*objects, deny]) <= reach(objects)
    allow_all_but_world = {
        **deny,
        "spec": {
            "endpointSelector": {},
            "egress": [{"toEntities": ["all"]}],
            "egressDeny": [{"toEntities": ["world"]}],
        },
    }
    with_deny = reach([*objects, allow_all_but_world])
    assert not any(dest in {"public", "private", "named"} for _, dest, _ in with_deny)
