"""Policy sections describing models: providers, gateway models, routing, inference, GPU pools."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .fields import Fqdn, HttpUrl, Name, PinnedImage, Strict

__all__ = [
    "ARCHITECTURE_FIELDS",
    "Architecture",
    "GpuPool",
    "Inference",
    "Model",
    "Price",
    "Provider",
    "ProviderKind",
    "Routing",
    "SecretRef",
    "Task",
    "Tier",
]

ProviderKind = Literal["anthropic", "openai", "azure-openai", "bedrock", "vertex", "mistral", "gemini"]
Tier = Literal["frontier", "standard", "fast", "self-hosted"]
Task = Literal["completion", "chat", "agent", "review", "embedding"]
VaultPath = Annotated[str, Field(pattern=r"^[A-Za-z0-9_][-A-Za-z0-9_./]*[A-Za-z0-9_]$")]


class SecretRef(Strict):
    """A secret in Vault: KV v2 path under ``vault.kv_mount`` (without ``data/``) and the field."""

    vault: VaultPath
    key: Annotated[str, Field(pattern=r"^[A-Za-z0-9_][-A-Za-z0-9_.]*$")] = "api_key"


class Provider(Strict):
    name: Name
    kind: ProviderKind
    api_key: SecretRef | None = None
    hosts: list[Fqdn] = Field(default_factory=list)
    api_base: HttpUrl | None = None
    api_version: str | None = None  # azure-openai
    region: str | None = None  # bedrock / vertex
    project: str | None = None  # vertex

    @model_validator(mode="after")
    def _kind_needs(self) -> Provider:
        if self.kind not in {"bedrock", "vertex"} and self.api_key is None:
            raise ValueError(f"a {self.kind} provider needs api_key: {{vault: <path>, key: api_key}}")
        if self.kind == "azure-openai" and (self.api_base is None or self.api_version is None):
            raise ValueError("an azure-openai provider needs api_base and api_version")
        if self.kind in {"bedrock", "vertex"} and self.region is None:
            raise ValueError(f"a {self.kind} provider needs region")
        if self.kind == "vertex" and self.project is None:
            raise ValueError("a vertex provider needs project")
        return self


class Price(Strict):
    input_per_mtok: Annotated[float, Field(ge=0)]
    output_per_mtok: Annotated[float, Field(ge=0)]


class Model(Strict):
    name: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$")]
    tier: Tier
    provider: Name | None = None
    model: Annotated[str, Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.:/@]*$")] | None = None
    inference: Name | None = None
    price: Price | None = None
    fallbacks: list[str] = Field(default_factory=list)
    max_tokens: Annotated[int, Field(ge=1)] | None = None

    @model_validator(mode="after")
    def _source(self) -> Model:
        hosted = self.provider is not None or self.model is not None
        if hosted and self.inference is not None:
            raise ValueError("set either provider + model or inference, not both")
        if not hosted and self.inference is None:
            raise ValueError("set provider + model (external) or inference (self-hosted)")
        if hosted and (self.provider is None or self.model is None):
            raise ValueError("an external model needs both provider and model")
        if self.inference is not None and self.tier != "self-hosted":
            raise ValueError("a model served by inference must have tier: self-hosted")
        if self.inference is None and self.tier == "self-hosted":
            raise ValueError("tier self-hosted needs inference: <name>")
        if self.name in self.fallbacks:
            raise ValueError("a model cannot fall back to itself")
        return self


class Routing(Strict):
    default_model: str | None = None
    tasks: dict[Task, str] = Field(default_factory=dict)


ARCHITECTURE_FIELDS = ("params_b", "layers", "attention_heads", "kv_heads", "head_dim")


class Architecture(Strict):
    """Shape of a model not in cdeops' table, for sizing (parameters in billions)."""

    params_b: Annotated[float, Field(gt=0, le=2000)]
    layers: Annotated[int, Field(ge=1, le=1000)]
    attention_heads: Annotated[int, Field(ge=1, le=1024)]
    kv_heads: Annotated[int, Field(ge=1, le=1024)]
    head_dim: Annotated[int, Field(ge=1, le=4096)]


class Inference(Strict):
    name: Name
    engine: Literal["vllm"] = "vllm"
    image: PinnedImage = "vllm/vllm-openai:v0.10.1"
    model: Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*/[A-Za-z0-9][-A-Za-z0-9_.]*$")]
    pool: Name
    gpus_per_replica: Annotated[int, Field(ge=1, le=16)] = 1
    replicas: Annotated[int, Field(ge=1, le=64)] = 1
    max_model_len: Annotated[int, Field(ge=256, le=1_048_576)] = 8192
    dtype: Literal["bfloat16", "float16", "fp8", "awq", "gptq"] = "bfloat16"
    gpu_memory_utilization: Annotated[float, Field(gt=0.1, le=0.98)] = 0.9
    air_gapped: bool = True
    cache_size_gb: Annotated[int, Field(ge=1, le=100_000)] = 60
    architecture: Architecture | None = None
    extra_args: list[Annotated[str, Field(pattern=r"^--[a-z0-9][-a-z0-9]*(=.*)?$")]] = Field(default_factory=list)


class GpuPool(Strict):
    name: Name
    instance_type: Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_.]*$")]
    accelerator: Annotated[str, Field(pattern=r"^[a-z0-9][-a-z0-9]*$")]
    gpus_per_node: Annotated[int, Field(ge=1, le=16)] = 1
    gpu_memory_gb: Annotated[int, Field(ge=1, le=1024)]
    min_nodes: Annotated[int, Field(ge=0, le=1000)] = 0
    max_nodes: Annotated[int, Field(ge=1, le=1000)] = 4
    spot: bool = False
    provisioner: Literal["managed", "karpenter"] = "managed"
    disk_gb: Annotated[int, Field(ge=50, le=16384)] = 200

    @model_validator(mode="after")
    def _bounds(self) -> GpuPool:
        if self.min_nodes > self.max_nodes:
            raise ValueError(f"min_nodes ({self.min_nodes}) is greater than max_nodes ({self.max_nodes})")
        return self
