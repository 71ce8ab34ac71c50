"""What a literal HCL value is, read from python-hcl2's syntax tree without evaluating anything.

Used by the schema check for cheap, false-positive-free type checks: a value whose type only
evaluation could tell (references, function calls, ``"${...}"``) is never judged.
"""

from __future__ import annotations

import re
from typing import Any

from hcl2.rules.base import BlockRule
from hcl2.rules.containers import ObjectElemKeyRule, ObjectRule, TupleRule
from hcl2.rules.expressions import ExprTermRule
from hcl2.rules.for_expressions import ForObjectExprRule, ForTupleExprRule
from hcl2.rules.literal_rules import FloatLitRule, IntLitRule, LiteralValueRule
from hcl2.rules.strings import HeredocTemplateRule, StringRule

__all__ = [
    "KIND_NAMES",
    "block_labels",
    "line_of",
    "literal_kind",
    "literal_string",
    "object_items",
    "type_problem",
    "unwrap",
]

KIND_NAMES = {"tuple": "a list", "object": "an object", "string": "a string", "number": "a number"}
# Strings Terraform converts to a number / bool (checked against `tonumber` / `tobool` of Terraform 1.11).
_NUMBER = re.compile(r"[-+]?((\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|inf|infinity)", re.IGNORECASE)
_BOOL_STRINGS = ("true", "false", "1", "0")


def line_of(node: object) -> int:
    """The first line of a syntax-tree node, 0 when unknown."""
    meta = getattr(node, "_meta", None)
    line = getattr(meta, "line", 0)
    return line if isinstance(line, int) else 0


def unquote(text: str) -> str:
    """``"x"`` → ``x``; python-hcl2 keeps the quotes of string literals and labels."""
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def block_labels(block: BlockRule) -> list[str]:
    return [unquote(str(label.serialize())) for label in block.labels]


def unwrap(node: Any) -> Any:
    """The expression inside any (parenthesised) expression terms."""
    while isinstance(node, ExprTermRule):
        node = node.expression
    return node


def literal_kind(node: Any) -> str | None:
    """The literal kind of an expression, or ``None`` when only evaluation could tell."""
    node = unwrap(node)
    if isinstance(node, StringRule):
        text = str(node.serialize())
        return None if text.startswith('"${') and text.endswith('}"') else "string"
    if isinstance(node, HeredocTemplateRule):
        return "string"
    if isinstance(node, IntLitRule | FloatLitRule):
        return "number"
    if isinstance(node, LiteralValueRule):
        return {True: "bool", False: "bool", None: "null"}.get(node.serialize())
    if isinstance(node, TupleRule | ForTupleExprRule):
        return "tuple"
    if isinstance(node, ObjectRule | ForObjectExprRule):
        return "object"
    return None


def literal_string(node: Any) -> str | None:
    """The value of a plain quoted string without interpolation, else ``None``."""
    node = unwrap(node)
    if not isinstance(node, StringRule):
        return None
    text = unquote(str(node.serialize()))
    return None if "${" in text or "%{" in text or "\\" in text else text


def object_items(node: Any) -> list[tuple[str | None, Any, int]]:
    """``(key, value, line)`` of a literal object; ``key`` is ``None`` for computed keys."""
    items = []
    for elem in unwrap(node).elements:
        key = elem.key
        name = unquote(str(key.serialize())) if isinstance(key, ObjectElemKeyRule) else None
        items.append((name, elem.expression, line_of(elem)))
    return items


def type_problem(node: Any, type_: Any, *, reveal: bool = True) -> str | None:
    """Why a literal value cannot convert to ``type_``, or ``None`` if it can (or may).

    With ``reveal=False`` (sensitive attributes) the message never quotes the value.
    """
    kind = literal_kind(node)
    if kind in (None, "null") or type_ == "dynamic":
        return None
    if isinstance(type_, str):
        if kind in ("tuple", "object"):
            return f"{type_} required, got {KIND_NAMES[kind]}"
        literal = literal_string(node) if kind == "string" else None
        if type_ == "number" and (kind == "bool" or (literal is not None and not _NUMBER.fullmatch(literal))):
            return f"number required, got {kind}{_describe(node, reveal)}"
        if type_ == "bool" and (kind == "number" or (literal is not None and literal not in _BOOL_STRINGS)):
            return f"bool required, got {kind}{_describe(node, reveal)}"
        return None
    tag, inner = type_[0], type_[1]
    wanted = {"list": "tuple", "set": "tuple", "map": "object", "object": "object"}.get(tag)
    if wanted is None:
        return None
    if kind != wanted:
        return f"{tag} required, got {KIND_NAMES.get(kind, kind)}"
    if isinstance(unwrap(node), TupleRule):
        for index, element in enumerate(unwrap(node).elements):
            problem = type_problem(element, inner, reveal=reveal)
            if problem:
                return f"element {index}: {problem}"
    elif isinstance(unwrap(node), ObjectRule):
        for key, value, _ in object_items(node):
            sub_type = inner if tag == "map" else inner.get(key) if key is not None else None
            problem = type_problem(value, sub_type, reveal=reveal) if sub_type is not None else None
            if problem:
                return f"{key}: {problem}"
    return None


def _describe(node: Any, reveal: bool) -> str:
    if not reveal:
        return ""
    text = str(unwrap(node).serialize())
    return " " + (text if len(text) <= 40 else text[:37] + "...")
