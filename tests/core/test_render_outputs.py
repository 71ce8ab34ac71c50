"""Every rendered file of every example: schema-valid, canonical, deterministic."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from cdeops.checks.terraform_fmt import format_check
from cdeops.checks.terraform_schema import check_terraform_text
from tests.support.examples import REPO, example_path, rendered

BUILTIN_GROUPS = ("v1", "apps/v1", "networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "policy/v1")


def _k8s_objects(files: dict[str, bytes]) -> list[tuple[str, dict[str, object]]]:
    objects = []
    for path, data in files.items():
        if path.startswith("kubernetes/") and path.endswith(".yaml"):
            objects += [(path, doc) for doc in yaml.safe_load_all(data) if doc]
    return objects


def test_kubernetes_objects_are_valid_strict(example: str) -> None:
    loaded, files = rendered(example)
    version = loaded.policy.cluster.kubernetes_version
    objects = [(p, o) for p, o in _k8s_objects(files) if o["apiVersion"] in BUILTIN_GROUPS]
    assert objects
    for path, obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{path}: {obj['kind']}/{obj['metadata']}: {exc.message}")  # type: ignore[index]


def test_terraform_matches_provider_schemas(example: str) -> None:
    _, files = rendered(example)
    findings = []
    for path, data in files.items():
        if path.endswith(".tf"):
            findings += check_terraform_text(data.decode(), path)
    assert [str(f) for f in findings] == []


def test_terraform_is_canonical(example: str) -> None:
    _, files = rendered(example)
    tf = {p: d.decode() for p, d in files.items() if p.endswith(".tf")}
    assert tf
    assert format_check(tf) == {}


def test_render_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run(
            [sys.executable, "-m", "cdeops", "render", str(example_path("eks-cilium")), "-o", str(out)],
            check=True,
            env=env,
            capture_output=True,
        )
        outs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    assert "manifest.json" in outs[0]


def test_manifest_lists_every_file_with_its_hash(example: str) -> None:
    import hashlib
    import json

    _, files = rendered(example)
    manifest = json.loads(files["manifest.json"])
    assert manifest["generator"] == "cdeops"
    listed = manifest["files"]
    assert set(listed) == set(files) - {"manifest.json"}
    for path, digest in listed.items():
        assert hashlib.sha256(files[path]).hexdigest() == digest


def test_no_machine_paths_or_timestamps(example: str) -> None:
    _, files = rendered(example)
    for path, data in files.items():
        text = data.decode()
        assert str(REPO) not in text, path
        assert "2026-12" not in text, path
