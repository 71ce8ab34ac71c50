"""What every offline check returns: findings, each tied to a file and, where known, a line."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

__all__ = ["Finding", "Severity"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Finding:
    """One problem found in rendered (or hand-edited) output.

    ``check`` names the check family (``terraform-schema``, ``terraform-fmt``, ``k8s-schema``,
    ``egress``, ``secrets``, ...); ``file`` is relative to the checked folder; ``line`` is 0 when
    unknown. Messages never contain secret values.
    """

    check: str
    file: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.check}] {self.message}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)
