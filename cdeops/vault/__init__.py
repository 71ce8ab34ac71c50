"""Talking to Vault: the hvac adapter, ``vault check`` (preflight) and ``vault sync``.

The plan of what Vault must hold comes from ``cdeops.views.vault_policies.vault_plan``, the same plan
the Terraform output renders, so ``sync`` and ``terraform apply`` write the same policies and roles.
"""

from __future__ import annotations

from .client import SecretState, VaultClient, VaultSettings, connect, resolve_settings
from .preflight import CheckReport, check_vault
from .sync import Change, plan_changes, sync_vault

__all__ = [
    "Change",
    "CheckReport",
    "SecretState",
    "VaultClient",
    "VaultSettings",
    "check_vault",
    "connect",
    "plan_changes",
    "resolve_settings",
    "sync_vault",
]
