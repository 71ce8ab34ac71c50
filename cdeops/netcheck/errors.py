"""The one error the reachability evaluator raises: a policy object it cannot read."""

from __future__ import annotations

from cdeops.errors import CdeopsError

__all__ = ["NetcheckError"]


class NetcheckError(CdeopsError):
    """A NetworkPolicy / CiliumNetworkPolicy / topology entry is malformed; the message names it."""
