"""The JSON Schema of the policy file, as editors consume it."""

from __future__ import annotations

from typing import Any

from .document import Policy

__all__ = ["policy_json_schema"]


def policy_json_schema() -> dict[str, Any]:
    schema = Policy.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://cdeops.io/schemas/policy-v1alpha1.json"
    schema["title"] = "cdeops policy (cdeops.yaml)"
    return schema
