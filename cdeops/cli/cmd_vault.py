"""``cdeops vault check | sync POLICY``: preflight a running Vault, or push policies and roles to it.

Like the vault CLI, both honour VAULT_ADDR (overrides ``vault.address``), VAULT_TOKEN, VAULT_NAMESPACE
and VAULT_CACERT. Exit codes: 0 ok, 1 findings or a Vault error, 2 policy error. Neither command ever
prints a token or a secret value.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .output import OutputFormat, emit_json, err, out
from .state import STATE

if TYPE_CHECKING:
    from ..vault.client import VaultClient
    from ..views.vault_policies import VaultPlan

__all__ = ["register", "vault_app"]

vault_app = typer.Typer(
    name="vault",
    help="Check a running Vault against the policy, or write the policy's Vault policies and roles.",
    no_args_is_help=True,
)

PolicyArg = Annotated[Path, typer.Argument(help="The policy file (cdeops.yaml).")]
OutputOpt = Annotated[OutputFormat, typer.Option("--output", "-O", help="text or json.")]


@contextmanager
def _reported() -> Iterator[None]:
    """cdeops errors become ``error:``/``hint:`` lines and their exit code (also under CliRunner)."""
    from ..errors import CdeopsError

    try:
        yield
    except CdeopsError as exc:
        if STATE.debug:
            raise
        err(f"error: {exc.message}")
        if exc.hint:
            err(f"hint: {exc.hint}")
        raise typer.Exit(exc.exit_code) from None


def _connect(policy_file: Path) -> tuple[VaultPlan, VaultClient]:
    from ..policy.loader import load_policy
    from ..vault.client import connect, resolve_settings
    from ..views.vault_policies import vault_plan

    policy = load_policy(policy_file).policy
    return vault_plan(policy), connect(resolve_settings(policy.vault))


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return lines


@vault_app.command("check")
def check(policy: PolicyArg, output: OutputOpt = OutputFormat.text) -> None:
    """Every secret exists with its field, every policy and role is as rendered, each team is isolated."""
    from ..errors import CheckFailed
    from ..vault.preflight import check_vault

    with _reported():
        plan, client = _connect(policy)
        report = check_vault(plan, client)
    if output is OutputFormat.json:
        emit_json(report.to_dict())
        if not report.ok:
            raise typer.Exit(CheckFailed.exit_code)
        return
    checked = ", ".join(f"{n} {what}" for what, n in sorted(report.checked.items()))
    if report.ok:
        out(f"{report.address}: all good ({checked})")
        return
    rows: list[tuple[str, ...]] = [(f.check, f.file, f.message) for f in report.findings]
    for line in _table(rows, ("CHECK", "OBJECT", "FINDING")):
        out(line)
    err(f"{len(report.findings)} finding(s) in {report.address} ({checked})")
    raise typer.Exit(CheckFailed.exit_code)


@vault_app.command("sync")
def sync(
    policy: PolicyArg,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would change; write nothing.")] = False,
    output: OutputOpt = OutputFormat.text,
) -> None:
    """Create or update the policy's Vault ACL policies and Kubernetes-auth roles (idempotent)."""
    from ..vault.sync import sync_vault

    with _reported():
        plan, client = _connect(policy)
        changes = sync_vault(plan, client, dry_run=dry_run)
    if output is OutputFormat.json:
        emit_json({"dry_run": dry_run, "address": client.settings.address, "changes": [c.to_dict() for c in changes]})
        return
    verb = "would " if dry_run else ""
    for change in changes:
        action = change.action if change.action == "unchanged" else f"{verb}{change.action}"
        out(f"{action:<16} {change.kind:<6} {change.path}")
        for field_change in change.fields:
            out(f"    {field_change}")
        for line in change.diff:
            out(f"    {line}")
    counts = {a: sum(1 for c in changes if c.action == a) for a in ("create", "update", "unchanged")}
    summary = ", ".join(f"{n} {a}" for a, n in counts.items())
    out(f"{client.settings.address}: {summary}{' (dry run, nothing written)' if dry_run else ''}")


def register(app: typer.Typer) -> None:
    app.add_typer(vault_app, name="vault")
