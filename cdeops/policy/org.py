"""Policy sections describing people and workspaces: prompts, teams, templates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .fields import Name, PinnedImage, Strict

__all__ = ["AI_TOOLS", "Budget", "Gpu", "Prompt", "Range", "RateLimits", "Team", "Template"]

AI_TOOLS = ("claude-code", "codex", "aider", "continue")
AiTool = Literal["claude-code", "codex", "aider", "continue"]
RelPath = Annotated[str, Field(min_length=1, max_length=255)]


class Prompt(Strict):
    """A rules file: ``source`` (relative to the policy file) is written to ``path`` in the home folder."""

    path: RelPath
    source: RelPath


class Budget(Strict):
    monthly_usd: Annotated[float, Field(gt=0, le=10_000_000)]
    alert_at: list[Annotated[float, Field(gt=0, le=1)]] = Field(default_factory=lambda: [0.75, 0.9])
    on_exhausted: Literal["block", "downgrade"] = "block"
    downgrade_to: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Budget:
        if any(b <= a for a, b in zip(self.alert_at, self.alert_at[1:], strict=False)):
            raise ValueError("alert_at thresholds must be strictly ascending, e.g. [0.75, 0.9]")
        if self.on_exhausted == "downgrade" and self.downgrade_to is None:
            raise ValueError("on_exhausted: downgrade needs downgrade_to: <model>")
        if self.on_exhausted == "block" and self.downgrade_to is not None:
            raise ValueError("downgrade_to is only used with on_exhausted: downgrade")
        return self


class RateLimits(Strict):
    rpm: Annotated[int, Field(ge=1, le=10_000_000)] | None = None
    tpm: Annotated[int, Field(ge=1, le=10_000_000_000)] | None = None


class Team(Strict):
    name: Name
    cost_center: Annotated[str, Field(min_length=1, max_length=120)]
    display_name: Annotated[str, Field(min_length=1, max_length=120)] | None = None
    projects: list[Name] = Field(default_factory=list)
    models: Annotated[list[str], Field(min_length=1)]
    templates: Annotated[list[str], Field(min_length=1)]
    budget: Budget
    rate_limits: RateLimits = Field(default_factory=RateLimits)
    prompts: list[Prompt] = Field(default_factory=list)
    # Coder group whose members may use this team's templates (defaults to the team name)
    coder_group: Annotated[str, Field(min_length=1, max_length=120)] | None = None

    @property
    def project_names(self) -> list[str]:
        return list(self.projects) or ["default"]

    @property
    def group(self) -> str:
        return self.coder_group or self.name


class Range(Strict):
    default: Annotated[int, Field(ge=1, le=512)]
    max: Annotated[int, Field(ge=1, le=512)]

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.default > self.max:
            raise ValueError(f"default ({self.default}) is greater than max ({self.max})")
        return self


class Gpu(Strict):
    pool: Name
    count: Annotated[int, Field(ge=1, le=16)] = 1


class Template(Strict):
    name: Name
    image: PinnedImage
    description: Annotated[str, Field(max_length=500)] | None = None
    cpu: Range = Field(default_factory=lambda: Range(default=2, max=8))
    memory_gb: Range = Field(default_factory=lambda: Range(default=4, max=16))
    home_disk_gb: Annotated[int, Field(ge=1, le=65536)] = 20
    storage_class: Annotated[str, Field(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")] | None = None
    gpu: Gpu | None = None
    ai_tools: list[AiTool] = Field(default_factory=lambda: list[AiTool](["claude-code"]))
