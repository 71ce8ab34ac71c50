"""Escaping filters: the only way values reach HCL.

A string becomes a quoted HCL literal in which ``${`` and ``%{`` cannot start an interpolation or a
directive, so any text (quotes, backslashes, newlines, unicode) reaches Terraform unchanged.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["HclExpr", "hcl_heredoc", "hcl_key", "hcl_string", "hcl_value"]

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class HclExpr(str):
    """A Terraform expression written by cdeops itself (never user text): emitted as-is."""

    __slots__ = ()


def _escape_template(text: str) -> str:
    # `$${` and `%%{` are HCL's literal forms of `${` and `%{`
    return text.replace("${", "$${").replace("%{", "%%{")


def _escape_table() -> dict[int, str]:
    table = {c: f"\\u{c:04x}" for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029]}
    table.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
    return table


_ESCAPES = _escape_table()
_NEEDS_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029]|[$%]\{')


def hcl_string(value: object) -> str:
    """A quoted HCL string literal whose value is exactly ``str(value)``."""
    text = str(value)
    if _NEEDS_ESCAPE.search(text) is None:  # the common case: nothing to escape
        return f'"{text}"'
    return '"' + _escape_template(text).translate(_ESCAPES) + '"'


def hcl_heredoc(text: str, indent: int = 0) -> str:
    """A ``<<-EOT`` heredoc with ``text`` as its literal value (template sequences escaped).

    Used for scripts so reviewers read them as scripts. ``text`` must end with a newline.
    """
    if not text.endswith("\n"):
        text += "\n"
    lines = text.splitlines()
    marker = "EOT"
    while any(line.strip() == marker for line in lines):
        marker += "X"
    pad = " " * (indent + 2)
    body = "\n".join((pad + line) if line else "" for line in _escape_template(text).splitlines())
    return f"<<-{marker}\n{body}\n{' ' * indent}{marker}"


def hcl_key(key: str) -> str:
    """An object key: bare when it is an identifier, quoted otherwise."""
    return key if _IDENT.match(key) else hcl_string(key)


def hcl_value(value: Any, indent: int = 0) -> str:
    """Any JSON-like value (or ``HclExpr``) as canonical HCL, objects one key per line."""
    if isinstance(value, HclExpr):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return hcl_string(value)
    pad = " " * (indent + 2)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        keys = [hcl_key(str(k)) for k in value]
        width = max(len(k) for k in keys)
        lines = [
            f"{pad}{k.ljust(width)} = {hcl_value(v, indent + 2)}" for k, v in zip(keys, value.values(), strict=True)
        ]
        return "{\n" + "\n".join(lines) + "\n" + " " * indent + "}"
    if isinstance(value, Sequence):
        if not value:
            return "[]"
        items = [hcl_value(v, indent + 2) for v in value]
        if all("\n" not in i for i in items) and sum(len(i) + 2 for i in items) + indent < 100:
            return "[" + ", ".join(items) + "]"
        return "[\n" + ",\n".join(pad + i for i in items) + ",\n" + " " * indent + "]"
    raise TypeError(f"cannot write {type(value).__name__} as HCL")
