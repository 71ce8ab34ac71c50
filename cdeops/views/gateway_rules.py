"""Policy rules of the gateway section: what a gateway feature needs, checked at validation.

``check_policy`` (cdeops/policy/rules.py) calls ``gateway_problems``; every problem is reported
with the file, line and dotted path of the policy like any other cross-field error.
"""

from __future__ import annotations

from ..policy.document import Policy
from .gateway_portkey import portkey_problems

__all__ = ["gateway_problems"]

Problem = tuple[tuple[str | int, ...], str]


def _cache_problems(policy: Policy) -> list[Problem]:
    cache = policy.gateway.cache
    models = {m.name for m in policy.models}
    problems: list[Problem] = []
    if cache.embedding_model is not None and cache.embedding_model not in models:
        known = ", ".join(sorted(models))
        problems.append(
            (("gateway", "cache", "embedding_model"), f"unknown model {cache.embedding_model!r}; known: {known}")
        )
    if cache.mode == "semantic" and cache.embedding_model is None and "embedding" not in policy.routing.tasks:
        problems.append(
            (
                ("gateway", "cache", "mode"),
                "semantic caching embeds every prompt: name the policy model that serves embeddings in "
                "gateway.cache.embedding_model (or routing.tasks.embedding), or use mode: exact",
            )
        )
    if cache.mode != "semantic" and cache.embedding_model is not None:
        problems.append(
            (("gateway", "cache", "embedding_model"), f"only used with mode: semantic (mode is {cache.mode})")
        )
    return problems


def gateway_problems(policy: Policy) -> list[Problem]:
    """Every problem of the gateway section (both engines), all at once."""
    return _cache_problems(policy) + portkey_problems(policy)
