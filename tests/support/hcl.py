"""Reading rendered HCL in tests: python-hcl2's output with quotes, heredocs and escapes resolved."""

from __future__ import annotations

import json
import re
import textwrap
from typing import Any

import hcl2

__all__ = ["block", "load_tf", "resources"]

_HEREDOC = re.compile(r'^"?<<(-?)([A-Z]+)\n(.*)\n\s*\2"?$', re.S)


def _literal(value: str) -> Any:
    heredoc = _HEREDOC.match(value)
    if heredoc:
        body = heredoc.group(3) + "\n"
        if heredoc.group(1):
            body = textwrap.dedent(body)
        return body.replace("$${", "${").replace("%%{", "%{")
    if len(value) >= 2 and value[0] == value[-1] == '"' and not value.startswith('"${'):
        text = json.loads(value)
        return text.replace("$${", "${").replace("%%{", "%{")
    return value


def _norm(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(_literal(k)) if isinstance(k, str) else k: _norm(v) for k, v in node.items() if k != "__comments__"}
    if isinstance(node, list):
        return [_norm(v) for v in node]
    if isinstance(node, str):
        return _literal(node)
    return node


def load_tf(text: str) -> dict[str, Any]:
    result: dict[str, Any] = _norm(hcl2.loads(text))
    return result


def resources(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """``{name: body}`` of every resource (or data source, with kind ``data:<type>``) of a type."""
    section = "data" if kind.startswith("data:") else "resource"
    wanted = kind.removeprefix("data:")
    found: dict[str, Any] = {}
    for entry in doc.get(section, []):
        for rtype, named in entry.items():
            if rtype == wanted:
                found.update(named)
    return found


def block(body: dict[str, Any], *path: str) -> dict[str, Any]:
    """Follow single nested blocks: ``block(dep, "spec", "template", "spec")``."""
    node: Any = body
    for name in path:
        node = node[name]
        if isinstance(node, list):
            node = node[0]
    assert isinstance(node, dict)
    return node
