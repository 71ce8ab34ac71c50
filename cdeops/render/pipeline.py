"""Policy → every output file, in memory. Writing happens in ``writer``."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import RenderError
from ..outputs import (
    coder_templates,
    coderd,
    gateway,
    gpu_pools,
    helm_values,
    kubernetes,
    platform_namespaces,
    vault,
)
from ..outputs.context import RenderContext
from ..policy.loader import LoadedPolicy
from .writer import MANIFEST, build_manifest

__all__ = ["STAGES", "render_files"]

Stage = Callable[[RenderContext], dict[str, bytes]]

STAGES: tuple[Stage, ...] = (
    coder_templates.files,
    coderd.files,
    kubernetes.files,
    platform_namespaces.files,
    gateway.files,
    vault.files,
    gpu_pools.files,
    helm_values.files,
)


def render_files(loaded: LoadedPolicy, version: str) -> dict[str, bytes]:
    """Every rendered file by relative path, plus ``manifest.json`` with their sha256."""
    ctx = RenderContext(loaded)
    files: dict[str, bytes] = {}
    for stage in STAGES:
        for path, data in stage(ctx).items():
            if path in files or path == MANIFEST:
                raise RenderError(f"two outputs claim {path}; this is a cdeops bug")
            files[path] = data
    files[MANIFEST] = build_manifest(files, version)
    return dict(sorted(files.items()))
