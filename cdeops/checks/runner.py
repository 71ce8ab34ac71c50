"""``cdeops check``: every offline check of a rendered (or hand-edited) tree, in one report.

Checks, by family: ``manifest`` (integrity), ``terraform-schema`` (provider schemas),
``terraform-fmt`` (real ``terraform fmt``, one run for the whole tree), ``k8s-schema`` (Kubernetes
OpenAPI and CRD schemas, strict), ``egress`` (default deny + reachability proof), ``labels``,
``hardening``, ``vault-in-template`` and ``secrets``. No printing here; the CLI formats the report.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cdeops.checks.egress_promise import check_egress
from cdeops.checks.findings import Finding
from cdeops.checks.k8s_objects import load_objects
from cdeops.checks.k8s_schema import DEFAULT_KUBERNETES_VERSION, check_objects, clamp_version, tree_kubernetes_version
from cdeops.checks.manifest import check_manifest
from cdeops.checks.promises import check_coder_templates, check_object_promises
from cdeops.checks.secrets_scan import scan_tree
from cdeops.errors import ToolError

if TYPE_CHECKING:
    from cdeops.policy.document import Policy

__all__ = ["CheckReport", "run_checks", "terraform_files"]

_PARALLEL_MIN_MODULES = 16


@dataclass(frozen=True)
class CheckReport:
    """What ``run_checks`` found. ``fmt_diffs`` maps each non-canonical ``.tf`` to its diff."""

    root: str
    findings: list[Finding]
    kubernetes_version: str
    fmt_diffs: dict[str, str] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, object]:
        return {
            "root": self.root,
            "ok": self.ok,
            "kubernetes_version": self.kubernetes_version,
            "counts": dict(self.counts),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
            "fmt_diffs": dict(self.fmt_diffs),
            "seconds": round(self.seconds, 3),
        }


def terraform_files(root: Path) -> dict[str, str]:
    """Every ``*.tf`` under ``root`` (hidden folders skipped) as ``{relative path: text}``."""
    files: dict[str, str] = {}
    for path in sorted(root.rglob("*.tf")):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts[:-1]) or not path.is_file():
            continue
        try:
            files[relative.as_posix()] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # the schema check reports unreadable files
    return files


def _module_dirs(root: Path, tf_files: dict[str, str]) -> list[str]:
    return sorted({str(Path(name).parent.as_posix()) for name in tf_files})


def _check_module(root: str, module: str) -> list[Finding]:
    """Schema and promise checks of one Terraform module folder (runs in a worker process)."""
    from cdeops.checks.terraform_schema import check_terraform_dir

    base = Path(root) / module
    prefix = "" if module == "." else module + "/"
    findings = []
    for finding in check_terraform_dir(base):
        findings.append(Finding(finding.check, prefix + finding.file, finding.line, finding.message, finding.severity))
    # check_terraform_dir recurses: keep only this folder's own files (subfolders are their own modules)
    return [f for f in findings if "/" not in f.file.removeprefix(prefix)]


def _terraform_schema(root: Path, tf_files: dict[str, str], workers: int | None) -> list[Finding]:
    modules = _module_dirs(root, tf_files)
    if len(modules) < _PARALLEL_MIN_MODULES or workers == 1:
        return [f for m in modules for f in _check_module(str(root), m)]
    count = workers or min(len(modules), os.cpu_count() or 1)
    if count <= 1:
        return [f for m in modules for f in _check_module(str(root), m)]
    with ProcessPoolExecutor(max_workers=count) as pool:
        results = pool.map(_check_module, [str(root)] * len(modules), modules, chunksize=8)
        return [f for chunk in results for f in chunk]


def _fmt_findings(tf_files: dict[str, str]) -> tuple[list[Finding], dict[str, str]]:
    from cdeops.checks.terraform_fmt import format_check

    try:
        diffs = format_check(tf_files)
    except ToolError as exc:
        if "cannot format" in exc.message:  # a syntax error: the schema check names it too
            return [Finding("terraform-fmt", "terraform", 0, exc.message.splitlines()[-1])], {}
        raise
    findings = []
    for name, diff in diffs.items():
        changed = sum(1 for line in diff.splitlines() if line.startswith(("+", "-")) and line[:3] not in ("+++", "---"))
        first = next((line for line in diff.splitlines() if line.startswith("@@")), "")
        line = int(first.split()[1].split(",")[0].lstrip("-")) if first else 0
        message = f"not in canonical `terraform fmt` form ({changed} line(s) differ; see the diff)"
        findings.append(Finding("terraform-fmt", name, line, message))
    return findings, diffs


def run_checks(
    root: Path,
    *,
    kubernetes_version: str | None = None,
    policy: Policy | None = None,
    fmt: bool = True,
    workers: int | None = None,
) -> CheckReport:
    """Run every offline check on the tree at ``root``.

    ``kubernetes_version`` defaults to the namespaces' Pod Security ``enforce-version`` label, then
    to 1.33; it is clamped to the versions kubernetes-validate ships. ``policy`` makes the egress
    proof exact (destinations from the policy instead of the tree). ``fmt=False`` skips the
    ``terraform fmt`` check (which needs Terraform). Raises ``ToolError`` when Terraform is needed
    and missing.
    """
    started = time.perf_counter()
    root = Path(root)
    findings: list[Finding] = list(check_manifest(root))
    tf_files = terraform_files(root)
    findings.extend(_terraform_schema(root, tf_files, workers))
    diffs: dict[str, str] = {}
    if fmt and tf_files:
        fmt_found, diffs = _fmt_findings(tf_files)
        findings.extend(fmt_found)
    objects, load_findings = load_objects(root)
    findings.extend(load_findings)
    version = clamp_version(kubernetes_version or tree_kubernetes_version(objects) or DEFAULT_KUBERNETES_VERSION)
    findings.extend(check_objects(objects, version))
    findings.extend(check_egress(objects, root, policy))
    findings.extend(check_object_promises(objects))
    findings.extend(check_coder_templates(root))
    findings.extend(scan_tree(root))
    counts = {
        "terraform_files": len(tf_files),
        "kubernetes_objects": len(objects),
        "coder_templates": len({Path(name).parent for name in tf_files if name.startswith("coder/")}),
    }
    return CheckReport(
        root=str(root),
        findings=sorted(set(findings), key=lambda f: (f.file, f.line, f.check, f.message)),
        kubernetes_version=version,
        fmt_diffs=diffs,
        counts=counts,
        seconds=time.perf_counter() - started,
    )
