"""Output stage (being built)."""

from __future__ import annotations

from .context import RenderContext

__all__ = ["files"]


def files(ctx: RenderContext) -> dict[str, bytes]:
    del ctx
    return {}
