"""What every output stage receives."""

from __future__ import annotations

from dataclasses import dataclass

from ..policy.document import Policy
from ..policy.loader import LoadedPolicy

__all__ = ["RenderContext"]


@dataclass(frozen=True)
class RenderContext:
    loaded: LoadedPolicy

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    @property
    def prompt_files(self) -> dict[str, bytes]:
        return self.loaded.prompt_files
