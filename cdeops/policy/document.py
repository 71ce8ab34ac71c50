"""The root of the policy file (``cdeops.yaml``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from .fields import Strict
from .infra import Cluster, Coder, Egress, Gateway, Metadata, Vault
from .llm import GpuPool, Inference, Model, Provider, Routing
from .org import Prompt, Team, Template

__all__ = ["API_VERSION", "Policy"]

API_VERSION = "cdeops.io/v1alpha1"


class Policy(Strict):
    """One organisation's policy. Field names are a user-facing contract (SPEC §3)."""

    apiVersion: Literal["cdeops.io/v1alpha1"]
    kind: Literal["Policy"]
    metadata: Metadata
    cluster: Cluster
    coder: Coder
    gateway: Gateway
    providers: list[Provider] = Field(default_factory=list)
    models: Annotated[list[Model], Field(min_length=1)]
    routing: Routing = Field(default_factory=Routing)
    inference: list[Inference] = Field(default_factory=list)
    gpu_pools: list[GpuPool] = Field(default_factory=list)
    vault: Vault
    egress: Egress = Field(default_factory=Egress)
    prompts: list[Prompt] = Field(default_factory=list)
    teams: Annotated[list[Team], Field(min_length=1)]
    templates: Annotated[list[Template], Field(min_length=1)]

    # lookups used by the rules and view builders
    def model(self, name: str) -> Model:
        return next(m for m in self.models if m.name == name)

    def provider(self, name: str) -> Provider:
        return next(p for p in self.providers if p.name == name)

    def template(self, name: str) -> Template:
        return next(t for t in self.templates if t.name == name)

    def team(self, name: str) -> Team:
        return next(t for t in self.teams if t.name == name)

    def pool(self, name: str) -> GpuPool:
        return next(p for p in self.gpu_pools if p.name == name)

    def inference_for(self, name: str) -> Inference:
        return next(i for i in self.inference if i.name == name)
