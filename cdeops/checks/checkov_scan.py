"""``cdeops check --scan``: checkov on the rendered tree, minus the shipped, justified skips.

checkov is an optional extra (``pip install 'cdeops[scan]'``): it is found in cdeops' own Python
environment, else as a ``checkov`` command on ``PATH``. The skips live in
``cdeops/data/checkov-skips.yaml``; each names a check id, a reason and, optionally, the resource
types and path globs it applies to. A skip without a reason is refused.
"""

from __future__ import annotations

import fnmatch
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from cdeops.checks.findings import Finding
from cdeops.errors import ToolError
from cdeops.resources import data_dir

__all__ = ["CHECK_NAME", "CheckovResult", "Skip", "checkov_command", "load_skips", "run_checkov"]

CHECK_NAME = "checkov"
_FRAMEWORKS = ("terraform", "kubernetes")
_TIMEOUT_SECONDS = 900
_HINT = "install the scan extra: pip install 'cdeops[scan]' (or put a `checkov` command on PATH)"


@dataclass(frozen=True)
class Skip:
    id: str
    reason: str
    resource_types: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()

    def covers(self, check_id: str, resource: str, path: str) -> bool:
        if check_id != self.id:
            return False
        if self.resource_types and resource.split(".")[0] not in self.resource_types:
            return False
        return not self.paths or any(fnmatch.fnmatch(path, pattern) for pattern in self.paths)


@dataclass(frozen=True)
class CheckovResult:
    passed: int
    failed: list[Finding]
    skipped: list[tuple[str, str, str]]  # (check id, resource, file) covered by a justified skip
    parsing_errors: list[str]


def load_skips(path: Path | None = None) -> list[Skip]:
    source = path or data_dir() / "checkov-skips.yaml"
    doc = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    skips = []
    for entry in doc.get("skips") or []:
        reason = str(entry.get("reason") or "").strip()
        if not entry.get("id") or not reason:
            raise ToolError(f"{source.name}: every skip needs an id and a reason (got {entry!r})")
        skips.append(
            Skip(
                id=str(entry["id"]),
                reason=reason,
                resource_types=tuple(entry.get("resource_types") or ()),
                paths=tuple(entry.get("paths") or ()),
            )
        )
    return skips


def checkov_command() -> list[str]:
    """How to run checkov here; ``ToolError`` when it is not installed."""
    if importlib.util.find_spec("checkov") is not None:
        return [sys.executable, "-m", "checkov.main"]
    found = shutil.which("checkov")
    if found:
        return [found]
    raise ToolError("checkov is not installed", hint=_HINT)


def _reports(stdout: str) -> list[dict[str, Any]]:
    start = stdout.find("[") if stdout.lstrip().startswith("[") else stdout.find("{")
    try:
        doc = json.loads(stdout[start:]) if start >= 0 else None
    except ValueError as exc:
        raise ToolError(f"checkov printed no JSON report: {exc}") from exc
    if isinstance(doc, dict):
        return [doc] if "results" in doc else []  # {"passed": 0, ...} when nothing was scanned
    return [r for r in doc or [] if isinstance(r, dict)]


def run_checkov(root: Path, skips: list[Skip] | None = None) -> CheckovResult:
    """Scan ``root`` with checkov (Terraform and Kubernetes frameworks, offline)."""
    skips = load_skips() if skips is None else skips
    command = [
        *checkov_command(),
        "--directory",
        str(root),
        "--framework",
        *_FRAMEWORKS,
        "--output",
        "json",
        "--quiet",
        "--compact",
        "--skip-download",
    ]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_SECONDS, check=False, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ToolError(f"running checkov failed: {exc}", hint=_HINT) from exc
    if done.returncode not in (0, 1):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ToolError(f"checkov failed (exit {done.returncode}): {tail}")
    passed = 0
    failed: list[Finding] = []
    skipped: list[tuple[str, str, str]] = []
    errors: list[str] = []
    for report in _reports(done.stdout):
        results = report.get("results") or {}
        passed += int((report.get("summary") or {}).get("passed") or 0)
        errors.extend(str(p) for p in results.get("parsing_errors") or [])
        for check in results.get("failed_checks") or []:
            check_id = str(check.get("check_id"))
            resource = str(check.get("resource", ""))
            path = str(check.get("file_path", "")).lstrip("/")
            if any(skip.covers(check_id, resource, path) for skip in skips):
                skipped.append((check_id, resource, path))
                continue
            line_range = check.get("file_line_range") or [0]
            message = f"{check_id} {check.get('check_name', '')} ({resource})"
            failed.append(Finding(CHECK_NAME, path, int(line_range[0] or 0), message))
    return CheckovResult(passed=passed, failed=sorted(failed), skipped=sorted(skipped), parsing_errors=errors)
