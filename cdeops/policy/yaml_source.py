"""A safe YAML reader that keeps the line of every value.

PyYAML's loaders silently keep the last of duplicate keys and expand aliases without bound. This
reader composes the node graph itself: duplicate keys are errors, the expanded size of the document
is bounded before anything is built (so "billion laughs" is refused in milliseconds), and every
mapping key and sequence item records its line for error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from ..errors import Issue, PolicyError

__all__ = ["MAX_NODES", "Located", "read_yaml"]

MAX_NODES = 200_000
Path_ = tuple[str | int, ...]


@dataclass
class Located:
    """The plain data of a document plus ``path → line`` for each value (1-based lines)."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int:
        """The line of the deepest known prefix of ``path`` (unknown keys point at their parent)."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(path[:cut])
            if line:
                return line
        return 1


_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 4x faster parsing


class _Composer(_Base):  # type: ignore[valid-type,misc]
    """A safe loader used only to compose nodes; scalars are built with its resolvers."""


def _scalar(loader: _Composer, node: yaml.ScalarNode) -> Any:
    value = loader.construct_object(node, deep=False)
    if not isinstance(value, str | int | float | bool) and value is not None:
        # dates, binary, ... : keep the text the user wrote
        return str(node.value)
    return value


def _expanded_size(root: yaml.Node) -> int:
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        if done or not children:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 0) for c in children)
            if sizes[id(node)] > MAX_NODES:
                return sizes[id(node)]
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return sizes[id(root)]


def _build(loader: _Composer, node: yaml.Node, path: Path_, out: Located, file: str, depth: int) -> Any:
    if depth > 64:
        raise PolicyError(Issue(file, node.start_mark.line + 1, _dotted(path), "nesting is too deep"))
    out.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise PolicyError(
                    Issue(file, key_node.start_mark.line + 1, _dotted(path), "merge keys (<<) are not supported")
                )
            if not isinstance(key_node, yaml.ScalarNode):
                raise PolicyError(
                    Issue(
                        file,
                        key_node.start_mark.line + 1,
                        _dotted(path),
                        "mapping keys must be plain strings",
                    )
                )
            key = str(_scalar(loader, key_node)) if key_node.value != "" else ""
            if isinstance(_scalar(loader, key_node), bool):
                key = key_node.value  # `on:` / `yes:` as a key means the word, not a boolean
            if key in result:
                first = out.lines.get((*path, key), 0)
                raise PolicyError(
                    Issue(
                        file,
                        key_node.start_mark.line + 1,
                        _dotted((*path, key)),
                        f"duplicate key {key!r} (first defined on line {first})",
                    )
                )
            out.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = _build(loader, value_node, (*path, key), out, file, depth + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), out, file, depth + 1) for i, item in enumerate(node.value)]
    return _scalar(loader, node)  # type: ignore[arg-type]


def _dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def read_yaml(text: str, file: str) -> Located:
    """Parse one YAML document into plain data with line positions, or raise ``PolicyError``."""
    loader = _Composer(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise PolicyError(Issue(file, line, "", f"YAML syntax error: {problem}")) from None
    except yaml.YAMLError as exc:
        raise PolicyError(Issue(file, 1, "", f"YAML error: {exc}")) from None
    finally:
        loader.dispose()
    if root is None:
        raise PolicyError(Issue(file, 1, "", "the file is empty; run `cdeops init` for a starter policy"))
    if _expanded_size(root) > MAX_NODES:
        raise PolicyError(
            Issue(file, 1, "", f"the document expands to more than {MAX_NODES} values (alias bomb?); refused")
        )
    out = Located(data=None)
    out.data = _build(loader, root, (), out, file, 0)
    return out
