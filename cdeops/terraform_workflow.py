"""Terraform workflow of a rendered stack (``DIR/terraform/<stack>``), driven through python-terraform.

``plan`` runs ``init -input=false`` (with ``-backend-config`` pass-through), ``plan -out=cdeops.tfplan``
and summarises ``terraform show -json`` of the plan. ``apply`` applies only that saved plan, and
refuses when there is none or when it is stale: the stack's files changed since the plan (cdeops
records their fingerprint next to the plan) or Terraform reports the state moved on. No printing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ToolError

__all__ = [
    "PLAN_FILE",
    "ApplyResult",
    "PlanResult",
    "ResourceChange",
    "apply_stack",
    "plan_stack",
    "stack_dir",
    "summarize_plan",
    "terraform_binary",
]

PLAN_FILE = "cdeops.tfplan"
FINGERPRINT_FILE = "cdeops.tfplan.sha256"
_AUTOMATION_ENV = {"TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
_FLAG = "__flag__"  # replaced by python_terraform.IsFlagged in _run
_HINT = "install Terraform (>= 1.6) and put `terraform` on PATH"


@dataclass(frozen=True)
class ResourceChange:
    address: str
    action: str  # create | update | delete | replace | read | no-op

    def to_dict(self) -> dict[str, str]:
        return {"address": self.address, "action": self.action}


@dataclass(frozen=True)
class PlanResult:
    stack: str
    plan_file: Path
    changes: list[ResourceChange] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "delete": 0, "replace": 0}
        for change in self.changes:
            if change.action in counts:
                counts[change.action] += 1
        return counts

    @property
    def has_changes(self) -> bool:
        return any(self.counts.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "plan_file": str(self.plan_file),
            "counts": self.counts,
            "changes": [c.to_dict() for c in self.changes if c.action != "no-op"],
        }


@dataclass(frozen=True)
class ApplyResult:
    stack: str
    output: str


def terraform_binary() -> str:
    found = shutil.which("terraform")
    if found is None:
        raise ToolError("terraform is not installed (no `terraform` on PATH)", hint=_HINT)
    return found


def stack_dir(root: Path, stack: str) -> Path:
    """``root/terraform/<stack>``; ``ToolError`` listing the stacks when it does not exist."""
    base = Path(root) / "terraform"
    folder = base / stack
    if "/" in stack or stack in ("", ".", "..", "modules") or not folder.is_dir():
        stacks = sorted(p.name for p in base.iterdir() if p.is_dir() and p.name != "modules") if base.is_dir() else []
        known = ", ".join(stacks) or "none"
        raise ToolError(f"no Terraform stack {stack!r} in {base} (stacks: {known})")
    return folder


@contextlib.contextmanager
def _environment(extra: Mapping[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _run(folder: Path, command: str, *args: str, **options: Any) -> tuple[int, str, str]:
    from python_terraform import IsFlagged, Terraform

    options = {k: IsFlagged if v == _FLAG else v for k, v in options.items()}
    terraform = Terraform(working_dir=str(folder), terraform_bin_path=terraform_binary())
    with _environment(_AUTOMATION_ENV), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # python-terraform logs with Logger.warn
        code, out, err = terraform.cmd(command, *args, **options)
    return int(code), str(out or ""), str(err or "")


def _fail(step: str, stack: str, err: str) -> ToolError:
    lines = [line.strip(" │╷╵") for line in err.strip().splitlines() if line.strip(" │╷╵")]
    detail = "\n".join(lines[:12]) or "no error output"
    return ToolError(f"terraform {step} failed for stack {stack}:\n{detail}")


def _fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    names = sorted(p.name for p in folder.iterdir() if p.is_file() and (p.suffix in (".tf", ".tfvars")))
    names += [n for n in (".terraform.lock.hcl", PLAN_FILE) if (folder / n).is_file()]
    for name in names:
        digest.update(name.encode() + b"\0" + hashlib.sha256((folder / name).read_bytes()).digest())
    return digest.hexdigest()


def summarize_plan(plan_json: Mapping[str, Any]) -> list[ResourceChange]:
    """One row per resource address from ``terraform show -json PLAN``, sorted by address."""
    rows = []
    for change in plan_json.get("resource_changes") or []:
        actions = list((change.get("change") or {}).get("actions") or [])
        if sorted(actions) == ["create", "delete"]:
            action = "replace"
        elif len(actions) == 1:
            action = str(actions[0])
        else:
            action = "/".join(actions) or "no-op"
        rows.append(ResourceChange(str(change.get("address")), action))
    return sorted(rows, key=lambda r: r.address)


def _init(folder: Path, stack: str, backend_config: Mapping[str, str]) -> None:
    code, _, err = _run(folder, "init", input=False, no_color=_FLAG, backend_config=dict(backend_config) or None)
    if code != 0:
        raise _fail("init", stack, err)


def plan_stack(root: Path, stack: str, *, backend_config: Mapping[str, str] | None = None) -> PlanResult:
    """``init`` + ``plan -out=cdeops.tfplan`` + the JSON plan's summary."""
    folder = stack_dir(root, stack)
    terraform_binary()
    for stale in (FINGERPRINT_FILE, PLAN_FILE):
        (folder / stale).unlink(missing_ok=True)
    _init(folder, stack, backend_config or {})
    code, _, err = _run(folder, "plan", input=False, no_color=_FLAG, out=PLAN_FILE, lock_timeout="60s")
    if code != 0:
        raise _fail("plan", stack, err)
    code, out, err = _run(folder, "show", PLAN_FILE, json=_FLAG, no_color=_FLAG)
    if code != 0:
        raise _fail("show", stack, err)
    try:
        plan_json = json.loads(out)
    except ValueError as exc:
        raise ToolError(f"terraform show -json printed no JSON for stack {stack}: {exc}") from exc
    (folder / FINGERPRINT_FILE).write_text(_fingerprint(folder) + "\n", encoding="utf-8")
    return PlanResult(stack=stack, plan_file=folder / PLAN_FILE, changes=summarize_plan(plan_json))


def apply_stack(root: Path, stack: str, *, backend_config: Mapping[str, str] | None = None) -> ApplyResult:
    """Apply the saved plan of a stack; refuses a missing or stale plan."""
    folder = stack_dir(root, stack)
    terraform_binary()
    plan = folder / PLAN_FILE
    recorded = folder / FINGERPRINT_FILE
    if not plan.is_file() or not recorded.is_file():
        raise ToolError(
            f"no saved plan for stack {stack} ({plan.name} missing)",
            hint=f"run `cdeops plan DIR --stack {stack}`, review it, then apply",
        )
    if recorded.read_text(encoding="utf-8").strip() != _fingerprint(folder):
        raise ToolError(
            f"the saved plan of stack {stack} is stale: the stack's files changed after `cdeops plan`",
            hint=f"run `cdeops plan DIR --stack {stack}` again and review the new plan",
        )
    if not (folder / ".terraform").is_dir():
        _init(folder, stack, backend_config or {})
    code, out, err = _run(folder, "apply", PLAN_FILE, input=False, no_color=_FLAG, lock_timeout="60s")
    if code != 0:
        if "stale" in err.lower():
            raise ToolError(
                f"the saved plan of stack {stack} is stale: the state changed after it was made",
                hint=f"run `cdeops plan DIR --stack {stack}` again",
            )
        raise _fail("apply", stack, err)
    for used in (plan, recorded):
        used.unlink(missing_ok=True)  # a plan is applied once
    return ApplyResult(stack=stack, output=out)
