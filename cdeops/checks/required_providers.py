"""Which provider each local name in a module means, from ``terraform { required_providers }``."""

from __future__ import annotations

from typing import NamedTuple

from hcl2.rules.base import AttributeRule, BlockRule, BodyRule
from hcl2.rules.containers import ObjectRule

from cdeops.checks.findings import Finding
from cdeops.checks.hcl_literals import block_labels, line_of, literal_string, object_items, unwrap
from cdeops.checks.provider_schemas import load_provider_schema, normalize_source, version_allowed

__all__ = ["IMPLIED_SOURCES", "Requirement", "required_providers", "version_findings"]

# Local provider names whose implied source is not hashicorp/<name>.
IMPLIED_SOURCES = {"coder": "coder/coder", "coderd": "coder/coderd"}


class Requirement(NamedTuple):
    """One ``required_providers`` entry: local name, provider address, version constraint."""

    local: str
    address: str
    constraint: str | None
    line: int


def required_providers(body: BodyRule) -> list[Requirement]:
    """The entries of ``terraform { required_providers { ... } }``."""
    found: list[Requirement] = []
    for block in body.children:
        if not (isinstance(block, BlockRule) and block_labels(block) == ["terraform"]):
            continue
        for inner in block.body.children:
            if not (isinstance(inner, BlockRule) and block_labels(inner) == ["required_providers"]):
                continue
            for attr in inner.body.children:
                if not isinstance(attr, AttributeRule):
                    continue
                local = str(attr.identifier.serialize())
                source = constraint = None
                if isinstance(unwrap(attr.expression), ObjectRule):
                    for key, value, _ in object_items(attr.expression):
                        if key == "source":
                            source = literal_string(value)
                        elif key == "version":
                            constraint = literal_string(value)
                else:  # the pre-0.13 form: name = "version constraint"
                    constraint = literal_string(attr.expression)
                address = normalize_source(source or IMPLIED_SOURCES.get(local, local))
                found.append(Requirement(local, address, constraint, line_of(attr)))
    return found


def version_findings(check: str, file: str, requirements: list[Requirement]) -> list[Finding]:
    """A warning where a version constraint excludes the schema version cdeops checks against."""
    findings = []
    for requirement in requirements:
        schema = load_provider_schema(requirement.address)
        if schema is None or requirement.constraint is None:
            continue
        if version_allowed(schema.version, requirement.constraint) is False:
            message = (
                f'required_providers "{requirement.local}": version "{requirement.constraint}" excludes'
                f" {schema.version}, the {requirement.address} schema cdeops checks against"
            )
            findings.append(Finding(check, file, requirement.line, message, "warning"))
    return findings
