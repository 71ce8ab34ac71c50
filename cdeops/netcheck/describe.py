"""Plain-text account of a reachability result, for ``cdeops explain``."""

from __future__ import annotations

from collections.abc import Iterable

from cdeops.netcheck.model import DestinationVerdict, Reachability

__all__ = ["describe"]


def describe(results: Reachability | Iterable[Reachability], *, verbose: bool = False) -> str:
    """One block per source: each destination, reachable or blocked, and on which ports.

    With ``verbose`` every port lists the rules (or the default) that decided it.
    """
    items = [results] if isinstance(results, Reachability) else list(results)
    blocks = [_block(r, verbose) for r in items]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def _block(result: Reachability, verbose: bool) -> str:
    lines = [f"From {result.source.describe()}:"]
    for dest in result.destinations:
        lines.append("  " + _headline(dest))
        if verbose or dest.allowed:
            for port in dest.ports:
                state = "allowed" if port.allowed else "blocked"
                reasons = list(port.egress.reasons if port.egress.allowed or verbose else ())
                if port.ingress is not None and (verbose or not port.ingress.allowed):
                    reasons += [f"ingress: {r}" for r in port.ingress.reasons]
                if not port.allowed and not verbose:
                    reasons = []
                detail = f" - {'; '.join(reasons)}" if reasons else ""
                lines.append(f"      {port.port}: {state}{detail}")
        for note in sorted({n for p in dest.ports for n in p.notes}):
            lines.append(f"      note: {note}")
    return "\n".join(lines)


def _headline(dest: DestinationVerdict) -> str:
    if dest.fully_allowed:
        state = "reachable"
    elif dest.allowed:
        ports = ", ".join(str(p) for p in dest.allowed_ports)
        state = f"reachable on {ports} only"
    else:
        state = "blocked"
    return f"[{dest.role}] {dest.name} ({dest.target}): {state}"
