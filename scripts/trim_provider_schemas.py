"""Shrink Terraform provider schemas to what ``cdeops check`` needs and write them into the package.

Input: a folder of ``terraform providers schema -json`` files (one provider each, with an
``x_provenance`` key and an ``index.json`` naming each provider's default file). Output: the same
layout without descriptions, as compact JSON with sorted keys, plus a small ``index.json``.

Usage (from the repository root)::

    python scripts/trim_provider_schemas.py SOURCE_DIR [cdeops/data/provider_schemas]

Unknown keys in the input stop the script, so a change of the schema format is noticed instead
of silently dropped.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# provider short name -> (file in the source folder, provider version, schema holds every type)
WANTED: dict[str, tuple[str, str, bool]] = {
    "aws": ("aws.json", "6.47.0", False),
    "azurerm": ("azurerm.json", "4.79.0", False),
    "coder": ("coder.json", "2.17.0", True),
    "coderd": ("coderd.json", "0.0.23", True),
    "google": ("google.json", "6.50.0", False),
    "helm": ("helm.json", "3.1.2", True),
    "kubernetes": ("kubernetes.json", "3.2.1", False),
    "vault": ("vault.json", "5.11.0", False),
}
# Hand-collected list of every resource / data source name of the providers whose schema file
# holds only some types (sources in README.md); kept next to the output and checked here.
TYPE_NAMES = "type_names.json"

_DROP = {"description", "description_kind"}
_BLOCK_KEYS = {"attributes", "block_types", "deprecated"}
_BLOCK_TYPE_KEYS = {"nesting_mode", "block", "min_items", "max_items"}
_ATTR_KEYS = {
    "type",
    "nested_type",
    "required",
    "optional",
    "computed",
    "sensitive",
    "deprecated",
    "write_only",
}
_NESTED_KEYS = {"nesting_mode", "attributes", "min_items", "max_items"}


class SchemaFormatError(Exception):
    """The input does not look like ``terraform providers schema -json`` output."""


def _keep(node: dict[str, Any], allowed: set[str], where: str) -> dict[str, Any]:
    unknown = set(node) - allowed - _DROP
    if unknown:
        raise SchemaFormatError(f"{where}: unexpected keys {sorted(unknown)}")
    return {key: value for key, value in node.items() if key in allowed}


def trim_attribute(attr: dict[str, Any], where: str) -> dict[str, Any]:
    out = _keep(attr, _ATTR_KEYS, where)
    if "nested_type" in out:
        nested = _keep(out["nested_type"], _NESTED_KEYS, f"{where}.nested_type")
        nested["attributes"] = {
            name: trim_attribute(sub, f"{where}.{name}") for name, sub in nested.get("attributes", {}).items()
        }
        out["nested_type"] = nested
    return out


def trim_block(block: dict[str, Any], where: str) -> dict[str, Any]:
    out = _keep(block, _BLOCK_KEYS, where)
    if "attributes" in out:
        out["attributes"] = {name: trim_attribute(attr, f"{where}.{name}") for name, attr in out["attributes"].items()}
    if "block_types" in out:
        types = {}
        for name, block_type in out["block_types"].items():
            kept = _keep(block_type, _BLOCK_TYPE_KEYS, f"{where}.{name}")
            kept["block"] = trim_block(kept["block"], f"{where}.{name}")
            types[name] = kept
        out["block_types"] = types
    return out


def trim_provider_file(data: dict[str, Any], name: str) -> dict[str, Any]:
    providers: dict[str, Any] = {}
    for address, provider in data["provider_schemas"].items():
        trimmed: dict[str, Any] = {}
        for section, content in provider.items():
            if section == "provider":
                trimmed["provider"] = {
                    "version": content.get("version", 0),
                    "block": trim_block(content["block"], f"{name}.provider"),
                }
            elif section in ("resource_schemas", "data_source_schemas"):
                trimmed[section] = {
                    type_name: {
                        "version": schema.get("version", 0),
                        "block": trim_block(schema["block"], f"{name}.{type_name}"),
                    }
                    for type_name, schema in content.items()
                }
            else:
                raise SchemaFormatError(f"{name}: unexpected section {section!r}")
        providers[address] = trimmed
    return {"format_version": data["format_version"], "provider_schemas": providers}


def _dump(data: object) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="folder with the full provider schema files")
    parser.add_argument(
        "dest", type=Path, nargs="?", default=Path("cdeops/data/provider_schemas"), help="output folder"
    )
    args = parser.parse_args(argv)
    source_index = json.loads((args.source / "index.json").read_text(encoding="utf-8"))
    args.dest.mkdir(parents=True, exist_ok=True)
    type_names = json.loads((args.dest / TYPE_NAMES).read_text(encoding="utf-8"))["providers"]
    index: dict[str, Any] = {}
    for short, (file_name, version, has_all_types) in sorted(WANTED.items()):
        data = json.loads((args.source / file_name).read_text(encoding="utf-8"))
        (address,) = data["provider_schemas"]
        entry = next(f for f in source_index["providers"][address]["files"] if f["file"] == file_name)
        if entry["provider_version"] != version:
            raise SchemaFormatError(f"{file_name}: version {entry['provider_version']}, expected {version}")
        trimmed = trim_provider_file(data, short)
        schemas = trimmed["provider_schemas"][address]
        names = type_names.get(address)
        if not has_all_types and names is None:
            raise SchemaFormatError(f"{TYPE_NAMES}: no type names for {address}")
        for section, key in (("resource_schemas", "resources"), ("data_source_schemas", "data_sources")):
            missing = sorted(set(schemas.get(section, {})) - set(names[key] if names else schemas[section]))
            if missing:
                raise SchemaFormatError(f"{TYPE_NAMES}: {address} lacks {missing}")
        out_name = f"{short}.json"
        (args.dest / out_name).write_text(_dump(trimmed), encoding="utf-8")
        index[address] = {
            "file": out_name,
            "has_provider_config_schema": "provider" in schemas,
            "provider_version": version,
            "type_names": None if has_all_types else TYPE_NAMES,
            "type_names_version": version if has_all_types else names["version"],
            "verbatim_source": bool(entry["verbatim"]),
        }
    (args.dest / "index.json").write_text(_dump({"providers": index}), encoding="utf-8")
    print(f"wrote {len(index)} provider schemas to {args.dest}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
