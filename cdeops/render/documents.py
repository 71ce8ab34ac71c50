"""Dumping structured output: Kubernetes YAML streams and JSON, deterministic and comment-headed."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import yaml

__all__ = ["HEADER", "dump_json", "dump_yaml", "dump_yaml_stream"]

HEADER = "# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.\n"


try:  # libyaml's emitter writes the same bytes as PyYAML's pure-Python one, many times faster
    from yaml import CSafeDumper as _SafeDumper
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeDumper as _SafeDumper  # type: ignore[assignment]


class _Dumper(_SafeDumper):
    """SafeDumper that never emits anchors/aliases (each object stands alone for reviewers)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str_presenter(dumper: _Dumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data and data.endswith("\n") and all(c.isprintable() or c == "\n" for c in data) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str_presenter)


def dump_yaml(obj: Any, header: bool = True) -> str:
    text = yaml.dump(obj, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=4096, default_flow_style=False)
    return (HEADER if header else "") + text


def dump_yaml_stream(objects: Iterable[Any]) -> str:
    parts = [dump_yaml(o, header=False) for o in objects]
    return HEADER + "---\n" + "---\n".join(parts)


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
