"""A fast reader for Terraform files in canonical ``terraform fmt`` layout.

python-hcl2 needs ~0.1 s for a rendered Coder template; a tree of 1000 templates would spend minutes
there. The promise checks need only blocks, attribute names and simple literal values, which
canonical layout puts one per line, so this reader takes one pass over the lines. It returns the
shape of ``hcl2.loads(text, strip_string_quotes=True)``: blocks as lists of dicts (``resource`` and
``data`` keyed by type, then name), literals as Python values (quoted strings unquoted, ``true`` /
``false``, integers, lists of literals, maps as dicts), anything else as ``"${expression}"``.
Input it cannot follow raises ``HclScanError`` (callers then fall back to python-hcl2).
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["HclScanError", "scan_hcl"]

_BLOCK = re.compile(r'^([A-Za-z_][\w-]*)((?:\s+"[^"\\]*"|\s+[A-Za-z_][\w-]*)*)\s*\{\s*(\}?)$')
_ONE_LINE_BLOCK = re.compile(r'^([A-Za-z_][\w-]*)((?:\s+"[^"\\]*")*)\s*\{\s*(.+?)\s*\}$')
_ATTRIBUTE = re.compile(r'^("(?:[^"\\]|\\.)*"|[A-Za-z_][\w-]*)\s*=\s*(.*)$')
_HEREDOC = re.compile(r"^<<-?([A-Za-z_][\w-]*)$")
_NUMBER = re.compile(r"^-?\d+$")
_STRING = re.compile(r'^"(?:[^"\\]|\\.)*"$')


class HclScanError(ValueError):
    """The text is not in a layout this reader follows."""


def _depth_change(text: str) -> int:
    """Net opening brackets of ``text`` outside string literals (``${`` inside strings ignored)."""
    depth = 0
    in_string = False
    escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
    if in_string:
        raise HclScanError("string literal spans lines")
    return depth


def _literal(text: str) -> Any:
    text = text.strip()
    if text in ("true", "false"):
        return text == "true"
    if _NUMBER.match(text):
        return int(text)
    match = _STRING.match(text)
    if match:
        try:
            value: str = json.loads(match.group(0))
        except ValueError:
            return "${" + text + "}"
        return value  # like python-hcl2: template sequences are kept as written
    if text.startswith("[") and text.endswith("]") and _depth_change(text) == 0:
        inner = text[1:-1].strip().rstrip(",")
        items = [_literal(part) for part in re.split(r",\s*(?=\")", inner)] if inner else []
        if all(isinstance(i, str) and not i.startswith("${") for i in items):
            return items
    return "${" + text + "}"


def _map(lines: list[str]) -> dict[str, Any]:
    """A multi-line ``{ key = value }`` map whose entries are one per line."""
    out: dict[str, Any] = {}
    for line in lines:
        match = _ATTRIBUTE.match(line.strip())
        if match:
            key = match.group(1)
            out[json.loads(key) if key.startswith('"') else key] = _literal(match.group(2))
    return out


def _attach(scope: dict[str, Any], name: str, labels: list[str], body: dict[str, Any]) -> None:
    if name in ("resource", "data") and len(labels) == 2:
        scope.setdefault(name, []).append({labels[0]: {labels[1]: body}})
    else:
        scope.setdefault(name, []).append(body)


def scan_hcl(text: str) -> dict[str, Any]:
    """Blocks and attributes of canonical HCL, shaped like python-hcl2's dict output."""
    root: dict[str, Any] = {}
    stack = [root]
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        index += 1
        if not line or line.startswith(("#", "//")):
            continue
        if line == "}":
            if len(stack) == 1:
                raise HclScanError(f"line {index}: unbalanced }}")
            stack.pop()
            continue
        block = _BLOCK.match(line)
        if block and "=" not in line.split("{")[0]:
            labels = [part.strip('"') for part in block.group(2).split()] if block.group(2) else []
            body: dict[str, Any] = {}
            _attach(stack[-1], block.group(1), labels, body)
            if not block.group(3):
                stack.append(body)
            continue
        one_line = _ONE_LINE_BLOCK.match(line)
        if one_line and "=" not in line.split("{")[0]:
            labels = [part.strip('"') for part in one_line.group(2).split()]
            body = _map([one_line.group(3)])
            _attach(stack[-1], one_line.group(1), labels, body)
            continue
        attribute = _ATTRIBUTE.match(line)
        if attribute is None:
            raise HclScanError(f"line {index}: not a block or attribute")
        key, value = attribute.group(1), attribute.group(2)
        key = json.loads(key) if key.startswith('"') else key
        heredoc = _HEREDOC.match(value)
        if heredoc:
            while index < len(lines) and lines[index].strip() != heredoc.group(1):
                index += 1
            index += 1
            stack[-1][key] = "${heredoc}"
            continue
        depth = _depth_change(value)
        if depth < 0:
            raise HclScanError(f"line {index}: unbalanced brackets")
        continuation: list[str] = []
        while depth > 0:
            if index >= len(lines):
                raise HclScanError("unterminated expression")
            continuation.append(lines[index])
            depth += _depth_change(lines[index])
            index += 1
        if value == "{" and continuation:
            stack[-1][key] = _map(continuation[:-1])
        else:
            stack[-1][key] = _literal(" ".join([value, *(c.strip() for c in continuation)]))
    if len(stack) != 1:
        raise HclScanError("unclosed block")
    return root
