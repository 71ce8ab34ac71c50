"""Comparing what Vault holds with the plan: role fields and policy rules, shared by check and sync."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..views.vault_policies import AuthRole

__all__ = ["FieldChange", "parse_policy_rules", "role_differences", "rule_differences"]

_SET_FIELDS = ("bound_service_account_names", "bound_service_account_namespaces", "token_policies")
_LEGACY = {"token_policies": "policies", "token_ttl": "ttl", "token_max_ttl": "max_ttl"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any

    def __str__(self) -> str:
        return f"{self.field}: {_show(self.before)} -> {_show(self.after)}"

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "before": self.before, "after": self.after}


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return sorted(str(v) for v in value)


def _as_int(value: Any) -> int | Any:
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def role_differences(role: AuthRole, actual: Mapping[str, Any]) -> list[FieldChange]:
    """Every field of ``actual`` (a role read from Vault) that differs from the planned role."""
    wanted: dict[str, Any] = {
        "bound_service_account_names": sorted(role.service_accounts),
        "bound_service_account_namespaces": sorted(role.namespaces),
        "audience": role.audience,
        "token_policies": sorted(role.policies),
        "token_ttl": role.token_ttl,
        "token_max_ttl": role.token_max_ttl,
    }
    changes: list[FieldChange] = []
    for name, after in wanted.items():
        present = actual.get(name, actual.get(_LEGACY.get(name, name)))
        if name in _SET_FIELDS:
            before: Any = _as_list(present)
        elif name in ("token_ttl", "token_max_ttl"):
            before = _as_int(present)
        else:
            before = "" if present is None else present
        if before != after:
            changes.append(FieldChange(name, before, after))
    selector = actual.get("bound_service_account_namespace_selector") or ""
    if selector:
        changes.append(FieldChange("bound_service_account_namespace_selector", selector, ""))
    return changes


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        loaded = json.loads(text)
        return str(loaded)
    return text


def parse_policy_rules(text: str) -> dict[str, frozenset[str]] | None:
    """``{path: capabilities}`` of a Vault HCL policy, or None when it is not plain ``path`` blocks."""
    import hcl2
    from lark.exceptions import LarkError

    try:
        doc = hcl2.loads(text)
    except (LarkError, ValueError, TypeError):
        return None
    if set(doc) - {"path", "__comments__"}:
        return None
    rules: dict[str, frozenset[str]] = {}
    for block in doc.get("path", []):
        for raw_path, body in block.items():
            if not isinstance(body, dict) or set(body) - {"capabilities", "__is_block__", "__comments__"}:
                return None
            caps = frozenset(_unquote(str(c)) for c in body.get("capabilities", []))
            path = _unquote(raw_path)
            rules[path] = rules.get(path, frozenset()) | caps
    return rules


def rule_differences(planned: Mapping[str, tuple[str, ...]], actual: Mapping[str, frozenset[str]]) -> list[str]:
    """Human-readable differences between planned and actual policy rules (empty when equal)."""
    problems: list[str] = []
    for path in sorted(planned.keys() | actual.keys()):
        want = frozenset(planned.get(path, ()))
        have = actual.get(path)
        if have is None:
            problems.append(f'missing rule path "{path}" {sorted(want)}')
        elif path not in planned:
            problems.append(f'extra rule path "{path}" {sorted(have)}')
        elif want != have:
            problems.append(f'path "{path}" has {sorted(have)}, rendered {sorted(want)}')
    return problems
