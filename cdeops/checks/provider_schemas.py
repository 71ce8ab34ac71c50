"""The Terraform provider schemas shipped in ``cdeops/data/provider_schemas``, loaded as typed objects.

The files keep the layout of ``terraform providers schema -json`` without descriptions (see
``scripts/trim_provider_schemas.py``). Each provider is read once, on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "Attribute",
    "Block",
    "BlockType",
    "NestedType",
    "ProviderSchema",
    "known_provider_addresses",
    "load_provider_schema",
    "normalize_source",
    "version_allowed",
]

_DEFAULT_HOST = "registry.terraform.io"
_ALIAS_HOSTS = {"registry.terraform.io", "registry.opentofu.org"}
_CONSTRAINT = re.compile(r"\s*(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+){0,2})\s*")


@dataclass(frozen=True)
class NestedType:
    """A framework ``nested_type`` attribute: written as ``name = {...}`` or ``name = [{...}]``."""

    nesting_mode: str
    attributes: Mapping[str, Attribute]
    min_items: int = 0
    max_items: int | None = None


@dataclass(frozen=True)
class Attribute:
    """One attribute; ``type`` is the cty type in Terraform's JSON form, ``None`` for nested types."""

    type: Any = None
    nested: NestedType | None = None
    required: bool = False
    optional: bool = False
    computed: bool = False
    deprecated: bool = False
    sensitive: bool = False
    write_only: bool = False

    @property
    def settable(self) -> bool:
        return self.required or self.optional

    @property
    def read_only(self) -> bool:
        return self.computed and not self.settable


@dataclass(frozen=True)
class BlockType:
    """A nested block type: ``name { ... }``, repeated between ``min_items`` and ``max_items`` times."""

    nesting_mode: str
    block: Block
    min_items: int = 0
    max_items: int | None = None


@dataclass(frozen=True)
class Block:
    """The body schema of a resource, data source, provider or nested block."""

    attributes: Mapping[str, Attribute] = field(default_factory=dict)
    block_types: Mapping[str, BlockType] = field(default_factory=dict)
    deprecated: bool = False


@dataclass(frozen=True)
class ProviderSchema:
    """Everything cdeops knows about one provider version.

    ``resources``/``data_sources`` hold the shipped schemas, which may cover only some types;
    ``resource_types``/``data_source_types`` name every type of the provider as of
    ``type_names_version`` (equal to ``version`` when the list is known to be complete).
    """

    address: str
    version: str
    provider: Block | None
    resources: Mapping[str, Block]
    data_sources: Mapping[str, Block]
    resource_types: frozenset[str]
    data_source_types: frozenset[str]
    type_names_version: str

    @property
    def type_names_complete(self) -> bool:
        return self.type_names_version == self.version


def normalize_source(source: str) -> str:
    """``coder/coder`` → ``registry.terraform.io/coder/coder`` (lower case, like Terraform)."""
    parts = source.strip().lower().split("/")
    if len(parts) == 1:
        parts = ["hashicorp", *parts]
    if len(parts) == 2:
        parts = [_DEFAULT_HOST, *parts]
    if parts[0] in _ALIAS_HOSTS:
        parts[0] = _DEFAULT_HOST
    return "/".join(parts)


def _read_json(name: str) -> Any:
    path = resources.files("cdeops").joinpath("data", "provider_schemas", name)
    return json.loads(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _index() -> Mapping[str, Mapping[str, Any]]:
    providers: Mapping[str, Mapping[str, Any]] = _read_json("index.json")["providers"]
    return providers


def known_provider_addresses() -> frozenset[str]:
    """Addresses (``registry.terraform.io/ns/type``) that have a shipped schema."""
    return frozenset(_index())


def _attribute(raw: Mapping[str, Any]) -> Attribute:
    nested = None
    if "nested_type" in raw:
        node = raw["nested_type"]
        nested = NestedType(
            nesting_mode=node["nesting_mode"],
            attributes={name: _attribute(sub) for name, sub in node.get("attributes", {}).items()},
            min_items=node.get("min_items", 0),
            max_items=node.get("max_items"),
        )
    return Attribute(
        type=raw.get("type"),
        nested=nested,
        required=raw.get("required", False),
        optional=raw.get("optional", False),
        computed=raw.get("computed", False),
        deprecated=raw.get("deprecated", False),
        sensitive=raw.get("sensitive", False),
        write_only=raw.get("write_only", False),
    )


def _block(raw: Mapping[str, Any]) -> Block:
    return Block(
        attributes={name: _attribute(attr) for name, attr in raw.get("attributes", {}).items()},
        block_types={
            name: BlockType(
                nesting_mode=bt["nesting_mode"],
                block=_block(bt["block"]),
                min_items=bt.get("min_items", 0),
                max_items=bt.get("max_items"),
            )
            for name, bt in raw.get("block_types", {}).items()
        },
        deprecated=raw.get("deprecated", False),
    )


@cache
def load_provider_schema(address: str) -> ProviderSchema | None:
    """The schema for a provider address (as :func:`normalize_source` returns), or ``None``."""
    entry = _index().get(address)
    if entry is None:
        return None
    data = _read_json(entry["file"])["provider_schemas"][address]
    provider = data.get("provider")
    resources = {name: _block(s["block"]) for name, s in data.get("resource_schemas", {}).items()}
    data_sources = {name: _block(s["block"]) for name, s in data.get("data_source_schemas", {}).items()}
    names: Mapping[str, Any] = {}
    if entry.get("type_names"):
        names = _read_json(entry["type_names"])["providers"][address]
    return ProviderSchema(
        address=address,
        version=entry["provider_version"],
        provider=_block(provider["block"]) if provider else None,
        resources=resources,
        data_sources=data_sources,
        resource_types=frozenset(resources).union(names.get("resources", ())),
        data_source_types=frozenset(data_sources).union(names.get("data_sources", ())),
        type_names_version=entry["type_names_version"],
    )


def _triple(text: str) -> tuple[int, int, int]:
    major, minor, patch = (*(int(part) for part in text.split(".")), 0, 0, 0)[:3]
    return major, minor, patch


def version_allowed(version: str, constraint: str) -> bool | None:
    """Whether ``version`` meets a Terraform version constraint (``~> 2.17, != 2.18.0``).

    ``None`` when the constraint uses something this small reader does not understand
    (pre-release versions, odd syntax): callers then stay silent.
    """
    have = _triple(version)
    for part in constraint.split(","):
        match = _CONSTRAINT.fullmatch(part)
        if match is None:
            return None
        operator, given = match.group(1) or "=", match.group(2)
        want = _triple(given)
        if operator == "~>":
            # ~> 2.17 allows >= 2.17, < 3.0; ~> 2.17.1 allows >= 2.17.1, < 2.18.0; ~> 2 allows < 3.
            bump = max(given.count(".") - 1, 0)
            upper = [*want[:bump], want[bump] + 1, 0, 0][:3]
            ok = want <= have < tuple(upper)
        else:
            ok = {
                "=": have == want,
                "!=": have != want,
                ">": have > want,
                ">=": have >= want,
                "<": have < want,
                "<=": have <= want,
            }[operator]
        if not ok:
            return False
    return True
