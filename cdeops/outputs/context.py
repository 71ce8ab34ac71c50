"""What every output stage receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..policy.document import Policy
from ..policy.loader import LoadedPolicy

__all__ = ["RenderContext"]


@dataclass(frozen=True)
class RenderContext:
    loaded: LoadedPolicy
    # results one stage computes and a later stage reuses (e.g. the rendered Coder templates)
    memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def policy(self) -> Policy:
        return self.loaded.policy

    @property
    def prompt_files(self) -> dict[str, bytes]:
        return self.loaded.prompt_files
