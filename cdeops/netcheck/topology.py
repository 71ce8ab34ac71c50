"""A ready-made topology for the usual cdeops cluster layout, with documented sample addresses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cdeops.netcheck.model import Endpoint, External, Port, Topology

__all__ = ["WORLD_SAMPLE_IP", "standard_topology"]

#: A public-looking address (TEST-NET-3, never routed) that stands for "the internet at large".
WORLD_SAMPLE_IP = "203.0.113.7"
METADATA_IP = "169.254.169.254"
_WEB = (Port(443, "TCP"), Port(80, "TCP"))


def standard_topology(
    *,
    coder_namespace: str = "coder",
    coder_labels: Mapping[str, str] | None = None,
    coder_ports: Iterable[Port] = (Port(8080, "TCP", "http"),),
    gateway_namespace: str = "llm-gateway",
    gateway_labels: Mapping[str, str] | None = None,
    gateway_port: int = 4000,
    vault: Endpoint | External | None = None,
    provider_hosts: Iterable[str] = (),
    provider_ips: Mapping[str, str] | None = None,
    inference: Iterable[Endpoint] = (),
    allowed: Iterable[External] = (),
    workspace_labels: Mapping[str, str] | None = None,
    namespaces: Mapping[str, Mapping[str, str]] | None = None,
) -> Topology:
    """kube-dns, coderd, gateway pods, Vault, inference pods, provider hosts, ``egress.allow``
    places, a sample internet address, a sample internet name and the metadata address.

    ``vault`` defaults to an in-cluster Vault (namespace ``vault``, ``app.kubernetes.io/name:
    vault``, TCP 8200); pass an ``External`` for a Vault outside the cluster. ``provider_ips`` maps
    a provider host to an address it resolves to, to test CIDR rules against it.
    """
    ips = provider_ips or {}
    endpoints = [
        Endpoint("kube-dns", "kube-system", {"k8s-app": "kube-dns"}, (Port(53, "UDP"), Port(53, "TCP")), "dns"),
        Endpoint(
            "coderd",
            coder_namespace,
            dict(coder_labels or {"app.kubernetes.io/name": "coder"}),
            tuple(coder_ports),
            "coderd",
        ),
        Endpoint(
            "gateway",
            gateway_namespace,
            dict(gateway_labels or {"app.kubernetes.io/name": "litellm"}),
            (Port(gateway_port, "TCP"),),
            "gateway",
        ),
    ]
    externals: list[External] = []
    vault = vault or Endpoint("vault", "vault", {"app.kubernetes.io/name": "vault"}, (Port(8200, "TCP"),))
    if isinstance(vault, Endpoint):
        endpoints.append(Endpoint(vault.name, vault.namespace, vault.labels, vault.ports, "vault"))
    else:
        externals.append(External(vault.name, vault.ports, vault.ip, vault.fqdn, "vault"))
    endpoints.extend(Endpoint(e.name, e.namespace, e.labels, e.ports, "inference") for e in inference)
    externals.extend(External(host, (Port(443, "TCP"),), ips.get(host), host, "provider") for host in provider_hosts)
    externals.extend(External(a.name, a.ports, a.ip, a.fqdn, "allowed") for a in allowed)
    externals += [
        External("internet-address", _WEB, ip=WORLD_SAMPLE_IP, role="world"),
        External("internet-name", _WEB, fqdn="example.com", role="world"),
        External("cloud-metadata", (Port(80, "TCP"), Port(443, "TCP")), ip=METADATA_IP, role="metadata"),
    ]
    return Topology(
        endpoints=tuple(endpoints),
        externals=tuple(externals),
        namespaces=dict(namespaces or {}),
        workspace_labels=dict(workspace_labels or {}),
    )
