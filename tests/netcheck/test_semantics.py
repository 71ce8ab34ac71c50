"""NetworkPolicy and Cilium semantics, one rule at a time."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from cdeops.netcheck import (
    Endpoint,
    External,
    NetcheckError,
    PolicySet,
    Port,
    Topology,
    connection,
    ingress_decision,
)

SRC = Endpoint("src", "team-a", {"app": "ws"})
WEB = Endpoint("web", "team-b", {"app": "web"}, (Port(80), Port(8443, "TCP", "https"), Port(53, "UDP")))
LOCAL = Endpoint("local", "team-a", {"app": "db"}, (Port(5432),))
DNS = Endpoint("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, (Port(53, "UDP"), Port(53, "TCP")), "dns")
PUBLIC = External("public", (Port(443), Port(80)), ip="198.18.0.1")
NAMED = External("named", (Port(443),), fqdn="api.example.com")
TOPOLOGY = Topology(
    endpoints=(SRC, WEB, LOCAL, DNS),
    externals=(PUBLIC, NAMED),
    namespaces={"team-b": {"tier": "web"}, "team-a": {"tier": "dev"}},
)


def objects(text: str) -> list[dict[str, Any]]:
    loaded = yaml.safe_load(text)
    return loaded if isinstance(loaded, list) else [loaded]


def np(spec: str, namespace: str = "team-a", name: str = "p") -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": yaml.safe_load(spec),
    }


def cnp(spec: str, namespace: str | None = "team-a", name: str = "c") -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name}
    if namespace is not None:
        metadata["namespace"] = namespace
    kind = "CiliumNetworkPolicy" if namespace is not None else "CiliumClusterwideNetworkPolicy"
    return {"apiVersion": "cilium.io/v2", "kind": kind, "metadata": metadata, "spec": yaml.safe_load(spec)}


def ports(objs: list[dict[str, Any]], dest: Endpoint | External, src: Endpoint = SRC) -> set[str]:
    return {str(p.port) for p in connection(objs, TOPOLOGY, src, dest).ports if p.allowed}


ALL_WEB = {"80/TCP", "8443/TCP (https)", "53/UDP"}


# --- NetworkPolicy -------------------------------------------------------------------------------


def test_no_policy_allows_everything() -> None:
    assert ports([], WEB) == ALL_WEB
    assert ports([], PUBLIC) == {"443/TCP", "80/TCP"}


def test_default_policy_types_ingress_only_unless_egress_given() -> None:
    ingress_only = np("{podSelector: {}, ingress: []}")
    assert ports([ingress_only], PUBLIC) == {"443/TCP", "80/TCP"}
    empty_egress = np("{podSelector: {}, egress: []}")
    assert ports([empty_egress], PUBLIC) == {"443/TCP", "80/TCP"}
    with_egress = np("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]}")
    assert ports([with_egress], PUBLIC) == set()


def test_explicit_egress_type_with_no_rules_denies_all() -> None:
    assert ports([np("{podSelector: {}, policyTypes: [Egress]}")], WEB) == set()


def test_pod_selector_decides_isolation() -> None:
    other = np("{podSelector: {matchLabels: {app: other}}, policyTypes: [Egress]}")
    assert ports([other], WEB) == ALL_WEB
    exprs = np("{podSelector: {matchExpressions: [{key: app, operator: In, values: [ws, x]}]}, policyTypes: [Egress]}")
    assert ports([exprs], WEB) == set()


def test_rule_without_to_or_ports_means_all() -> None:
    assert ports([np("{podSelector: {}, egress: [{}]}")], WEB) == ALL_WEB
    only_ports = np("{podSelector: {}, egress: [{ports: [{port: 80}]}]}")
    assert ports([only_ports], WEB) == {"80/TCP"}
    assert ports([only_ports], PUBLIC) == {"80/TCP"}


def test_peer_combinations() -> None:
    pod_only = np("{podSelector: {}, egress: [{to: [{podSelector: {matchLabels: {app: web}}}]}]}")
    assert ports([pod_only], WEB) == set()  # same namespace only
    ns_only = np("{podSelector: {}, egress: [{to: [{namespaceSelector: {matchLabels: {tier: web}}}]}]}")
    assert ports([ns_only], WEB) == ALL_WEB
    assert ports([ns_only], LOCAL) == set()
    both = np(
        "{podSelector: {}, policyTypes: [Egress],"
        " egress: [{to: [{namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}]}]}"
    )
    assert ports([both], WEB) == set()
    assert ports([both], LOCAL) == {"5432/TCP"}
    same_ns_all = np("{podSelector: {}, policyTypes: [Egress], egress: [{to: [{podSelector: {}}]}]}")
    assert ports([same_ns_all], LOCAL) == {"5432/TCP"}
    assert ports([same_ns_all], WEB) == set()
    # without policyTypes, a policy with egress rules isolates ingress too: LOCAL then refuses SRC
    implicit = np("{podSelector: {}, egress: [{to: [{podSelector: {}}]}]}")
    assert ports([implicit], LOCAL) == set()


def test_metadata_name_label_is_always_present() -> None:
    policy = np(
        "{podSelector: {}, egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-b}}}]}]}"
    )
    assert ports([policy], WEB) == ALL_WEB


def test_ports_protocols_ranges_and_names() -> None:
    udp = np("{podSelector: {}, egress: [{ports: [{port: 53, protocol: UDP}]}]}")
    assert ports([udp], WEB) == {"53/UDP"}
    no_port = np("{podSelector: {}, egress: [{ports: [{protocol: TCP}]}]}")
    assert ports([no_port], WEB) == {"80/TCP", "8443/TCP (https)"}
    ranged = np("{podSelector: {}, egress: [{ports: [{port: 8000, endPort: 9000}]}]}")
    assert ports([ranged], WEB) == {"8443/TCP (https)"}
    named = np("{podSelector: {}, egress: [{ports: [{port: https}]}]}")
    assert ports([named], WEB) == {"8443/TCP (https)"}
    assert ports([named], PUBLIC) == set()  # nothing outside the cluster has port names


def test_unresolvable_named_port_is_noted() -> None:
    unnamed = Endpoint("unnamed", "team-b", {"app": "web"}, (Port(8443),))
    named = np("{podSelector: {}, egress: [{ports: [{port: https}]}]}")
    result = connection([named], TOPOLOGY, SRC, unnamed)
    assert not result.allowed
    assert "named port cannot be resolved" in result.ports[0].notes[0]
    cilium = cnp("{endpointSelector: {}, egress: [{toEntities: [cluster], toPorts: [{ports: [{port: https}]}]}]}")
    result = connection([cilium], TOPOLOGY, SRC, unnamed)
    assert not result.allowed
    assert "named port cannot be resolved" in result.ports[0].notes[0]
    # a rule whose peers do not match says nothing
    elsewhere = np("{podSelector: {}, egress: [{to: [{podSelector: {}}], ports: [{port: https}]}]}")
    assert connection([elsewhere], TOPOLOGY, SRC, unnamed).ports[0].notes == ()


def test_ip_block_except_and_pods() -> None:
    block = np("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 198.18.0.0/15, except: [198.18.0.0/24]}}]}]}")
    assert ports([block], PUBLIC) == set()
    wide = np("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]}")
    assert ports([wide], PUBLIC) == {"443/TCP", "80/TCP"}
    assert ports([wide], NAMED) == {"443/TCP"}
    assert ports([wide], WEB) == set()  # ipBlock never matches in-cluster pods here


def test_name_only_destination_needs_all_public_addresses() -> None:
    halves = np(
        "{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 0.0.0.0/1}}]}, {to: [{ipBlock: {cidr: 128.0.0.0/1}}]}]}"
    )
    assert ports([halves], NAMED) == {"443/TCP"}
    narrow = np("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: 52.0.0.0/8}}]}]}")
    assert ports([narrow], NAMED) == set()


def test_policies_are_additive() -> None:
    a = np("{podSelector: {}, egress: [{ports: [{port: 80}]}]}", name="a")
    b = np("{podSelector: {}, egress: [{ports: [{port: 53, protocol: UDP}]}]}", name="b")
    assert ports([a, b], WEB) == {"80/TCP", "53/UDP"}


def test_ingress_side() -> None:
    deny = np("{podSelector: {}, policyTypes: [Ingress]}", namespace="team-b")
    assert ports([deny], WEB) == set()
    allow = np(
        "{podSelector: {}, ingress: [{from: [{namespaceSelector: {matchLabels: {tier: dev}}}], ports: [{port: 80}]}]}",
        namespace="team-b",
    )
    assert ports([deny, allow], WEB) == {"80/TCP"}
    decision = ingress_decision([deny, allow], TOPOLOGY, SRC, WEB, Port(80))
    assert decision.allowed
    assert decision.reasons == ("NetworkPolicy team-b/p ingress[0].peers[0]",)


def test_other_network_policy_kinds_are_noted_not_evaluated() -> None:
    calico = {"apiVersion": "projectcalico.org/v3", "kind": "NetworkPolicy", "metadata": {"name": "x"}}
    policies = PolicySet.from_objects([calico])
    assert policies.network_policies == ()
    assert policies.notes == ("projectcalico.org/v3 NetworkPolicy x is not evaluated",)


def test_list_objects_are_flattened() -> None:
    deny = np("{podSelector: {}, policyTypes: [Egress]}")
    assert ports([{"apiVersion": "v1", "kind": "List", "items": [deny]}], WEB) == set()


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{egress: []}", "podSelector is required"),
        ("{podSelector: {matchExpressions: [{key: a, operator: Maybe}]}}", "operator"),
        ("{podSelector: {matchExpressions: [{key: a, operator: In}]}}", "needs at least one value"),
        ("{podSelector: {}, egress: [{to: [{ipBlock: {cidr: nonsense}}]}]}", "not a CIDR"),
        ("{podSelector: {}, egress: [{to: [{}]}]}", "a peer needs"),
        ("{podSelector: {}, egress: [{ports: [{port: 80, protocol: ICMP}]}]}", "not TCP, UDP or SCTP"),
        ("{podSelector: {}, policyTypes: [Sideways]}", "policyTypes"),
    ],
)
def test_malformed_network_policies_are_errors(spec: str, message: str) -> None:
    with pytest.raises(NetcheckError, match=message) as info:
        PolicySet.from_objects([np(spec)])
    assert "NetworkPolicy team-a/p" in str(info.value)


# --- Cilium --------------------------------------------------------------------------------------


def test_cilium_rules_put_endpoint_in_default_deny() -> None:
    policy = cnp("{endpointSelector: {}, egress: [{toEntities: [cluster]}]}")
    assert ports([policy], WEB) == ALL_WEB
    assert ports([policy], PUBLIC) == set()


def test_cilium_enable_default_deny_false_keeps_the_rest_open() -> None:
    policy = cnp("{endpointSelector: {}, enableDefaultDeny: {egress: false}, egress: [{toEntities: [cluster]}]}")
    assert ports([policy], PUBLIC) == {"443/TCP", "80/TCP"}


def test_cilium_empty_rule_allows_nothing_and_ports_only_rule_allows_everyone() -> None:
    assert ports([cnp("{endpointSelector: {}, egress: [{}]}")], WEB) == set()
    only_ports = cnp("{endpointSelector: {}, egress: [{toPorts: [{ports: [{port: '80'}]}]}]}")
    assert ports([only_ports], WEB) == {"80/TCP"}
    assert ports([only_ports], PUBLIC) == {"80/TCP"}


def test_cilium_explicit_empty_member_selects_nothing() -> None:
    policy = cnp("{endpointSelector: {}, egress: [{toEndpoints: [], toPorts: [{ports: [{port: '80'}]}]}]}")
    assert ports([policy], WEB) == set()


def test_cilium_to_endpoints_empty_means_own_namespace() -> None:
    policy = cnp("{endpointSelector: {}, egress: [{toEndpoints: [{}]}]}")
    assert ports([policy], LOCAL) == {"5432/TCP"}
    assert ports([policy], WEB) == set()
    clusterwide = cnp("{endpointSelector: {matchLabels: {app: ws}}, egress: [{toEndpoints: [{}]}]}", namespace=None)
    assert ports([clusterwide], WEB) == ALL_WEB
    assert ports([clusterwide], PUBLIC) == set()


def test_cilium_namespace_keys() -> None:
    explicit = cnp(
        "{endpointSelector: {}, egress: [{toEndpoints: [{matchLabels: "
        "{k8s:io.kubernetes.pod.namespace: team-b, any:app: web}}]}]}"
    )
    assert ports([explicit], WEB) == ALL_WEB
    by_ns_labels = cnp(
        "{endpointSelector: {}, egress: [{toEndpoints: [{matchLabels: "
        "{k8s:io.cilium.k8s.namespace.labels.tier: web}}]}]}"
    )
    assert ports([by_ns_labels], WEB) == ALL_WEB
    wrong_source = cnp(
        "{endpointSelector: {}, egress: [{toEndpoints: [{matchLabels: "
        "{reserved:host: '', k8s:io.kubernetes.pod.namespace: team-b}}]}]}"
    )
    assert ports([wrong_source], WEB) == set()


def test_cilium_subject_is_namespaced() -> None:
    elsewhere = cnp("{endpointSelector: {}, egress: [{}]}", namespace="team-b")
    assert ports([elsewhere], WEB) == ALL_WEB


def test_cilium_ports_protocols() -> None:
    any_53 = cnp("{endpointSelector: {}, egress: [{toEntities: [all], toPorts: [{ports: [{port: '53'}]}]}]}")
    assert ports([any_53], WEB) == {"53/UDP"}
    zero = cnp(
        "{endpointSelector: {}, egress: [{toEntities: [all], toPorts: [{ports: [{port: '0', protocol: TCP}]}]}]}"
    )
    assert ports([zero], WEB) == {"80/TCP", "8443/TCP (https)"}
    named = cnp("{endpointSelector: {}, egress: [{toEntities: [all], toPorts: [{ports: [{port: https}]}]}]}")
    assert ports([named], WEB) == {"8443/TCP (https)"}
    ranged = cnp(
        "{endpointSelector: {}, egress: [{toEntities: [all], toPorts: "
        "[{ports: [{port: '70', endPort: 90, protocol: TCP}]}]}]}"
    )
    assert ports([ranged], WEB) == {"80/TCP"}


def test_cilium_cidr_rules() -> None:
    cidr_set = cnp("{endpointSelector: {}, egress: [{toCIDRSet: [{cidr: 0.0.0.0/0, except: [198.18.0.0/16]}]}]}")
    assert ports([cidr_set], PUBLIC) == set()
    assert ports([cidr_set], NAMED) == {"443/TCP"}
    assert ports([cidr_set], WEB) == set()
    plain = cnp("{endpointSelector: {}, egress: [{toCIDR: [198.18.0.1/32]}]}")
    assert ports([plain], PUBLIC) == {"443/TCP", "80/TCP"}


def test_cilium_fqdn_needs_dns_visibility() -> None:
    fqdn_only = cnp("{endpointSelector: {}, egress: [{toFQDNs: [{matchPattern: '*.example.com'}]}]}")
    connection_result = connection([fqdn_only], TOPOLOGY, SRC, NAMED)
    assert not connection_result.allowed
    assert "ineffective" in connection_result.ports[0].notes[0]
    with_dns = cnp(
        "{endpointSelector: {}, egress: ["
        "{toEndpoints: [{matchLabels: {io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}],"
        " toPorts: [{ports: [{port: '53', protocol: ANY}], rules: {dns: [{matchPattern: '*'}]}}]},"
        "{toFQDNs: [{matchPattern: '*.example.com'}], toPorts: [{ports: [{port: '443', protocol: TCP}]}]}]}"
    )
    assert ports([with_dns], NAMED) == {"443/TCP"}
    assert ports([with_dns], PUBLIC) == set()  # an address without a name never matches toFQDNs


def test_cilium_dns_rule_to_the_wrong_server_does_not_count() -> None:
    policy = cnp(
        "{endpointSelector: {}, egress: ["
        "{toEndpoints: [{matchLabels: {app: nothing}}],"
        " toPorts: [{ports: [{port: '53', protocol: UDP}], rules: {dns: [{matchPattern: '*'}]}}]},"
        "{toFQDNs: [{matchName: api.example.com}]}]}"
    )
    assert ports([policy], NAMED) == set()


def test_cilium_deny_beats_allow_from_any_kind() -> None:
    allow = np("{podSelector: {}, egress: [{}]}")
    deny = cnp("{endpointSelector: {}, egressDeny: [{toEntities: [world]}]}")
    assert ports([allow, deny], PUBLIC) == set()
    assert ports([allow, deny], WEB) == ALL_WEB
    deny_port = cnp("{endpointSelector: {}, egressDeny: [{toEntities: [all], toPorts: [{ports: [{port: '80'}]}]}]}")
    # deny rules alone put the endpoint into egress default deny (Cilium: "has rules" includes deny)
    assert ports([deny_port], WEB) == set()
    assert ports([allow, deny_port], WEB) == {"8443/TCP (https)", "53/UDP"}


def test_network_policy_and_cilium_union() -> None:
    np_dns = np("{podSelector: {}, egress: [{ports: [{port: 53, protocol: UDP}]}]}")
    cilium_web = cnp("{endpointSelector: {}, egress: [{toEntities: [world], toPorts: [{ports: [{port: '443'}]}]}]}")
    assert ports([np_dns, cilium_web], WEB) == {"53/UDP"}
    assert ports([np_dns, cilium_web], PUBLIC) == {"443/TCP"}


def test_cilium_ingress() -> None:
    policy = cnp(
        "{endpointSelector: {}, ingress: [{fromEndpoints: [{matchLabels: "
        "{k8s:io.kubernetes.pod.namespace: team-a}}], toPorts: [{ports: [{port: '80'}]}]}]}",
        namespace="team-b",
    )
    assert ports([policy], WEB) == {"80/TCP"}
    assert ports([policy], WEB, src=DNS) == set()
    entities = cnp("{endpointSelector: {}, ingress: [{fromEntities: [cluster]}]}", namespace="team-b")
    assert ports([entities], WEB, src=DNS) == ALL_WEB


def test_cilium_specs_list_and_node_selector() -> None:
    obj = cnp("{endpointSelector: {}, egress: [{}]}")
    obj["specs"] = [yaml.safe_load("{nodeSelector: {}, egress: [{}]}")]
    policies = PolicySet.from_objects([obj])
    assert len(policies.cilium_policies) == 2
    assert any("nodeSelector" in n for n in policies.notes)
    assert ports([obj], WEB) == set()


def test_cilium_unsupported_members_are_noted() -> None:
    policy = cnp("{endpointSelector: {}, egress: [{toServices: [{k8sService: {serviceName: x}}]}]}")
    result = connection([policy], TOPOLOGY, SRC, WEB)
    assert not result.allowed
    assert any("toServices is not evaluated" in n for p in result.ports for n in p.notes)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{egress: []}", "needs endpointSelector or nodeSelector"),
        ("{endpointSelector: {}, egress: [{toEntities: [moon]}]}", "unknown entities moon"),
        ("{endpointSelector: {}, egress: [{toFQDNs: [{matchName: 'bad name!'}]}]}", "not a DNS name"),
        ("{endpointSelector: {}, egress: [{toFQDNs: [{matchRegex: x}]}]}", "unknown field"),
        ("{endpointSelector: {}, egress: [{toPorts: [{ports: [{port: '1', protocol: ICMP}]}]}]}", "protocol"),
        ("{endpointSelector: {}, egress: [{toCIDR: [300.0.0.0/8]}]}", "not a CIDR"),
        ("{endpointSelector: {}, egress: [{toFQDNs: [{matchName: a.b}], toEntities: [world]}]}", "cannot be combined"),
    ],
)
def test_malformed_cilium_policies_are_errors(spec: str, message: str) -> None:
    with pytest.raises(NetcheckError, match=message):
        PolicySet.from_objects([cnp(spec)])


def test_topology_external_needs_an_address_or_name() -> None:
    with pytest.raises(NetcheckError, match="needs an ip or an fqdn"):
        connection([], TOPOLOGY, SRC, External("nowhere", (Port(1),)))
    with pytest.raises(NetcheckError, match="not an IP address"):
        connection([], TOPOLOGY, SRC, External("bad", (Port(1),), ip="1.2.3"))
