"""Policy sections describing the platform: cluster, Coder, gateway, Vault, egress."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .fields import Cidr, Fqdn, HttpUrl, LabelKey, Name, OffOr, PinnedImage, Port, Strict

__all__ = [
    "Cache",
    "Cluster",
    "ClusterDns",
    "Coder",
    "ContentFilter",
    "Egress",
    "EgressRule",
    "Gateway",
    "GatewayLogging",
    "Metadata",
    "PodEndpoint",
    "Vault",
]

OrgName = Annotated[str, Field(pattern=r"^[a-z]([-a-z0-9]{0,18}[a-z0-9])?$")]
EnvName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$")]
NamespaceName = Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
Labels = dict[LabelKey, Annotated[str, Field(max_length=63, pattern=r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]]


class Metadata(Strict):
    org: OrgName
    environment: EnvName = "prod"


class ClusterDns(Strict):
    """Where pods resolve names. ``kube-dns`` is CoreDNS in-cluster (EKS, AKS, most GKE).

    ``node-local`` adds the NodeLocal DNSCache address; ``cloud-dns`` (GKE Cloud DNS) resolves through
    the metadata server on port 53 only. Both need ``ipBlock`` rules, which ``cidrs`` lists.
    """

    mode: Literal["kube-dns", "node-local", "cloud-dns"] = "kube-dns"
    namespace: NamespaceName = "kube-system"
    pod_labels: Labels = Field(default_factory=lambda: {"k8s-app": "kube-dns"})
    cidrs: list[Cidr] = Field(default_factory=list)


class Cluster(Strict):
    provider: Literal["eks", "gke", "aks", "generic"]
    name: Name
    region: str | None = None
    kubernetes_version: Annotated[str, Field(pattern=r"^1\.(2[5-9]|3[0-9])$")]
    network_plugin: Literal["cilium", "calico", "vanilla"] = "vanilla"
    dns: ClusterDns = Field(default_factory=ClusterDns)


class PodEndpoint(Strict):
    """An in-cluster service reached by namespace and pod labels (NetworkPolicy selects pods)."""

    namespace: NamespaceName
    pod_labels: Labels
    port: Port


class Coder(Strict):
    url: HttpUrl
    namespace: NamespaceName = "coder"
    # what agents dial: defaults to the in-cluster Service so egress stays inside the cluster
    agent_url: HttpUrl | None = None
    pod_labels: Labels = Field(default_factory=lambda: {"app.kubernetes.io/name": "coder"})
    port: Port = 8080
    workspace_namespace_prefix: Annotated[str, Field(pattern=r"^[a-z][-a-z0-9]{0,15}$")] = "ws-"
    # how a workspace's team is decided: one template per team restricted by ACL to the team's Coder group
    team_binding: Literal["acl"] = "acl"
    organization_id: str | None = None
    provider_version: Annotated[str, Field(pattern=r"^[0-9]+\.[0-9]+\.[0-9]+$")] = "2.17.0"


class Cache(Strict):
    mode: Annotated[Literal["off", "exact", "semantic"], OffOr] = "exact"
    ttl_seconds: Annotated[int, Field(ge=1, le=30 * 86400)] = 3600
    similarity_threshold: Annotated[float, Field(gt=0, le=1)] = 0.92
    # semantic mode: the policy model that embeds prompts (else routing.tasks.embedding)
    embedding_model: str | None = None


class GatewayLogging(Strict):
    store_prompts: bool = False
    redact: bool = True
    retention_days: Annotated[int, Field(ge=1, le=3650)] = 30


class ContentFilter(Strict):
    secrets: Annotated[Literal["off", "mask", "block"], OffOr] = "block"
    pii: Annotated[Literal["off", "mask", "block"], OffOr] = "mask"
    # content-filter: LiteLLM's built-in regex patterns (no extra service); presidio: Microsoft
    # Presidio analyzer + anonymizer services (named entities), reached at PRESIDIO_*_API_BASE
    pii_engine: Literal["content-filter", "presidio"] = "content-filter"


class Gateway(Strict):
    engine: Literal["litellm", "portkey"] = "litellm"
    namespace: NamespaceName = "llm-gateway"
    port: Port = 4000
    url: HttpUrl
    replicas: Annotated[int, Field(ge=1, le=100)] = 2
    image: PinnedImage | None = None
    pod_labels: Labels = Field(default_factory=lambda: {"app.kubernetes.io/name": "llm-gateway"})
    # Clusters without Cilium cannot name provider hosts: the gateway may then reach TCP 443 on these
    # ranges only; empty = any public address (private, link-local and metadata ranges excluded)
    provider_cidrs: list[Cidr] = Field(default_factory=list)
    cache: Cache = Field(default_factory=Cache)
    logging: GatewayLogging = Field(default_factory=GatewayLogging)
    content_filter: ContentFilter = Field(default_factory=ContentFilter)


class Vault(Strict):
    address: HttpUrl
    kv_mount: Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_]*(/[-A-Za-z0-9_]+)*$")] = "secret"
    auth_mount: Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_]*(/[-A-Za-z0-9_]+)*$")] = "kubernetes"
    injection: Literal["agent", "operator", "external-secrets"] = "agent"
    team_key_path: Annotated[str, Field(pattern=r"^[A-Za-z0-9_{}][-A-Za-z0-9_./{}]*$")] = "cdeops/teams/{team}/gateway"
    # Vault Enterprise namespace (path segments such as admin/team-a); it reaches annotations and Helm values
    namespace: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", max_length=255)] | None = None
    audience: Annotated[str, Field(min_length=1)] = "vault"
    token_ttl_seconds: Annotated[int, Field(ge=60, le=86400)] = 3600
    token_max_ttl_seconds: Annotated[int, Field(ge=60, le=30 * 86400)] = 14400
    # how workspaces reach Vault: in-cluster pods (default) or external addresses
    endpoint: PodEndpoint | None = None
    cidrs: list[Cidr] = Field(default_factory=list)

    @model_validator(mode="after")
    def _team_placeholder(self) -> Vault:
        if "{team}" not in self.team_key_path:
            raise ValueError("team_key_path must contain {team} so every team gets its own key")
        stripped = self.team_key_path.replace("{team}", "")
        if "{" in stripped or "}" in stripped:
            raise ValueError("team_key_path may only use the {team} placeholder")
        if self.team_key_path.startswith(("data/", "metadata/")) or "//" in self.team_key_path:
            raise ValueError("team_key_path is the KV v2 path without data/ (cdeops adds it)")
        if self.endpoint is not None and self.cidrs:
            raise ValueError("set either endpoint (in-cluster Vault) or cidrs (external Vault), not both")
        if self.token_max_ttl_seconds < self.token_ttl_seconds:
            raise ValueError("token_max_ttl_seconds must be at least token_ttl_seconds")
        return self

    @property
    def port(self) -> int:
        rest = self.address.split("://", 1)[1].split("/", 1)[0]
        if ":" in rest:
            return int(rest.rsplit(":", 1)[1])
        return 443 if self.address.startswith("https") else 80

    def team_path(self, team: str) -> str:
        return self.team_key_path.replace("{team}", team)


class EgressRule(Strict):
    name: Name
    hosts: list[Fqdn] = Field(default_factory=list)
    cidrs: list[Cidr] = Field(default_factory=list)
    ports: Annotated[list[Port], Field(min_length=1)] = Field(default_factory=lambda: [443])
    protocol: Literal["TCP", "UDP"] = "TCP"

    @model_validator(mode="after")
    def _has_destination(self) -> EgressRule:
        if not self.hosts and not self.cidrs:
            raise ValueError("an egress rule needs hosts or cidrs")
        return self


class Egress(Strict):
    allow: list[EgressRule] = Field(default_factory=list)
