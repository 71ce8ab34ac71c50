"""``cdeops check``: every offline check of a rendered (or hand-edited) tree, in one report.

Checks, by family: ``manifest`` (integrity), ``terraform-schema`` (provider schemas),
``terraform-fmt`` (real ``terraform fmt``, one run for the whole tree), ``k8s-schema`` (Kubernetes
OpenAPI and CRD schemas, strict), ``egress`` (default deny + reachability proof), ``labels``,
``hardening``, ``vault-in-template``, ``litellm-config`` (the rendered LiteLLM config's keys) and
``secrets``. No printing here; the CLI formats the report.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from cdeops.checks.egress_promise import check_egress
from cdeops.checks.findings import Finding
from cdeops.checks.k8s_objects import load_objects
from cdeops.checks.k8s_schema import DEFAULT_KUBERNETES_VERSION, check_objects, clamp_version, tree_kubernetes_version
from cdeops.checks.manifest import check_manifest
from cdeops.checks.promises import check_coder_templates, check_object_promises
from cdeops.checks.secrets_scan import scan_tree
from cdeops.checks.tf_skeleton import fmt_skeleton, group_modules, reduce_module
from cdeops.errors import ToolError

if TYPE_CHECKING:
    from cdeops.policy.document import Policy

__all__ = ["CheckReport", "run_checks", "terraform_files"]

_PARALLEL_MIN_MODULES = 16
LITELLM_CONFIG = "gateway/litellm/config.yaml"


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


def _check_module(root: str, module: str) -> list[Finding]:
    """Schema check of one Terraform module folder (runs in a worker process). A module with many
    blocks of the same shape is first checked reduced (``tf_skeleton.reduce_module``); only when
    that finds something is the whole module checked."""
    from cdeops.checks.terraform_schema import check_terraform_dir

    base = Path(root) / module
    files = {p.name: p.read_text(encoding="utf-8", errors="replace") for p in base.glob("*.tf") if p.is_file()}
    reduced = reduce_module(files)
    if reduced is not None:
        with tempfile.TemporaryDirectory(prefix="cdeops-check-") as tmp:
            for name, text in reduced.items():
                (Path(tmp) / name).write_text(text, encoding="utf-8")
            if not check_terraform_dir(Path(tmp)):
                return []
    prefix = "" if module == "." else module + "/"
    findings = []
    for finding in check_terraform_dir(base):
        findings.append(Finding(finding.check, prefix + finding.file, finding.line, finding.message, finding.severity))
    # check_terraform_dir recurses: keep only this folder's own files (subfolders are their own modules)
    return [f for f in findings if "/" not in f.file.removeprefix(prefix)]


def _check_modules(root: Path, modules: list[str], workers: int | None) -> dict[str, list[Finding]]:
    if len(modules) < _PARALLEL_MIN_MODULES or workers == 1:
        return {m: _check_module(str(root), m) for m in modules}
    count = workers or min(len(modules), os.cpu_count() or 1)
    if count <= 1:
        return {m: _check_module(str(root), m) for m in modules}
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        results = pool.map(_check_module, [str(root)] * len(modules), modules, chunksize=8)
        return dict(zip(modules, results, strict=True))


def _terraform_schema(root: Path, tf_files: dict[str, str], workers: int | None) -> list[Finding]:
    """Schema findings of every module; modules differing only in string values are checked once
    (see ``tf_skeleton``), and every member of a group whose representative has findings in full."""
    by_module: dict[str, dict[str, str]] = {}
    for name, text in tf_files.items():
        by_module.setdefault(Path(name).parent.as_posix(), {})[Path(name).name] = text
    groups = group_modules(dict(sorted(by_module.items())))
    results = _check_modules(root, [group[0] for group in groups], workers)
    rest = [member for group in groups if results[group[0]] for member in group[1:]]
    results.update(_check_modules(root, rest, workers))
    return [finding for module in sorted(results) for finding in results[module]]


def _format_check_grouped(tf_files: dict[str, str], workers: int | None) -> dict[str, str]:
    """``terraform fmt`` judges one file per fmt skeleton (``tf_skeleton.fmt_skeleton``); every
    member of a group whose representative is not canonical is judged on its own."""
    groups: dict[object, list[str]] = {}
    for name in sorted(tf_files):
        shape = fmt_skeleton(tf_files[name])
        groups.setdefault(name if shape is None else shape, []).append(name)
    heads = {group[0]: tf_files[group[0]] for group in groups.values()}
    diffs = _format_check_parallel(heads, workers)
    rest = {m: tf_files[m] for group in groups.values() if group[0] in diffs for m in group[1:]}
    if rest:
        diffs.update(_format_check_parallel(rest, workers))
    return dict(sorted(diffs.items()))


def _format_check_parallel(tf_files: dict[str, str], workers: int | None) -> dict[str, str]:
    """``format_check`` over CPU-count chunks of the files, each one ``terraform fmt`` run."""
    from cdeops.checks.terraform_fmt import format_check

    count = workers or os.cpu_count() or 1
    names = sorted(tf_files)
    if count <= 1 or len(names) < _PARALLEL_MIN_MODULES:
        return format_check(tf_files)
    chunks = [names[i::count] for i in range(count)]
    with ThreadPoolExecutor(max_workers=count) as pool:
        parts = pool.map(lambda chunk: format_check({n: tf_files[n] for n in chunk}), chunks)
        return dict(sorted(item for part in parts for item in part.items()))


def _fmt_findings(tf_files: dict[str, str], workers: int | None = None) -> tuple[list[Finding], dict[str, str]]:
    try:
        diffs = _format_check_grouped(tf_files, workers)
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


def _gateway_config(root: Path) -> list[Finding]:
    """The rendered LiteLLM config against the keys LiteLLM knows (when the tree has one)."""
    path = root / LITELLM_CONFIG
    if not path.is_file():
        return []
    from cdeops.checks.litellm_config import check_litellm_config

    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [Finding("litellm-config", LITELLM_CONFIG, 0, f"cannot be read: {str(exc).splitlines()[0]}")]
    return check_litellm_config(doc, LITELLM_CONFIG)


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
        fmt_found, diffs = _fmt_findings(tf_files, workers)
        findings.extend(fmt_found)
    objects, load_findings = load_objects(root)
    findings.extend(load_findings)
    version = clamp_version(kubernetes_version or tree_kubernetes_version(objects) or DEFAULT_KUBERNETES_VERSION)
    findings.extend(check_objects(objects, version))
    findings.extend(check_egress(objects, root, policy))
    findings.extend(check_object_promises(objects))
    findings.extend(check_coder_templates(root))
    findings.extend(_gateway_config(root))
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
