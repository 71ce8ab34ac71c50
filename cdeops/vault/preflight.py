"""``cdeops vault check``: does a running Vault hold what the policy needs, and is each team isolated?

Checked, each problem one finding (``Finding.file`` names the Vault object):
mounts (KV v2 at ``vault.kv_mount``, Kubernetes auth at ``vault.auth_mount``); every provider key and
team gateway key exists with a non-empty field; every ACL policy exists with exactly the rendered rules;
every role exists and is bound as rendered; and, through ``sys/capabilities-accessor`` with a token
holding only that policy, each team reads its own key and nothing of the other teams or providers, and
the gateway reads every provider key. Secret values are never returned by the adapter, so never shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checks.findings import Finding
from ..errors import VaultError
from ..views.vault_policies import AclPolicy, AuthRole, SecretRef, TeamAccess, VaultPlan
from .client import VaultClient
from .compare import parse_policy_rules, role_differences, rule_differences

__all__ = ["CheckReport", "check_vault"]

_WRITE_CAPS = frozenset({"create", "update", "patch", "delete", "sudo"})
PROBE_KEY = "cdeops-vault-check-probe"  # a path no policy of cdeops grants


@dataclass
class CheckReport:
    address: str
    findings: list[Finding] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "address": self.address,
            "checked": dict(sorted(self.checked.items())),
            "findings": [
                {"check": f.check, "object": f.file, "message": f.message, "severity": f.severity}
                for f in self.findings
            ],
        }


class _Run:
    def __init__(self, plan: VaultPlan, client: VaultClient) -> None:
        self.plan = plan
        self.client = client
        self.report = CheckReport(client.settings.address)
        self.live_policies: set[str] = set()

    def add(self, check: str, subject: str, message: str) -> None:
        self.report.findings.append(Finding(check, subject, 0, message))

    def count(self, what: str) -> None:
        self.report.checked[what] = self.report.checked.get(what, 0) + 1

    # -- mounts ---------------------------------------------------------------------------------------

    def mounts(self) -> None:
        plan = self.plan
        try:
            engine = self.client.secrets_engine(plan.kv_mount)
        except VaultError as exc:
            self.add("vault-mount", f"{plan.kv_mount}/", f"cannot read the mount: {exc.message}")
        else:
            if engine is None:
                self.add("vault-mount", f"{plan.kv_mount}/", "no secrets engine is mounted here")
            elif engine.get("type") != "kv" or str((engine.get("options") or {}).get("version")) != "2":
                self.add("vault-mount", f"{plan.kv_mount}/", f"is {engine.get('type')}, not a KV version 2 mount")
        try:
            kind = self.client.auth_method_type(plan.auth_mount)
        except VaultError as exc:
            self.add("vault-mount", f"auth/{plan.auth_mount}/", f"cannot list auth methods: {exc.message}")
        else:
            if kind is None:
                self.add("vault-mount", f"auth/{plan.auth_mount}/", "no auth method is mounted here")
            elif kind != "kubernetes":
                self.add("vault-mount", f"auth/{plan.auth_mount}/", f"is a {kind} auth method, not kubernetes")
            else:
                self.auth_config()

    def auth_config(self) -> None:
        subject = f"auth/{self.plan.auth_mount}/config"
        try:
            config = self.client.auth_config(self.plan.auth_mount)
        except VaultError as exc:
            self.add("vault-mount", subject, f"cannot read: {exc.message}")
            return
        if not config or not config.get("kubernetes_host"):
            self.add("vault-mount", subject, "the Kubernetes auth method is not configured (no kubernetes_host)")

    # -- secrets --------------------------------------------------------------------------------------

    def secret(self, ref: SecretRef) -> None:
        subject = f"{self.plan.kv_mount}/{ref.path}"
        self.count("secrets")
        try:
            state = self.client.secret_state(self.plan.kv_mount, ref.path)
        except VaultError as exc:
            self.add("vault-secret", subject, f"{ref.owner}: cannot read: {exc.message}")
            return
        if not state.exists:
            self.add("vault-secret", subject, f"{ref.owner}: secret does not exist (or its latest version is deleted)")
        elif ref.key in state.empty_fields:
            self.add("vault-secret", subject, f"{ref.owner}: field {ref.key} is empty")
        elif ref.key not in state.filled_fields:
            self.add("vault-secret", subject, f"{ref.owner}: secret has no field {ref.key}")

    # -- policies and roles ---------------------------------------------------------------------------

    def policy(self, acl: AclPolicy) -> None:
        subject = f"sys/policy/{acl.name}"
        self.count("policies")
        try:
            text = self.client.read_policy(acl.name)
        except VaultError as exc:
            self.add("vault-policy", subject, f"cannot read: {exc.message}")
            return
        if text is None:
            self.add("vault-policy", subject, "policy does not exist")
            return
        self.live_policies.add(acl.name)
        rules = parse_policy_rules(text)
        if rules is None:
            self.add("vault-policy", subject, "policy is not the rendered one (it has more than path rules)")
            return
        for problem in rule_differences(acl.rule_map(), rules):
            self.add("vault-policy", subject, problem)

    def role(self, role: AuthRole) -> None:
        subject = f"auth/{self.plan.auth_mount}/role/{role.name}"
        self.count("roles")
        try:
            actual = self.client.read_role(self.plan.auth_mount, role.name)
        except VaultError as exc:
            self.add("vault-role", subject, f"cannot read: {exc.message}")
            return
        if actual is None:
            self.add("vault-role", subject, "role does not exist")
            return
        for change in role_differences(role, actual):
            self.add("vault-role", subject, f"{change.field} is {change.before!r}, rendered {change.after!r}")

    # -- isolation ------------------------------------------------------------------------------------

    def _capabilities(self, policy: str, paths: list[str]) -> dict[str, frozenset[str]] | None:
        try:
            return self.client.capabilities([policy], paths)
        except VaultError as exc:
            self.add("vault-access", f"sys/policy/{policy}", f"cannot evaluate the policy: {exc.message}")
            return None

    def team(self, team: TeamAccess) -> None:
        if team.policy not in self.live_policies:
            return  # already reported missing or unreadable
        self.count("isolation")
        kv = self.plan.kv_mount
        own = set(team.read_paths) | set(team.list_paths)
        foreign = [
            p for other in self.plan.teams if other.team != team.team for p in other.read_paths + other.list_paths
        ]
        foreign += [f"{kv}/data/{k.path}" for k in self.plan.provider_keys]
        foreign += [f"{kv}/data/{PROBE_KEY}", f"{kv}/metadata/"]
        foreign = sorted(set(foreign) - own)
        caps = self._capabilities(team.policy, sorted(own) + foreign)
        if caps is None:
            return
        subject = f"sys/policy/{team.policy}"
        for path in team.read_paths:
            if "read" not in caps[path]:
                self.add("vault-access", subject, f"team {team.team} cannot read its own key {path}")
            extra = caps[path] & _WRITE_CAPS
            if extra:
                self.add("vault-access", subject, f"team {team.team} may {', '.join(sorted(extra))} {path} (read only)")
        for path in team.list_paths:
            if "list" not in caps[path]:
                self.add("vault-access", subject, f"team {team.team} cannot list its own folder {path}")
        for path in foreign:
            granted = caps[path] - {"deny"}
            if granted:
                self.add(
                    "vault-access", subject, f"over-broad: team {team.team} may {', '.join(sorted(granted))} {path}"
                )

    def gateway(self) -> None:
        acl = self.plan.gateway
        if acl is None or acl.name not in self.live_policies:
            return
        self.count("isolation")
        reads = [r.path for r in acl.rules]
        foreign = sorted({p for t in self.plan.teams for p in t.read_paths} - set(reads))
        caps = self._capabilities(acl.name, reads + foreign)
        if caps is None:
            return
        subject = f"sys/policy/{acl.name}"
        for path in reads:
            if "read" not in caps[path]:
                self.add("vault-access", subject, f"the gateway cannot read provider key {path}")
        for path in foreign:
            granted = caps[path] - {"deny"}
            if granted:
                self.add("vault-access", subject, f"over-broad: the gateway may {', '.join(sorted(granted))} {path}")


def check_vault(plan: VaultPlan, client: VaultClient) -> CheckReport:
    """Every finding about ``plan`` in the Vault ``client`` talks to (empty findings: all good)."""
    run = _Run(plan, client)
    run.mounts()
    for ref in plan.secrets:
        run.secret(ref)
    for acl in plan.policies:
        run.policy(acl)
    for role in plan.roles:
        run.role(role)
    for team in plan.teams:
        run.team(team)
    run.gateway()
    return run.report
