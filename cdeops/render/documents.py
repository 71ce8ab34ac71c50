"""Dumping structured output: Kubernetes YAML streams and JSON, deterministic and comment-headed."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

import yaml

__all__ = ["HEADER", "dump_json", "dump_yaml", "dump_yaml_stream"]

HEADER = "# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.\n"


class _Dumper(yaml.SafeDumper):
    """SafeDumper that never emits anchors/aliases (each object stands alone for reviewers)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_presenter(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data and data.endswith("\n") and all(c.isprintable() or c == "\n" for c in data) else None
    if style is None and any(c in data for c in "\x85\u2028\u2029"):
        style = '"'  # PyYAML's plain and single-quoted styles fold these line breaks: only "..." keeps them
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)

# libyaml's emitter is many times faster and writes the same bytes as the pure-Python one for plain
# ASCII text. It differs on a few inputs (escapes for characters outside the BMP or for NEL, empty
# mapping keys, folding of strings longer than the line width), which go to the pure-Python dumper.
_FastDumper: type[Any] = _Dumper
if hasattr(yaml, "CSafeDumper"):

    class _CDumper(yaml.CSafeDumper):
        """libyaml emitter; plain dicts, lists and scalars become nodes without the generic lookups."""

        def ignore_aliases(self, data: Any) -> bool:
            return True

        def represent_data(self, data: Any) -> yaml.Node:
            kind = type(data)
            if kind is str:
                return _str_presenter(self, data)  # type: ignore[arg-type]
            if kind is dict:
                pairs = [(self.represent_data(k), self.represent_data(v)) for k, v in data.items()]
                return yaml.MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)
            if kind is list:
                items = [self.represent_data(item) for item in data]
                return yaml.SequenceNode("tag:yaml.org,2002:seq", items, flow_style=False)
            if kind is int:
                return yaml.ScalarNode("tag:yaml.org,2002:int", str(data))
            if kind is bool:
                return yaml.ScalarNode("tag:yaml.org,2002:bool", "true" if data else "false")
            if data is None:
                return yaml.ScalarNode("tag:yaml.org,2002:null", "null")
            return super().represent_data(data)

        def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
            if kind is yaml.ScalarNode and len(value) < 256:
                return _resolve_scalar(value, implicit)
            return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call,no-any-return]

    _CDumper.add_representer(str, _str_presenter)  # type: ignore[arg-type]
    _FastDumper = _CDumper
    _RESOLVER = yaml.resolver.Resolver()

    @functools.lru_cache(maxsize=65536)
    def _resolve_scalar(value: str, implicit: tuple[bool, bool]) -> str:
        """The implicit tag of a scalar (the resolver has no path rules, so value → tag is fixed)."""
        return _RESOLVER.resolve(yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call,no-any-return]


_JSON_UNSAFE = ("\\u", "\\t", "\\r", "\\b", "\\f", '"":')  # non-ASCII or control characters, empty keys
_FOLD_SAFE = 2048  # no string this short can reach the 4096 line width


def _longest_string(obj: Any) -> int:
    longest, stack = 0, [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            longest = max(longest, len(item))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return longest


def _libyaml_safe(obj: Any) -> bool:
    """Whether libyaml is known to emit exactly what the pure-Python emitter would for ``obj``."""
    try:
        text = json.dumps(obj)
    except (TypeError, ValueError):
        return False
    if any(marker in text for marker in _JSON_UNSAFE):
        return False
    return len(text) < _FOLD_SAFE or _longest_string(obj) < _FOLD_SAFE


def dump_yaml(obj: Any, header: bool = True) -> str:
    dumper = _FastDumper if _FastDumper is not _Dumper and _libyaml_safe(obj) else _Dumper
    text = yaml.dump(obj, Dumper=dumper, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False)
    return (HEADER if header else "") + text


def dump_yaml_stream(objects: Iterable[Any]) -> str:
    parts = [dump_yaml(o, header=False) for o in objects]
    return HEADER + "---\n" + "---\n".join(parts)


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
