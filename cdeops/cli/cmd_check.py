"""``cdeops check DIR``: offline checks of a rendered (or hand-edited) tree."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .output import OutputFormat, emit_json, err, out

if TYPE_CHECKING:
    from ..checks.checkov_scan import CheckovResult
    from ..checks.runner import CheckReport

__all__ = ["register"]


def _text_report(report: CheckReport, scan: CheckovResult | None, show_diff: bool) -> None:
    by_check: dict[str, list[str]] = {}
    for finding in report.findings:
        mark = "" if finding.severity == "error" else " (warning)"
        by_check.setdefault(finding.check, []).append(f"{finding}{mark}")
    for check in sorted(by_check):
        out(f"== {check} ({len(by_check[check])})")
        for line in by_check[check]:
            out(line)
    if show_diff and report.fmt_diffs:
        out("== terraform fmt diffs")
        for diff in report.fmt_diffs.values():
            out(diff)
    counts = report.counts
    if scan is not None:
        out(f"checkov: {scan.passed} passed, {len(scan.failed)} failed, {len(scan.skipped)} skipped as justified")
    errors, warnings = len(report.errors), len(report.warnings)
    summary = (
        f"{report.root}: {errors} error(s), {warnings} warning(s) in {counts.get('terraform_files', 0)} Terraform "
        f"file(s) and {counts.get('kubernetes_objects', 0)} Kubernetes object(s) "
        f"(Kubernetes {report.kubernetes_version}, {report.seconds:.2f}s)"
    )
    (out if errors == 0 else err)(summary)


def check(
    directory: Annotated[Path, typer.Argument(metavar="DIR", help="A rendered output folder (from `cdeops render`).")],
    kubernetes_version: Annotated[
        str | None,
        typer.Option(
            "--kubernetes-version",
            help="Validate manifests at this version (default: the namespaces' Pod Security version, else 1.33).",
        ),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option("--policy", help="The policy the tree came from: makes the egress proof exact."),
    ] = None,
    scan: Annotated[
        bool, typer.Option("--scan", help="Also run checkov (needs `pip install 'cdeops[scan]'`).")
    ] = False,
    fmt: Annotated[bool, typer.Option("--fmt/--no-fmt", help="Check `terraform fmt` (needs Terraform).")] = True,
    show_diff: Annotated[bool, typer.Option("--diff/--no-diff", help="Print `terraform fmt` diffs.")] = True,
    output: Annotated[OutputFormat, typer.Option("--output", help="Report format.")] = OutputFormat.text,
) -> None:
    """Check a rendered tree offline: Terraform schemas and formatting, Kubernetes schemas, the promises.

    Exits 0 when there are no errors (warnings allowed), 1 when there are findings.
    """
    from ..checks.runner import run_checks
    from ..errors import CheckFailed, ToolError

    if not directory.is_dir():
        raise ToolError(f"{directory} is not a folder", hint="give the folder `cdeops render -o` wrote")
    loaded_policy = None
    if policy is not None:
        from ..policy.loader import load_policy

        loaded_policy = load_policy(policy).policy
    report = run_checks(directory, kubernetes_version=kubernetes_version, policy=loaded_policy, fmt=fmt)
    scan_result = None
    findings = list(report.findings)
    if scan:
        from ..checks.checkov_scan import run_checkov

        scan_result = run_checkov(directory)
        findings.extend(scan_result.failed)
        report = type(report)(
            root=report.root,
            findings=findings,
            kubernetes_version=report.kubernetes_version,
            fmt_diffs=report.fmt_diffs,
            counts=report.counts,
            seconds=report.seconds,
        )
    if output is OutputFormat.json:
        doc = report.to_dict()
        if scan_result is not None:
            doc["checkov"] = {
                "passed": scan_result.passed,
                "failed": len(scan_result.failed),
                "skipped": [{"id": i, "resource": r, "file": f} for i, r, f in scan_result.skipped],
                "parsing_errors": scan_result.parsing_errors,
            }
        emit_json(doc)
    else:
        _text_report(report, scan_result, show_diff)
    if report.errors:
        raise CheckFailed(f"{len(report.errors)} finding(s) in {directory}")


def register(app: typer.Typer) -> None:
    app.command("check")(check)
