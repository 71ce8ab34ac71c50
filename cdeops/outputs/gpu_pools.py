"""``terraform/gpu-pools/`` (+ the shipped modules it calls) and ``kubernetes/karpenter.yaml``."""

from __future__ import annotations

from ..render.documents import dump_yaml_stream
from ..render.jinja_env import render_template
from ..resources import terraform_dir
from ..views.gpu_pools import gpu_pools_view, karpenter_objects
from .context import RenderContext

__all__ = ["files"]


def _module_files(module_dir: str) -> dict[str, bytes]:
    root = terraform_dir() / "modules" / module_dir
    return {
        f"terraform/modules/{module_dir}/{p.relative_to(root).as_posix()}": p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def files(ctx: RenderContext) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    view = gpu_pools_view(ctx.policy)
    if view is not None:
        out["terraform/gpu-pools/main.tf"] = render_template("gpu-pools/main.tf.j2", v=view).encode()
        out.update(_module_files(view.module_dir))
    karpenter = karpenter_objects(ctx.policy)
    if karpenter:
        out["kubernetes/karpenter.yaml"] = dump_yaml_stream(karpenter).encode()
    return out
