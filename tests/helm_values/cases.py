"""The policies the Helm values are tested with: every shipped example plus variants of them.

A variant is an example's ``cdeops.yaml`` with a few keys changed, loaded in memory with the
example folder as base (so its prompt files resolve); nothing is written inside the repository.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from cdeops import __version__
from cdeops.policy import LoadedPolicy
from cdeops.policy.loader import load_policy_text
from cdeops.render.pipeline import render_files
from tests.support.examples import EXAMPLES, example_path, rendered

Doc = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    example: str
    change: Callable[[Doc], None]


def _portkey(doc: Doc) -> None:
    # what the open-source Portkey gateway can enforce (see views.gateway_portkey.portkey_problems)
    doc["gateway"].update(engine="portkey", port=8787)
    doc["gateway"]["cache"] = {"mode": "exact", "ttl_seconds": 600}
    doc["gateway"]["content_filter"] = {"secrets": "block", "pii": "off"}


def _operator(doc: Doc) -> None:
    doc["vault"]["injection"] = "operator"
    doc["vault"]["namespace"] = "platform/llm"


def _aks_spot_awq(doc: Doc) -> None:
    # AKS taints spot nodes; AWQ weights need --quantization and float16
    doc["cluster"].update(provider="aks", region="westeurope")
    for pool in doc["gpu_pools"]:
        pool["spot"] = True
        pool["provisioner"] = "managed"
    doc["inference"][0].update(dtype="awq", air_gapped=False, replicas=1, extra_args=["--enable-prefix-caching"])


def _single_replica(doc: Doc) -> None:
    doc["gateway"]["replicas"] = 1
    doc["gateway"]["cache"] = {"mode": "off"}


def _semantic_one_replica(doc: Doc) -> None:
    # one replica still needs Redis: the semantic cache lives there
    doc["gateway"]["replicas"] = 1


VARIANTS: dict[str, Variant] = {
    "eks-cilium-portkey": Variant("eks-cilium", _portkey),
    "eks-cilium-operator": Variant("eks-cilium", _operator),
    "aks-spot-awq": Variant("eks-cilium", _aks_spot_awq),
    "minimal-one-replica": Variant("minimal", _single_replica),
    "eks-cilium-semantic-one-replica": Variant("eks-cilium", _semantic_one_replica),
}
CASES = sorted([*EXAMPLES, *VARIANTS])

_CACHE: dict[str, tuple[LoadedPolicy, dict[str, bytes]]] = {}


def variant_text(name: str) -> str:
    variant = VARIANTS[name]
    doc: Doc = yaml.safe_load(example_path(variant.example).read_text())
    changed = copy.deepcopy(doc)
    variant.change(changed)
    return yaml.safe_dump(changed, sort_keys=False)


def load_case(name: str) -> tuple[LoadedPolicy, dict[str, bytes]]:
    """The loaded policy and every rendered file of a case (cached per session)."""
    if name in EXAMPLES:
        return rendered(name)
    if name not in _CACHE:
        path = example_path(VARIANTS[name].example)
        loaded = load_policy_text(variant_text(name), f"{name}.yaml", path.parent)
        _CACHE[name] = (loaded, render_files(loaded, __version__))
    return _CACHE[name]
