"""Kubernetes label selectors, and the label sets Cilium derives for an endpoint.

A selector is the dict form of ``metav1.LabelSelector``: ``matchLabels`` and ``matchExpressions``
are ANDed; an empty selector (``{}``) selects everything. A missing selector (``None``) is decided by
the caller, because its meaning differs per field (a missing ``podSelector`` inside a peer means "all
pods", a missing ``namespaceSelector`` means "the policy's own namespace").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdeops.netcheck.errors import NetcheckError

__all__ = [
    "CILIUM_NAMESPACE_KEY",
    "CILIUM_NAMESPACE_LABELS_PREFIX",
    "Requirement",
    "Selector",
    "cilium_endpoint_labels",
    "parse_selector",
    "strip_cilium_source",
]

_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")

CILIUM_NAMESPACE_KEY = "io.kubernetes.pod.namespace"
CILIUM_NAMESPACE_LABELS_PREFIX = "io.cilium.k8s.namespace.labels."

# Label sources that Cilium puts on (or matches against) Kubernetes pod identities.
_POD_SOURCES = ("k8s:", "any:")


@dataclass(frozen=True)
class Requirement:
    """One ``matchExpressions`` entry (``matchLabels`` entries become ``In`` with one value)."""

    key: str
    operator: str
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist


@dataclass(frozen=True)
class Selector:
    """A parsed label selector: the AND of its requirements (none → selects everything)."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        return all(r.matches(labels) for r in self.requirements)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset(r.key for r in self.requirements)

    def with_requirement(self, requirement: Requirement) -> Selector:
        return Selector((*self.requirements, requirement))

    def __str__(self) -> str:
        if not self.requirements:
            return "{}"
        parts = []
        for r in self.requirements:
            if r.operator == "In" and len(r.values) == 1:
                parts.append(f"{r.key}={next(iter(r.values))}")
            elif r.operator in ("In", "NotIn"):
                parts.append(f"{r.key} {r.operator.lower()} ({','.join(sorted(r.values))})")
            elif r.operator == "Exists":
                parts.append(r.key)
            else:
                parts.append(f"!{r.key}")
        return ",".join(parts)


def parse_selector(raw: Any, where: str) -> Selector:
    """Parse a ``LabelSelector`` dict; ``where`` names it in error messages."""
    if raw is None:
        return Selector()
    if not isinstance(raw, Mapping):
        raise NetcheckError(f"{where}: a label selector must be a mapping, got {type(raw).__name__}")
    unknown = set(raw) - {"matchLabels", "matchExpressions"}
    if unknown:
        raise NetcheckError(f"{where}: unknown selector field(s) {', '.join(sorted(map(str, unknown)))}")
    requirements: list[Requirement] = []
    match_labels = raw.get("matchLabels") or {}
    if not isinstance(match_labels, Mapping):
        raise NetcheckError(f"{where}.matchLabels: must be a mapping")
    for key, value in match_labels.items():
        requirements.append(Requirement(str(key), "In", frozenset({_label_value(value)})))
    expressions = raw.get("matchExpressions") or []
    if not isinstance(expressions, list):
        raise NetcheckError(f"{where}.matchExpressions: must be a list")
    for index, expr in enumerate(expressions):
        requirements.append(_parse_expression(expr, f"{where}.matchExpressions[{index}]"))
    return Selector(tuple(requirements))


def _label_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_expression(expr: Any, where: str) -> Requirement:
    if not isinstance(expr, Mapping) or "key" not in expr or "operator" not in expr:
        raise NetcheckError(f"{where}: needs 'key' and 'operator'")
    operator = str(expr["operator"])
    if operator not in _OPERATORS:
        raise NetcheckError(f"{where}.operator: {operator!r} is not one of {', '.join(_OPERATORS)}")
    values = expr.get("values") or []
    if not isinstance(values, list):
        raise NetcheckError(f"{where}.values: must be a list")
    if operator in ("In", "NotIn") and not values:
        raise NetcheckError(f"{where}.values: operator {operator} needs at least one value")
    if operator in ("Exists", "DoesNotExist") and values:
        raise NetcheckError(f"{where}.values: operator {operator} takes no values")
    return Requirement(str(expr["key"]), operator, frozenset(_label_value(v) for v in values))


def strip_cilium_source(key: str) -> str:
    """Map a Cilium selector key to the key it matches on a pod's identity labels.

    ``k8s:app`` and ``any:app`` match the pod label ``app``; a key without a source means ``any:``.
    Keys of other sources (``reserved:host``, ``cidr:...``) are kept as they are: no pod label key
    contains a colon, so they never match a pod (and ``DoesNotExist`` on them always holds).
    """
    for prefix in _POD_SOURCES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def cilium_endpoint_labels(
    namespace: str, namespace_labels: Mapping[str, str], pod_labels: Mapping[str, str]
) -> dict[str, str]:
    """The (source-less) identity labels Cilium gives a pod: its own labels, its namespace, and its
    namespace's labels under ``io.cilium.k8s.namespace.labels.``."""
    labels = dict(pod_labels)
    labels[CILIUM_NAMESPACE_KEY] = namespace
    for key, value in namespace_labels.items():
        labels[CILIUM_NAMESPACE_LABELS_PREFIX + key] = value
    return labels
