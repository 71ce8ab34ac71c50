"""Terraform modules that differ only in string values, grouped so the schema check parses one of each.

A policy with 500 teams renders 500 copies of each Coder template that differ only in strings (team
names, cost centres, namespaces, Vault paths, rules files). The provider-schema check depends on block
types and labels, attribute names, object keys, the ``terraform {}`` block and the *kind* of each
literal (a string that converts to a number or bool is a different case from one that does not), never
on other string contents. The skeleton of a file keeps all of those and masks the rest: other string
literals become ``"x"``, heredocs become ``"x"``, comment lines become ``#``. Modules whose files
have equal skeletons get equal schema findings, so one clean representative vouches for its group; a
representative with any finding sends every member of its group to the full check (exact fallback).
A file whose strings this tokenizer cannot follow (quotes inside ``${...}``) gets no skeleton and is
always checked on its own. Inside one big module (the ``coder-templates`` stack pushes 1000 templates),
``reduce_module`` keeps one ``resource`` / ``data`` block per type and skeleton the same way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = ["fmt_skeleton", "group_modules", "reduce_module", "skeleton"]

_TOKEN = re.compile(
    r"(?m)^[ \t]*#[^\n]*$"  # a comment line
    r"|<<-?(?P<marker>[A-Za-z_][\w-]*)\n[\s\S]*?\n[ \t]*(?P=marker)[ \t]*$"  # a heredoc
    r'|"(?:[^"\\\n]|\\.)*"'  # a one-line string literal
)
_TERRAFORM_BLOCK = re.compile(r"(?m)^terraform[ \t]*\{[ \t]*\n[\s\S]*?^\}[ \t]*$")
_HEADER = re.compile(r'^[ \t]*[A-Za-z_][\w-]*(?:[ \t]+(?:"[^"\n]*"|[A-Za-z_][\w-]*))+[ \t]*\{[ \t]*\}?[ \t]*$')
# strings whose kind conversion the schema check judges (see hcl_literals): kept verbatim
_CONVERTIBLE = re.compile(r"^(?:[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?|inf|infinity)|true|false|)$", re.I)
_KEY_AFTER = re.compile(r"[ \t]*[=:]")


def _line_around(text: str, start: int, end: int) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    return text[line_start : len(text) if line_end < 0 else line_end]


def skeleton(text: str) -> str | None:
    """``text`` with the string values the schema check does not judge masked; None if unsure."""
    protected = [(m.start(), m.end()) for m in _TERRAFORM_BLOCK.finditer(text)]
    parts: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        if any(a <= start < b for a, b in protected):
            continue
        token = match.group(0)
        if token.lstrip().startswith("#"):
            replacement = "#"
        elif match.group("marker"):
            replacement = '"x"'
        else:
            content = token[1:-1]
            if ("${" in content or "%{" in content) and content.count("{") != content.count("}"):
                return None  # a quote inside an interpolation: this tokenizer cannot follow it
            keep = (
                _CONVERTIBLE.match(content)
                or _KEY_AFTER.match(text, end)
                or _HEADER.match(_line_around(text, start, end))
            )
            replacement = token if keep else '"x"'
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)


def group_modules(modules: Mapping[str, Mapping[str, str]]) -> list[list[str]]:
    """Module folders (``{folder: {file name: text}}``) grouped by equal skeletons, in input order."""
    groups: dict[object, list[str]] = {}
    for folder, files in modules.items():
        shapes = tuple((name, skeleton(text)) for name, text in sorted(files.items()))
        key: object = shapes if all(shape is not None for _, shape in shapes) else ("alone", folder)
        groups.setdefault(key, []).append(folder)
    return list(groups.values())


_RESOURCE_HEADER = re.compile(r'^(resource|data)[ \t]+"([^"\n]+)"[ \t]+"([^"\n]+)"[ \t]*\{[ \t]*$')


def _top_level_blocks(text: str) -> list[tuple[str, str | None]]:
    """(text, dedup key or None) per chunk of ``text``: resource/data blocks get a key, the rest not."""
    chunks: list[tuple[str, str | None]] = []
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines):
        header = _RESOURCE_HEADER.match(lines[index].rstrip("\n"))
        if header is None:
            chunks.append((lines[index], None))
            index += 1
            continue
        end = index + 1
        while end < len(lines) and lines[end].rstrip("\n") != "}":
            end += 1
        if end >= len(lines):
            return [(text, None)]  # not canonical layout: keep everything
        body = "".join(lines[index + 1 : end + 1])
        shape = skeleton(body)
        key = None if shape is None else f"{header.group(1)} {header.group(2)}\n{shape}"
        chunks.append(("".join(lines[index : end + 1]), key))
        index = end + 1
    return chunks


def reduce_module(files: Mapping[str, str]) -> dict[str, str] | None:
    """The module's files keeping one ``resource`` / ``data`` block per (type, skeleton); every other
    block verbatim. The schema findings of the reduced module are empty exactly when the full
    module's are (block checks do not look across blocks). None when nothing would be dropped."""
    seen: set[str] = set()
    reduced: dict[str, str] = {}
    dropped = False
    for name, text in sorted(files.items()):
        kept = []
        for chunk, key in _top_level_blocks(text):
            if key is not None and key in seen:
                dropped = True
                continue
            if key is not None:
                seen.add(key)
            kept.append(chunk)
        reduced[name] = "".join(kept)
    return reduced if dropped else None


_FMT_TOKEN = re.compile(
    r"(?P<heredoc><<-?(?P<marker>[A-Za-z_][\w-]*)\n)(?P<body>[\s\S]*?\n)(?P<close>[ \t]*(?P=marker)[ \t]*$)"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|(?P<comment>#|//|/\*)",
    re.M,
)
_LIVE_TEMPLATE = re.compile(r"(?<![$%])[$%]\{")


def fmt_skeleton(text: str) -> str | None:
    """``text`` with string and heredoc contents masked, for grouping files by ``terraform fmt``
    outcome: fmt never changes string or heredoc contents and aligns ``=`` by key names only, so
    files with equal fmt skeletons are all canonical or all not. Everything outside strings is kept
    byte for byte, and so are keys (fmt pads to the longest) and strings with live ``${`` / ``%{``
    sequences (fmt tidies those).
    None for files with comments after code or block comments (fmt aligns those by line length).
    """
    parts: list[str] = []
    position = 0
    for match in _FMT_TOKEN.finditer(text):
        start, end = match.span()
        token = match.group(0)
        if match.group("comment"):
            line_start = text.rfind("\n", 0, start) + 1
            if token != "#" or text[line_start:start].strip():
                return None  # a trailing or block comment
            line_end = text.find("\n", end)
            end = len(text) if line_end < 0 else line_end
            replacement = "#"
        elif match.group("heredoc"):
            body = match.group("body")
            live = _LIVE_TEMPLATE.search(body)
            replacement = token if live else match.group("heredoc") + match.group("close")
        else:  # keys are kept: fmt pads to the longest key
            keep = _LIVE_TEMPLATE.search(token) or _KEY_AFTER.match(text, end)
            replacement = token if keep else '"x"'
        parts.append(text[position:start])
        parts.append(replacement)
        position = end
    parts.append(text[position:])
    return "".join(parts)
