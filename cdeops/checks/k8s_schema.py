"""Kubernetes objects against their schemas, offline.

Built-in kinds are validated against the upstream OpenAPI schemas that ``kubernetes-validate`` ships,
in strict mode (unknown fields are errors), at the cluster's Kubernetes version clamped to the
versions the package knows. Custom resources are validated against the CRD schemas shipped in
``cdeops/data/crd_schemas/<group>/<kind>_<version>.json``. Validators are built once per schema, so
a tree of thousands of objects loads each schema file once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import jsonschema
from kubernetes_validate import utils as kv_utils
from packaging.version import InvalidVersion, Version
from referencing import Registry, Resource

from cdeops.checks.findings import Finding
from cdeops.checks.k8s_objects import CHECK_NAME, K8sObject
from cdeops.resources import data_dir

__all__ = [
    "DEFAULT_KUBERNETES_VERSION",
    "check_objects",
    "clamp_version",
    "supported_versions",
    "tree_kubernetes_version",
]

DEFAULT_KUBERNETES_VERSION = "1.33"
_ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"
_MAX_ERRORS_PER_OBJECT = 5
_MINOR = re.compile(r"^v?(\d+)\.(\d+)")


@lru_cache(maxsize=1)
def supported_versions() -> tuple[str, ...]:
    """The ``major.minor`` versions whose schemas kubernetes-validate ships, ascending."""
    found = {kv_utils.major_minor(v) for v in kv_utils.all_versions()}
    return tuple(sorted(found, key=Version))


def clamp_version(version: str) -> str:
    """``version`` (``1.33``, ``v1.33.2``) as the nearest shipped ``major.minor``: older or newer
    versions than the package knows become its oldest or newest."""
    match = _MINOR.match(version.strip())
    versions = supported_versions()
    if match is None:
        return versions[-1]
    wanted = Version(f"{match.group(1)}.{match.group(2)}")
    usable = [v for v in versions if Version(v) <= wanted]
    return usable[-1] if usable else versions[0]


def tree_kubernetes_version(objects: Iterable[K8sObject]) -> str | None:
    """The highest ``enforce-version`` Pod Security label of the tree's namespaces, if any."""
    found: list[Version] = []
    for item in objects:
        if item.kind != "Namespace":
            continue
        value = item.labels.get(_ENFORCE_VERSION)
        match = _MINOR.match(str(value)) if value else None
        if match:
            try:
                found.append(Version(f"{match.group(1)}.{match.group(2)}"))
            except InvalidVersion:
                continue
    return str(max(found)) if found else None


def _schema_dir(version: str) -> str:
    full = next(v for v in kv_utils.all_versions() if kv_utils.major_minor(v) == version)
    return f"v{full}-local-strict"


@lru_cache(maxsize=4)
def _definitions(schema_dir: str) -> Resource[Any]:
    contents = kv_utils.schema_contents(f"kubernetes-json-schema/{schema_dir}/_definitions.json", schema_dir)
    return Resource.from_contents(contents)


@lru_cache(maxsize=512)
def _builtin_validator(version: str, kind: str, api_version: str) -> jsonschema.protocols.Validator | None:
    schema_dir = _schema_dir(version)
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv_utils.schema_contents(
            f"kubernetes-json-schema/{schema_dir}/{kind.lower()}-{group_version}.json", version
        )
    except FileNotFoundError:
        return None
    registry: Registry[Any] = _definitions(schema_dir) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.Draft202012Validator(schema, registry=registry)


@lru_cache(maxsize=64)
def _crd_validator(group: str, kind: str, version: str) -> jsonschema.protocols.Validator | None:
    path = data_dir() / "crd_schemas" / group / f"{kind.lower()}_{version}.json"
    if not path.is_file():
        return None
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    return cls(schema)


def _validator(item: K8sObject, version: str) -> jsonschema.protocols.Validator | None:
    group, _, api = item.api_version.rpartition("/")
    if "." in group and not group.endswith(".k8s.io"):  # built-in groups are core or *.k8s.io
        return _crd_validator(group, item.kind, api)
    return _builtin_validator(version, item.kind, item.api_version)


def _location(error: jsonschema.ValidationError) -> str:
    parts: list[str] = []
    for part in error.absolute_path:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "".join(parts) or "<object>"


def _message(error: jsonschema.ValidationError) -> str:
    # jsonschema repeats the offending value; keep messages short and free of (possibly secret) data
    if error.validator == "additionalProperties":
        return error.message
    if error.validator in ("type", "enum", "pattern", "format", "minimum", "maximum", "const"):
        return f"{error.validator} {error.validator_value!r} not satisfied"
    text = error.message
    return text if len(text) <= 160 else text[:157] + "..."


def _shape_key(obj: Any) -> str:
    """The object with its metadata strings blanked: what schema validation actually depends on.

    Validators here check no ``format`` and ObjectMeta carries no patterns or enums, so two objects
    that differ only in metadata values (per-team copies) validate identically.
    """
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if isinstance(meta, dict):
        obj = {**obj, "metadata": {k: _blank(v) for k, v in meta.items()}}
    return json.dumps(obj, sort_keys=True, default=str)


def _blank(value: Any) -> Any:
    if isinstance(value, str):
        return ""
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    return value


def check_objects(objects: Iterable[K8sObject], version: str) -> list[Finding]:
    """Every schema violation of ``objects`` at Kubernetes ``version`` (clamped)."""
    version = clamp_version(version)
    findings: list[Finding] = []
    verdicts: dict[tuple[int, str], tuple[list[tuple[str, str]], int]] = {}
    for item in objects:
        validator = _validator(item, version)
        if validator is None:
            message = f"no schema for {item.kind} ({item.api_version}) at Kubernetes {version}; not checked"
            findings.append(Finding(CHECK_NAME, item.file, item.line, message, "warning"))
            continue
        key = (id(validator), _shape_key(item.obj))
        if key not in verdicts:
            errors = sorted(validator.iter_errors(item.obj), key=lambda e: [str(p) for p in e.absolute_path])
            shown = [(_location(e), _message(e)) for e in errors[:_MAX_ERRORS_PER_OBJECT]]
            verdicts[key] = (shown, max(0, len(errors) - _MAX_ERRORS_PER_OBJECT))
        shown, more = verdicts[key]
        for location, text in shown:
            findings.append(Finding(CHECK_NAME, item.file, item.line, f"{item.describe()}: {location}: {text}"))
        if more:
            findings.append(Finding(CHECK_NAME, item.file, item.line, f"{item.describe()}: {more} more error(s)"))
    return findings
