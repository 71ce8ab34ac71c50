"""Offline check of Terraform files against the shipped provider schemas.

Every ``resource``, ``data`` and ``provider`` block whose provider cdeops ships a schema for is
checked: its type exists, each attribute exists and may be set, blocks and attributes use the
right syntax, required attributes and blocks are present and block counts respect the schema.
Literal values get a cheap type check; expressions are never guessed at, so only what is surely
wrong is reported. Types of providers without a shipped schema are skipped silently.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import hcl2
from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
from hcl2.rules.containers import ObjectRule, TupleRule
from lark.exceptions import LarkError

from cdeops.checks.findings import Finding, Severity
from cdeops.checks.hcl_literals import (
    KIND_NAMES,
    block_labels,
    line_of,
    literal_kind,
    object_items,
    type_problem,
    unwrap,
)
from cdeops.checks.provider_schemas import Attribute, Block, load_provider_schema, normalize_source
from cdeops.checks.required_providers import IMPLIED_SOURCES, required_providers, version_findings

__all__ = ["CHECK_NAME", "check_terraform_dir", "check_terraform_text"]

CHECK_NAME = "terraform-schema"

_META_ATTRS = frozenset({"count", "for_each", "depends_on", "provider"})
_RESOURCE_META_BLOCKS = frozenset({"lifecycle", "connection", "provisioner"})
_DATA_META_BLOCKS = frozenset({"lifecycle"})
_PROVIDER_META_ATTRS = frozenset({"alias", "version"})
_SINGLE_MODES = ("single", "group")
_REFERENCE = re.compile(r"[A-Za-z][\w-]*")


def _suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(candidates), n=1, cutoff=0.75)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _object_list_element(attr: Attribute) -> Mapping[str, Any] | None:
    """Object attributes of a settable ``list(object)``/``set(object)`` attribute (block syntax allowed)."""
    type_ = attr.type
    if attr.settable and attr.nested is None and isinstance(type_, list) and type_[0] in ("list", "set"):
        inner = type_[1]
        if isinstance(inner, list) and inner[0] == "object":
            members: Mapping[str, Any] = inner[1]
            return members
    return None


class _Checker:
    def __init__(self, file: str, providers: Mapping[str, str]) -> None:
        self.file = file
        self.providers = providers  # local name -> provider address
        self.findings: list[Finding] = []
        # Override files (`override.tf`, `*_override.tf`) merge into other files' blocks, so
        # what is missing from them may well be set elsewhere.
        stem = file.rsplit("/", 1)[-1]
        self.partial = stem == "override.tf" or stem.endswith("_override.tf")

    def add(self, line: int, message: str, severity: Severity = "error") -> None:
        self.findings.append(Finding(CHECK_NAME, self.file, line, message, severity))

    def address_for(self, local: str) -> str:
        return self.providers.get(local) or normalize_source(IMPLIED_SOURCES.get(local, local))

    # -- top level -------------------------------------------------------------------------------
    def check_module(self, body: BodyRule) -> None:
        for block in body.children:
            if not isinstance(block, BlockRule):
                continue
            labels = block_labels(block)
            if labels[0] in ("resource", "data") and len(labels) == 3:
                self.check_resource(block, labels[0], labels[1], labels[2])
            elif labels[0] == "provider" and len(labels) == 2:
                schema = load_provider_schema(self.address_for(labels[1]))
                if schema is not None and schema.provider is not None:
                    where = f'provider "{labels[1]}"'
                    self.check_body(block, schema.provider, where, _PROVIDER_META_ATTRS, frozenset())

    def check_resource(self, block: BlockRule, kind: str, type_name: str, name: str) -> None:
        local = type_name.split("_", 1)[0]
        for child in block.body.children:
            if isinstance(child, AttributeRule) and child.identifier.serialize() == "provider":
                match = _REFERENCE.match(str(child.expression.serialize()).removeprefix("${"))
                local = match.group(0) if match else local
        schema = load_provider_schema(self.address_for(local))
        if schema is None:
            return
        types = schema.resources if kind == "resource" else schema.data_sources
        all_types = schema.resource_types if kind == "resource" else schema.data_source_types
        what = "resource type" if kind == "resource" else "data source"
        body_schema = types.get(type_name)
        line = line_of(block)
        if body_schema is None:
            if type_name in all_types:
                return  # a real type whose schema cdeops does not ship: nothing to check against
            hint = _suggest(type_name, all_types)
            if schema.type_names_complete:
                self.add(line, f'unknown {what} "{type_name}" in {schema.address} {schema.version}{hint}')
            else:
                message = (
                    f'{what} "{type_name}" is not in {schema.address} {schema.type_names_version}{hint};'
                    f" it may be newer (shipped schema: {schema.version})"
                )
                self.add(line, message, "warning")
            return
        if body_schema.deprecated:
            newer = f"{type_name}_v1"
            hint = f' (use "{newer}")' if newer in types else ""
            self.add(line, f'{what} "{type_name}" is deprecated in {schema.version}{hint}', "warning")
        where = f"{type_name}.{name}" if kind == "resource" else f"data.{type_name}.{name}"
        meta_blocks = _RESOURCE_META_BLOCKS if kind == "resource" else _DATA_META_BLOCKS
        self.check_body(block, body_schema, where, _META_ATTRS, meta_blocks)

    # -- bodies ----------------------------------------------------------------------------------
    def check_body(
        self,
        block: BlockRule,
        schema: Block,
        where: str,
        meta_attrs: frozenset[str] = frozenset(),
        meta_blocks: frozenset[str] = frozenset(),
    ) -> None:
        present: set[str] = set()
        block_lines: dict[str, list[int]] = {}
        dynamic: set[str] = set()
        for child in block.body.children:
            if isinstance(child, AttributeRule):
                name = str(child.identifier.serialize())
                if name in meta_attrs:
                    continue
                present.add(name)
                self.check_attribute_syntax(name, child, schema, where)
            elif isinstance(child, BlockRule):
                labels = block_labels(child)
                name = labels[0]
                if name in meta_blocks:
                    continue
                if name == "dynamic" and len(labels) == 2:
                    dynamic.add(labels[1])
                    self.check_dynamic(child, labels[1], schema, where)
                    continue
                present.add(name)
                block_lines.setdefault(name, []).append(line_of(child))
                self.check_nested_block(child, labels, schema, where)
        line = line_of(block)
        if self.partial:
            present.update(schema.attributes, schema.block_types)
        for name, attr in sorted(schema.attributes.items()):
            if attr.required and name not in present and name not in dynamic:
                self.add(line, f'{where}: missing required attribute "{name}"')
        for name, block_type in sorted(schema.block_types.items()):
            if name in dynamic:
                continue
            lines = block_lines.get(name, [])
            max_items = 1 if block_type.nesting_mode in _SINGLE_MODES else block_type.max_items
            if len(lines) < block_type.min_items and name not in present:  # else reported as misused
                self.add(line, f'{where}: missing required block "{name}" (at least {block_type.min_items})')
            elif max_items is not None and len(lines) > max_items:
                message = f'{where}: too many "{name}" blocks ({len(lines)}, at most {max_items})'
                self.add(lines[max_items], message)

    def check_attribute_syntax(self, name: str, node: AttributeRule, schema: Block, where: str) -> None:
        attr = schema.attributes.get(name)
        if attr is None:
            if name in schema.block_types:
                self.add(
                    line_of(node),
                    f'{where}: "{name}" is a block, not an attribute: write `{name} {{ ... }}`'
                    f" instead of `{name} = ...`",
                )
            else:
                hint = _suggest(name, [*schema.attributes, *schema.block_types])
                self.add(line_of(node), f'{where}: unknown attribute "{name}"{hint}')
            return
        self.check_value(name, node.expression, attr, where, line_of(node))

    def check_value(self, name: str, value: Any, attr: Attribute, where: str, line: int) -> None:
        kind = literal_kind(value)
        if kind == "null":
            return
        if attr.read_only:
            self.add(line, f'{where}: "{name}" is read-only (computed by the provider) and cannot be set')
            return
        if attr.deprecated:
            self.add(line, f'{where}: "{name}" is deprecated', "warning")
        nested = attr.nested
        if nested is None:
            problem = type_problem(value, attr.type, reveal=not attr.sensitive)
            if problem:
                self.add(line, f'{where}: "{name}": {problem}')
            return
        path = f"{where}.{name}"
        if nested.nesting_mode == "single":
            elements = [value]
            expected = "object"
        else:
            expected = "object" if nested.nesting_mode == "map" else "tuple"
            if kind != expected:
                elements = []
            elif expected == "tuple":
                elements = list(unwrap(value).elements) if isinstance(unwrap(value), TupleRule) else []
            else:
                items = object_items(value) if isinstance(unwrap(value), ObjectRule) else []
                elements = [item_value for _, item_value, _ in items]
        if kind not in (None, expected):
            shape = "an object" if expected == "object" else "a list of objects"
            self.add(line, f'{where}: "{name}" must be {shape}, got {KIND_NAMES.get(kind, kind)}')
            return
        for element in elements:
            element_kind = literal_kind(element)
            if element_kind not in (None, "null", "object"):
                self.add(line, f"{path}: element must be an object, got {KIND_NAMES.get(element_kind)}")
            elif element_kind == "object" and isinstance(unwrap(element), ObjectRule):
                self.check_object(element, nested.attributes, path, line)

    def check_object(self, node: Any, attributes: Mapping[str, Attribute], where: str, line: int) -> None:
        items = object_items(node)
        keys = {key for key, _, _ in items}
        for key, value, item_line in items:
            if key is None:
                continue
            attr = attributes.get(key)
            if attr is None:
                hint = _suggest(key, attributes)
                self.add(
                    item_line or line,
                    f'{where}: unknown attribute "{key}"{hint} (Terraform would drop it silently)',
                )
            else:
                self.check_value(key, value, attr, where, item_line or line)
        if None in keys or self.partial:
            return
        for name, attr in sorted(attributes.items()):
            if attr.required and name not in keys:
                self.add(line, f'{where}: missing required attribute "{name}"')

    def check_nested_block(self, block: BlockRule, labels: list[str], schema: Block, where: str) -> None:
        name = labels[0]
        block_type = schema.block_types.get(name)
        line = line_of(block)
        if block_type is not None:
            wanted = 1 if block_type.nesting_mode == "map" else 0
            if len(labels) - 1 != wanted:
                self.add(line, f'{where}: block "{name}" takes {wanted} label(s), got {len(labels) - 1}')
            self.check_body(block, block_type.block, f"{where}.{name}")
            return
        attr = schema.attributes.get(name)
        if attr is None:
            hint = _suggest(name, [*schema.block_types, *schema.attributes])
            self.add(line, f'{where}: unknown block type "{name}"{hint}')
            return
        members = _object_list_element(attr)
        if members is None:
            self.add(
                line,
                f'{where}: "{name}" is an attribute, not a block: write `{name} = ...` instead of `{name} {{ ... }}`',
            )
            return
        self.check_attributes_as_block(block, members, f"{where}.{name}")

    def check_attributes_as_block(self, block: BlockRule, members: Mapping[str, Any], where: str) -> None:
        for child in block.body.children:
            if isinstance(child, AttributeRule | BlockRule):
                name = str(child.identifier.serialize()) if isinstance(child, AttributeRule) else block_labels(child)[0]
                if name not in members:
                    self.add(line_of(child), f'{where}: unknown attribute "{name}"{_suggest(name, members)}')
                elif isinstance(child, AttributeRule):
                    problem = type_problem(child.expression, members[name])
                    if problem:
                        self.add(line_of(child), f'{where}: "{name}": {problem}')

    def check_dynamic(self, block: BlockRule, target: str, schema: Block, where: str) -> None:
        contents = [c for c in block.body.children if isinstance(c, BlockRule) and block_labels(c)[0] == "content"]
        line = line_of(block)
        block_type = schema.block_types.get(target)
        attr = schema.attributes.get(target)
        members = _object_list_element(attr) if attr is not None else None
        if block_type is None and members is None:
            if attr is not None:
                message = f'{where}: "{target}" is an attribute; `dynamic` only generates blocks'
            else:
                hint = _suggest(target, [*schema.block_types, *schema.attributes])
                message = f'{where}: dynamic block for unknown block type "{target}"{hint}'
            self.add(line, message)
            return
        if not contents:
            self.add(line, f'{where}: dynamic "{target}" has no content block')
        for content in contents:
            if block_type is not None:
                self.check_body(content, block_type.block, f"{where}.{target}")
            elif members is not None:
                self.check_attributes_as_block(content, members, f"{where}.{target}")


def _parse(text: str, file: str) -> tuple[BodyRule | None, list[Finding]]:
    try:
        tree = hcl2.parses(text, discard_comments=True)
    except (LarkError, ValueError, RuntimeError) as exc:
        line = getattr(exc, "line", 0)
        first = (str(exc).strip().splitlines() or ["syntax error"])[0]
        message = f"cannot parse HCL: {first}"
        return None, [Finding(CHECK_NAME, file, line if isinstance(line, int) and line > 0 else 0, message)]
    return tree.body, []


def check_terraform_text(text: str, filename: str) -> list[Finding]:
    """Check one Terraform file; providers are resolved from its own ``required_providers``."""
    body, findings = _parse(text, filename)
    if body is None:
        return findings
    requirements = required_providers(body)
    checker = _Checker(filename, {r.local: r.address for r in requirements})
    checker.check_module(body)
    return sorted([*checker.findings, *version_findings(CHECK_NAME, filename, requirements)])


def check_terraform_dir(root: Path) -> list[Finding]:
    """Check every ``*.tf`` under ``root`` (hidden folders such as ``.terraform`` are skipped).

    Files in one folder form a module and share its ``required_providers``. Finding paths are
    relative to ``root``, with forward slashes.
    """
    parsed: dict[Path, list[tuple[str, BodyRule]]] = {}
    findings: list[Finding] = []
    for path in sorted(root.rglob("*.tf")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts[:-1]) or not path.is_file():
            continue
        name = relative.as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            findings.append(Finding(CHECK_NAME, name, 0, f"cannot read file: not UTF-8 ({exc.reason})"))
            continue
        except OSError as exc:
            findings.append(Finding(CHECK_NAME, name, 0, f"cannot read file: {exc.strerror or exc}"))
            continue
        body, errors = _parse(text, name)
        findings.extend(errors)
        if body is not None:
            parsed.setdefault(relative.parent, []).append((name, body))
    for module_files in parsed.values():
        providers: dict[str, str] = {}
        for name, body in module_files:
            requirements = required_providers(body)
            providers.update((r.local, r.address) for r in requirements)
            findings.extend(version_findings(CHECK_NAME, name, requirements))
        for name, body in module_files:
            checker = _Checker(name, providers)
            checker.check_module(body)
            findings.extend(checker.findings)
    return sorted(findings)
