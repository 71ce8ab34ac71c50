"""The small error tree every layer raises; the CLI maps each class to an exit code."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CdeopsError",
    "CheckFailed",
    "DriftDetected",
    "Issue",
    "OutputError",
    "PolicyError",
    "RenderError",
    "ToolError",
    "VaultError",
]


@dataclass(frozen=True, order=True)
class Issue:
    """One problem found in a policy file, positioned as ``file:line: dotted.path: message``."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path or '<root>'}: {self.message}"


class CdeopsError(Exception):
    """Base of every error cdeops raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 1
    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message


class PolicyError(CdeopsError):
    """The policy file is unreadable, malformed or inconsistent. Carries every issue found."""

    exit_code = 2

    def __init__(self, issues: list[Issue] | Issue) -> None:
        self.issues = sorted(issues) if isinstance(issues, list) else [issues]
        count = len(self.issues)
        head = f"{count} problem{'s' if count != 1 else ''} in the policy"
        super().__init__(head + ":\n" + "\n".join(str(i) for i in self.issues))


class RenderError(CdeopsError):
    """A policy validated but could not be turned into output (a template or writer failure)."""


class OutputError(CdeopsError):
    """The output folder cannot be written safely (foreign files, symlinks, lock held)."""

    exit_code = 2


class DriftDetected(CdeopsError):
    """``render --check`` found that the committed output differs from a fresh render."""

    exit_code = 3

    def __init__(self, changed: list[str]) -> None:
        self.changed = changed
        super().__init__(
            f"{len(changed)} file(s) out of date:\n" + "\n".join(f"  {c}" for c in changed),
            hint="run `cdeops render` and commit the result",
        )


class CheckFailed(CdeopsError):
    """``cdeops check`` or ``cdeops vault check`` found problems; the findings were already reported."""


class ToolError(CdeopsError):
    """An external tool (terraform, helm) is missing or failed."""


class VaultError(CdeopsError):
    """Talking to Vault failed. Messages never carry tokens or secret values."""
