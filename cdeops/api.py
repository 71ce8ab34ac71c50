"""The library API the CLI is a thin layer over. No printing here."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .errors import DriftDetected
from .policy.loader import LoadedPolicy, load_policy
from .render.pipeline import render_files
from .render.writer import compare, digests, read_tree, tree_digests, write_tree

__all__ = ["RenderResult", "check_drift", "diff_output", "render", "render_to", "validate"]


@dataclass(frozen=True)
class RenderResult:
    files: dict[str, bytes]
    changes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def validate(policy_file: str | Path) -> LoadedPolicy:
    """Load and validate a policy; raises ``PolicyError`` listing every problem."""
    return load_policy(policy_file)


def render(policy_file: str | Path) -> dict[str, bytes]:
    """Every output file of a policy, in memory."""
    return render_files(load_policy(policy_file), __version__)


def render_to(policy_file: str | Path, out: Path, *, force: bool = False) -> RenderResult:
    """Render and atomically replace ``out``; files the user added there are kept."""
    files = render(policy_file)
    # compare by sha256 so the previous tree is never held in memory next to the new one
    previous = tree_digests(out) if out.is_dir() and (out / "manifest.json").exists() else None
    changes = compare(digests(files), previous) if previous is not None else []
    kept = write_tree(files, out, force=force)
    return RenderResult(files=files, changes=changes, kept=kept)


def check_drift(policy_file: str | Path, out: Path) -> list[str]:
    """Raise ``DriftDetected`` when ``out`` differs from a fresh render; returns [] when up to date."""
    files = render(policy_file)
    changes = compare(digests(files), tree_digests(out))
    if changes:
        raise DriftDetected(changes)
    return changes


def diff_output(policy_file: str | Path, out: Path) -> str:
    """A unified diff from the rendered tree in ``out`` to what a render would write now."""
    new = render(policy_file)
    old = read_tree(out)
    chunks: list[str] = []
    for path in sorted(new.keys() | old.keys()):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        a = _lines(before)
        b = _lines(after)
        chunks.extend(
            difflib.unified_diff(
                a,
                b,
                fromfile=f"a/{path}" if before is not None else "/dev/null",
                tofile=f"b/{path}" if after is not None else "/dev/null",
            )
        )
    return "".join(chunks)


def _lines(data: bytes | None) -> list[str]:
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines
