"""Global CLI options shared by the commands."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["STATE"]


@dataclass
class _State:
    debug: bool = False


STATE = _State()
