"""Helpers of the egress tests: rendered objects, trees on disk, schema validation, ipBlocks."""

from __future__ import annotations

import copy
import ipaddress
import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from cdeops.resources import data_dir

Obj = dict[str, Any]
BUILTIN = ("v1", "apps/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "policy/v1")
METADATA = ipaddress.IPv4Address("169.254.169.254")
CRD_GROUPS = ("cilium.io", "secrets.hashicorp.com", "external-secrets.io")


def kubernetes_objects(files: dict[str, bytes]) -> list[tuple[str, Obj]]:
    """(path, object) for every document under kubernetes/."""
    found = []
    for path, data in sorted(files.items()):
        if path.startswith("kubernetes/") and path.endswith(".yaml"):
            found += [(path, doc) for doc in yaml.safe_load_all(data) if doc]
    return found


def write_tree(files: dict[str, bytes], root: Path) -> Path:
    for path, data in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return root


def edit_stream(files: dict[str, bytes], path: str, edit: Any) -> dict[str, bytes]:
    """A copy of ``files`` where the YAML stream at ``path`` is replaced by ``edit(list_of_docs)``."""
    docs = [d for d in yaml.safe_load_all(files[path]) if d]
    changed = edit(copy.deepcopy(docs))
    return {**files, path: yaml.safe_dump_all(changed, sort_keys=False).encode()}


@cache
def _crd_validator(group: str, kind: str, version: str) -> jsonschema.Draft202012Validator:
    path = data_dir() / "crd_schemas" / group / f"{kind.lower()}_{version}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def schema_errors(obj: Obj, kubernetes_version: str) -> list[str]:
    """Strict schema problems of one object: kubernetes-validate for built-ins, the CRD schema for Cilium.

    Objects that differ only in their namespace are validated once (teams repeat the same shapes).
    """
    shape = copy.deepcopy(obj)
    (shape.get("metadata") or {}).pop("namespace", None)
    return list(_schema_errors(json.dumps(shape, sort_keys=True), kubernetes_version))


@cache
def _schema_errors(text: str, kubernetes_version: str) -> tuple[str, ...]:
    obj = json.loads(text)
    obj["metadata"]["namespace"] = "namespace-under-test"
    return tuple(_validate(obj, kubernetes_version))


def _validate(obj: Obj, kubernetes_version: str) -> list[str]:
    api = str(obj["apiVersion"])
    if api in BUILTIN:
        try:
            kubernetes_validate.validate(obj, kubernetes_version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            return [str(exc.message)]
        return []
    group, _, version = api.partition("/")
    assert group in CRD_GROUPS, f"unexpected API group {api} in the platform objects"
    validator = _crd_validator(group, str(obj["kind"]), version)
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(obj)]


def ip_blocks(obj: Obj) -> Iterator[Obj]:
    """Every ipBlock (NetworkPolicy) and toCIDRSet entry (Cilium) of an object."""
    spec = obj.get("spec") or {}
    for direction, key in (("egress", "to"), ("ingress", "from")):
        for rule in spec.get(direction) or []:
            for peer in rule.get(key) or []:
                if "ipBlock" in peer:
                    yield peer["ipBlock"]
            yield from rule.get("toCIDRSet") or []
            for cidr in rule.get("toCIDR") or []:
                yield {"cidr": cidr}


def opens_metadata(block: Obj) -> bool:
    """Whether an ipBlock admits the metadata address."""
    net = ipaddress.ip_network(block["cidr"])
    if net.version != 4 or METADATA not in net:
        return False
    return not any(METADATA in ipaddress.ip_network(e) for e in block.get("except") or [])


def dns_only(obj: Obj, block: Obj) -> bool:
    """Whether the rule holding ``block`` opens port 53 only."""
    for rule in (obj.get("spec") or {}).get("egress") or []:
        peers = [p.get("ipBlock") for p in rule.get("to") or []] + list(rule.get("toCIDRSet") or [])
        if block in peers:
            ports = rule.get("ports") or [p for tp in rule.get("toPorts") or [] for p in tp.get("ports") or []]
            return bool(ports) and all(int(p["port"]) == 53 for p in ports)
    return False


def example_data(name: str) -> Obj:
    """The parsed YAML of a shipped example (a fresh copy to modify)."""
    from tests.support.examples import example_path

    data: Obj = yaml.safe_load(example_path(name).read_text(encoding="utf-8"))
    return data


def load_data(data: Obj, example: str) -> Any:
    """Validate a policy dict (schema and cross-field rules) as if it were examples/<example>/cdeops.yaml."""
    from cdeops.policy import load_policy_text
    from tests.support.examples import example_path

    path = example_path(example)
    return load_policy_text(yaml.safe_dump(data, sort_keys=False), str(path), path.parent)
